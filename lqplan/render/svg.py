"""The run sheet's timeline picture: inline SVG drawn from the plan, with no script and no fonts
or images fetched.

x is the show's minutes with clock labels. From top to bottom: the viewer curve as an area, the
segments as bars coloured by role (labelled with the cart link, or the SKU, when wide enough),
link-up ticks and flash-sale bands on the bars, stock releases as triangles under them, lucky-bag
countdowns as a row of markers, breaks shaded across the whole height. Every shape carries a
<title> so a screen reader and a mouse-over say what it is. User text is XML-escaped. The output
is a function of the plan alone (fixed ids, fixed number formats), so it is byte-stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from lqplan.money import money
from lqplan.render import i18n, profiles

ROLE_COLOURS = {
    "traffic": "#ea580c",
    "welfare": "#16a34a",
    "bridge": "#2563eb",
    "hero": "#e11d48",
    "profit": "#7c3aed",
    "image": "#0f766e",
    "test": "#64748b",
}
OTHER_COLOUR = "#475569"
BREAK_COLOUR = "#94a3b8"
BAG_COLOUR = "#c026d3"
FLASH_COLOUR = "#facc15"
RELEASE_COLOUR = "#15803d"
CURVE_COLOUR = "#0284c7"

WIDTH = 1200
LEFT, RIGHT = 64, 16
CURVE_TOP, CURVE_BOTTOM = 16, 118
BAR_TOP, BAR_HEIGHT = 132, 34
RELEASE_TOP = BAR_TOP + BAR_HEIGHT + 3
BAG_TOP = RELEASE_TOP + 14
AXIS_Y = BAG_TOP + 20
HEIGHT = AXIS_Y + 24
TICK_STEPS = (5, 10, 15, 30, 60, 120, 240)


def role_colour(role: str | None) -> str:
    """A segment's bar colour by its product's role; one neutral colour for any other."""
    return ROLE_COLOURS.get(role or "", OTHER_COLOUR)


def timeline(context: Mapping[str, Any], words: Mapping[str, str]) -> str:
    """The SVG for the plan in `context` (base_context), labelled with `words` (the run sheet's
    phrase table in the show's language)."""
    show = context["show"]
    span = max(1, int(show["minutes"]))
    scale = (WIDTH - LEFT - RIGHT) / span
    lang = context["lang"]

    def x(minute: float) -> str:
        return _num(LEFT + minute * scale)

    def w(minutes: float) -> str:
        return _num(minutes * scale)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="100%" role="img" aria-labelledby="lq-timeline-title '
        f"lq-timeline-desc\" font-family=\"system-ui, 'Noto Sans CJK SC', 'PingFang SC', "
        f'\'Microsoft YaHei\', sans-serif" font-size="11">',
        f'<title id="lq-timeline-title">{escape(words["timeline_title"])}</title>',
        f'<desc id="lq-timeline-desc">{escape(words["timeline_desc"])}</desc>',
        '<defs><pattern id="lq-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f1f5f9"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BREAK_COLOUR}" stroke-width="2"/>'
        "</pattern></defs>",
    ]

    # Breaks first, so everything else draws over their shading.
    for brk in context["breaks"]:
        label = brk.get("label") or words["break"]
        out.append(
            f'<g class="break"><title>{escape(_span_text(context, brk["minute"], brk["minutes"]))}'
            f" {escape(label)}</title>"
            f'<rect x="{x(brk["minute"])}" y="{CURVE_TOP}" width="{w(brk["minutes"])}" '
            f'height="{BAG_TOP + 10 - CURVE_TOP}" fill="url(#lq-hatch)" opacity="0.9"/></g>'
        )

    out.extend(_viewer_curve(context, x, words))

    for seg in context["segments"]:
        out.extend(_segment(context, seg, x, w, words, lang))

    for bag in context["lucky_bags"]:
        start, length = bag["minute"], bag["countdown_minutes"]
        tip = f"{bag['at']}–{bag['draw_at']} {words['lucky_bag']} {bag['id']}: {bag['prize']}"
        out.append(
            f'<g class="bag"><title>{escape(tip)}</title>'
            f'<rect x="{x(start)}" y="{BAG_TOP + 3}" width="{w(length)}" height="4" rx="2" '
            f'fill="{BAG_COLOUR}" opacity="0.45"/>'
            f'<circle cx="{x(start)}" cy="{BAG_TOP + 5}" r="5" fill="{BAG_COLOUR}" '
            'stroke="#fff" stroke-width="1"/></g>'
        )

    out.extend(_axis(context, span, x))
    out.append("</svg>")
    return "\n".join(out)


