"""The promotions a plan does not use, and why, in words and figures (`unused_promotions`).

A flash sale, a gift or a coupon is often set up (and paid for) by a brand; when the plan leaves
one out, the team must hear it from the plan, not find out on air. For each unused promotion
this says which of four things happened, with the figures behind it:

- `no_stock`: none of its products can air (no stock left after the reserve);
- `cannot_fit`: no segment can carry it (its window is shorter than it needs, or lies in a break);
- `earns_less`: at its best place it earns less than airing the same product at the live price;
- `not_chosen`: it would earn more than the live price there, but the plan earns more without
  it (its place, its product's air time or the rules are worth more elsewhere).

The figures are the demand formula's (plan/demand.py), for a first airing, on every start and
length the show's grid allows, ignoring the other rules: the promotion at its best place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lqplan.plan.demand import Demand, Mode
from lqplan.plan.demand_arrays import Bools, Ints, mode_table, segment_outcomes
from lqplan.plan.options import flash_min_minutes
from lqplan.plan.result import Solution
from lqplan.show.model import Coupon, FlashSale, Gift, LuckyBag, Window

Reason = Literal["no_stock", "cannot_fit", "earns_less", "not_chosen"]


@dataclass(frozen=True)
class BestPlace:
    """The promotion's most valuable segment against the same segment at the live price."""

    sku: str
    start_minute: int
    minutes: int
    gain_cents: int  # the promotion's value minus the live price's, same product, same place


def unused_promotions(demand: Demand, solution: Solution) -> list[dict[str, Any]]:
    """One entry per promotion of show.yaml that the plan does not use, in show.yaml's order."""
    used = {demand.options[i].mode.promotion for i in solution.options}
    used |= {demand.drops[i].promotion for i in solution.drops}
    out = []
    for promo in demand.inputs.show.promotions:
        if promo.id in used or promo.type == "collab":
            continue  # a collab is a hard rule: the plan airs it or there is no plan
        if isinstance(promo, LuckyBag):
            out.append(_unused_bag(demand, promo))
        else:
            out.append(_unused_offer(demand, promo))
    return out


def _unused_offer(demand: Demand, promo: FlashSale | Gift | Coupon) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": promo.id, "type": promo.type}
    if isinstance(promo, FlashSale | Gift):
        entry["sku"] = promo.sku
    modes = [
        (sku, mode)
        for sku, product_modes in sorted(demand.modes.items())
        for mode in product_modes
        if mode.promotion == promo.id
    ]
    if not modes:
        entry["reason"] = "no_stock"
        return entry
    best = best_place(demand, modes)
    if best is None:
        entry["reason"] = "cannot_fit"
        entry["needs_minutes"] = promo.min_minutes if isinstance(promo, FlashSale) else None
        entry["window_minutes"] = _window_minutes(demand, promo.window)
        inputs = demand.inputs
        entry["longest_minutes"] = max(
            max(inputs.segment_lengths(inputs.products[sku]), default=0) for sku, _ in modes
        )
        return entry
    entry["reason"] = "earns_less" if best.gain_cents <= 0 else "not_chosen"
    entry["best"] = {
        "sku": best.sku,
        "start_minute": best.start_minute,
        "at": demand.inputs.show.clock(best.start_minute),
        "minutes": best.minutes,
        "gain_cents": best.gain_cents,
    }
    return entry


def best_place(demand: Demand, modes: list[tuple[str, Mode]]) -> BestPlace | None:
    """The most valuable first-airing segment of any of these (product, promotion mode) pairs
    against the live price at the same place; None when no segment can carry the promotion.

    Every place is valued at once (demand_arrays, segment_outcome's formula to the bit): one by
    one, the show's promotions took 2-5 s of assembling a plan on 1,000 products. Places are
    laid out pair by pair, length by length, start by start, so the first best one is the one
    a loop in that order keeps."""
    inputs, slot = demand.inputs, demand.slot
    # blocked_before[t]: slots inside breaks before slot t.
    blocked_before = np.zeros(demand.slots + 1, dtype=np.int64)
    for t in demand.blocked:
        blocked_before[t + 1 :] += 1
    pairs: list[tuple[str, Mode]] = []
    rows: list[tuple[int, Ints, int]] = []  # (pair index, start minutes, minutes)
    for sku, mode in modes:
        k = len(pairs)
        pairs += [(sku, mode), (sku, demand.modes[sku][0])]  # the live-price mode comes first
        least = flash_min_minutes(demand, mode)
        for minutes in inputs.segment_lengths(inputs.products[sku]):
            if minutes < least:
                continue
            begin = np.arange(0, inputs.show.minutes - minutes + 1, slot, dtype=np.int64)
            clear = blocked_before[(begin + minutes) // slot] == blocked_before[begin // slot]
            begin = begin[clear & _in_window(mode, begin, minutes)]
            if len(begin):
                rows.append((k, begin, minutes))
    if not rows:
        return None
    pair = np.concatenate([np.full(len(b), k, dtype=np.int64) for k, b, _ in rows])
    begin = np.concatenate([b for _, b, _ in rows])
    length = np.concatenate([np.full(len(b), m, dtype=np.int64) for _, b, m in rows])
    table = mode_table(demand, pairs)
    first, lead = np.ones(len(pair), dtype=np.int64), np.zeros(len(pair), dtype=np.int64)
    here = segment_outcomes(demand, table, pair, begin, length, first, lead).values(demand)
    there = segment_outcomes(demand, table, pair + 1, begin, length, first, lead).values(demand)
    gain = here - there
    best = int(np.argmax(gain))
    sku = pairs[int(pair[best])][0]
    return BestPlace(sku, int(begin[best]), int(length[best]), int(gain[best]))


def _in_window(mode: Mode, begin: Ints, minutes: int) -> Bools:
    """in_window for each start in `begin`: the promotion's part inside its window."""
    if mode.window is None:
        return np.ones(len(begin), dtype=np.bool_)
    promo = minutes if mode.promo_minutes is None else min(minutes, mode.promo_minutes)
    return (mode.window[0] <= begin) & (begin + promo <= mode.window[1])


def _unused_bag(demand: Demand, bag: LuckyBag) -> dict[str, Any]:
    """A lucky bag never drawn: its countdown fits nowhere, or each drop costs more than the
    viewers it keeps are worth (profit objective) and the cadence is met by the other bags."""
    entry: dict[str, Any] = {"id": bag.id, "type": bag.type}
    drops = [d for d in demand.drops if d.promotion == bag.id]
    if not drops:
        entry["reason"] = "cannot_fit"
        entry["needs_minutes"] = bag.countdown_minutes
        entry["window_minutes"] = _window_minutes(demand, bag.window)
        return entry
    top = max(drops, key=lambda d: (d.value_cents, -d.start))
    entry["reason"] = "earns_less" if top.value_cents <= 0 else "not_chosen"
    entry["best"] = {
        "start_minute": top.start * demand.slot,
        "at": demand.inputs.show.clock(top.start * demand.slot),
        "minutes": bag.countdown_minutes,
        "gain_cents": top.value_cents,
    }
    return entry


def _window_minutes(demand: Demand, window: Window | None) -> int | None:
    """Minutes in a promotion's window (None: no window, the whole show)."""
    if window is None:
        return None
    show = demand.inputs.show
    return (show.offset(window.to) or show.minutes) - show.offset(window.from_)
