"""Stage 3, demand as arrays: `segment_outcome` and `preference` for many segments at once.

The options of a large show number in the hundreds of thousands; valuing them one call at a time
cost more than the rest of building them. These functions compute the same figures with numpy,
one array entry per segment, and reproduce the scalar formula bit for bit: every float is made
by the same IEEE operations in the same order (the viewer sums add minute by minute from 0.0,
products keep their left-to-right grouping, cents round half to even as `round` does). Adding
0.0 to a sum leaves it unchanged, so sums of different lengths run side by side under masks.
tests/plan/test_vectorised.py holds them to the scalar functions, which stay the reference (the
checker in lqplan/verify/ uses those).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lqplan.plan.demand import NORMAL, Demand, Mode, product_conversion

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Outcomes:
    """`Outcome`'s fields for many segments, one entry each."""

    units: Floats
    promo_units: Floats
    gmv_cents: Ints
    profit_cents: Ints
    pull_cents: Ints

    def values(self, demand: Demand) -> Ints:
        """Each segment's value in cents, as `option_value` counts it."""
        money = self.profit_cents if demand.objective == "profit" else self.gmv_cents
        return money + self.pull_cents


@dataclass(frozen=True)
class ModeTable:
    """Per (product, mode) pair: what the formula reads of the product and the mode."""

    conversion: Floats  # normal mode, first airing
    mode_conversion: Floats  # the mode's price and lift, first airing
    normal: Bools
    promo_minutes: Ints  # -1: the whole segment
    units_cap: Floats  # inf: no cap of the mode's own
    available: Floats
    price: Floats  # what a buyer pays in the mode, in money (not cents)
    live: Floats
    unit_cost: Floats
    extra_cost_cents: Floats
    traffic: Bools


def mode_table(demand: Demand, pairs: Sequence[tuple[str, Mode]]) -> ModeTable:
    """The table of `pairs` (sku, mode), filling demand.mode_conversion as segment_outcome does."""
    inputs = demand.inputs
    conversion, mode_conversion, price, live, cost = [], [], [], [], []
    for sku, mode in pairs:
        product = inputs.products[sku]
        key = (sku, mode.price_cents, mode.lift)
        if key not in demand.mode_conversion:
            demand.mode_conversion[key] = (
                product_conversion(inputs, product, mode.price_cents / 100) * mode.lift
            )
        conversion.append(demand.conversion[sku])
        mode_conversion.append(demand.mode_conversion[key])
        price.append(mode.price_cents / 100)
        live.append(product.live_price)
        cost.append(product.unit_cost)
    modes = [mode for _, mode in pairs]
    return ModeTable(
        conversion=np.array(conversion, dtype=np.float64),
        mode_conversion=np.array(mode_conversion, dtype=np.float64),
        normal=np.array([m.kind == NORMAL for m in modes], dtype=np.bool_),
        promo_minutes=np.array(
            [-1 if m.promo_minutes is None else m.promo_minutes for m in modes], dtype=np.int64
        ),
        units_cap=np.array(
            [np.inf if m.units_cap is None else float(m.units_cap) for m in modes],
            dtype=np.float64,
        ),
        available=np.array(
            [float(demand.available.get(sku, 0)) for sku, _ in pairs], dtype=np.float64
        ),
        price=np.array(price, dtype=np.float64),
        live=np.array(live, dtype=np.float64),
        unit_cost=np.array(cost, dtype=np.float64),
        extra_cost_cents=np.array([float(m.extra_cost_cents) for m in modes], dtype=np.float64),
        traffic=np.array(
            [inputs.products[sku].role == "traffic" for sku, _ in pairs], dtype=np.bool_
        ),
    )


def segment_outcomes(
    demand: Demand,
    table: ModeTable,
    mode: Ints,
    start_minute: Ints,
    minutes: Ints,
    airing: Ints,
    lead: Ints,
) -> Outcomes:
    """`segment_outcome` of each segment i: the (product, mode) pair `mode[i]` of `table`, from
    `start_minute[i]` for `minutes[i]`, in a pitch begun on airing `airing[i]` and `lead[i]`
    minutes on air before it."""
    settings = demand.inputs.show.demand
    repeat = np.where(airing > 1, settings.repeat_factor, 1.0)  # × 1.0 changes no bit
    base_conv = table.conversion[mode] * repeat
    promo_conv = table.mode_conversion[mode] * repeat
    fixed = table.promo_minutes[mode]
    promo_minutes = np.where(fixed < 0, minutes, np.minimum(minutes, fixed))
    promo_minutes = np.where(table.normal[mode], 0, promo_minutes)
    promo_viewers, normal_viewers = viewer_sums(demand, start_minute, minutes, promo_minutes, lead)
    promo_units = promo_viewers * promo_conv
    normal_units = normal_viewers * base_conv
    cap = table.units_cap[mode]
    promo_units = np.where(promo_units > cap, cap, promo_units)
    available = table.available[mode]
    promo_units = np.where(promo_units > available, available, promo_units)
    normal_units = np.minimum(normal_units, available - promo_units)
    units = promo_units + normal_units
    gmv = promo_units * table.price[mode] + normal_units * table.live[mode]
    profit = gmv - units * table.unit_cost[mode] - promo_units * table.extra_cost_cents[mode] / 100
    pull = np.zeros(len(mode), dtype=np.int64)
    traffic = table.traffic[mode]
    if settings.traffic_viewer_lift > 0 and traffic.any():
        by_end = np.array(_pull_by_end(demand), dtype=np.int64)
        pull = np.where(traffic, by_end[start_minute + minutes], 0)
    return Outcomes(
        units=units,
        promo_units=promo_units,
        gmv_cents=_cents(gmv),
        profit_cents=_cents(profit),
        pull_cents=pull,
    )


