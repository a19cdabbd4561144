"""A past show as rows for the regression: every minute on air, its prior and its features.

For each segment the actuals say aired, minute by minute: the viewers that minute had (the
readings, interpolated; else the plan's curve), the prior's conversion of that minute (the files'
conversion of the product in that minute's mode, × the files' decay and encore factor, as
plan.json recorded them), the units sold (per minute where the actuals give `sales`, else only
the segment's total) and the features whose coefficients `lqplan learn` fits (docs/learn.md).
Minutes from a stock-out on (or a promotion's cap) are censored: stock, not demand, ended them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lqplan.learning.history import PastShow
from lqplan.live.actuals import Actuals
from lqplan.plan.demand import interpolate
from lqplan.show.model import parse_clock

# A feature's family is the part of its name before '['.
PROMOTION_KINDS = ("flash_sale", "coupon", "gift")


@dataclass
class SegmentData:
    """One aired segment of a past show, minute by minute."""

    sku: str
    category: str
    role: str
    start: int  # minute of the show
    minutes: int
    airing: int
    promotion: str | None  # id
    promotion_kind: str | None  # flash_sale | coupon | gift
    live_price: float
    promotion_price: float
    unit_cost: float
    viewers: list[float]  # per minute
    prior: list[float]  # prior conversion per viewer, per minute (decay and encore included)
    price: list[float]  # what a unit sold for, per minute
    features: list[dict[str, float]]  # per minute
    units: list[float] | None  # per minute, when the actuals give sales per minute
    censored: list[bool]  # per minute: stock-out or promotion cap reached
    total_units: float | None  # the segment's units (per-minute sum, or the segment's figure)
    total_gmv: float | None

    @property
    def segment_censored(self) -> bool:
        """Whether a stock-out or a promotion's cap cut any of its minutes short."""
        return any(self.censored)


@dataclass
class ShowData:
    """One past show as the fit reads it: its segments minute by minute and its viewers."""

    name: str
    title: str
    date: str
    start: str
    minutes: int
    per_minute: bool
    planned_with: str
    segments: list[SegmentData] = field(default_factory=list)
    readings: list[tuple[float, float]] = field(default_factory=list)  # (minute, viewers)
    observed: list[float] = field(default_factory=list)  # per minute, from the readings
    planned_viewers: list[float] = field(default_factory=list)  # the plan's curve, per minute
    stock: dict[str, float] = field(default_factory=dict)  # units per SKU (plan.json)
    caps: dict[str, float] = field(default_factory=dict)  # promotion id -> units cap
    notes: list[str] = field(default_factory=list)


def history_rows(shows: list[PastShow]) -> list[ShowData]:
    """The rows of every past show, priors rescaled to the latest files (reference_priors).

    plan.json is checked against its model when it is read (lqplan.plan.planfile) and the actuals
    against the plan, so every show read gives rows; a show without units still gives its
    viewer readings."""
    reference = reference_priors(shows)
    return [show_data(past, reference) for past in shows]


def reference_priors(shows: list[PastShow]) -> dict[str, float]:
    """Each SKU's live-price conversion as the latest show that planned it recorded it.

    A team may retune its files between shows; every show's prior is rescaled to this one, so
    that the corrections pooled over the history are all relative to the same files (the latest)
    and apply to the next plan, made with those files, as they were fitted."""
    out: dict[str, float] = {}
    for past in shows:  # oldest first: later shows overwrite
        for sku, modes in past.plan["demand"]["conversion"].items():
            value = _prior(modes, "normal")
            if value is not None:
                out[sku] = value
    return out


