"""The Ontime exports (runsheet.ontime_table, ontime.csv and spreadsheets.ontime_xlsx) against
Ontime's own spreadsheet import.

`ontime_import` below follows the rules of Ontime's parser as read at cpvalente/ontime commit
fb559ed9daffd9d12536559c26e5db9960436008 (after v4.11.0):
- apps/server/src/api-data/excel/excel.service.ts: the .xlsx's worksheet is read with SheetJS as
  formatted text (`sheet_to_json(..., {header: 1, blankrows: false, raw: false})`);
- spreadsheetMetadata.utils.ts: the dialog's header row is the first with more than five filled
  cells;
- excel.parser.ts `parseExcel` and excel.utils.ts `generateImportHandlers`: a cell whose text,
  lower-cased and trimmed, equals a name in the import map marks that column; "timer type" says
  event, "milestone", "group", "skip-import" (or an unknown word: the row is dropped); a row that
  sets no field is skipped; "link start" is true unless the cell reads "false" (missing: true);
  ids are the "id" cell;
- packages/utils/.../parseUserTime.ts: "HH:MM:SS" is hours, minutes and seconds;
- apps/client/.../sheet-import/importMapUtils.ts: the import map the dialog sends by default
  (`createDefaultFormValues`, `convertToImportMap`): note's header is "notes"; a custom field's
  label may hold letters, digits, spaces and _ only (checkRegex.isAlphanumericWithSpace).
test_ontimes_own_parser runs those files themselves (ontime/import_check.ts, bundled with
esbuild, SheetJS 0.18.5 as Ontime pins it) when LQPLAN_ONTIME_SRC names a checkout; at fb559ed9
they make the same entries of the samples as ontime_import does.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lqplan.render import base_context, runsheet, spreadsheets

# The import map Ontime's dialog sends unless the user edits it (field -> header).
ONTIME_DIALOG_MAP = {
    "flag": "flag",
    "timeStart": "time start",
    "linkStart": "link start",
    "timeEnd": "time end",
    "duration": "duration",
    "cue": "cue",
    "title": "title",
    "countToEnd": "count to end",
    "skip": "skip",
    "note": "notes",
    "colour": "colour",
    "endAction": "end action",
    "timerType": "timer type",
    "timeWarning": "warning time",
    "timeDanger": "danger time",
    "id": "id",
}
ONTIME_WORKSHEET = "event schedule"  # the dialog's default worksheet
TIMER_TYPES = {"count-down", "count-up", "clock", "none"}  # ontime-types TimerType
CUSTOM_LABEL = re.compile(r"^[a-z0-9_ ]+$", re.IGNORECASE)


def _millis(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000


def header_row(rows: list[list[str]]) -> int:
    """The row the import dialog takes for headers: the first with more than five cells."""
    counts = [sum(1 for cell in row if cell.strip()) for row in rows]
    return next(i for i, count in enumerate(counts) if count > 5)


def ontime_import(rows: list[list[str]], custom: list[str]) -> list[dict[str, Any]]:
    """The entries Ontime's parseExcel makes of `rows` with the dialog's map and `custom`
    fields (see the module docstring): each {type, title, cue, note, id, timeStart, ...}."""
    fields = {header: field for field, header in ONTIME_DIALOG_MAP.items()}
    custom_keys = {label.lower(): label.replace(" ", "_") for label in custom}
    columns: dict[int, str] = {}
    entries = []
    for row in rows:
        if not any(row):
            continue  # blankrows: false
        entry: dict[str, Any] = {}
        for j, cell in enumerate(row):
            field = columns.get(j)
            if field is None:
                text = cell.lower().strip()
                if text in fields:
                    columns[j] = fields[text]
                elif text in custom_keys:
                    columns[j] = "custom:" + custom_keys[text]
                continue
            value = cell.strip()
            if field == "timerType":
                kind = value.lower()
                if kind == "milestone":
                    entry["type"] = "milestone"
                elif kind in ("", "event") or kind in TIMER_TYPES:
                    entry["type"], entry["timerType"] = "event", kind or "count-down"
                else:
                    entry["type"] = "dropped"
            elif field in ("timeStart", "timeEnd", "duration"):
                entry[field] = _millis(value) if value else 0
            elif field in ("linkStart", "flag"):
                entry[field] = bool(value) and value.lower() != "false"
            elif field.startswith("custom:"):
                entry.setdefault("custom", {})[field[7:]] = value
            else:
                entry[field] = value
        if entry and entry.get("type") != "dropped":
            if entry.get("type", "event") == "event":
                entry["type"] = "event"
                entry.setdefault("linkStart", True)
            entries.append(entry)
    return entries


def csv_rows(data: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data: bytes) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Sheet names, every row as text (as SheetJS hands them to Ontime) and each cell's type."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[ONTIME_WORKSHEET]
    rows = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
    types = [[c.data_type for c in row if c.value is not None] for row in sheet.iter_rows()]
    # Every cell is there, empty ones as "" (XlsxWriter writes them, as Ontime's export does).
    return book.sheetnames, rows, types


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def exports(plan: dict[str, Any]) -> dict[str, Any]:
    """ontime.csv, ontime.xlsx and the table both are made from."""
    context = base_context(plan, plan["show"]["language"])
    rows = runsheet.build_rows(context)
    return {
        "table": runsheet.ontime_table(context, rows),
        "ontime.csv": runsheet.ontime_csv(context, rows),
        "ontime.xlsx": spreadsheets.ontime_xlsx(context, rows),
    }


def imported(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """What Ontime's import makes of `plan`'s ontime.xlsx, with our custom fields mapped."""
    _, rows, _ = xlsx_rows(exports(plan)["ontime.xlsx"])
    return ontime_import(rows, list(runsheet.ONTIME_CUSTOM_FIELDS))


def flash_sales(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [seg for seg in plan["segments"] if seg.get("mode") == "flash_sale"]


# ---------------------------------------------------------------------------------- headers


def test_every_header_is_one_ontime_looks_for():
    custom = list(runsheet.ONTIME_CUSTOM_FIELDS)
    built_in = runsheet.ONTIME_HEADERS[: len(runsheet.ONTIME_HEADERS) - len(custom)]
    assert {h.lower() for h in built_in} <= set(ONTIME_DIALOG_MAP.values())
    for label in custom:
        assert CUSTOM_LABEL.match(label), label  # Ontime skips any other custom label
        assert label.lower() not in ONTIME_DIALOG_MAP.values()
    # Header cells are the names as Ontime matches them: trimmed, no duplicates.
    lowered = [h.lower().strip() for h in runsheet.ONTIME_HEADERS]
    assert len(set(lowered)) == len(lowered)


def test_ontime_reads_every_segment_break_bag_and_flash_sale(sample_plans):
    for name, plan in sample_plans.items():
        docs = exports(plan)
        sheets, rows, types = xlsx_rows(docs["ontime.xlsx"])
        assert sheets == [ONTIME_WORKSHEET], name
        assert [_trim(row) for row in rows] == [_trim(row) for row in docs["table"]], name
        assert all(kind == "s" for row in types for kind in row), name  # strings only
        head = rows[header_row(rows)]
        assert head == list(runsheet.ONTIME_HEADERS), name
        entries = ontime_import(rows, list(runsheet.ONTIME_CUSTOM_FIELDS))
        events = [e for e in entries if e["type"] == "event"]
        milestones = [e for e in entries if e["type"] == "milestone"]
        assert len(events) == len(plan["segments"]) + len(plan["breaks"]), name
        assert len(milestones) == len(plan["lucky_bags"]) + len(flash_sales(plan)), name
        ids = [e["id"] for e in entries]
        assert len(set(ids)) == len(ids) and all(ids), name
        for event in events:
            assert event["linkStart"] is False  # our times, not Ontime's chaining
            assert event["timerType"] == "count-down"
            length = (event["timeEnd"] - event["timeStart"]) % (24 * 3600 * 1000)
            assert length == event["duration"] > 0
        for milestone in milestones:
            assert not milestone.get("timeStart") and not milestone.get("duration")  # no time
            assert re.match(r"\d\d:\d\d", milestone["title"]) or milestone["cue"].startswith("FS")


def test_segments_carry_their_control_room_actions_as_custom_fields(sample_plans):
    plan = sample_plans["beauty-douyin"]
    entries = imported(plan)
    first = entries[0]
    seg = plan["segments"][0]
    assert first["title"] == seg["name"]
    assert first["timeStart"] == _millis(f"{seg['start']}:00")
    assert first["duration"] == seg["minutes"] * 60_000
    assert first["custom"]["SKU"] == seg["sku"]
    assert first["custom"]["Cart_link"] == f"{seg['cart_link']}号链接"
    assert "上架" in first["custom"]["Control_room"]
    bags = [e for e in entries if e.get("cue", "").startswith("LB")]
    assert [b["custom"]["Promotion"] for b in bags] == [b["id"] for b in plan["lucky_bags"]]
    assert all(b["custom"]["Floor_control"] for b in bags)
    flash = [e for e in entries if e.get("cue", "").startswith("FS")]
    assert [f["custom"]["Promotion"] for f in flash] == [s["promotion"] for s in flash_sales(plan)]
    # A flash sale's milestone follows its segment's event.
    for milestone in flash:
        before = entries[entries.index(milestone) - 1]
        assert before["type"] == "event" and before["custom"]["SKU"] == milestone["custom"]["SKU"]


def test_ids_survive_a_replan_that_renumbers_the_segments(sample_plans):
    """Merge matches entries by id: a segment dropped from the front (as a replan does with
    what has aired) must leave every other entry's id as it was."""
    plan = sample_plans["beauty-douyin"]
    before = {(e["title"], e.get("timeStart")): e["id"] for e in imported(plan)}
    replanned = copy.deepcopy(plan)
    del replanned["segments"][0]
    for number, seg in enumerate(replanned["segments"], start=1):
        seg["number"] = number
    after = {(e["title"], e.get("timeStart")): e["id"] for e in imported(replanned)}
    assert len(after) == len(before) - 1
    assert {key: before[key] for key in after} == after


