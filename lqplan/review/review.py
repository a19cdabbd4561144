"""Review after the show: the plan against what happened, and what the next plan should learn.

    file = read_actuals(path)                    # live/actuals.py: what aired, when, what it sold
    check_actuals_against_plan(file, plan)       # ... and that it is this plan's show
    report = review(plan, file)                  # per segment, totals, KPIs, the GMV chart
    audience, changes = calibrate(report, inputs.audience)   # proposed coefficients

Reads plan.json and an ACTUALS file (docs/review.md), the same file, read by the same reader,
as replan's (lqplan/live/actuals.py); the show's files only for calibration. A segment's units, GMV
and orders are `Actuals.segment_figures` (its own, or its SKU's sales while it aired). Terminal
tables are in summary-style rich; Markdown and HTML go through the one Jinja environment
(templates/review.*.j2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from xml.sax.saxutils import escape

from lqplan.errors import Diagnostic, InputError
from lqplan.live.actuals import Actuals, ActualsFile, plan_minute
from lqplan.show.fields import clock_after, format_clock, parse_clock
from lqplan.show.model import Audience

if TYPE_CHECKING:  # rich loads only for the terminal view
    from rich.console import Group

# --- the ACTUALS file ---------------------------------------------------------------------------


def _entries(plan: dict[str, Any], actuals: Actuals) -> list[dict[str, Any]]:
    """The actuals' segments as review compares them: minutes of the plan's show, and the units,
    GMV and orders Actuals.segment_figures gives (absent where the actuals do not say)."""
    out = []
    for seg in actuals.segments:
        figures = actuals.segment_figures(seg)
        start = plan_minute(plan, seg.start)
        entry = {
            "number": seg.number,
            "sku": seg.sku,
            "at": format_clock(seg.start),
            "start": start,
            "end": start + seg.length,
            "units": figures.units,
            "gmv": figures.gmv,
            "orders": figures.orders,
            "viewers": seg.viewers,
        }
        out.append({k: v for k, v in entry.items() if v is not None})
    return out


# --- the review ---------------------------------------------------------------------------------


@dataclass
class Review:
    """Plan against actual: rows per segment, totals, KPIs and the cumulative GMV curves."""

    plan: dict[str, Any]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    kpis: list[dict[str, Any]]
    planned_curve: list[tuple[float, float]]
    actual_curve: list[tuple[float, float]]
    categories: dict[str, dict[str, float]] = field(default_factory=dict)


def review(plan: dict[str, Any], actuals: ActualsFile | Actuals) -> Review:
    """Compare `plan` (plan.json) with the actuals (actuals.read_actuals) segment by segment."""
    if isinstance(actuals, ActualsFile):
        actuals = actuals.actuals
    show = plan["show"]
    matched = _match(plan, _entries(plan, actuals))
    viewers = _viewer_minutes(plan)
    rows = []
    for seg, act in matched:
        rows.append(_row(plan, seg, act, viewers))
    with_units = [r for r in rows if r["actual_units"] is not None and r["number"] is not None]
    planned_units = sum(s["expected"]["units"] for s in plan["segments"])
    planned_gmv = sum(s["expected"]["gmv"] for s in plan["segments"])
    actual_units = (
        sum(r["actual_units"] for r in rows if r["actual_units"] is not None)
        if any(r["actual_units"] is not None for r in rows)
        else None
    )
    segment_gmv = [r["actual_gmv"] for r in rows if r["actual_gmv"] is not None]
    # The show-level figures where the actuals give them, else the segments' sums.
    actual_gmv = actuals.gmv
    if actual_gmv is None and segment_gmv:
        actual_gmv = sum(segment_gmv)
    actual_orders = actuals.orders
    if actual_orders is None and actual_units is not None:
        actual_orders = sum(r["actual_orders"] for r in rows if r["actual_orders"] is not None)
    # Planned views: viewer-minutes over the mean watch time (Little's law), so GPM and payment
    # conversion have a planned figure too. Orders are planned as units (one unit an order).
    watch = show["kpi"]["watch_time_seconds"] or 60
    planned_views = sum(viewers[: show["minutes"]]) * 60 / watch
    totals = {
        "planned_units": round(planned_units, 2),
        "actual_units": None if actual_units is None else round(actual_units, 2),
        "planned_gmv": round(planned_gmv, 2),
        "actual_gmv": None if actual_gmv is None else round(actual_gmv, 2),
        "planned_orders": round(planned_units, 2),
        "actual_orders": actual_orders,
        "planned_views": round(planned_views),
        "actual_views": actuals.views,
        "segments_planned": len(plan["segments"]),
        "segments_aired": sum(r["actual_start"] is not None for r in rows if r["number"]),
        "unplanned": sum(r["number"] is None for r in rows),
        "start_drift_max": max(
            (abs(r["drift"]) for r in rows if r["drift"] is not None), default=0
        ),
        "minutes_over": sum(r["over"] for r in rows if r["over"] is not None),
        "band": ((plan.get("totals") or {}).get("band") or {}).get("gmv"),
        "segments_in_band": sum(r["in_band"] is True for r in rows),
        "segments_with_band": sum(r["in_band"] is not None for r in rows),
    }
    band = totals["band"]
    totals["in_band"] = (
        None if band is None or actual_gmv is None else band["p10"] <= actual_gmv <= band["p90"]
    )
    return Review(
        plan,
        rows,
        totals,
        _kpis(show["kpi"], totals, actuals),
        _curve(
            [(r["planned_start"], r["planned_end"], r["expected_gmv"]) for r in rows if r["number"]]
        ),
        _curve(
            [
                (r["actual_start"], r["actual_end"], r["actual_gmv"])
                for r in rows
                if r["actual_start"] is not None and r["actual_gmv"] is not None
            ]
        ),
        _categories(plan, with_units),
    )


def _match(
    plan: dict[str, Any], entries: list[dict[str, Any]]
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pair actual entries with planned segments: by `number` when given, else the k-th entry of
    a SKU (in time order) with its k-th planned airing. Later entries for one segment update it
    (a live record file marks a segment more than once)."""
    segments = plan["segments"]
    by_number = {s["number"]: s for s in segments}
    merged: dict[int, dict[str, Any]] = {}
    unplanned: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for entry in sorted(entries, key=lambda e: e["start"]):
        number = entry.get("number")
        if number not in by_number or by_number[number]["sku"] != entry["sku"]:
            k = seen.get(entry["sku"], 0)
            airings = [s for s in segments if s["sku"] == entry["sku"]]
            number = airings[k]["number"] if k < len(airings) else None
            seen[entry["sku"]] = k + 1
        if number is None:
            unplanned.append(entry)
        else:
            merged.setdefault(number, {}).update(entry)
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = [
        (s, merged.get(s["number"])) for s in segments
    ]
    pairs += [(None, e) for e in unplanned]
    return pairs