def show_data(past: PastShow, reference: dict[str, float] | None = None) -> ShowData:
    """The rows of one past show (priors rescaled to `reference`, see reference_priors)."""
    plan, actuals = past.plan, past.actuals.actuals
    meta = plan["show"]
    start_clock = parse_clock(meta["start"])
    total = int(meta["minutes"])

    def offset(clock: int) -> int:
        """Minutes from the show's start to a clock time (minutes after midnight)."""
        return (clock - start_clock) % 1440

    demand = plan["demand"]
    data = ShowData(
        name=past.name,
        title=str(meta["title"]),
        date=str(meta["date"]),
        start=str(meta["start"]),
        minutes=total,
        per_minute=bool(getattr(actuals, "sales", None)),
        planned_with=(demand.get("model") or {}).get("id", "files")
        if demand.get("source") == "model"
        else "files",
    )
    data.planned_viewers = _curve(plan["viewer_curve"], total)
    data.readings = _readings(actuals, offset)
    data.observed = interpolate(data.readings, total) if data.readings else []
    viewers = data.observed or data.planned_viewers
    data.stock = {
        s["sku"]: float(s["units"]) for s in plan.get("stock_use", []) if s.get("units") is not None
    }
    promotions = {p["id"]: p for p in plan["promotions"]}
    for p in promotions.values():
        if p["type"] in ("flash_sale", "gift") and p.get("units") is not None:
            data.caps[p["id"]] = float(p["units"])
        elif p["type"] == "coupon" and p.get("count") is not None:
            data.caps[p["id"]] = float(p["count"])
    prior = demand["prior"]
    decay, repeat = float(prior["decay"]), float(prior["repeat_factor"])
    planned = {s["number"]: s for s in plan["segments"]}
    airings_planned: dict[str, list[dict[str, Any]]] = {}
    for s in plan["segments"]:
        airings_planned.setdefault(s["sku"], []).append(s)
    sales: dict[tuple[str, int], tuple[float, float | None]] = {}
    for sale in getattr(actuals, "sales", None) or []:
        key = (sale.sku, offset(sale.at))
        units, gmv = sales.get(key, (0.0, 0.0))
        g = None if sale.gmv is None or gmv is None else gmv + sale.gmv
        sales[key] = (units + float(sale.units), g)
    for sku, left in actuals.stock_left.items():
        if left == 0 and data.per_minute:
            # Sold out, says the export: the stock was what sold (if less than plan.json's).
            total_sold = sum(u for (s, _), (u, _) in sales.items() if s == sku)
            data.stock[sku] = min(data.stock.get(sku, total_sold), total_sold)
    aired = sorted(actuals.segments, key=lambda s: offset(s.start))
    aired_count: dict[str, int] = {}
    for entry in aired:
        aired_count[entry.sku] = aired_count.get(entry.sku, 0) + 1
    seen: dict[str, int] = {}
    last_end: dict[str, int] = {}
    category_airings: dict[str, int] = {}
    sold_so_far: dict[str, float] = {}
    cap_used: dict[str, float] = {}
    for entry in aired:
        sku = entry.sku
        facts = plan["products"].get(sku)
        if facts is None:
            continue  # check_actuals_against_plan reported it
        k_airing = seen.get(sku, 0)
        seen[sku] = k_airing + 1
        match = planned.get(entry.number) if entry.number is not None else None
        if match is None or match["sku"] != sku:
            options = airings_planned.get(sku, [])
            match = options[k_airing] if k_airing < len(options) else None
        promo_id = (
            entry.promotion
            if entry.promotion is not None
            else (match.get("promotion") if match else None)
        )
        promo = promotions.get(promo_id) if promo_id else None
        kind = promo["type"] if promo and promo["type"] in PROMOTION_KINDS else None
        begin, length = offset(entry.start), entry.length
        airing = k_airing + 1
        live = float(facts["live_price"])
        list_price = float(facts["list_price"])
        promo_price = live
        promo_minutes = 0
        # A kind is set only for a promotion the plan lists (`promo`).
        if promo is not None and kind == "flash_sale":
            promo_price = float(promo["price"])
            promo_minutes = min(length, int(promo.get("max_minutes") or length))
        elif promo is not None and kind == "coupon":
            promo_price = live - float(promo["amount"])
            promo_minutes = length
        elif kind == "gift":
            promo_minutes = length
        conversions = demand["conversion"].get(sku, {})
        normal_prior = _prior(conversions, "normal")
        promo_prior = _prior(conversions, promo_id) if kind else normal_prior
        if normal_prior is None or promo_prior is None:
            data.notes.append(f"{sku} at {entry.start}: no prior conversion in plan.json: left out")
            continue
        if reference and sku in reference:
            scale = reference[sku] / normal_prior
            normal_prior, promo_prior = normal_prior * scale, promo_prior * scale
        live_discount = _discount(live, list_price)
        gap = (begin - last_end[sku]) / 60 if sku in last_end else 0.0
        earlier = category_airings.get(facts["category"], 0)
        seg = SegmentData(
            sku=sku,
            category=str(facts["category"]),
            role=str(facts["role"]),
            start=begin,
            minutes=length,
            airing=airing,
            promotion=promo_id if kind else None,
            promotion_kind=kind,
            live_price=live,
            promotion_price=promo_price,
            unit_cost=float(facts.get("unit_cost", 0.0)),
            viewers=[],
            prior=[],
            price=[],
            features=[],
            units=[] if data.per_minute else None,
            censored=[],
            total_units=None if entry.units is None else float(entry.units),
            total_gmv=None if entry.gmv is None else float(entry.gmv),
        )
        stock = data.stock.get(sku)
        sold_out_flag = actuals.stock_left.get(sku) == 0
        for k in range(length):
            minute = begin + k
            promo_now = kind is not None and k < promo_minutes
            base = promo_prior if promo_now else normal_prior
            seg.viewers.append(_at(viewers, minute))
            seg.prior.append(base * decay**k * (repeat if airing > 1 else 1.0))
            seg.price.append(promo_price if promo_now else live)
            feats = {
                "intercept": 1.0,
                f"category[{seg.category}]": 1.0,
                f"role[{seg.role}]": 1.0,
                f"product[{sku}]": 1.0,
                "decay": float(k),
                "hours": minute / 60,
            }
            if airing > 1:
                feats["encore"] = 1.0
                feats["encore_gap"] = gap - 1.0
            if earlier:
                feats["earlier_same_category"] = float(earlier)
            if promo_now:
                feats[f"promotion[{kind}]"] = 1.0
                feats["discount"] = _discount(promo_price, list_price) - live_discount
            seg.features.append(feats)
            sold_now = sales.get((sku, minute), (0.0, None))[0] if data.per_minute else None
            censored = False
            # A stock-out or a promotion's cap ends the minute it is reached and every later one:
            # what sold then is a floor on demand, not demand.
            if stock is not None and sold_so_far.get(sku, 0.0) >= stock - 0.5:
                censored = True
            if (
                promo_now
                and promo_id in data.caps
                and cap_used.get(promo_id, 0.0) >= (data.caps[promo_id] - 0.5)
            ):
                censored = True
            if sold_now is not None:
                sold_so_far[sku] = sold_so_far.get(sku, 0.0) + sold_now
                if promo_now and promo_id:
                    cap_used[promo_id] = cap_used.get(promo_id, 0.0) + sold_now
                if stock is not None and sold_so_far[sku] >= stock - 0.5:
                    censored = True
                if (
                    promo_now
                    and promo_id in data.caps
                    and cap_used[promo_id] >= (data.caps[promo_id] - 0.5)
                ):
                    censored = True
                assert seg.units is not None  # per-minute sales: the segment has a list
                seg.units.append(sold_now)
            seg.censored.append(censored)
        if data.per_minute:
            seg.total_units = sum(seg.units or [])
            gmv = sum(
                g if g is not None else u * p
                for (u, g), p in (
                    (sales.get((sku, begin + k), (0.0, None)), seg.price[k]) for k in range(length)
                )
            )
            seg.total_gmv = round(gmv, 2) if seg.total_gmv is None else seg.total_gmv
        elif seg.total_units is not None:
            before = sold_so_far.get(sku, 0.0)
            sold_so_far[sku] = before + seg.total_units
            promo_units = seg.total_units if kind else 0.0
            if kind and promo_id:
                cap_used[promo_id] = cap_used.get(promo_id, 0.0) + promo_units
            out = (stock is not None and sold_so_far[sku] >= stock - 0.5) or (
                sold_out_flag and airing == aired_count[sku]  # its last airing sold it out
            )
            capped = bool(
                kind and promo_id in data.caps and cap_used[promo_id] >= data.caps[promo_id] - 0.5
            )
            if out or capped:
                seg.censored = [True] * length
            if seg.total_gmv is None:
                seg.total_gmv = round(
                    sum(
                        seg.total_units * w * p
                        for w, p in zip(_shares(seg), seg.price, strict=True)
                    ),
                    2,
                )
        last_end[sku] = begin + length
        category_airings[seg.category] = earlier + 1
        data.segments.append(seg)
    return data