def test_ids_name_what_they_stand_for(sample_plans):
    plan = sample_plans["beauty-douyin"]
    ids = [e["id"] for e in imported(plan)]
    seg = plan["segments"][0]
    assert ids[0] == f"seg-{seg['sku']}-{seg['airing']}"
    assert "break-1" in ids
    assert f"lb-{plan['lucky_bags'][0]['id']}" in ids
    fs = flash_sales(plan)[0]
    assert f"flash-{fs['sku']}-{fs['airing']}" in ids


# -------------------------------------------------------------------------------- time zone


def test_time_zone_sits_above_the_header_and_ontime_passes_over_it(sample_plans):
    plan = copy.deepcopy(sample_plans["home-tiktok"])
    plan["show"]["time_zone"] = "America/New_York"
    docs = exports(plan)
    for rows in (csv_rows(docs["ontime.csv"]), xlsx_rows(docs["ontime.xlsx"])[1]):
        assert _trim(rows[0]) == ["Time zone", "America/New_York"]
        assert rows[header_row(rows)] == list(runsheet.ONTIME_HEADERS)
        entries = ontime_import(rows, [])
        assert len(entries) == len(imported(sample_plans["home-tiktok"]))
        assert all("America/New_York" not in str(e) for e in entries)


def test_no_time_zone_no_line(sample_plans):
    plan = sample_plans["minimal"]
    assert "time_zone" not in plan["show"]
    assert csv_rows(exports(plan)["ontime.csv"])[0] == list(runsheet.ONTIME_HEADERS)


