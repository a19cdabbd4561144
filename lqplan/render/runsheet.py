"""The run-of-show (直播脚本): run_sheet.md, run_sheet.csv, run_sheet.html and ontime.csv.

The rows are built once, here, from the plan and the actions actions.py words; the Markdown and
HTML templates lay them out, and the two CSV files are written with the csv module rather than a
template so that quoting, the BOM and CSV-injection guards are right. One row per segment, break
and lucky-bag drop, in time order. Every price, quantity and claim comes from the plan; a missing
input shows `to_confirm` (未确认 / to confirm) instead. Each segment shows its expected GMV and
its forecast band (P10–P90), the totals the GMV and profit band and where it comes from; a plan
written before lqplan had bands shows none (and no band column).

Ontime (github.com/cpvalente/ontime) imports a rundown from a spreadsheet; ontime_table builds
it once for ontime.csv and for ontime.xlsx (spreadsheets.py, the file Ontime's upload takes: .xlsx
only). What its source says, read at commit fb559ed9 (after v4.11.0): the server
(apps/server/src/api-data/excel/excel.service.ts) reads the chosen worksheet with SheetJS as
formatted text and hands the rows to parseExcel (excel.parser.ts, excel.utils.ts); the header row
is found by matching each cell, lower-cased and trimmed, against the import map. The import
dialog (apps/client/.../sheet-import/importMapUtils.ts) sends every field of its form, whose
defaults are worksheet "event schedule" and the headers "title", "time start", "time end",
"duration", "cue", "notes" (the dialog's default; the server's own fallback map says "note"),
"colour", "timer type", "link start", "flag", "id" and others we leave out. Times are "HH:MM:SS"
text (a bare number would be read as minutes). "timer type" takes "count-down" and the like, or
"milestone": an entry with a title, cue, note, colour and custom fields but no time, which is
what a lucky bag or a flash sale is inside a segment (its clock time goes in its title). An event
whose row has no "link start" cell starts when the previous one ends; ours say FALSE, so each
keeps the plan's time. "id" keys the merge of
a new import into the rundown already running, so ours come from the plan (a SKU and its airing,
a break's number, a promotion's id), never from the row number that a replan shifts. Custom
fields are mapped in the dialog from a label (letters, digits, spaces and _ only) to a column
header, so ours are plain ASCII: "SKU", "Cart link", "Promotion", "Control room", "Floor
control". Ontime has no field for a time zone, so a show that names one gets a line above the
header row ("时区 | Asia/Shanghai"), which the header search (the first row with more than five
filled cells) and the parser (a row that names no field) both pass over.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup

from lqplan.money import TO_CONFIRM, money
from lqplan.render import env as render_env
from lqplan.render import i18n, markdown, phrases, profiles, svg
from lqplan.render.actions import collab_partner, promotion_text

CRITICAL = "⚠"
# Cells starting with these are formulas to Excel, WPS and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "no",
    "start",
    "duration",
    "phase",
    "product",
    "role",
    "list_price",
    "live_price",
    "deal_price",
    "released",
    "remaining",
    "expected_gmv",
    "gmv_band",
    "promotion",
    "host",
    "cue",
    "control_room",
    "floor_control",
    "paid_traffic",
    "notes",
)


# Ontime's import headers (see the module docstring); custom fields after the built-in ones.
ONTIME_HEADERS = (
    "Title",
    "Time Start",
    "Time End",
    "Duration",
    "Cue",
    "Notes",
    "Colour",
    "Timer Type",
    "Link Start",
    "Flag",
    "ID",
    "SKU",
    "Cart link",
    "Promotion",
    "Control room",
    "Floor control",
)
ONTIME_CUSTOM_FIELDS = ONTIME_HEADERS[ONTIME_HEADERS.index("SKU") :]
ONTIME_BREAK_COLOUR = "#94A3B8"
ONTIME_BAG_COLOUR = "#C026D3"
ONTIME_FLASH_COLOUR = "#F59E0B"

# Which actions are critical moments (set in bold with ⚠ on the sheet).
CRITICAL_ACTIONS = {
    "release_stock",
    "start_flash_sale",
    "end_flash_sale",
    "start_lucky_bag",
    "draw_lucky_bag",
}
# Within one minute, the order a control room works in: list first, take down last.
ACTION_ORDER = {
    "list_product": 0,
    "release_stock": 1,
    "start_flash_sale": 2,
    "send_coupon": 3,
    "announce_gift": 4,
    "start_lucky_bag": 5,
    "pin_lucky_bag": 6,
    "draw_lucky_bag": 7,
    "end_flash_sale": 8,
    "delist_product": 9,
}
# Columns whose critical lines also get a tinted cell in the HTML sheet.
HIGHLIGHT = {"deal_price", "released", "promotion", "control_room"}
BAG_ACTIONS = {"start_lucky_bag", "draw_lucky_bag", "pin_lucky_bag"}
# The HTML sheet sets the columns in groups (one cell each, its columns' lines one under another)
# so that a 1440 px screen shows the control room's column without scrolling and A4 landscape
# prints at 8 pt; a group empty for the whole show is left out. The CSV, Markdown and .xlsx
# keep one column per key. A group of several columns has a label of its own (`html_<group>`).
# Its width is a share of the table's (fixed layout: the text wraps, the columns stay), sized
# for the lines it holds: the control room's actions are the longest.
HTML_GROUPS = (
    ("no", ("no",), 3),
    ("time", ("start", "duration", "phase"), 7),
    ("product", ("product", "role"), 17),
    ("price", ("list_price", "live_price", "deal_price"), 8),
    ("stock", ("released", "remaining"), 8),
    ("gmv", ("expected_gmv", "gmv_band"), 9),
    ("promotion", ("promotion",), 12),
    ("host", ("host",), 14),
    ("cue", ("cue",), 9),
    ("control_room", ("control_room",), 32),
    ("teams", ("floor_control", "paid_traffic", "notes"), 15),
)
# Columns whose lines carry a short name inside a group (the others say what they are): the
# phrase of that name.
HTML_SUBLABELS = {
    "remaining": "html_remaining",
    "floor_control": "col_floor_control",
    "paid_traffic": "col_paid_traffic",
    "notes": "col_notes",
}
_TIME = ("no", "start", "duration", "phase", "product", "role")
_PRICES = ("list_price", "live_price", "deal_price")
# A team's view of the HTML sheet (run_sheet.html#view-host): only the columns it works from, on
# screen and on paper (one or two A4 pages), without the timeline and the totals. The control
# room's own lines name every listing, stock release, price change and promotion, so its view
# leaves out the stock, promotion and cue columns that repeat them; the host's leaves out the
# co-host's cue. A view is offered when its team's column (the view's name) has something in it.
TEAM_VIEWS = {
    "host": (*_TIME, *_PRICES, "promotion", "host", "notes"),
    "control_room": (*_TIME, *_PRICES, "control_room"),
    "floor_control": (*_TIME, "promotion", "floor_control", "notes"),
    "paid_traffic": (*_TIME, "expected_gmv", "gmv_band", "paid_traffic"),
}
# A view's own widths where the full sheet's would waste its page: the host's promotion and
# points, the control room's product names get the room the hidden columns leave.
VIEW_WEIGHTS = {
    "host": {"time": 8, "product": 20, "price": 10, "promotion": 20, "host": 20, "teams": 16},
    "control_room": {"time": 8, "product": 22, "price": 10, "control_room": 54},
}
TEAM_COLUMNS = {
    "control_room": "control_room",
    "floor_control": "floor_control",
    "paid_traffic": "paid_traffic",
    "supply_chain": "notes",
}


def render(env: Any, context: Mapping[str, Any]) -> dict[str, str | bytes]:
    """run_sheet.md, run_sheet.csv, run_sheet.html and ontime.csv for the plan in `context`."""
    lang = context["lang"]
    words = profiles.words(phrases.RUN_SHEET, lang, context["show"])
    rows = build_rows(context)
    keys = column_keys(context)
    columns = labelled_columns(context)
    extra = {
        "t": words,
        "columns": columns,
        "rows": [_for_templates(row, keys) for row in rows],
        "header": header(context),
        "summary": summary(context),
        "compliance_rows": [_finding(f) for f in context["compliance"]],
        "unused_rows": [
            {"md": md_escape(text), "text": text} for text in context["unused_promotions"]
        ],
        "timeline": Markup(svg.timeline(context, words)),  # svg.py XML-escapes every text
        "legend": legend(context),
    }
    extra.update(html_sheet(context, rows, words))
    full = {**context, **extra}
    return {
        "run_sheet.md": render_env.render(env, "run_sheet.md.j2", full),
        "run_sheet.csv": run_sheet_csv(rows, columns),
        "run_sheet.html": render_env.render(env, "run_sheet.html.j2", full),
        "ontime.csv": ontime_csv(context, rows),
    }


def column_keys(context: Mapping[str, Any]) -> tuple[str, ...]:
    """The sheet's columns: all of COLUMNS, less the GMV band for a plan without bands (one
    written by an older lqplan)."""
    if any(_band(seg, "gmv") for seg in context["segments"]):
        return COLUMNS
    return tuple(key for key in COLUMNS if key != "gmv_band")


def labelled_columns(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """The sheet's columns as {key, label}, labelled in the sheet's language (CSV, .xlsx)."""
    words = profiles.words(phrases.RUN_SHEET, context["lang"], context["show"])
    level = band_level(context)
    return [
        {"key": key, "label": words[f"col_{key}"].format(level=level)}
        for key in column_keys(context)
    ]


def band_level(context: Mapping[str, Any]) -> str:
    """The band's level as a percentage number ('80'): P10–P90 is the 80 % band."""
    band = context["totals"].get("band") or {}
    return f"{float(band.get('level', 0.8)) * 100:g}"


