"""Stage 3, options: every choice the optimiser may make (product × airing × start × length ×
mode, and each lucky-bag drop), valued with the demand formula (demand.py).

This is the demand model's solver side: the start grid (restarted at each rule family's
anchors), the shortlist of a large catalog (keeping every product a rule names) and the options
themselves. The independent checker never imports it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from lqplan.io.collector import collector_paused
from lqplan.plan.demand import (
    BagDrop,
    Demand,
    Mode,
    Option,
    Outcome,
    bag_value,
    demand_context,
    option_value,
    preference,
    segment_outcome,
)
from lqplan.plan.demand_arrays import (
    Bools,
    Ints,
    mode_table,
    preferences,
    segment_outcomes,
)
from lqplan.rules import families
from lqplan.show.model import Collab, Coupon, FlashSale, Gift, Host, LuckyBag, Product, Show
from lqplan.show.validate import ShowInputs

# The shortlist keeps products until their segments could fill this many times the show
# (measured while the model was designed: a cover of 2–2.5× lost nothing measurable at 300 products
# × 240 slots against the full catalog).
SHORTLIST_COVER = 2.5
SHORTLIST_PER_CATEGORY = 3  # and at least this many per category (no back to back needs variety)
SHORTLIST_PER_ROLE = 3  # and of the opening roles and of heroes, when their rules are on
STRIDE_MINUTES = 2  # automatic start stride: segments start on a grid of at least 2 minutes


def build_demand(
    inputs: ShowInputs, *, shortlist: bool = True, stride: int | None = None
) -> Demand:
    """Precompute every option (product × airing × start × length × mode) and every bag drop.

    A promotion option worth no more than the same segment at the live price is left out: the
    live-price option fits everywhere it does, under fewer rules, so it can never be needed.
    This keeps the model small (a third of the marathon sample's options). A required
    promotion keeps all its options: the plan must run it even where it earns less.

    On a large catalog `shortlist` keeps only the products a plan can use (see
    `shortlist_products`; a catalog that fills the show less than 2.5 times over is kept whole).
    `stride` lets segments start only every `stride` slots (the grid restarts after each break
    and at each pin); None picks the smallest stride of at least 2 minutes, so 1-minute slots
    get starts every 2 minutes and coarser grids are left alone.
    """
    demand = demand_context(inputs)
    demand.stride = max(1, stride if stride is not None else -(-STRIDE_MINUTES // demand.slot))
    if shortlist:
        kept = shortlist_products(demand)
        demand.left_out = tuple(sku for sku in demand.modes if sku not in kept)
    else:
        kept = set(demand.modes)
    demand.options = _options(demand, [p for p in inputs.catalog.products if p.sku in kept])
    demand.drops = _bag_drops(demand)
    return demand


def _leads(demand: Demand, airing: int, longest: int, start: int) -> list[tuple[int, int]]:
    """(pitch, lead) of each way airing `airing` starting at `start` may go on with the pitch
    of the airing before it: a pitch begun on the first airing (pitch 1) or on an encore (2),
    with `lead` slots of it on air before.

    The pieces before the last of a pitch are taken to be of the product's longest length: the
    pitch's value depends only on its span (the decay runs on over the pieces), so every other
    way of cutting it is worth the same at the live price, and one lead per pitch keeps the
    model small (any cut would make it quadratic in the show's length)."""
    out = []
    if airing < 2:
        return []
    for pitch, pieces in [(1, [airing - 1]), (2, list(range(1, airing - 1)))]:
        for count in pieces:
            lead = count * longest
            if lead <= start and not any(t in demand.blocked for t in range(start - lead, start)):
                out.append((pitch, lead))
    return out


def _start_grid(demand: Demand) -> tuple[set[int], set[int]]:
    """Slots where a segment may start, and where one may end, for the demand's stride.

    The grid is anchored at the show's start, after each break and at each pin; a segment may
    also end where a break begins or where the show ends, so a stride never strands a slot.
    """
    slots, stride = demand.slots, demand.stride
    everything = set(range(slots + 1))
    if stride == 1:
        return everything, everything
    show = demand.inputs.show
    anchors = {0}
    edges = {slots}
    for t in range(1, slots):
        if t - 1 in demand.blocked and t not in demand.blocked:
            anchors.add(t)  # a break ends
        if t in demand.blocked and t - 1 not in demand.blocked:
            edges.add(t)  # a break begins
    for family in families():
        anchors |= {minute // demand.slot for minute in family.anchors(show)}
    starts, anchor = set(), 0
    for t in range(slots):
        if t in anchors:
            anchor = t
        if (t - anchor) % stride == 0:
            starts.add(t)
    return starts, starts | anchors | edges


def protected_products(inputs: ShowInputs) -> set[str]:
    """SKUs a rule or a promotion names: the shortlist never drops them."""
    skus: set[str] = set()
    for family in families():
        skus |= family.protected(inputs.show)
    for promo in inputs.show.promotions:
        if isinstance(promo, FlashSale | Gift | Collab):
            skus.add(promo.sku)
        if isinstance(promo, Coupon) and promo.skus:
            skus |= set(promo.skus)
    return skus


def shortlist_products(demand: Demand) -> set[str]:
    """The products worth offering the optimiser: every protected product (named by a rule or
    a promotion), then the best by value per slot until their
    default segments cover SHORTLIST_COVER × the show's air time, then the best few of each
    category, of the opening roles and of heroes.

    Value per slot is the product's best default-length segment (any mode, stock cap included)
    at a handful of starts spread over the show. On a catalog that covers the show less than
    SHORTLIST_COVER times, every product is kept.
    """
    inputs = demand.inputs
    products = [p for p in inputs.catalog.products if p.sku in demand.modes]
    minutes = {
        p.sku: inputs.segment_minutes(p).default * demand.max_airings[p.sku] for p in products
    }
    target = SHORTLIST_COVER * (demand.slots - len(demand.blocked)) * demand.slot
    if sum(minutes.values()) <= target:
        return {p.sku for p in products}
    density = {p.sku: _value_per_slot(demand, p) for p in products}
    ranked = sorted(products, key=lambda p: (-density[p.sku], p.sku))
    kept = protected_products(inputs) & set(density)
    covered = sum(minutes[sku] for sku in kept)
    for p in ranked:
        if covered >= target:
            break
        if p.sku not in kept:
            kept.add(p.sku)
            covered += minutes[p.sku]
    rules = inputs.show.rules
    groups: list[tuple[int, Callable[[Product], bool]]] = []  # (minimum, predicate)
    categories = {p.category for p in products}
    for category in sorted(categories):
        groups.append((SHORTLIST_PER_CATEGORY, _in_category(category)))
    if rules.opening.enabled:
        roles = set(rules.opening.roles)
        groups.append((SHORTLIST_PER_ROLE, lambda p: p.role in roles))
    if rules.first_hero.enabled or rules.hero_encore.enabled:
        groups.append((SHORTLIST_PER_ROLE, lambda p: p.role == "hero"))
    for minimum, predicate in groups:
        have = sum(1 for p in products if p.sku in kept and predicate(p))
        for p in ranked:
            if have >= minimum:
                break
            if p.sku not in kept and predicate(p):
                kept.add(p.sku)
                have += 1
    return kept


def _in_category(category: str) -> Callable[[Product], bool]:
    """Is a product of `category`? (A function per category, bound now, not at the loop's end.)"""
    return lambda p: p.category == category


def _value_per_slot(demand: Demand, product: Product) -> float:
    """Best (value + preference) per slot of a default-length first airing, over 8 starts."""
    inputs = demand.inputs
    lengths = inputs.segment_lengths(product)
    default = inputs.segment_minutes(product).default
    minutes = min(lengths, key=lambda m: (abs(m - default), m)) if lengths else default
    length = max(1, minutes // demand.slot)
    last = demand.slots - length
    best = -math.inf
    for start in sorted({round(last * k / 7) for k in range(8)}):
        begin = start * demand.slot
        for mode in demand.modes[product.sku]:
            if mode.kind == "flash_sale" or mode.window is not None:
                continue  # windows and one-off sales: the live price and open promotions
            outcome = segment_outcome(demand, product.sku, mode, begin, minutes, 1)
            value = option_value(demand, outcome) + preference(demand, product.sku, begin)
            best = max(best, value / length)
    return best


def _options(demand: Demand, products: list[Product]) -> list[Option]:
    """Every option of `products`, numbered in the order the optimiser has always seen them: by
    product, airing, length, start, (pitch, lead), then mode (the live price first). The
    segments are laid out as arrays and valued at once (demand_arrays: the formula of
    segment_outcome, to the bit); only the options kept become objects."""
    rows = _segment_rows(demand, products)
    pairs = [(p.sku, mode) for p in products for mode in demand.modes[p.sku]]
    table = mode_table(demand, pairs)
    count = np.array([len(demand.modes[p.sku]) for p in products], dtype=np.int64)
    first = np.cumsum(count) - count  # each product's first row in the table
    # One candidate per (segment, mode), the modes of a segment side by side.
    per_row = count[rows.product]
    row = np.repeat(np.arange(len(rows.product)), per_row)
    place = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    mode = first[rows.product][row] + place
    kept = _fits(demand, pairs, mode, rows.airing[row], rows.start[row], rows.slots[row])
    row, mode, place = row[kept], mode[kept], place[kept]
    begin = rows.start[row] * demand.slot
    outcomes = segment_outcomes(
        demand,
        table,
        mode,
        begin,
        rows.slots[row] * demand.slot,
        np.where(rows.pitch[row] > 0, rows.pitch[row], rows.airing[row]),
        rows.lead[row] * demand.slot,
    )
    value = outcomes.values(demand)
    # A promotion worth no more than the live price in the same segment is dominated (unless
    # required); the live-price mode always fits, and comes first.
    live = np.zeros(len(rows.product), dtype=np.int64)
    live[row[place == 0]] = value[place == 0]
    required = {p.id for p in demand.inputs.show.promotions if p.type != "collab" and p.required}
    needed = np.array([m.promotion in required for _, m in pairs], dtype=np.bool_)
    keep = (place == 0) | (value > live[row]) | needed[mode]
    row, mode, value = row[keep], mode[keep], value[keep]
    skus = [p.sku for p in products]
    preference = preferences(demand, skus, rows.product, rows.start * demand.slot)[row]
    modes = [m for _, m in pairs]
    # Hundreds of thousands of options hold no cycles: the collector's passes over the growing
    # heap took 40 % of building XL's.
    with collector_paused():
        outcome = list(
            map(
                Outcome,
                outcomes.units[keep].tolist(),
                outcomes.promo_units[keep].tolist(),
                outcomes.gmv_cents[keep].tolist(),
                outcomes.profit_cents[keep].tolist(),
                outcomes.pull_cents[keep].tolist(),
            )
        )
        # Option's fields in their declared order (test_vectorised builds its by name).
        return list(
            map(
                Option,
                range(len(row)),
                [skus[p] for p in rows.product[row].tolist()],
                rows.airing[row].tolist(),
                [modes[m] for m in mode.tolist()],
                rows.start[row].tolist(),
                rows.slots[row].tolist(),
                outcome,
                value.tolist(),
                preference.tolist(),
                rows.lead[row].tolist(),
                rows.pitch[row].tolist(),
            )
        )


@dataclass(frozen=True)
class _Rows:
    """The segments options are made of, one entry each (slots, not minutes)."""

    product: Ints  # index into the products list
    airing: Ints
    start: Ints
    slots: Ints
    pitch: Ints
    lead: Ints


def _segment_rows(demand: Demand, products: list[Product]) -> _Rows:
    """Every segment each product may air: on the start grid, clear of breaks, inside its
    collab window, and for a back-to-back product each way of going on with a pitch."""
    inputs, show = demand.inputs, demand.inputs.show
    starts, ends = _start_grid(demand)
    collab_windows = {
        p.sku: (show.offset(p.window.from_), show.offset(p.window.to) or show.minutes)
        for p in show.promotions
        if p.type == "collab"
    }
    fitting: dict[int, Ints] = {}  # length -> the starts a segment of it may take
    pieces: list[tuple[int, int, int, Ints, Ints, Ints]] = []  # product, airing, length, ...
    for index, product in enumerate(products):
        lengths = [m // demand.slot for m in inputs.segment_lengths(product)]
        collab = collab_windows.get(product.sku)
        back_to_back = show.rules.back_to_back(product.sku)
        for airing in range(1, demand.max_airings[product.sku] + 1):
            for length in lengths:
                if length not in fitting:
                    fitting[length] = _fitting_starts(demand, starts, ends, length)
                begin = fitting[length]
                if collab is not None:
                    minute = begin * demand.slot
                    inside = (minute >= collab[0]) & (minute + length * demand.slot <= collab[1])
                    begin = begin[inside]
                pitch = lead = np.zeros_like(begin)
                if back_to_back:
                    begin, pitch, lead = _pitch_ways(demand, airing, max(lengths), begin)
                pieces.append((index, airing, length, begin, pitch, lead))
    sizes = [len(piece[3]) for piece in pieces]

    def each(column: int) -> Ints:
        return np.repeat(np.array([p[column] for p in pieces], dtype=np.int64), sizes)

    def joined(column: int) -> Ints:
        return np.concatenate([p[column] for p in pieces]) if pieces else np.zeros(0, np.int64)

    return _Rows(each(0), each(1), joined(3), each(2), joined(4), joined(5))


def _pitch_ways(demand: Demand, airing: int, longest: int, begin: Ints) -> tuple[Ints, Ints, Ints]:
    """(start, pitch, lead) of each start in `begin`: once beginning its own pitch (0, 0), then
    once per way of going on with the pitch before it (`_leads`)."""
    ways = [
        (start, pitch, lead)
        for start in begin.tolist()
        for pitch, lead in [(0, 0), *_leads(demand, airing, longest, start)]
    ]
    table = np.array(ways, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _fitting_starts(demand: Demand, starts: set[int], ends: set[int], length: int) -> Ints:
    """Starts on the grid where a segment of `length` slots ends on the grid, clear of breaks."""
    blocked = demand.blocked
    return np.array(
        [
            s
            for s in range(demand.slots - length + 1)
            if s in starts
            and s + length in ends
            and not any(t in blocked for t in range(s, s + length))
        ],
        dtype=np.int64,
    )


def _fits(
    demand: Demand,
    pairs: list[tuple[str, Mode]],
    mode: Ints,
    airing: Ints,
    start: Ints,
    slots: Ints,
) -> Bools:
    """May each candidate (segment, mode) be offered: a flash sale only on a first airing long
    enough for it, and a promotion with a window only inside it (`in_window`)."""
    begin, minutes = start * demand.slot, slots * demand.slot
    modes = [m for _, m in pairs]
    flash = np.array([m.kind == "flash_sale" for m in modes], dtype=np.bool_)[mode]
    shortest = np.array([flash_min_minutes(demand, m) for m in modes], dtype=np.int64)[mode]
    ok = ~(flash & ((airing > 1) | (minutes < shortest)))
    windowed = np.array([m.window is not None for m in modes], dtype=np.bool_)
    if windowed.any():
        low = np.array([m.window[0] if m.window else 0 for m in modes], dtype=np.int64)[mode]
        high = np.array([m.window[1] if m.window else 0 for m in modes], dtype=np.int64)[mode]
        fixed = np.array(
            [-1 if m.promo_minutes is None else m.promo_minutes for m in modes], dtype=np.int64
        )[mode]
        promo = np.where(fixed < 0, minutes, np.minimum(minutes, fixed))
        inside = (low <= begin) & (begin + promo <= high)
        ok &= ~windowed[mode] | inside
    return ok


# Every field of an Option after its index, read in one call (renumbered).
_AFTER_INDEX = operator.attrgetter(*(f.name for f in fields(Option)[1:]))


def renumbered(option: Option, index: int) -> Option:
    """The option at a new place in a smaller Demand's list (the optimiser indexes variables by
    it). Built from its fields in one call: copy.copy of a slotted dataclass goes through
    __reduce_ex__ and cost 11 µs an option, 18 % of a window search's time on 300 × 240
    (about 1,900 options copied per window); this is 3.7 µs."""
    if option.index == index:
        return option
    return Option(index, *_AFTER_INDEX(option))


def in_window(mode: Mode, begin: int, minutes: int) -> bool:
    """Does the promotion's part of a segment [begin, begin + minutes) lie inside its window
    (a flash sale's first max_minutes; a gift or coupon the whole segment)? True without one."""
    if mode.window is None:
        return True
    promo_minutes = minutes if mode.promo_minutes is None else min(minutes, mode.promo_minutes)
    return mode.window[0] <= begin and begin + promo_minutes <= mode.window[1]


def flash_min_minutes(demand: Demand, mode: Mode) -> int:
    """A flash sale's min_minutes; any other promotion fits the shortest segment (1)."""
    for promo in demand.inputs.show.promotions:
        if isinstance(promo, FlashSale) and promo.id == mode.promotion:
            return promo.min_minutes
    return 1


def _hosted_minutes(show: Show) -> list[bool]:
    """Per minute of the show: is a host on air to count a lucky bag down and draw it? Someone
    on shift (a host without shifts is on for the whole show) and, inside a break, one of the
    hosts the break names in `covered_by` (a co-host's 串场); an uncovered break has nobody."""

    def shifts(host: Host) -> list[tuple[int, int]]:
        return [(show.offset(w.from_), show.offset(w.to) or show.minutes) for w in host.shifts] or [
            (0, show.minutes)
        ]

    on = [False] * show.minutes
    for host in show.hosts:
        for lo, hi in shifts(host):
            on[lo:hi] = [True] * max(0, hi - lo)
    hosts = {h.name: h for h in show.hosts}
    for brk in show.breaks:
        begin = show.offset(brk.at)
        covering = [shifts(hosts[n]) for n in brk.covered_by if n in hosts]
        for minute in range(begin, min(show.minutes, begin + brk.minutes)):
            on[minute] = any(lo <= minute < hi for spans in covering for lo, hi in spans)
    return on


def _bag_drops(demand: Demand) -> list[BagDrop]:
    show = demand.inputs.show
    hosted = _hosted_minutes(show)
    drops = []
    for promo in show.promotions:
        if not isinstance(promo, LuckyBag):
            continue
        window = (
            (show.offset(promo.window.from_), show.offset(promo.window.to) or show.minutes)
            if promo.window
            else (0, show.minutes)
        )
        for start in range(demand.slots):
            begin = start * demand.slot
            if begin < window[0] or begin + promo.countdown_minutes > min(window[1], show.minutes):
                continue
            # The countdown and the draw minute after it (unless the show ends then) need a host.
            if not all(hosted[begin : begin + promo.countdown_minutes + 1]):
                continue
            retention, prize = bag_value(demand, promo, begin)
            value = retention - (prize if demand.objective == "profit" else 0)
            drops.append(BagDrop(promo.id, start, value, retention, prize))
    return drops
