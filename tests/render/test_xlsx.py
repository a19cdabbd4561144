"""run_sheet.xlsx (lqplan/render/spreadsheets.py), read back as Excel, WPS and LibreOffice would:
with openpyxl (cell types, number formats, the frozen pane, the print setup) and, where
LibreOffice is installed (CI installs it), converted headless to CSV by LibreOffice Calc itself.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_NAMES, complete_plan
from openpyxl import load_workbook

from lqplan.render import base_context, runsheet, spreadsheets


def sheets(plan: dict[str, Any], lang: str | None = None) -> dict[str, bytes]:
    docs = spreadsheets.render(None, base_context(plan, lang or plan["show"]["language"]))
    assert all(isinstance(data, bytes) for data in docs.values())
    return {name: bytes(data) for name, data in docs.items()}


def run_sheet(plan: dict[str, Any], lang: str | None = None) -> Any:
    return load_workbook(io.BytesIO(sheets(plan, lang)["run_sheet.xlsx"]))


def csv_of(plan: dict[str, Any], lang: str | None = None) -> list[list[str]]:
    """run_sheet.csv of the same plan: the rows the .xlsx must hold."""
    context = base_context(plan, lang or plan["show"]["language"])
    data = runsheet.run_sheet_csv(runsheet.build_rows(context), runsheet.labelled_columns(context))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def by_header(sheet: Any) -> list[dict[str, Any]]:
    """The sheet's rows as {header: cell}."""
    rows = list(sheet.iter_rows())
    head = [cell.value for cell in rows[0]]
    return [dict(zip(head, row, strict=True)) for row in rows[1:]]


def column_widths(sheet: Any) -> list[float]:
    """Each column's width (openpyxl keeps a run of equal widths as one entry)."""
    widths = [0.0] * sheet.max_column
    for dim in sheet.column_dimensions.values():
        for index in range(dim.min, dim.max + 1):
            widths[index - 1] = dim.width
    return widths


# ------------------------------------------------------------------------------- the sheet


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_rows_and_columns_are_the_csvs(sample_plans, sample):
    plan = sample_plans[sample]
    book = run_sheet(plan)
    sheet = book.worksheets[0]
    expected = csv_of(plan)
    assert [c.value for c in next(sheet.iter_rows())] == expected[0]
    assert sheet.max_row == len(expected)
    # Every text cell reads as the CSV's (which guards formulas; the .xlsx needs no guard).
    for row, want in zip(list(sheet.iter_rows())[1:], expected[1:], strict=True):
        for cell, text in zip(row, want, strict=True):
            if cell.data_type == "s":
                assert cell.value == text.removeprefix("'")


def test_numbers_are_numbers_and_times_are_times(sample_plans):
    plan = sample_plans["beauty-douyin"]
    rows = by_header(run_sheet(plan).worksheets[0])
    words = csv_of(plan)[0]
    no, start, length, list_price, live_price, gmv = (
        words[runsheet.COLUMNS.index(k)]
        for k in ("no", "start", "duration", "list_price", "live_price", "expected_gmv")
    )
    segments = [r for r in rows if isinstance(r[no].value, int)]
    assert len(segments) == len(plan["segments"])
    for row, seg in zip(segments, plan["segments"], strict=True):
        assert row[no].value == seg["number"] and isinstance(row[no].value, int)
        assert row[start].value == dt.time.fromisoformat(seg["start"])
        assert row[start].number_format == "hh:mm"
        assert row[length].value == seg["minutes"]
        assert row[length].number_format == '0" 分钟"'
        assert row[list_price].value == pytest.approx(seg["price"]["list"])
        assert row[live_price].value == pytest.approx(seg["price"]["live"])
        assert row[gmv].value == pytest.approx(seg["expected"]["gmv"])
        for cell in (row[list_price], row[live_price], row[gmv]):
            assert cell.number_format == '"¥"#,##0.00;-"¥"#,##0.00'
    breaks = [r for r in rows if not isinstance(r[no].value, int)]
    assert len(breaks) == len(plan["breaks"]) + len(plan["lucky_bags"])
    assert all(isinstance(r[start].value, dt.time) for r in breaks)