def _band(seg: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    return _band_of((seg.get("expected") or {}).get("band") or {}, key)


def _band_of(band: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """band[key] ({p10, p50, p90}) when it has both ends, else None."""
    part = band.get(key) or {}
    return part if part.get("p10") is not None and part.get("p90") is not None else None


def band_range(context: Mapping[str, Any], band: Mapping[str, Any] | None) -> str:
    """'$283.60–$1,692.00': P10 to P90 in the sheet's money; empty without a band."""
    if band is None:
        return ""
    return f"{_money(context, band['p10'])}–{_money(context, band['p90'])}"


# ---------------------------------------------------------------------------------------- rows


def build_rows(context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per segment, break and lucky-bag drop, in time order; each cell a list of lines
    {text, critical}."""
    rows: list[dict[str, Any]] = []
    for seg in context["segments"]:
        rows.append(_segment_row(context, seg))
    for index, brk in enumerate(context["breaks"], start=1):
        rows.append(_break_row(context, brk, index))
    for index, bag in enumerate(context["lucky_bags"], start=1):
        rows.append(_bag_row(context, bag, index))
    order = {"break": 0, "segment": 1, "lucky_bag": 2}
    rows.sort(key=lambda r: (r["minute"], order[r["kind"]], r["seq"]))
    _place_actions(context, rows)
    return rows


def _segment_row(context: Mapping[str, Any], seg: Mapping[str, Any]) -> dict[str, Any]:
    lang, words, confirm = (
        context["lang"],
        profiles.words(phrases.RUN_SHEET, context["lang"], context["show"]),
        context["to_confirm"],
    )
    product = context["products"].get(seg["sku"], {})
    price = seg.get("price") or {}
    cart = profiles.link(seg.get("cart_link"), lang, context["show"])
    mode = seg.get("mode") or "normal"
    promo = context["promotions"].get(seg.get("promotion") or "", {})
    cells = _empty_cells()
    cells["no"] = _lines(str(seg.get("label") or seg["number"]))
    cells["start"] = _lines(seg["start"])
    cells["duration"] = _lines(i18n.minutes(seg["minutes"], lang))
    cells["phase"] = _lines(context["phases"].get(seg["phase"], seg["phase"]))
    cells["product"] = _lines(cart or words["no_link"], f"{seg['sku']} {seg['name']}")
    cells["role"] = _lines(context["roles"].get(seg["role"], seg["role"]))
    cells["list_price"] = _lines(_money(context, price.get("list")))
    cells["live_price"] = _lines(_money(context, price.get("live")))
    if mode == "flash_sale":
        span = _span(context, seg["start_minute"], seg.get("promotion_minutes") or seg["minutes"])
        text = words["flash_price"].format(
            price=_money(context, price.get("flash_sale")), span=span
        )
        cells["deal_price"] = [_line(text, critical=True)]
    elif mode == "coupon":
        text = words["after_coupon"].format(price=_money(context, price.get("after_coupon")))
        cells["deal_price"] = _lines(text)
    stock = seg.get("stock") or {}
    for act in seg.get("actions") or []:
        if act.get("action") == "release_stock":
            units = act.get("units")
            units = confirm if units is None else units
            text = i18n.phrase(words["released"], lang, at=act["at"], units=units)
            cells["released"].append(_line(text, critical=True))
    if stock.get("after") is not None and stock.get("available") is not None:
        cells["remaining"] = _lines(
            words["remaining"].format(
                left=i18n.number(max(0.0, stock["after"]), lang),
                available=i18n.number(stock["available"], lang),
            )
        )
    else:
        cells["remaining"] = _lines(confirm)
    cells["expected_gmv"] = _lines(_money(context, (seg.get("expected") or {}).get("gmv")))
    cells["gmv_band"] = _lines(band_range(context, _band(seg, "gmv")))
    if promo:
        text = promotion_text(promo, product, lang, context["show"]["currency"])
        if mode == "flash_sale":  # the coupon and gift wordings name their promotion already
            text = f"{promo['id']}{words['colon']}{text}"
        cells["promotion"] = [_line(text or confirm, critical=mode == "flash_sale")]
    cells["host"] = _lines(_first_point(product, words, confirm))
    cue = words["cue"].format(link=cart or words["no_link"])
    cells["cue"] = [_line(cue, critical=True)]
    if mode == "flash_sale":
        flash = _money(context, price.get("flash_sale"))
        cells["cue"].append(_line(words["cue_flash"].format(price=flash), critical=True))
    notes = cells["notes"]
    if seg.get("hosts"):
        notes.append(_line(words["on_air"].format(names=words["list_sep"].join(seg["hosts"]))))
    if seg.get("airing", 1) > 1:
        notes.append(_line(words["encore"].format(n=seg["airing"])))
    if product.get("per_buyer_limit"):
        notes.append(_line(words["per_buyer"].format(n=product["per_buyer_limit"])))
    if product.get("gifts"):
        notes.append(_line(words["gifts"].format(gifts=words["list_sep"].join(product["gifts"]))))
    partner = collab_partner(product, context["promotions"], seg["sku"])
    if partner:
        notes.append(_line(words["collab"].format(partner=partner)))
    return {
        "kind": "segment",
        "minute": seg["start_minute"],
        "end": seg["start_minute"] + seg["minutes"],
        "seq": seg["number"],
        "sku": seg["sku"],
        "name": seg["name"],
        "role": seg["role"],
        "cart_link": cart,
        "promotion_id": seg.get("promotion"),
        "critical": mode == "flash_sale" or bool(cells["released"]),
        "cells": cells,
    }


def _break_row(context: Mapping[str, Any], brk: Mapping[str, Any], index: int) -> dict[str, Any]:
    lang = context["lang"]
    cells = _empty_cells()
    label = brk.get("label") or context["phases"]["break"]
    cells["start"] = _lines(brk["at"])
    cells["duration"] = _lines(i18n.minutes(brk["minutes"], lang))
    cells["phase"] = _lines(context["phases"]["break"])
    cells["product"] = _lines(label)
    return {
        "kind": "break",
        "minute": brk["minute"],
        "end": brk["minute"] + brk["minutes"],
        "seq": index,
        "sku": "",
        "role": "",
        "cart_link": "",
        "promotion_id": None,
        "critical": False,
        "cells": cells,
        "label": label,
    }


def _bag_row(context: Mapping[str, Any], bag: Mapping[str, Any], index: int) -> dict[str, Any]:
    lang = context["lang"]
    words = profiles.words(phrases.RUN_SHEET, lang, context["show"])
    cells = _empty_cells()
    cells["start"] = _lines(bag["at"])
    cells["duration"] = _lines(i18n.minutes(bag["countdown_minutes"], lang))
    cells["phase"] = [_line(context["phases"]["giveaway"], critical=True)]
    cells["product"] = [_line(words["bag_product"].format(id=bag["id"]), critical=True)]
    prize = i18n.phrase(words["bag_prize"], lang, prize=bag["prize"], winners=bag["winners"])
    cells["promotion"] = _lines(
        prize, words["bag_entry"].format(entry=profiles.entry(bag, lang, context["show"]))
    )
    cells["notes"] = _lines(words["bag_draw"].format(at=bag["draw_at"]))
    return {
        "kind": "lucky_bag",
        "minute": bag["minute"],
        "end": bag["minute"] + bag["countdown_minutes"],
        "seq": index,
        "sku": "",
        "role": "",
        "cart_link": "",
        "promotion_id": bag["id"],
        "critical": True,
        "cells": cells,
        "bag": bag,
    }


def _place_actions(context: Mapping[str, Any], rows: list[dict[str, Any]]) -> None:
    """Put each team action on the row it belongs to: a segment's own actions on its row, a
    lucky bag's on the bag's row, the rest (ad spend) on the segment or break then on air."""
    timed = [r for r in rows if r["kind"] != "lucky_bag"]
    ordered = sorted(
        context["actions"], key=lambda a: (a["minute"], ACTION_ORDER.get(a["action"], 50))
    )
    for act in ordered:
        column = TEAM_COLUMNS.get(act["team"])
        if column is None:
            continue  # customer service briefs live in the checklists, not on the sheet
        row = _row_for(act, rows, timed)
        if row is None:
            continue
        line = _line(f"{act['at']} {act['text']}", critical=act["action"] in CRITICAL_ACTIONS)
        if act["team"] == "supply_chain":
            line = _line(act["text"], critical=True)
        row["cells"][column].append(line)


def _row_for(
    act: Mapping[str, Any], rows: list[dict[str, Any]], timed: list[dict[str, Any]]
) -> dict[str, Any] | None:
    minute, kind = act["minute"], act["action"]
    if kind in BAG_ACTIONS:
        for row in rows:
            same_bag = row["kind"] == "lucky_bag" and row["promotion_id"] == act.get("promotion")
            if same_bag and row["minute"] <= minute <= row["end"]:
                return row
        return None
    if act.get("sku"):
        # A segment's own action: during it, or at its last minute (take down, flash sale over).
        own = [r for r in timed if r["sku"] == act["sku"]]
        for row in own:
            if row["minute"] <= minute < row["end"]:
                return row
        for row in own:
            if minute == row["end"]:
                return row
    for row in timed:
        if row["minute"] <= minute < row["end"]:
            return row
    earlier = [r for r in timed if r["minute"] <= minute]
    return earlier[-1] if earlier else (timed[0] if timed else None)


def _first_point(product: Mapping[str, Any], words: Mapping[str, str], confirm: str) -> str:
    points = product.get("selling_points") or []
    if not points or not points[0].get("point"):
        return confirm
    first = points[0]
    if first.get("proof"):
        return words["point_proof"].format(point=first["point"], proof=first["proof"])
    return str(first["point"])


def _empty_cells() -> dict[str, list[dict[str, Any]]]:
    return {key: [] for key in COLUMNS}


def _line(text: Any, *, critical: bool = False) -> dict[str, Any]:
    return {"text": str(text), "critical": critical}


def _lines(*texts: Any) -> list[dict[str, Any]]:
    return [_line(t) for t in texts if t not in (None, "")]


# ------------------------------------------------------------------------------ the HTML sheet


def html_sheet(
    context: Mapping[str, Any], rows: list[dict[str, Any]], words: Mapping[str, str]
) -> dict[str, Any]:
    """The HTML sheet's grouped columns (those with something in them), its rows as groups of
    labelled column lines, and the team views it offers (TEAM_VIEWS)."""
    level = band_level(context)
    keys = set(column_keys(context))
    groups: list[dict[str, Any]] = []
    for group, members, weight in HTML_GROUPS:
        present = [k for k in members if k in keys and any(row["cells"][k] for row in rows)]
        if not present:
            continue  # nothing in the whole show: no empty column on screen or paper
        label = words[f"col_{group}" if len(members) == 1 else f"html_{group}"]
        groups.append(
            {"key": group, "label": label.format(level=level), "members": present, "weight": weight}
        )
    widths = _widths({g["key"]: g["weight"] for g in groups})
    for g in groups:
        g["width"] = widths[g["key"]]
    filled = {key for g in groups for key in g["members"]}
    views = [_view(context, team, groups) for team in TEAM_VIEWS if team in filled]
    return {
        "html_columns": groups,
        "html_rows": [_html_row(row, groups, words) for row in rows],
        "views": views,
    }


def _view(context: Mapping[str, Any], team: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    """A team's view: its name, the widths of the groups it shows, and the classes it hides
    (`g-` a whole group, `m-` one column inside a group it shows)."""
    keep = TEAM_VIEWS[team]
    shown = [g for g in groups if any(k in keep for k in g["members"])]
    own = VIEW_WEIGHTS.get(team, {})
    hidden = [f"g-{g['key']}" for g in groups if g not in shown]
    hidden += [f"m-{k}" for g in shown for k in g["members"] if k not in keep]
    return {
        "team": team,
        "label": context["teams"].get(team, team),
        "widths": _widths({g["key"]: own.get(g["key"], g["weight"]) for g in shown}),
        "hidden": hidden,
    }


def _widths(weights: Mapping[str, int]) -> dict[str, str]:
    """Each group's share of the table's width, as CSS percentages."""
    total = sum(weights.values())
    return {key: f"{100 * weight / total:.2f}%" for key, weight in weights.items()}


def _html_row(
    row: Mapping[str, Any], groups: list[dict[str, Any]], words: Mapping[str, str]
) -> dict[str, Any]:
    """A row as the HTML sheet lays it out: per group its columns' lines, with a sub-label where
    a line would not say what it is, and a tint where a critical line sits in HIGHLIGHT."""
    cells = row["cells"]
    out = []
    for group in groups:
        parts = [
            {
                "key": key,
                "label": words[HTML_SUBLABELS[key]] if key in HTML_SUBLABELS else "",
                "lines": cells[key],
            }
            for key in group["members"]
            if cells[key]
        ]
        highlight = any(
            line["critical"] for key in group["members"] if key in HIGHLIGHT for line in cells[key]
        )
        out.append(
            {"key": group["key"], "label": group["label"], "parts": parts, "highlight": highlight}
        )
    return {
        "kind": row["kind"],
        "critical": row["critical"],
        "role": row["role"],
        "colour": svg.role_colour(row["role"]) if row["kind"] == "segment" else "",
        "cells": out,
    }


# ----------------------------------------------------------------------- header and summary


def header(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """The sheet's top lines, label and value, in the show's language."""
    show, lang = context["show"], context["lang"]
    words = profiles.words(phrases.RUN_SHEET, lang, context["show"])
    sep = words["list_sep"]
    items = [
        (words["date"], context["long_date"]),
        (words["time"], f"{show['start']}–{show['end']}"),
        (words["time_zone"], show.get("time_zone")),  # only when show.yaml names one
        (
            words["platform"],
            profiles.platform_name(show, lang),
        ),
        (words["room"], show.get("room")),
        (words["theme"], show.get("theme")),
    ]
    hosts = [
        f"{h['name']}（{context['teams'].get(h['role'], h['role'])}）"
        if lang == "zh"
        else f"{h['name']} ({context['teams'].get(h['role'], h['role'])})"
        for h in show.get("hosts") or []
    ]
    items.append((words["hosts"], sep.join(hosts)))
    team = show.get("team") or {}
    members = [
        f"{context['teams'].get(role, role)} {sep.join(names)}"
        for role, names in team.items()
        if names and role != "co_host"
    ]
    items.append((words["team"], "；".join(members) if lang == "zh" else "; ".join(members)))
    return [{"label": label, "value": str(value)} for label, value in items if value]


def summary(context: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Totals (with the forecast band, when the plan has one), the solver's report and the KPI
    targets as label/value lists; `md` is the value as the Markdown sheet writes it."""
    lang = context["lang"]
    words = profiles.words(phrases.RUN_SHEET, lang, context["show"])
    totals, solver, show = context["totals"], context["solver"], context["show"]
    na = words["not_available"]
    kpi = show.get("kpi") or {}
    gap = solver.get("gap_percent")
    uplift = solver.get("uplift_percent")
    status = solver.get("status") or ""
    return {
        "totals": _pairs(
            (words["segments_count"], str(totals["segments"])),
            (words["units"], i18n.number(totals["units"], lang)),
            (words["gmv"], _money(context, totals["gmv"])),
            (words["profit"], _money(context, totals["profit"])),
            *band_pairs(context),
            (words["bag_prize_cost"], _prize_cost(context, words)),
            (words["bag_retention"], _money(context, totals.get("lucky_bag_retention_value"))),
        ),
        "solver": _pairs(
            (words["status"], words.get(f"status_{status}", status)),
            (words["objective"], words.get(f"objective_{show['objective']}", show["objective"])),
            (words["gap"], na if gap is None else f"{gap:.2f}%"),
            (words["uplift"], na if uplift is None else f"{uplift:+.2f}%"),
        ),
        "kpi": _pairs(
            (words["kpi_watch_time"], _kpi(kpi.get("watch_time_seconds"), context, "seconds")),
            (words["kpi_engagement"], _kpi(kpi.get("engagement"), context, "percent")),
            (
                words["kpi_payment_conversion"],
                _kpi(kpi.get("payment_conversion"), context, "percent"),
            ),
            (words["kpi_gpm"], _kpi(kpi.get("gpm"), context, "money")),
        ),
    }


def _prize_cost(context: Mapping[str, Any], words: Mapping[str, str]) -> str:
    """The lucky bags' prize cost; a prize whose value show.yaml does not give costs nothing in
    the plan's figures, so the sheet says it is to confirm instead of printing a ¥0 as a fact."""
    drawn = {bag["id"] for bag in context["lucky_bags"]}
    unknown = [
        bag_id
        for bag_id in sorted(drawn)
        if context["promotions"].get(bag_id, {}).get("prize_value") is None
    ]
    cost = context["totals"].get("lucky_bag_prize_cost")
    if not unknown:
        return _money(context, cost)
    if len(unknown) == len(drawn):
        return str(TO_CONFIRM[context["lang"]])
    return _money(context, cost) + words["bag_prize_cost_partial"].format(bags=", ".join(unknown))


def band_pairs(context: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The totals' GMV and profit band (P10–P90) and where it comes from: the default
    uncertainty of hand-set coefficients, or the fitted model the plan was made with. Nothing
    for a plan without `totals.band`."""
    words = profiles.words(phrases.RUN_SHEET, context["lang"], context["show"])
    band = context["totals"].get("band") or {}
    level = band_level(context)
    pairs: list[tuple[str, ...]] = [
        (words[label].format(level=level), band_range(context, _band_of(band, key)))
        for key, label in (("gmv", "col_gmv_band"), ("profit", "profit_band"))
        if _band_of(band, key)
    ]
    if not pairs:
        return []
    if band.get("source") == "model":
        model = (context["plan"].get("demand") or {}).get("model") or {}
        text = words["band_source_model"].format(id=model.get("id") or context["to_confirm"])
        pairs.append((words["band_source"], text, md_escape(text)))
    elif band.get("source") == "default":
        pairs.append((words["band_source"], words["band_source_default"]))
    return pairs


def _kpi(value: Any, context: Mapping[str, Any], kind: str) -> str:
    if value is None:
        return str(context["to_confirm"])
    words = profiles.words(phrases.RUN_SHEET, context["lang"], context["show"])
    if kind == "seconds":
        text = words["seconds"].format(n=f"{float(value):g}")
    elif kind == "percent":
        text = f"{float(value) * 100:g}%"
    else:
        text = _money(context, value)
    return f"> {text}"


def _pairs(*items: tuple[str, ...]) -> list[dict[str, str]]:
    """(label, value[, md]) as dicts; `md` defaults to the value (lqplan's own figures and
    words), and is given, escaped, where the value holds text from a file."""
    return [
        {"label": item[0], "value": item[1], "md": item[2] if len(item) > 2 else item[1]}
        for item in items
    ]


def _finding(finding: Mapping[str, Any]) -> dict[str, str]:
    where = ":".join(
        str(part)
        for part in (finding.get("file"), finding.get("line"), finding.get("column"))
        if part not in (None, "")
    )
    if finding.get("path"):
        where = f"{where} ({finding['path']})" if where else str(finding["path"])
    return {
        "where": where,
        "severity": str(finding.get("severity") or ""),
        "message": str(finding.get("message") or ""),
        "md_where": md_escape(where),
        "md_message": md_escape(str(finding.get("message") or "")),
    }


def legend(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """Role colours of the roles that air, in the catalog's role order."""
    present = {seg["role"] for seg in context["segments"]}
    return [
        {"label": label, "colour": svg.role_colour(role)}
        for role, label in context["roles"].items()
        if role in present
    ]


# ---------------------------------------------------------------------------- text formats


def _for_templates(row: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A row as templates see it: cells by column (lines), Markdown cells, kind and colour."""
    cells = row["cells"]
    return {
        "kind": row["kind"],
        "critical": row["critical"],
        "role": row["role"],
        "colour": svg.role_colour(row["role"]) if row["kind"] == "segment" else "",
        "cells": [
            {
                "key": key,
                "lines": cells[key],
                "highlight": key in HIGHLIGHT and any(line["critical"] for line in cells[key]),
            }
            for key in keys
        ],
        "md": [md_cell(cells[key]) for key in keys],
    }


def md_escape(text: str) -> str:
    """Plain text safe in a Markdown table cell: no column breaks, no raw HTML, no emphasis, no
    link (a `]` that would close link text is escaped, as markdown.escape does)."""
    out = (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("`", "\\`")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    return markdown.Markdown(markdown.LINK_END.sub(r"\\]", " ".join(out.split())))


def md_cell(lines: Iterable[Mapping[str, Any]]) -> str:
    """A cell's lines for a Markdown table: escaped, on <br>, critical ones bold and flagged."""
    parts = []
    for line in lines:
        text = md_escape(line["text"])
        parts.append(f"**{CRITICAL} {text}**" if line["critical"] else text)
    return markdown.Markdown("<br>".join(parts))  # printed as it is by the Markdown template


def plain_cell(lines: Iterable[Mapping[str, Any]]) -> str:
    """A cell's lines as plain text (CSV, Ontime): one per line, critical ones flagged."""
    return "\n".join(
        f"{CRITICAL} {line['text']}" if line["critical"] else line["text"] for line in lines
    )


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV-injection advice)."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def write_csv(rows: Iterable[Iterable[str]]) -> bytes:
    """UTF-8 with BOM (Excel and WPS then read Chinese correctly), CRLF, every cell guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([neutralise(str(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def run_sheet_csv(rows: list[dict[str, Any]], columns: list[dict[str, str]]) -> bytes:
    """run_sheet.csv: the sheet's columns as a header, then one row per row of the sheet."""
    table = [[c["label"] for c in columns]]
    table += [[plain_cell(row["cells"][c["key"]]) for c in columns] for row in rows]
    return write_csv(table)


def ontime_csv(context: Mapping[str, Any], rows: list[dict[str, Any]]) -> bytes:
    """ontime.csv: ontime_table as CSV, every cell guarded against formulas (write_csv)."""
    return write_csv(ontime_table(context, rows))


def ontime_table(context: Mapping[str, Any], rows: list[dict[str, Any]]) -> list[list[str]]:
    """The rows in the layout Ontime's spreadsheet import reads (module docstring): the time
    zone line when the show names one, the header, then one event per segment and break and one
    milestone per lucky bag and flash sale, each with an id of its own."""
    table: list[list[str]] = []
    zone = context["show"].get("time_zone")
    if zone:
        words = profiles.words(phrases.RUN_SHEET, context["lang"], context["show"])
        table.append([words["time_zone"], str(zone)])
    table.append(list(ONTIME_HEADERS))
    segments = {seg["number"]: seg for seg in context["segments"]}
    seen: dict[str, int] = {}
    for row in rows:
        for entry in _ontime_entries(context, row, segments.get(row["seq"], {})):
            base = entry["ID"]
            seen[base] = seen.get(base, 0) + 1
            if seen[base] > 1:  # the same bag drawn twice: the second is lb-x~2
                entry["ID"] = f"{base}~{seen[base]}"
            table.append([entry.get(name, "") for name in ONTIME_HEADERS])
    return table


def _ontime_entries(
    context: Mapping[str, Any], row: Mapping[str, Any], seg: Mapping[str, Any]
) -> list[dict[str, str]]:
    """A row of the sheet as Ontime entries: a segment is an event (and a milestone when a flash
    sale starts in it), a break an event, a lucky bag a milestone."""
    cells, start, end = row["cells"], row["minute"], row["end"]
    if row["kind"] == "break":
        event = _ontime_event(context, start, end)
        event.update(
            {
                "Title": row["label"],
                "Cue": f"B{row['seq']}",
                "Notes": plain_cell(cells["paid_traffic"]),
                "Colour": ONTIME_BREAK_COLOUR,
                "ID": f"break-{row['seq']}",
                "Control room": plain_cell(cells["control_room"]),
            }
        )
        return [event]
    if row["kind"] == "lucky_bag":
        title = " ".join(t["text"] for t in cells["product"])
        notes = [cells["promotion"], cells["notes"]]
        return [
            {
                "Title": f"{i18n.plan_clock(context, start)} {title}",
                "Cue": f"LB{row['seq']}",
                "Notes": "\n".join(plain_cell(n) for n in notes if n),
                "Colour": ONTIME_BAG_COLOUR,
                "Timer Type": "milestone",
                "ID": f"lb-{row['promotion_id']}",
                "Promotion": str(row["promotion_id"]),
                "Control room": plain_cell(cells["control_room"]),
                "Floor control": plain_cell(cells["floor_control"]),
            }
        ]
    airing = f"{row['sku']}-{seg.get('airing', 1)}"
    notes = [cells["host"], cells["cue"], cells["deal_price"], cells["notes"]]
    event = _ontime_event(context, start, end)
    event.update(
        {
            "Title": row["name"],
            "Cue": cells["no"][0]["text"],
            "Notes": "\n".join(plain_cell(n) for n in notes if n),
            "Colour": svg.role_colour(row["role"]).upper(),
            "Flag": "TRUE" if row["critical"] else "",
            "ID": f"seg-{airing}",
            "SKU": row["sku"],
            "Cart link": row["cart_link"],
            "Promotion": plain_cell(cells["promotion"]),
            "Control room": plain_cell(cells["control_room"]),
            "Floor control": plain_cell(cells["floor_control"]),
        }
    )
    entries = [event]
    if seg.get("mode") == "flash_sale":
        entries.append(
            {
                "Title": " ".join(line["text"] for line in cells["deal_price"]),
                "Cue": f"FS{row['seq']}",
                "Notes": plain_cell(cells["cue"]),
                "Colour": ONTIME_FLASH_COLOUR,
                "Timer Type": "milestone",
                "ID": f"flash-{airing}",
                "SKU": row["sku"],
                "Cart link": row["cart_link"],
                "Promotion": str(row["promotion_id"] or ""),
            }
        )
    return entries


def _ontime_event(context: Mapping[str, Any], start: int, end: int) -> dict[str, str]:
    """An Ontime event's timing: its own start and end, not linked to the previous event."""
    return {
        "Time Start": f"{i18n.plan_clock(context, start)}:00",
        "Time End": f"{i18n.plan_clock(context, end)}:00",
        "Duration": f"{(end - start) // 60:02d}:{(end - start) % 60:02d}:00",
        "Timer Type": "count-down",
        "Link Start": "FALSE",
    }


def _money(context: Mapping[str, Any], value: Any) -> str:
    """The sheet's money: the show's currency, as the sheet's language writes it."""
    return money(value, context["show"]["currency"], context["lang"])


def _span(context: Mapping[str, Any], minute: int, minutes: int) -> str:
    return f"{i18n.plan_clock(context, minute)}–{i18n.plan_clock(context, minute + minutes)}"
