"""The past of a show in its own terms: what the actuals say aired, sold and was seen.

`read_past` turns an ACTUALS file into minutes of the show: segments with the units they sold,
stock left, lucky bags dropped, the viewer level observed against the plan's curve, and how each
category converted against the demand model. Replan freezes it. A segment's units and GMV are
`Actuals.segment_figures` (its own, or its SKU's sales while it aired), as review reads them.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from lqplan.errors import UsageError
from lqplan.live.actuals import ActualsFile
from lqplan.plan.demand import (
    Demand,
    Mode,
    build_modes,
    demand_context,
    pitch_before,
    segment_outcome,
    viewer_minutes,
)
from lqplan.show.validate import ShowInputs
from lqplan.words import counted

NUDGE_POWER = 0.5  # affinity × (observed / expected units) ** 0.5 ...
NUDGE_CLIP = (0.5, 2.0)  # ... within these bounds
MIN_EVIDENCE_UNITS = 5.0  # a category with fewer expected units keeps its affinity
RATIO_CLIP = (0.1, 10.0)  # observed / planned viewers


@dataclass(frozen=True)
class PastSegment:
    """A segment that aired, in the show's minutes: what it sold and what the model expected."""

    sku: str
    start: int  # minute of the show
    minutes: int
    airing: int
    mode: Mode
    units: float  # as sold (from the actuals, or attributed: see read_past)
    promo_units: float
    gmv_cents: int
    profit_cents: int
    expected_units: float  # the model's units for this segment at the viewers observed
    estimated: bool  # no units in the actuals for it: the model's figure stands in

    @property
    def end(self) -> int:
        """The show minute it came off air."""
        return self.start + self.minutes


@dataclass(frozen=True)
class CategoryNudge:
    """How a category sold against the model so far: the factor its rest is planned with."""

    category: str
    expected_units: float
    observed_units: float
    factor: float  # 1 when there is too little evidence


@dataclass
class Past:
    """The actuals in the show's terms."""

    at: int  # --at, minutes from the show's start
    cut: int  # where the rest of the show starts: --at or the end of what is on air, on the grid
    segments: list[PastSegment]
    drops: list[tuple[str, int]]  # lucky bag id, minute
    sold: dict[str, float]
    stock_left: dict[str, int]
    pulled: dict[str, str | None]
    viewers: list[float]  # per minute: observed level before the cut, the outlook after it
    viewer_ratio: float
    nudges: list[CategoryNudge]
    notes: list[str] = field(default_factory=list)

    def airings(self, sku: str) -> int:
        """How many times `sku` has aired (the rest's next airing of it is an encore)."""
        return sum(s.sku == sku for s in self.segments)