def test_a_price_the_plan_does_not_give_stays_to_confirm_not_zero():
    plan = complete_plan(
        {
            "segments": [
                {"sku": "A1", "start_minute": 0, "minutes": 10},
                {"sku": "B2", "start_minute": 10, "minutes": 10},
            ]
        }
    )
    plan["segments"][1]["price"]["list"] = None
    rows = by_header(run_sheet(plan).worksheets[0])
    head = csv_of(plan)[0][runsheet.COLUMNS.index("list_price")]
    assert rows[0][head].value == pytest.approx(10.0)
    assert rows[1][head].value == "to confirm" and rows[1][head].data_type == "s"
    assert rows[0][head].number_format == '"$"#,##0.00;-"$"#,##0.00'
    duration = csv_of(plan)[0][runsheet.COLUMNS.index("duration")]
    assert rows[0][duration].number_format == '0" min"'


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("CNY", '"¥"#,##0.00;-"¥"#,##0.00'),
        ("USD", '"$"#,##0.00;-"$"#,##0.00'),
        ("JPY", '"¥"#,##0;-"¥"#,##0'),  # no minor unit
        ("KRW", '#,##0 "KRW";-#,##0 "KRW"'),  # no symbol lqplan knows: the code after
        ("HKD", '"HK$"#,##0.00;-"HK$"#,##0.00'),
    ],
)
def test_currency_formats(currency, expected):
    assert spreadsheets.currency_format(currency) == expected


def test_critical_moments_are_highlighted(sample_plans):
    plan = sample_plans["beauty-douyin"]
    sheet = run_sheet(plan).worksheets[0]
    context = base_context(plan, "zh")
    rows = runsheet.build_rows(context)
    for number, row in enumerate(rows, start=2):
        fill = sheet.cell(number, 1).fill.fgColor.rgb
        if row["kind"] == "break":
            assert fill.endswith(spreadsheets.BREAK_FILL[1:])
        elif row["critical"]:
            assert fill.endswith(spreadsheets.CRITICAL_FILL[1:]), row["cells"]["product"]
        else:
            assert sheet.cell(number, 1).fill.fill_type is None
    # A flash sale's deal price is bold red as well as tinted.
    col = runsheet.COLUMNS.index("deal_price") + 1
    flash = next(n for n, r in enumerate(rows, start=2) if r["cells"]["deal_price"])
    assert sheet.cell(flash, col).font.b and sheet.cell(flash, col).font.color.rgb.endswith(
        "B91C1C"
    )


# ------------------------------------------------------------------- screen and paper setup


def test_header_frozen_and_a4_landscape_one_page_wide_with_the_header_on_every_page(sample_plans):
    sheet = run_sheet(sample_plans["beauty-douyin"]).worksheets[0]
    assert sheet.freeze_panes == "C2"  # the header row and the number and start columns
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (1 is the format's default, which XlsxWriter leaves out), any number tall.
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert "2027-03-12" in sheet.oddHeader.right.text


def test_the_time_zone_is_printed_when_the_show_names_one(sample_plans):
    plan = copy.deepcopy(sample_plans["home-tiktok"])
    book = run_sheet(plan)
    assert "America" not in book.worksheets[0].oddHeader.right.text
    plan["show"]["time_zone"] = "America/New_York"
    book = run_sheet(plan)
    assert book.worksheets[0].oddHeader.right.text.endswith("America/New_York")
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows() if row[1].value}
    assert summary["Time zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("text", "width"),
    [("abc", 3), ("面膜", 4), ("MSK-001 青禾", 12), ("（5 片）", 8), ("¥49", 3), ("", 0)],
)
def test_display_width_counts_wide_characters_twice(text, width):
    assert spreadsheets.display_width(text) == width


def test_columns_fit_their_chinese_text_and_the_page(sample_plans):
    plan = sample_plans["beauty-douyin"]
    sheet = run_sheet(plan).worksheets[0]
    widths = column_widths(sheet)
    assert sum(widths) <= spreadsheets.PAGE_WIDTH + len(widths)  # XlsxWriter adds padding
    role = runsheet.COLUMNS.index("role")
    longest = max(spreadsheets.display_width(r[role]) for r in csv_of(plan))
    assert widths[role] >= longest  # 引流款 is six columns wide, not three
    # A cell whose text wraps has a row tall enough for its lines.
    assert all(sheet.row_dimensions[n].height >= 15 for n in range(2, sheet.max_row + 1))


