"""Play a plan out in a market: what a show would have sold, minute by minute (docs/learn.md).

    actuals = simulate(plan, market, seed=7, until=None)   # ACTUALS data, per minute and segment

The market is a show's inputs (its files, or its files with a MODEL applied): its coefficients
may differ from those the plan was made with. Each minute on air a product sells a Poisson
number of units around the market's demand model (docs/model.md) at the viewers that minute
actually had; the stock (all of it: the reserve is the planner's margin, not the market's) and
each promotion's units cap what sells. A flash sale that sells out goes on at the live price.
The same plan, market and seed give the same actuals.

What the market does not do: lucky bags and traffic items do not move its viewers (their value
stays the demand model's), and buyers do not remember earlier segments beyond the encore factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lqplan.errors import UsageError
from lqplan.plan.demand import demand_context, product_conversion
from lqplan.show.fields import format_clock, parse_clock
from lqplan.show.model import Coupon, FlashSale, Gift
from lqplan.show.validate import ShowInputs

# How much the viewers a show gets differ from the market's curve: the whole show's level
# (log-normal, this standard deviation) and each minute's reading around it.
VIEWER_LEVEL_SD = 0.10
VIEWER_MINUTE_SD = 0.04


@dataclass(frozen=True)
class MarketNoise:
    """How far a simulated show's viewers stray: the whole show's level, and minute by minute."""

    level_sd: float = VIEWER_LEVEL_SD
    minute_sd: float = VIEWER_MINUTE_SD


def simulate(
    plan: dict[str, Any],
    market: ShowInputs,
    *,
    seed: int = 0,
    until: int | None = None,
    noise: MarketNoise | None = None,
) -> dict[str, Any]:
    """ACTUALS (as data) of `plan` played out in `market` up to minute `until` of the show (the
    end when None). UsageError when the plan and the market are not the same show's."""
    noise = noise or MarketNoise()
    show = market.show
    minutes = int(plan["show"]["minutes"])
    end = minutes if until is None else max(0, min(until, minutes))
    unknown = sorted({s["sku"] for s in plan["segments"]} - set(market.products))
    if unknown:
        raise UsageError(f"the market has no product {', '.join(unknown)} that the plan airs")
    if parse_clock(plan["show"]["start"]) != show.start:
        raise UsageError(
            f"the plan starts at {plan['show']['start']} and the market's show at "
            f"{format_clock(show.start)}: not the same show"
        )
    rng = np.random.default_rng(seed)
    context = demand_context(market)
    curve = context.viewers
    level = math.exp(rng.normal(0.0, noise.level_sd))
    jitter = np.exp(rng.normal(0.0, noise.minute_sd, size=minutes + 1))
    viewers = [curve[m] * level * float(jitter[m]) for m in range(minutes + 1)]
    weights = context.sales_weights
    settings = show.demand
    promotions = {p.id: p for p in show.promotions}
    caps = _promotion_caps(show.promotions)
    left = {sku: float(item.units) for sku, item in market.stock_by_sku.items()}
    sold: dict[str, float] = {}
    sales: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    airings: dict[str, int] = {}
    for seg in sorted(plan["segments"], key=lambda s: s["start_minute"]):
        start = int(seg["start_minute"])
        if start >= end:
            break
        sku = seg["sku"]
        product = market.products[sku]
        airings[sku] = airings.get(sku, 0) + 1
        repeat = settings.repeat_factor if airings[sku] > 1 else 1.0
        promo = promotions.get(seg.get("promotion") or "")
        if promo is not None and promo.type not in ("flash_sale", "gift", "coupon"):
            promo = None  # a collab airs at the live price
        live = product.live_price
        normal = product_conversion(market, product, live) * repeat
        promo_price, promo_conv, promo_minutes = live, normal, 0
        if promo is not None:
            promo_price = _promotion_price(promo, live)
            lift = getattr(settings, f"{promo.type}_lift")
            promo_conv = product_conversion(market, product, promo_price) * lift * repeat
            promo_minutes = (
                min(seg["minutes"], promo.max_minutes)
                if isinstance(promo, FlashSale)
                else seg["minutes"]
            )
        stop = min(start + int(seg["minutes"]), end)
        units_total = gmv_total = viewer_sum = 0.0
        for m in range(start, stop):
            k = m - start
            under_promo = promo is not None and k < promo_minutes and caps.get(promo.id, 1) > 0
            conversion, price = (promo_conv, promo_price) if under_promo else (normal, live)
            rate = viewers[m] * conversion * settings.decay**k
            if weights is not None:
                rate *= weights[m]
            units = float(rng.poisson(rate))
            units = min(units, left.get(sku, 0.0))
            if under_promo and promo is not None and promo.id in caps:
                units = min(units, caps[promo.id])
                caps[promo.id] -= units
            left[sku] = left.get(sku, 0.0) - units
            viewer_sum += viewers[m]
            if units > 0:
                gmv = round(units * price, 2)
                sales.append({"at": _clock(market, m), "sku": sku, "units": int(units), "gmv": gmv})
                units_total += units
                gmv_total += gmv
        sold[sku] = sold.get(sku, 0.0) + units_total
        entry: dict[str, Any] = {
            "number": seg["number"],
            "sku": sku,
            "start": _clock(market, start),
            "end": _clock(market, stop),
        }
        if promo is not None:
            entry["promotion"] = promo.id
        entry["units"] = int(units_total)
        entry["gmv"] = round(gmv_total, 2)
        entry["viewers"] = round(viewer_sum / max(1, stop - start), 1)
        segments.append(entry)
    watch = show.kpi.watch_time_seconds or 60
    actuals: dict[str, Any] = {}
    if until is not None:
        actuals["at"] = _clock(market, end)
    actuals["plan"] = plan["show"]["title"]
    actuals["views"] = round(sum(viewers[:end]) * 60 / watch)
    actuals["orders"] = int(sum(sold.values()))
    actuals["gmv"] = round(sum(s["gmv"] for s in segments), 2)
    actuals["segments"] = segments
    actuals["sales"] = sales
    actuals["viewer_log"] = [
        {"at": _clock(market, m), "viewers": round(viewers[m])} for m in range(0, end)
    ]
    actuals["stock_left"] = {sku: int(left.get(sku, 0.0)) for sku in sorted(sold)}
    actuals["lucky_bags"] = [
        {"id": b["id"], "at": b["at"]} for b in plan.get("lucky_bags", []) if b["minute"] < end
    ]
    return actuals


def _clock(inputs: ShowInputs, minute: int) -> str:
    return inputs.show.clock(minute)


def _promotion_price(promo: Any, live: float) -> float:
    if isinstance(promo, FlashSale):
        return promo.price
    if isinstance(promo, Coupon):
        return live - promo.amount
    return live


def _promotion_caps(promotions: Any) -> dict[str, float]:
    """Units each promotion can still sell: flash-sale units, gift units, coupons issued."""
    caps: dict[str, float] = {}
    for p in promotions:
        if isinstance(p, FlashSale | Gift):
            caps[p.id] = float(p.units)
        elif isinstance(p, Coupon):
            count = p.count
            if p.budget is not None and p.amount > 0:
                by_budget = math.floor(p.budget / p.amount)
                count = by_budget if count is None else min(count, by_budget)
            if count is not None:
                caps[p.id] = float(count)
    return caps


def actuals_text(actuals: dict[str, Any]) -> str:
    """The ACTUALS file's text, as `lqplan live --record` writes it (a line per entry)."""
    from lqplan.live.actuals import dump_actuals

    return dump_actuals(actuals)