def test_a_chinese_show_labels_its_time_zone_in_chinese(sample_plans):
    plan = copy.deepcopy(sample_plans["beauty-douyin"])
    plan["show"]["time_zone"] = "Asia/Shanghai"
    assert exports(plan)["table"][0] == ["时区", "Asia/Shanghai"]


# ---------------------------------------------------------------------------- formula guard


def test_titles_reach_ontime_without_a_guard_and_the_csv_keeps_one(sample_plans):
    name = '=HYPERLINK("http://evil.example","click")'
    plan = copy.deepcopy(sample_plans["minimal"])
    sku = plan["segments"][0]["sku"]
    plan["products"][sku]["name"] = name
    for seg in plan["segments"]:
        if seg["sku"] == sku:
            seg["name"] = name
    docs = exports(plan)
    _, rows, _ = xlsx_rows(docs["ontime.xlsx"])
    assert ontime_import(rows, [])[0]["title"] == name  # what Ontime shows: no apostrophe
    assert b"<f>" not in _sheet_xml(docs["ontime.xlsx"])  # a string cell, not a formula
    assert csv_rows(docs["ontime.csv"])[1][0] == "'" + name  # a spreadsheet opening the CSV


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(
            archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")
        )


# ------------------------------------------------------------------ Ontime's own parser, opt-in