def _cents(amount: Floats) -> Ints:
    """`cents` of each amount: rint rounds half to even, as round does."""
    return np.rint(amount * 100).astype(np.int64)


def _pull_by_end(demand: Demand) -> list[int]:
    """A traffic item's pull for a segment ending at each minute of the show, summed by Python
    exactly as segment_outcome sums it (its own sum, not numpy's pairwise one)."""
    settings = demand.inputs.show.demand
    viewers = demand.viewers
    last = len(viewers) - 1
    out = []
    for end in range(len(viewers)):
        horizon = viewers[end : min(end + settings.traffic_lift_minutes, last)]
        out.append(
            round(
                settings.traffic_viewer_lift
                * sum(horizon)
                * demand.reference_cents_per_viewer_minute
            )
        )
    return out


def viewer_sums(
    demand: Demand, start_minute: Ints, minutes: Ints, promo_minutes: Ints, lead: Ints
) -> tuple[Floats, Floats]:
    """`_viewer_sums` of each segment: Σ viewers(s+k) × decay^(lead+k) over its promotion
    minutes and over the rest. Each distinct (start, minutes, promo minutes, lead) is summed
    once, all of them side by side a minute at a time."""
    width = len(demand.viewers) + 1
    key = ((start_minute * width + minutes) * width + promo_minutes) * width + lead
    unique, inverse = np.unique(key, return_inverse=True)
    lead_u = unique % width
    promo_u = unique // width % width
    minutes_u = unique // width**2 % width
    start_u = unique // width**3
    longest = int(minutes_u.max(initial=0))
    decay = demand.inputs.show.demand.decay
    # Python's own powers: numpy's may differ from libm's in the last bit.
    powers = np.array(
        [decay**j for j in range(int(lead_u.max(initial=0)) + longest + 1)], dtype=np.float64
    )
    viewers = np.array(demand.viewers, dtype=np.float64)
    weights = None if demand.sales_weights is None else np.array(demand.sales_weights)
    last = len(viewers) - 1
    promo = np.zeros(len(unique), dtype=np.float64)
    normal = np.zeros(len(unique), dtype=np.float64)
    for k in range(longest):
        minute = np.minimum(start_u + k, last)  # past a segment's end: masked out below
        sold = viewers[minute] * powers[lead_u + k]
        if weights is not None:
            sold = sold * weights[minute]
        on = k < minutes_u
        in_promo = k < promo_u
        promo += np.where(on & in_promo, sold, 0.0)
        normal += np.where(on & ~in_promo, sold, 0.0)
    return promo[inverse], normal[inverse]


def preferences(demand: Demand, skus: Sequence[str], product: Ints, start_minute: Ints) -> Ints:
    """`preference` of product `skus[product[i]]` starting at `start_minute[i]`, for each i."""
    inputs = demand.inputs
    rules = inputs.show.rules
    scale = demand.reference_cents_per_viewer_minute * demand.mean_viewers * demand.slot * 0.05
    position = start_minute / max(1, inputs.show.minutes)
    bonus = np.zeros(len(product), dtype=np.float64)
    chosen = [inputs.products[sku] for sku in skus]
    if rules.price_ladder.enabled:
        low, high = demand.price_range
        ladder = []
        for p in chosen:
            relative = (p.live_price - low) / (high - low) if high > low else 0.5
            ladder.append(rules.price_ladder.weight * (relative - 0.5))  # the formula's w × (r − ½)
        bonus = bonus + np.array(ladder, dtype=np.float64)[product] * (position - 0.5) * 4
    if rules.role_pacing.enabled:
        roles = np.array([p.role for p in chosen])[product]
        pace = np.where(
            roles == "image", position - 0.5, np.where(roles == "traffic", 0.5 - position, 0.0)
        )
        bonus = bonus + rules.role_pacing.weight * pace
    return np.rint(bonus * scale).astype(np.int64)