def _viewer_minutes(plan: dict[str, Any]) -> list[float]:
    """Planned concurrent viewers per minute, from plan.json's curve (linear between points)."""
    curve = plan["viewer_curve"]
    out = []
    for m in range(plan["show"]["minutes"] + 1):
        j = (
            max(i for i, p in enumerate(curve) if p["minute"] <= m)
            if curve[0]["minute"] <= m
            else 0
        )
        (m0, v0) = curve[j]["minute"], curve[j]["viewers"]
        if j + 1 < len(curve) and m > m0:
            m1, v1 = curve[j + 1]["minute"], curve[j + 1]["viewers"]
            out.append(v0 + (v1 - v0) * (m - m0) / (m1 - m0))
        else:
            out.append(float(v0))
    return out


def _span_viewers(viewers: list[float], start: float, end: float) -> float:
    """Viewer-minutes of the planned curve over [start, end), held beyond its ends."""
    last = len(viewers) - 1
    return sum(viewers[min(max(m, 0), last)] for m in range(math.floor(start), math.ceil(end)))


def _row(
    plan: dict[str, Any],
    seg: dict[str, Any] | None,
    act: dict[str, Any] | None,
    viewers: list[float],
) -> dict[str, Any]:
    either = seg or act
    assert either is not None  # a row pairs a planned segment, an aired one, or both
    sku = either["sku"]
    row: dict[str, Any] = {
        "number": seg["number"] if seg else None,
        "sku": sku,
        "name": plan["products"].get(sku, {}).get("name", sku),
        "category": seg["category"] if seg else plan["products"].get(sku, {}).get("category"),
        "planned_start": seg["start_minute"] if seg else None,
        "planned_end": seg["start_minute"] + seg["minutes"] if seg else None,
        "planned_minutes": seg["minutes"] if seg else None,
        "planned_at": seg["start"] if seg else None,
        "expected_units": seg["expected"]["units"] if seg else 0.0,
        "expected_gmv": seg["expected"]["gmv"] if seg else 0.0,
    }
    planned_vm = _span_viewers(viewers, row["planned_start"], row["planned_end"]) if seg else 0.0
    row["expected_conversion"] = row["expected_units"] / planned_vm if planned_vm else None
    row.update(
        actual_start=None,
        actual_end=None,
        actual_at=None,
        actual_minutes=None,
        drift=None,
        over=None,
        actual_units=None,
        actual_gmv=None,
        actual_orders=None,
        actual_conversion=None,
        gmv_diff=None,
        viewer_factor=1.0,
        # The plan's 80 % band of the segment's GMV (plans from older lqplan have none).
        band=((seg.get("expected") or {}).get("band") or {}).get("gmv") if seg else None,
        in_band=None,
    )
    if act is None:
        return row
    a0, a1 = act["start"], act["end"]
    row.update(actual_start=a0, actual_end=a1, actual_at=act["at"], actual_minutes=a1 - a0)
    if seg:
        row["drift"] = a0 - seg["start_minute"]
        row["over"] = (a1 - a0) - seg["minutes"]
    units = act.get("units")
    if units is None:
        return row
    if act.get("gmv") is not None:
        gmv = float(act["gmv"])
    else:  # the plan's average price in this segment, else the live price
        e = seg["expected"] if seg else {}
        price = e["gmv"] / e["units"] if e and e.get("units") else _live(plan, sku)
        gmv = units * price
    actual_vm = (
        act["viewers"] * (a1 - a0)
        if act.get("viewers") is not None
        else _span_viewers(viewers, a0, a1)
    )
    row.update(
        actual_units=float(units),
        actual_gmv=round(gmv, 2),
        actual_orders=act.get("orders", units),
        actual_conversion=units / actual_vm if actual_vm else None,
        gmv_diff=round(gmv - row["expected_gmv"], 2),
    )
    if row["band"] is not None:
        row["in_band"] = row["band"]["p10"] <= round(gmv, 2) <= row["band"]["p90"]
    if seg and act.get("viewers") is not None and planned_vm:
        # Sales follow the audience: judge conversion against the viewers who actually came.
        row["viewer_factor"] = act["viewers"] * seg["minutes"] / planned_vm
    return row