def read_past(
    inputs: ShowInputs, file: ActualsFile, at: int, old_plan: dict[str, Any] | None = None
) -> Past:
    """The actuals as minutes of the show, units per segment, stock left and viewer level."""
    show, actuals = inputs.show, file.actuals
    slot, total = show.slot_minutes, show.minutes
    aired = sorted(actuals.segments, key=lambda s: show.offset(s.start))
    on_air_until = max((show.offset(s.start) + s.length for s in aired), default=0)
    cut = math.ceil(max(at, on_air_until) / slot) * slot
    if cut >= total:
        raise UsageError(f"nothing left to plan: the show ends at {show.clock(total)}")
    notes = []
    if aired and on_air_until < cut:
        notes.append(
            f"nothing recorded on air {show.clock(on_air_until)}–{show.clock(cut)}: "
            "the rest of the show starts on the slot grid"
        )
    planned = viewer_minutes(inputs)
    viewers, ratio = _observed_viewers(inputs, file, at, cut, planned, notes)
    context = replace(demand_context(inputs), viewers=viewers)
    segments = _past_segments(inputs, file, context, notes)
    given = actuals.sold_by_sku()
    sold = dict(given)
    for seg in segments:
        if seg.sku not in given:
            sold[seg.sku] = sold.get(seg.sku, 0.0) + seg.units
    pulled = {p.sku: p.reason for p in actuals.pulled}
    stock_left = {}
    for sku in inputs.products:
        item = inputs.stock_by_sku.get(sku)
        left = actuals.stock_left.get(sku)
        if left is None:
            left = max(0, (item.units if item else 0) - math.ceil(sold.get(sku, 0.0) - 1e-9))
        stock_left[sku] = 0 if sku in pulled else left
    if actuals.lucky_bags is not None:
        drops = [(d.id, show.offset(d.at)) for d in actuals.lucky_bags]
    else:
        drops = [
            (d["id"], d["minute"])
            for d in (old_plan or {}).get("lucky_bags", [])
            if d["minute"] < at
        ]
        if drops:
            notes.append(
                f"no lucky_bags in the actuals: the plan's {counted(len(drops), 'drop')} before "
                f"{show.clock(at)} are taken as made"
            )
    nudges = _nudges(inputs, segments, stock_left)
    return Past(
        at,
        cut,
        segments,
        sorted(drops, key=lambda d: d[1]),
        sold,
        stock_left,
        pulled,
        viewers,
        ratio,
        nudges,
        notes,
    )


def _observed_viewers(
    inputs: ShowInputs,
    file: ActualsFile,
    at: int,
    cut: int,
    planned: list[float],
    notes: list[str],
) -> tuple[list[float], float]:
    """Viewers per minute as observed (before the cut) and as now expected (after it).

    Each reading gives a ratio of observed to planned viewers at its minute; between readings
    the ratio is interpolated, before the first and after the last it is held. The rest of the
    show is the planned curve times the ratio of the latest reading.
    """
    show, actuals = inputs.show, file.actuals
    readings: list[tuple[float, float]] = [
        (show.offset(r.at), r.viewers) for r in actuals.viewer_log
    ]
    readings += [
        (show.offset(s.start) + s.length / 2, s.viewers)
        for s in actuals.segments
        if s.viewers is not None
    ]
    if actuals.viewers is not None:
        readings.append((at, actuals.viewers))
    ratios = []
    for minute, seen in sorted(readings):
        expected = _at(planned, minute)
        if expected > 0:
            ratios.append((minute, min(max(seen / expected, RATIO_CLIP[0]), RATIO_CLIP[1])))
    if not ratios:
        notes.append("no viewer figures in the actuals: the planned viewer curve is kept")
        return list(planned), 1.0

    at_minutes = [m for m, _ in ratios]  # sorted; a reading a minute makes hundreds

    def ratio(minute: float) -> float:
        if minute <= ratios[0][0]:
            return ratios[0][1]
        j = bisect.bisect_left(at_minutes, minute)  # the first reading at or after `minute`
        if j == len(ratios):
            return ratios[-1][1]
        (m0, r0), (m1, r1) = ratios[j - 1], ratios[j]
        return r0 + (r1 - r0) * (minute - m0) / (m1 - m0)

    now = ratios[-1][1]
    if ratios[-1][0] < at - 15:
        notes.append(
            f"the latest viewer figure is from {show.clock(int(ratios[-1][0]))}; "
            f"the rest of the show is scaled by it"
        )
    return [v * (ratio(m) if m < cut else now) for m, v in enumerate(planned)], now


def _at(series: list[float], minute: float) -> float:
    low = min(int(minute), len(series) - 1)
    high = min(low + 1, len(series) - 1)
    return series[low] + (series[high] - series[low]) * (minute - int(minute))