def _viewer_curve(context: Mapping[str, Any], x: Any, words: Mapping[str, str]) -> list[str]:
    curve = [(p["minute"], p["viewers"]) for p in context["plan"].get("viewer_curve") or []]
    if not curve:
        return []
    peak = max(v for _, v in curve) or 1

    def y(viewers: float) -> str:
        return _num(CURVE_BOTTOM - viewers / peak * (CURVE_BOTTOM - CURVE_TOP))

    line = " ".join(f"{'M' if i == 0 else 'L'}{x(m)},{y(v)}" for i, (m, v) in enumerate(curve))
    area = f"{line} L{x(curve[-1][0])},{CURVE_BOTTOM} L{x(curve[0][0])},{CURVE_BOTTOM} Z"
    return [
        f'<g class="viewer-curve"><title>{escape(words["viewers"])}</title>',
        f'<line x1="{LEFT}" y1="{CURVE_BOTTOM}" x2="{WIDTH - RIGHT}" y2="{CURVE_BOTTOM}" '
        'stroke="#cbd5e1"/>',
        f'<line x1="{LEFT}" y1="{CURVE_TOP}" x2="{WIDTH - RIGHT}" y2="{CURVE_TOP}" '
        'stroke="#e2e8f0" stroke-dasharray="3 3"/>',
        f'<path class="viewers-area" d="{area}" fill="{CURVE_COLOUR}" fill-opacity="0.15"/>',
        f'<path class="viewers" d="{line}" fill="none" stroke="{CURVE_COLOUR}" '
        'stroke-width="2" stroke-linejoin="round"/>',
        f'<text x="{LEFT - 6}" y="{CURVE_TOP + 4}" text-anchor="end" fill="#475569">'
        f"{peak:,.0f}</text>",
        f'<text x="{LEFT - 6}" y="{CURVE_BOTTOM}" text-anchor="end" fill="#475569">0</text>',
        f'<text x="{LEFT + 4}" y="{CURVE_TOP + 12}" fill="{CURVE_COLOUR}">'
        f"{escape(words['viewers'])}</text>",
        "</g>",
    ]