def _discount(price: float, list_price: float) -> float:
    return max(0.0, 1 - price / list_price) if list_price > 0 else 0.0


def _shares(seg: SegmentData) -> list[float]:
    """Each minute's share of the segment's expected units under the prior."""
    weights = [v * p for v, p in zip(seg.viewers, seg.prior, strict=True)]
    total = sum(weights) or 1.0
    return [w / total for w in weights]


def _prior(conversions: dict[str, Any], key: str | None) -> float | None:
    entry = conversions.get(key or "normal")
    if not isinstance(entry, dict) or entry.get("prior") is None:
        return None
    value = float(entry["prior"])
    return value if value > 0 and math.isfinite(value) else None


def _readings(actuals: Actuals, offset: Callable[[int], int]) -> list[tuple[float, float]]:
    """Viewer readings (minute, viewers): the log, 'now', and each segment's mean at its middle."""
    points: dict[float, list[float]] = {}
    for r in actuals.viewer_log:
        points.setdefault(float(offset(r.at)), []).append(float(r.viewers))
    if actuals.viewers is not None and actuals.at is not None:
        points.setdefault(float(offset(actuals.at)), []).append(float(actuals.viewers))
    if not actuals.viewer_log:
        for s in actuals.segments:
            if s.viewers is not None:
                points.setdefault(offset(s.start) + s.length / 2, []).append(float(s.viewers))
    return sorted((m, sum(v) / len(v)) for m, v in points.items())


def _curve(points: list[dict[str, Any]], minutes: int) -> list[float]:
    return interpolate([(float(p["minute"]), float(p["viewers"])) for p in points], minutes)


def _at(series: list[float], minute: int) -> float:
    return series[min(max(minute, 0), len(series) - 1)]