def _past_segments(
    inputs: ShowInputs, file: ActualsFile, context: Demand, notes: list[str]
) -> list[PastSegment]:
    """Aired segments with units: as the actuals give them (Actuals.segment_figures: the
    segment's own, or its SKU's sales while it aired), else the SKU's `sold` shared out in
    proportion to the model's units at the viewers observed, else the model's units (noted)."""
    show, actuals = inputs.show, file.actuals
    aired = sorted(actuals.segments, key=lambda s: show.offset(s.start))
    airing: Counter[str] = Counter()
    rows = []
    spans: list[tuple[str, int, int, int]] = []  # (sku, start, minutes, airing) so far
    for seg in aired:
        airing[seg.sku] += 1
        product = inputs.products[seg.sku]
        modes = build_modes(inputs, product)
        mode = next((m for m in modes if m.promotion == seg.promotion), modes[0])
        start = show.offset(seg.start)
        # An airing right after the same product's goes on with its pitch (its decay runs on).
        began, lead = pitch_before(spans, seg.sku, start, airing[seg.sku])
        spans.append((seg.sku, start, seg.length, airing[seg.sku]))
        outcome = segment_outcome(context, seg.sku, mode, start, seg.length, began, lead)
        rows.append((seg, mode, start, airing[seg.sku], outcome))
    figures = [actuals.segment_figures(r[0]) for r in rows]
    units = {i: f.units for i, f in enumerate(figures) if f.units is not None}
    given = actuals.sold_by_sku()
    by_sku: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_sku[row[0].sku].append(i)
    estimated = set()
    for sku, indices in by_sku.items():
        open_ = [i for i in indices if i not in units]
        if not open_:
            continue
        if sku in given:
            left = max(0.0, given[sku] - sum(units[i] for i in indices if i in units))
            weights = [max(rows[i][4].units, 0.0) for i in open_]
            total = sum(weights)
            for i, w in zip(open_, weights, strict=True):
                units[i] = left * (w / total if total else 1 / len(open_))
        else:
            for i in open_:
                units[i] = rows[i][4].units
                estimated.add(i)
            notes.append(f"no units sold for {sku} in the actuals: the model's estimate stands in")
    out = []
    for i, (seg, mode, start, n, outcome) in enumerate(rows):
        product = inputs.products[seg.sku]
        sold = units[i]
        share = outcome.promo_units / outcome.units if outcome.units > 0 else 0.0
        promo_units = sold * share
        given_gmv = figures[i].gmv
        if given_gmv is not None:
            gmv = given_gmv
        elif outcome.units > 0:
            gmv = sold * outcome.gmv_cents / 100 / outcome.units  # at the mode's average price
        else:
            gmv = sold * (mode.price_cents / 100 if mode.kind != "normal" else product.live_price)
        profit = gmv - sold * product.unit_cost - promo_units * mode.extra_cost_cents / 100
        out.append(
            PastSegment(
                seg.sku,
                start,
                seg.length,
                n,
                mode,
                sold,
                promo_units,
                round(gmv * 100),
                round(profit * 100),
                outcome.units,
                i in estimated,
            )
        )
    return out


def _nudges(
    inputs: ShowInputs, segments: list[PastSegment], stock_left: dict[str, int]
) -> list[CategoryNudge]:
    """Per category: affinity × (observed / expected units) ** 0.5, clipped to [0.5, 2], when the
    model expected at least 5 units. Products that sold out are left out: stock capped them."""
    expected: dict[str, float] = defaultdict(float)
    observed: dict[str, float] = defaultdict(float)
    for seg in segments:
        if seg.estimated or stock_left.get(seg.sku, 0) == 0:
            continue
        category = inputs.products[seg.sku].category
        expected[category] += seg.expected_units
        observed[category] += seg.units
    out = []
    for category in sorted(expected):
        e, o = expected[category], observed[category]
        factor = 1.0
        if e >= MIN_EVIDENCE_UNITS:
            factor = min(max((o / e) ** NUDGE_POWER, NUDGE_CLIP[0]), NUDGE_CLIP[1])
        out.append(CategoryNudge(category, round(e, 2), round(o, 2), round(factor, 4)))
    return out


__all__ = ["CategoryNudge", "Past", "PastSegment", "read_past"]