def _segment(
    context: Mapping[str, Any],
    seg: Mapping[str, Any],
    x: Any,
    w: Any,
    words: Mapping[str, str],
    lang: str,
) -> list[str]:
    start, length = seg["start_minute"], seg["minutes"]
    colour = role_colour(seg.get("role"))
    link = profiles.link(seg.get("cart_link"), lang, context["show"])
    role = context["roles"].get(seg.get("role"), seg.get("role") or "")
    mode = context["modes"].get(seg.get("mode"), "")
    tip = " ".join(
        part
        for part in (f"{seg['start']}–{seg['end']}", link, seg["sku"], seg["name"], role, mode)
        if part
    )
    width = length * (WIDTH - LEFT - RIGHT) / max(1, int(context["show"]["minutes"]))
    out = [
        f'<g class="segment" data-number="{int(seg["number"])}"><title>{escape(tip)}</title>',
        f'<rect class="seg" x="{x(start)}" y="{BAR_TOP}" width="{w(length)}" '
        f'height="{BAR_HEIGHT}" fill="{colour}" stroke="#fff" stroke-width="1"/>',
    ]
    label = _fitting_label(width, (_short_link(seg.get("cart_link"), lang), seg["sku"]))
    if label:
        out.append(
            f'<text x="{_num(float(x(start)) + width / 2)}" y="{BAR_TOP + BAR_HEIGHT / 2 + 4:g}" '
            f'text-anchor="middle" fill="#fff" font-weight="600">{escape(label)}</text>'
        )
    out.append("</g>")
    # Link up: the moment the co-host calls "3, 2, 1" and the control room lists the product.
    out.append(
        f'<g class="linkup"><title>{escape(seg["start"])} {escape(words["link_up"])} '
        f"{escape(link or seg['sku'])}</title>"
        f'<line x1="{x(start)}" y1="{BAR_TOP - 5}" x2="{x(start)}" y2="{BAR_TOP + BAR_HEIGHT}" '
        'stroke="#0f172a" stroke-width="1.5"/></g>'
    )
    if seg.get("mode") == "flash_sale":
        minutes = seg.get("promotion_minutes") or length
        price = money(seg["price"].get("flash_sale"), context["show"]["currency"], context["lang"])
        tip = (
            f"{_span_text(context, start, minutes)} {words['flash_sale']} "
            f"{seg.get('promotion') or ''} {price}"
        )
        out.append(
            f'<g class="flash"><title>{escape(tip)}</title>'
            f'<rect x="{x(start)}" y="{BAR_TOP - 5}" width="{w(minutes)}" height="8" '
            f'fill="{FLASH_COLOUR}" stroke="#a16207" stroke-width="1"/></g>'
        )
    for act in seg.get("actions") or []:
        if act.get("action") != "release_stock":
            continue
        cx = float(x(act["minute"])) + 4
        units = act.get("units")
        tip = f"{act['at']} {words['stock_release']} {units if units is not None else ''}"
        out.append(
            f'<g class="release"><title>{escape(tip.strip())}</title>'
            f'<path d="M{_num(cx - 4)},{RELEASE_TOP + 8} L{_num(cx + 4)},{RELEASE_TOP + 8} '
            f'L{_num(cx)},{RELEASE_TOP} Z" fill="{RELEASE_COLOUR}"/></g>'
        )
    return out


def _axis(context: Mapping[str, Any], span: int, x: Any) -> list[str]:
    step = next((s for s in TICK_STEPS if span / s <= 12), TICK_STEPS[-1])
    out = [
        '<g class="axis" fill="#334155">',
        f'<line x1="{LEFT}" y1="{AXIS_Y}" x2="{WIDTH - RIGHT}" y2="{AXIS_Y}" stroke="#334155"/>',
    ]
    for minute in range(0, span + 1, step):
        out.append(
            f'<line x1="{x(minute)}" y1="{AXIS_Y}" x2="{x(minute)}" y2="{AXIS_Y + 4}" '
            'stroke="#334155"/>'
        )
        anchor = "start" if minute == 0 else "end" if minute == span else "middle"
        out.append(
            f'<text x="{x(minute)}" y="{AXIS_Y + 16}" text-anchor="{anchor}">'
            f"{i18n.plan_clock(context, minute)}</text>"
        )
    out.append("</g>")
    return out


def _fitting_label(width: float, candidates: tuple[str, ...]) -> str:
    """The first label that fits in `width` pixels at 11 px (CJK glyphs about twice as wide)."""
    for text in candidates:
        if text and sum(11 if ord(c) > 0x2E7F else 6.4 for c in text) + 6 <= width:
            return text
    return ""


def _short_link(cart_link: int | None, lang: str) -> str:
    if cart_link is None:
        return ""
    return f"{cart_link}号" if lang == "zh" else f"#{cart_link}"


def _span_text(context: Mapping[str, Any], minute: int, minutes: int) -> str:
    return f"{i18n.plan_clock(context, minute)}–{i18n.plan_clock(context, minute + minutes)}"


def _num(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: stable across platforms."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


__all__ = ["ROLE_COLOURS", "role_colour", "timeline"]