def test_ontimes_own_parser(sample_plans, tmp_path):
    """Ontime's parseExcel itself on ontime.xlsx, when LQPLAN_ONTIME_SRC names a checkout of
    cpvalente/ontime with esbuild, xlsx@0.18.5, nanoid and deepmerge-ts installed in it (npm);
    node and that checkout are not part of CI, where ontime_import above stands in for it."""
    source = os.environ.get("LQPLAN_ONTIME_SRC")
    node = shutil.which("node")
    if not source or not node:
        pytest.skip("set LQPLAN_ONTIME_SRC to an Ontime checkout (and install node) to run")
    root = Path(source)
    work = tmp_path / "ontime"
    work.mkdir()
    for part in ("apps", "packages", "node_modules"):
        (work / part).symlink_to(root / part)
    shutil.copy(Path(__file__).parent / "ontime" / "import_check.ts", work)
    bundle = [
        str(root / "node_modules" / ".bin" / "esbuild"),
        "import_check.ts",
        "--bundle",
        "--platform=node",
        "--outfile=import_check.cjs",
        "--alias:ontime-types=./packages/types/src/index.ts",
        "--alias:ontime-utils=./packages/utils/index.ts",
        "--log-level=error",
    ]
    subprocess.run(bundle, cwd=work, check=True, timeout=300)
    for name in ("beauty-douyin", "home-tiktok"):
        plan = copy.deepcopy(sample_plans[name])
        plan["show"]["time_zone"] = "Asia/Shanghai"
        (work / "ontime.xlsx").write_bytes(exports(plan)["ontime.xlsx"])
        custom = list(runsheet.ONTIME_CUSTOM_FIELDS)
        done = subprocess.run(
            [node, "import_check.cjs", "ontime.xlsx", *custom],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        result = json.loads(done.stdout)
        assert result["headers"] == list(runsheet.ONTIME_HEADERS)
        assert [f["label"] for f in result["customFields"].values()] == custom
        rundown = result["rundown"]
        theirs = [rundown["entries"][i] for i in rundown["flatOrder"]]
        _, rows, _ = xlsx_rows(exports(plan)["ontime.xlsx"])
        ours = ontime_import(rows, custom)
        assert [e["id"] for e in theirs] == [e["id"] for e in ours]
        for mine, real in zip(ours, theirs, strict=True):
            assert real["type"] == mine["type"]
            assert real["title"] == mine["title"] and real["note"] == mine.get("note", "")
            assert real["custom"] == mine["custom"]
            if real["type"] == "event":
                for key in ("timeStart", "timeEnd", "duration", "linkStart", "flag"):
                    assert real[key] == mine[key], key