@pytest.mark.parametrize(
    ("natural", "volumes", "floors", "expected"),
    [
        ([10, 20, 30], [1, 1, 1], [8, 8, 8], [10, 20, 30]),  # fits: as wide as the text
        ([300, 300], [400, 100], [8, 8], [126, 63]),  # more text, more width (square root)
        ([100, 300], [400, 100], [8, 8], [100, 90]),  # no wider than its text: the rest on
        ([6, 300, 300], [6, 90000, 100], [6, 8, 8], [6, 176, 8]),  # never below readable
        ([12, 300], [12, 100], [12, 8], [12, 178]),  # a number's width is never cut
    ],
)
def test_fit_widths(natural, volumes, floors, expected):
    widths = spreadsheets.fit_widths(natural, volumes, floors, budget=190)
    assert widths == expected
    assert sum(widths) <= max(190, sum(natural))


# --------------------------------------------------------------------------- files and text


def test_byte_identical_reruns_and_no_clock_in_the_file(sample_plans):
    plan = sample_plans["double11-marathon"]
    first, second = sheets(plan), sheets(copy.deepcopy(plan))
    assert first == second
    for data in first.values():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            stamps = {info.date_time[:3] for info in archive.infolist()}
            core = archive.read("docProps/core.xml").decode()
        assert stamps <= {(1980, 1, 1), (1980, 1, 31)}
        assert f"{plan['show']['date']}T{plan['show']['start']}:00Z" in core


def test_user_text_is_a_string_never_a_formula(sample_plans):
    plan = copy.deepcopy(sample_plans["minimal"])
    name = '=HYPERLINK("http://evil.example","click")'
    sku = plan["segments"][0]["sku"]
    plan["products"][sku]["name"] = name
    for seg in plan["segments"]:
        if seg["sku"] == sku:
            seg["name"] = name
    data = sheets(plan)["run_sheet.xlsx"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets/" in n)
    assert b"<f>" not in xml
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    product = sheet.cell(2, runsheet.COLUMNS.index("product") + 1)
    assert product.data_type == "s" and product.value.endswith(name)


def test_english_sheet_names_and_summary(sample_plans):
    book = run_sheet(sample_plans["beauty-douyin"], "en")
    assert book.sheetnames == ["Run sheet", "Summary"]
    book = run_sheet(sample_plans["beauty-douyin"])
    assert book.sheetnames == ["直播脚本", "概要"]
    labels = [row[0].value for row in book["概要"].iter_rows()]
    assert {"合计", "求解报告", "日期"} <= set(labels)


# ---------------------------------------------------------------------------- LibreOffice


def soffice_or_skip() -> str:
    found = shutil.which("soffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI is set but LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
    pytest.skip("LibreOffice (soffice) is not installed")


def libreoffice_csv(soffice: str, data: bytes, name: str, folder: Path) -> list[list[str]]:
    """`data` opened by LibreOffice Calc and saved as UTF-8 CSV, cells as they are shown."""
    source = folder / name
    source.write_bytes(data)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",  # comma, quote, UTF-8, from line 1
            "--outdir",
            str(folder / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    target = folder / "out" / (source.stem + ".csv")
    assert done.returncode == 0 and target.exists(), done.stderr
    return list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))


def test_libreoffice_opens_both_workbooks(sample_plans, tmp_path):
    soffice = soffice_or_skip()
    plan = sample_plans["beauty-douyin"]
    docs = sheets(plan)
    got = libreoffice_csv(soffice, docs["run_sheet.xlsx"], "run_sheet.xlsx", tmp_path)
    expected = csv_of(plan)
    assert got[0] == expected[0]
    assert len(got) == len(expected)
    first, seg = got[1], plan["segments"][0]
    at = runsheet.COLUMNS.index
    assert first[at("no")] == "1"
    assert first[at("start")] == seg["start"]  # a time, shown as hh:mm
    assert first[at("duration")] == f"{seg['minutes']} 分钟"
    assert first[at("list_price")] == f"¥{seg['price']['list']:,.2f}"
    assert first[at("product")] == expected[1][at("product")]
    context = base_context(plan, "zh")
    table = runsheet.ontime_table(context, runsheet.build_rows(context))
    got = libreoffice_csv(soffice, docs["ontime.xlsx"], "ontime.xlsx", tmp_path)
    assert got == [row + [""] * (len(got[0]) - len(row)) for row in table]