def _live(plan: dict[str, Any], sku: str) -> float:
    return float(plan["products"].get(sku, {}).get("live_price", 0.0))


def _curve(spans: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """Cumulative GMV: (minute, GMV so far) at each segment's start and end."""
    points = [(0.0, 0.0)]
    total = 0.0
    for start, end, gmv in sorted(spans):
        points.append((float(start), total))
        total += gmv
        points.append((float(end), round(total, 2)))
    return points


def _categories(plan: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Expected (adjusted for actual viewers) and actual units per category."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        cat = out.setdefault(r["category"], {"expected": 0.0, "actual": 0.0})
        cat["expected"] += r["expected_units"] * r["viewer_factor"]
        cat["actual"] += r["actual_units"]
    return out


def _kpis(
    targets: dict[str, Any], totals: dict[str, Any], actuals: Actuals
) -> list[dict[str, Any]]:
    """Conversion, GMV, AOV and GPM: planned, actual and target (the show's KPI, or the plan)."""

    def ratio(a: Any, b: Any, scale: float = 1.0) -> float | None:
        return None if a is None or not b else a / b * scale

    t = totals
    rows = [
        (
            "payment_conversion",
            ratio(t["planned_orders"], t["planned_views"]),
            ratio(t["actual_orders"], t["actual_views"]),
            targets["payment_conversion"],
        ),
        ("gmv", t["planned_gmv"], t["actual_gmv"], t["planned_gmv"]),
        (
            "aov",
            ratio(t["planned_gmv"], t["planned_orders"]),
            ratio(t["actual_gmv"], t["actual_orders"]),
            ratio(t["planned_gmv"], t["planned_orders"]),
        ),
        (
            "gpm",
            ratio(t["planned_gmv"], t["planned_views"], 1000),
            ratio(t["actual_gmv"], t["actual_views"], 1000),
            targets["gpm"],
        ),
        (
            "watch_time_seconds",
            None,
            actuals.watch_time_seconds,
            targets["watch_time_seconds"],
        ),
        ("engagement", None, actuals.engagement, targets["engagement"]),
    ]
    return [
        {
            "kpi": name,
            "planned": planned,
            "actual": actual,
            "target": target,
            "met": None if actual is None or target is None else actual >= target - 1e-9,
        }
        for name, planned, actual, target in rows
    ]


# --- calibration --------------------------------------------------------------------------------


def calibrate(
    plan: dict[str, Any], actuals: ActualsFile, audience: Audience, show_start: str | None = None
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """`lqplan learn` on a history of one show (this plan and its actuals), written back as a
    complete audience.yaml: base conversion × the intercept's factor, each category's affinity
    × its factor in every audience segment, and the viewer curve the actuals observed. Returns
    the audience data, the changes in words, and the one-show MODEL (which also holds what
    audience.yaml has no field for: each product's own effect, the decay, the lifts)."""
    from lqplan.learning import PastShow, learn_history
    from lqplan.learning.history import _unusable

    problem = _unusable(plan)
    if problem:
        raise InputError([Diagnostic("plan.json", message=f"cannot calibrate from it: {problem}")])
    if not any(s.units is not None for s in actuals.actuals.segments) and not actuals.actuals.sales:
        raise InputError(
            [Diagnostic(actuals.name, message="no aired segment has units: nothing to calibrate")]
        )
    model = learn_history([PastShow(actuals.path.parent, plan, actuals)], deterministic=True)
    estimates = {c["name"]: c for c in model["coefficients"]}
    data = audience.model_dump(mode="json", by_alias=True, exclude_none=True)
    changes = []
    intercept = estimates.get("intercept")
    if intercept is not None:
        new_base = min(0.5, round(audience.base_conversion * math.exp(intercept["estimate"]), 8))
        changes.append(
            f"base_conversion {audience.base_conversion:g} → {new_base:g} "
            f"(×{math.exp(intercept['estimate']):.3f}, se {intercept['se']:.2f} on the log scale)"
        )
        data["base_conversion"] = new_base
    for name, c in sorted(estimates.items()):
        if c["family"] != "category" or abs(c["estimate"]) < 0.005:
            continue
        category = name[len("category[") : -1]
        step = math.exp(c["estimate"])
        for segment in data["segments"]:
            affinity = segment.setdefault("affinity", {})
            affinity[category] = round(min(100.0, affinity.get(category, 1.0) * step), 3)
        changes.append(
            f"affinity {category} ×{step:.3f} in every audience segment (se {c['se']:.2f})"
        )
    curve = model.get("viewer_curve")
    if curve and not audience.viewer_curve_fixed:
        start = parse_clock(show_start or plan["show"]["start"])
        data["viewer_curve"] = [
            {"at": format_clock(start + p["minute"]), "viewers": round(p["viewers"])}
            for p in curve["points"]
        ]
        changes.append(
            f"viewer_curve: {len(curve['points'])} points from the viewers observed "
            f"(mean {curve['level']:,.0f})"
        )
    changes.append(
        "each product's own effect, the decay, the encore factor and the promotion lifts have no "
        "field in audience.yaml: they are in the MODEL (--write-model, then plan --model)"
    )
    return data, changes, model


def audience_text(data: dict[str, Any], note: list[str], modeline: str | None = None) -> str:
    """audience.yaml text: the original's schema modeline if any, what changed, then the data."""
    import yaml

    lines = [modeline] if modeline else []
    lines += ["# Proposed by lqplan review:"] + [f"#   {c}" for c in note]
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# --- output -------------------------------------------------------------------------------------

# What `WORDS[lang]` holds: the templates read it as `w` too.
Column = Literal["no", "product", "start", "drift", "over", "units", "gmv", "band", "conversion"]
KpiColumn = Literal["kpi_head", "planned", "actual", "target", "met"]


class ReviewWords(TypedDict):
    """The review's words in one language: headings, column labels, notes and KPI names."""

    title: str
    segments: str
    totals: str
    chart: str
    chart_desc: str
    planned: str
    actual: str
    target: str
    met: str
    missed: str
    no: str
    product: str
    start: str
    drift: str
    over: str
    units: str
    gmv: str
    conversion: str
    band: str
    band_note: str
    inside: str
    outside: str
    not_aired: str
    unplanned: str
    calibration: str
    kpi_head: str
    kpi: dict[str, str]  # a KPI name by its key
    views_note: str


WORDS: dict[str, ReviewWords] = {
    "zh": {
        "title": "复盘",
        "segments": "逐段对比",
        "totals": "合计与指标",
        "chart": "累计 GMV：计划与实际",
        "chart_desc": "横轴为直播时间，纵轴为累计 GMV；蓝线为计划，橙线为实际。",
        "planned": "计划",
        "actual": "实际",
        "target": "目标",
        "met": "达成",
        "missed": "未达成",
        "no": "#",
        "product": "商品",
        "start": "开始",
        "drift": "偏移",
        "over": "超时",
        "units": "件数",
        "gmv": "GMV",
        "conversion": "转化",
        "band": "GMV 80% 区间",
        "band_note": "实际 GMV {actual} {verdict}计划的 80% 区间（P10–P90 {p10}–{p90}）；"
        "{inside}/{total} 段落在各自区间内。",
        "inside": "在",
        "outside": "不在",
        "not_aired": "未播或未记录",
        "unplanned": "计划外",
        "calibration": "受众系数校准（建议）",
        "kpi_head": "指标",
        "kpi": {
            "payment_conversion": "支付转化率",
            "gmv": "GMV",
            "aov": "客单价",
            "gpm": "GPM（千次观看成交额）",
            "watch_time_seconds": "平均观看时长（秒）",
            "engagement": "互动率",
        },
        "views_note": "计划场观按 观看人分钟 × 60 ÷ 目标观看时长 估算。",
    },
    "en": {
        "title": "Review",
        "segments": "Segment by segment",
        "totals": "Totals and KPIs",
        "chart": "Cumulative GMV: planned and actual",
        "chart_desc": "x: show time; y: cumulative GMV; blue planned, orange actual.",
        "planned": "planned",
        "actual": "actual",
        "target": "target",
        "met": "met",
        "missed": "missed",
        "no": "#",
        "product": "product",
        "start": "start",
        "drift": "drift",
        "over": "over",
        "units": "units",
        "gmv": "GMV",
        "conversion": "conv.",
        "band": "GMV 80 % band",
        "band_note": "Actual GMV {actual} is {verdict} the plan's 80 % band (P10–P90 "
        "{p10}–{p90}); {inside} of {total} segments fell inside their own band.",
        "inside": "inside",
        "outside": "outside",
        "not_aired": "not aired or not recorded",
        "unplanned": "unplanned",
        "calibration": "Audience calibration (proposed)",
        "kpi_head": "KPI",
        "kpi": {
            "payment_conversion": "payment conversion",
            "gmv": "GMV",
            "aov": "AOV",
            "gpm": "GPM (GMV per 1,000 views)",
            "watch_time_seconds": "watch time (s)",
            "engagement": "engagement",
        },
        "views_note": "Planned views are estimated as viewer-minutes × 60 ÷ the target watch time.",
    },
}

SVG_W, SVG_H, PAD_L, PAD_R, PAD_T, PAD_B = 800, 300, 72, 16, 16, 36


def gmv_chart(report: Review, lang: str) -> str:
    """Inline SVG: planned and actual cumulative GMV over the show's clock. Text is escaped."""
    from lqplan.render.i18n import money

    words = WORDS[lang]
    plan = report.plan
    cur = plan["show"]["currency"]
    span = max([plan["show"]["minutes"], *(m for m, _ in report.actual_curve)])
    top = _nice(
        max([1.0, *(g for _, g in report.planned_curve), *(g for _, g in report.actual_curve)])
    )

    def xy(minute: float, gmv: float) -> str:
        x = PAD_L + minute / span * (SVG_W - PAD_L - PAD_R)
        y = SVG_H - PAD_B - gmv / top * (SVG_H - PAD_T - PAD_B)
        return f"{x:.1f},{y:.1f}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gmv-chart" viewBox="0 0 {SVG_W} {SVG_H}" '
        'width="100%" role="img" font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(words['chart'])}</title><desc>{escape(words['chart_desc'])}</desc>",
        f'<line x1="{PAD_L}" y1="{SVG_H - PAD_B}" x2="{SVG_W - PAD_R}" y2="{SVG_H - PAD_B}" '
        'stroke="#94a3b8"/>',
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{SVG_H - PAD_B}" stroke="#94a3b8"/>',
    ]
    for i in range(5):
        gmv = top * i / 4
        x, y = xy(0, gmv).split(",")
        out.append(
            f'<text x="{float(x) - 6:.1f}" y="{float(y) + 4:.1f}" text-anchor="end">'
            f"{escape(money(round(gmv), cur, lang))}</text>"
        )
    step = next(s for s in (5, 10, 15, 30, 60, 120, 240, 480) if span / s <= 10)
    for minute in range(0, int(span) + 1, step):
        x, y = xy(minute, 0).split(",")
        out.append(
            f'<text x="{x}" y="{float(y) + 16:.1f}" text-anchor="middle">'
            f"{clock_after(plan['show']['start'], minute)}</text>"
        )
    for name, label, points, colour in (
        ("planned", words["planned"], report.planned_curve, "#0284c7"),
        ("actual", words["actual"], report.actual_curve, "#ea580c"),
    ):
        if len(points) > 1:
            path = " ".join(xy(m, g) for m, g in points)
            out.append(
                f'<polyline class="{name}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'points="{path}"><title>{escape(label)}</title></polyline>'
            )
    out.append(
        f'<text x="{PAD_L + 8}" y="{PAD_T + 10}" fill="#0284c7">— {escape(words["planned"])}</text>'
        f'<text x="{PAD_L + 108}" y="{PAD_T + 10}" fill="#ea580c">— {escape(words["actual"])}'
        "</text></svg>"
    )
    return "".join(out)


def display_rows(report: Review, lang: str) -> list[dict[str, Any]]:
    """The segment table's cells as text, shared by the terminal, Markdown and HTML."""
    from lqplan.render.i18n import money

    w = WORDS[lang]
    cur = report.plan["show"]["currency"]
    rows = []
    for r in report.rows:
        aired = r["actual_start"] is not None
        rows.append(
            {
                "no": str(r["number"]) if r["number"] else w["unplanned"],
                "product": f"{r['sku']} {r['name']}",
                "start": f"{r['planned_at'] or '—'} → {r['actual_at'] or '—'}",
                "drift": _signed(r["drift"]),
                "over": _signed(r["over"]),
                "units": _pair(r["expected_units"], r["actual_units"], "{:,.1f}"),
                "gmv": _pair(
                    money(r["expected_gmv"], cur, lang),
                    None if r["actual_gmv"] is None else money(r["actual_gmv"], cur, lang),
                    "{}",
                ),
                "band": _band_cell(r, cur, lang),
                "conversion": _pair(
                    _permille(r["expected_conversion"]), _permille(r["actual_conversion"]), "{}"
                ),
                "aired": aired,
            }
        )
        if not aired:
            rows[-1]["conversion"] = w["not_aired"]
    return rows


def _band_cell(row: dict[str, Any], cur: str, lang: str) -> str:
    from lqplan.render.i18n import money

    band = row["band"]
    if band is None:
        return "—"
    mark = {True: " ✓", False: " ✗", None: ""}[row["in_band"]]
    return f"{money(band['p10'], cur, lang)}–{money(band['p90'], cur, lang)}{mark}"


def band_note(report: Review, lang: str) -> str | None:
    """Did the actuals land inside the plan's bands? None without a band or actual GMV."""
    from lqplan.render.i18n import money

    t = report.totals
    if t["band"] is None or t["in_band"] is None:
        return None
    w = WORDS[lang]
    cur = report.plan["show"]["currency"]
    return w["band_note"].format(
        actual=money(t["actual_gmv"], cur, lang),
        verdict=w["inside"] if t["in_band"] else w["outside"],
        p10=money(t["band"]["p10"], cur, lang),
        p90=money(t["band"]["p90"], cur, lang),
        inside=t["segments_in_band"],
        total=t["segments_with_band"],
    )


def display_kpis(report: Review, lang: str) -> list[dict[str, Any]]:
    """The KPI table's cells as text (planned, actual, target, met), shared like display_rows."""
    w = WORDS[lang]
    cur = report.plan["show"]["currency"]
    return [
        {
            "kpi": w["kpi"][k["kpi"]],
            "planned": kpi_text(k["kpi"], k["planned"], cur, lang),
            "actual": kpi_text(k["kpi"], k["actual"], cur, lang),
            "target": kpi_text(k["kpi"], k["target"], cur, lang),
            "met": "" if k["met"] is None else (w["met"] if k["met"] else w["missed"]),
            "missed": k["met"] is False,
        }
        for k in report.kpis
    ]


COLUMNS: tuple[Column, ...] = (
    "no",
    "product",
    "start",
    "drift",
    "over",
    "units",
    "gmv",
    "band",
    "conversion",
)


def _nice(value: float) -> float:
    """The axis top: the next 1, 2, 2.5 or 5 × 10^k at or above `value`."""
    power: float = 10 ** math.floor(math.log10(value))  # an int, or a float below 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def review_documents(
    report: Review, lang: str, changes: list[str] | None = None
) -> dict[str, str | bytes]:
    """review.md and review.html, rendered through the one sandboxed Jinja environment."""
    from markupsafe import Markup

    from lqplan.render import filters
    from lqplan.render.env import make_environment, render
    from lqplan.render.runsheet import md_escape

    show = report.plan["show"]
    env = make_environment(None, {**filters(lang, show["currency"]), "md": md_escape})
    context = {
        "lang": lang,
        "show": show,
        "generator": report.plan.get("generator", "lqplan"),
        "columns": [{"key": c, "label": WORDS[lang][c]} for c in COLUMNS],
        "rows": display_rows(report, lang),
        "kpis": display_kpis(report, lang),
        "totals": report.totals,
        "changes": changes or [],
        "band_note": band_note(report, lang),
        "w": WORDS[lang],
        "chart": Markup(gmv_chart(report, lang)),  # gmv_chart escapes every text it draws
    }
    return {
        "review.md": render(env, "review.md.j2", context),
        "review.html": render(env, "review.html.j2", context),
    }


def review_tables(report: Review, lang: str) -> Group:
    """The review for the terminal (rich): segments, then KPIs. Cells are plain Text."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    w = WORDS[lang]
    table = Table(
        title=Text(f"{report.plan['show']['title']} · {w['title']}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in COLUMNS:
        table.add_column(w[name], justify="left" if name in ("product", "start") else "right")
    for row in display_rows(report, lang):
        table.add_row(*(Text(row[c]) for c in COLUMNS), style=None if row["aired"] else "dim")
    kpis = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=Text(w["totals"]), title_justify="left")
    heads: tuple[KpiColumn, ...] = ("kpi_head", "planned", "actual", "target", "met")
    for head in heads:
        kpis.add_column(w[head], justify="left" if head == "kpi_head" else "right")
    for k in display_kpis(report, lang):
        kpis.add_row(
            k["kpi"],
            k["planned"],
            k["actual"],
            k["target"],
            k["met"],
            style="red" if k["missed"] else None,
        )
    note = band_note(report, lang)
    return Group(table, kpis, Text(note)) if note else Group(table, kpis)


def kpi_text(kpi: str, value: float | None, cur: str, lang: str) -> str:
    """A KPI's value as people read it."""
    from lqplan.render.i18n import money

    if value is None:
        return "—"
    if kpi in ("payment_conversion", "engagement"):
        return f"{value:.2%}"
    if kpi in ("gmv", "aov", "gpm"):
        return money(round(value, 2), cur, lang)
    return f"{value:,.0f}"


def _pair(planned: Any, actual: Any, fmt: str) -> str:
    left = fmt.format(planned) if planned is not None else "—"
    return f"{left} → {fmt.format(actual) if actual is not None else '—'}"


def _signed(value: int | None) -> str:
    return "" if value is None else f"{value:+d}" if value else "0"


def _permille(value: float | None) -> str | None:
    return None if value is None else f"{value * 1000:.2f}‰"
