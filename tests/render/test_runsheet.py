"""The run-of-show documents (lqplan/render/runsheet.py): run_sheet.md / .csv / .html, ontime.csv.

Golden files pin the Markdown and CSV of every sample (deterministic solves); the other tests
check what a team relies on: the CSV opens in Excel with Chinese intact and cannot run formulas,
the HTML is well formed, escapes user text and draws the timeline, labels follow the language,
and headless Chromium prints the sheet to PDF (Ontime's import: test_ontime.py).
"""

from __future__ import annotations

import copy
import csv
import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import GOLDEN, SAMPLE_NAMES, check_golden, with_model, without_bands

from lqplan.render import base_context, filters, phrases, runsheet
from lqplan.render.env import make_environment

CHROMIUM = Path("/usr/bin/chromium")
BOM = b"\xef\xbb\xbf"


def render(plan: dict[str, Any], lang: str | None = None) -> dict[str, str | bytes]:
    """The run sheet documents of `plan`, as render_documents would make them."""
    lang = lang or plan["show"]["language"]
    env = make_environment(None, filters(lang, plan["show"]["currency"]))
    return runsheet.render(env, base_context(plan, lang))


def csv_rows(data: str | bytes) -> list[list[str]]:
    assert isinstance(data, bytes)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def row_count(plan: dict[str, Any]) -> int:
    return len(plan["segments"]) + len(plan["breaks"]) + len(plan["lucky_bags"])


def hostile(plan: dict[str, Any], name: str) -> dict[str, Any]:
    """`plan` with the first segment's product renamed to `name` (as a user's catalog could)."""
    plan = copy.deepcopy(plan)
    sku = plan["segments"][0]["sku"]
    plan["products"][sku]["name"] = name
    for seg in plan["segments"]:
        if seg["sku"] == sku:
            seg["name"] = name
    return plan


# ------------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_golden_markdown_and_csv(sample_plans, sample):
    docs = render(sample_plans[sample])
    check_golden(GOLDEN / sample / "run_sheet.md", docs["run_sheet.md"])
    check_golden(GOLDEN / sample / "run_sheet.csv", docs["run_sheet.csv"])


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_every_document_is_rendered_and_complete(sample_plans, sample):
    plan = sample_plans[sample]
    docs = render(plan)
    assert set(docs) == {"run_sheet.md", "run_sheet.csv", "run_sheet.html", "ontime.csv"}
    for name, data in docs.items():
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        assert "{{" not in text and "{%" not in text, name
    md = docs["run_sheet.md"]
    assert isinstance(md, str)
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + row_count(plan)  # header + one per segment, break, lucky bag
    for seg in plan["segments"]:
        assert f"| {seg['number']} | {seg['start']} |" in md


def test_rendering_is_deterministic(sample_plans):
    """Byte-identical documents from one plan (how fast it renders is a benchmark's figure:
    `python -m benchmarks extras`, BENCHMARKS.md; a timed test fails on a loaded machine)."""
    plan = sample_plans["double11-marathon"]
    first = render(plan)
    assert render(plan) == first


# ------------------------------------------------------------------------------------ content


def test_critical_moments_stand_out(sample_plans):
    """Link up, stock release, flash price and lucky bags are bold with ⚠ in the Markdown."""
    plan = sample_plans["minimal"]
    md = render(plan)["run_sheet.md"]
    flash = next(s for s in plan["segments"] if s["mode"] == "flash_sale")
    assert f"**⚠ flash ${flash['price']['flash_sale']:.2f}" in md
    assert "**⚠ 3, 2, 1, link up! link #" in md
    assert "**⚠ 20:20 release 50 units**" in md
    assert "**⚠ Lucky bag bag-1**" in md


def test_prices_come_from_the_plan(sample_plans):
    plan = sample_plans["beauty-douyin"]
    rows = csv_rows(render(plan)["run_sheet.csv"])
    header = rows[0]
    by_no = {r[0]: r for r in rows[1:] if r[0]}
    for seg in plan["segments"]:
        row = by_no[str(seg["number"])]
        assert row[header.index("直播价")].lstrip("¥").replace(",", "") in (
            f"{seg['price']['live']:g}",
            f"{seg['price']['live']:.2f}",
        )
        if seg["mode"] == "coupon":
            assert f"{seg['price']['after_coupon']:g}" in row[header.index("券后 / 秒杀价")]


def test_each_segment_shows_expected_gmv_and_its_band(sample_plans):
    """Expected GMV and its P10–P90 band per segment, as plan.json has them, in CSV and
    Markdown; breaks and lucky bags leave both cells empty."""
    plan = sample_plans["minimal"]
    docs = render(plan)
    rows = csv_rows(docs["run_sheet.csv"])
    header = rows[0]
    gmv, band = header.index("Expected GMV"), header.index("GMV 80 % band (P10–P90)")
    assert band == gmv + 1
    by_no = {r[0]: r for r in rows[1:] if r[0]}
    for seg in plan["segments"]:
        row, b = by_no[str(seg["number"])], seg["expected"]["band"]["gmv"]
        assert row[gmv] == f"${seg['expected']['gmv']:,.2f}"
        assert row[band] == f"${b['p10']:,.2f}–${b['p90']:,.2f}"
    assert all(r[gmv] == r[band] == "" for r in rows[1:] if not r[0])
    b = plan["segments"][0]["expected"]["band"]["gmv"]
    assert f"| ${b['p10']:,.2f}–${b['p90']:,.2f} |" in docs["run_sheet.md"]


def test_totals_show_the_default_band_and_say_where_it_comes_from(sample_plans):
    plan = sample_plans["minimal"]
    band = plan["totals"]["band"]
    assert band["source"] == "default"
    docs = render(plan)
    totals = docs["run_sheet.md"].split("## Totals")[1].split("## Solver report")[0]
    gmv, profit = band["gmv"], band["profit"]
    assert f"- GMV 80 % band (P10–P90): ${gmv['p10']:,.2f}–${gmv['p90']:,.2f}\n" in totals
    assert f"- Profit 80 % band (P10–P90): ${profit['p10']:,.2f}–${profit['p90']:,.2f}\n" in totals
    default = "the default uncertainty of hand-set coefficients; lqplan learn from past shows"
    assert f"- Band source: {default} narrows it\n" in totals
    assert f"<dt>Band source</dt><dd>{default} narrows it</dd>" in docs["run_sheet.html"]
    zh = render(sample_plans["beauty-douyin"])
    md = zh["run_sheet.md"]
    assert "GMV 80% 区间（P10–P90）" in csv_rows(zh["run_sheet.csv"])[0]
    assert (
        "- 区间依据：按手工设定系数的默认不确定度估计；用 lqplan learn 从往期直播学习可收窄" in md
    )
    low = sample_plans["beauty-douyin"]["totals"]["band"]["profit"]["p10"]
    assert f"- 利润 80% 区间（P10–P90）：¥{low:,.2f}–" in md


def test_totals_name_the_model_a_band_comes_from(sample_plans):
    plan = with_model(sample_plans["minimal"], "beb907b8_786c3cad")
    docs = render(plan)
    assert (
        "- Band source: model beb907b8\\_786c3cad, fitted by lqplan learn" in docs["run_sheet.md"]
    )
    assert "<dd>model beb907b8_786c3cad, fitted by lqplan learn" in docs["run_sheet.html"]
    assert "default uncertainty" not in docs["run_sheet.md"] + docs["run_sheet.html"]
    zh = render(with_model(sample_plans["beauty-douyin"], "beb907b8786c3cad"))["run_sheet.md"]
    assert "- 区间依据：模型 beb907b8786c3cad（lqplan learn 从往期直播拟合）" in zh
    plan["demand"]["model"] = None  # a hand-edited plan: the model's id is not known
    assert "- Band source: model to confirm, fitted" in render(plan)["run_sheet.md"]


def test_a_plan_without_bands_renders_without_them(sample_plans):
    """Plans from before forecast bands: the sheet renders, with expected GMV and no band."""
    plan = without_bands(sample_plans["minimal"])
    docs = render(plan)
    rows = csv_rows(docs["run_sheet.csv"])
    assert "Expected GMV" in rows[0]
    assert all(len(r) == len(runsheet.COLUMNS) - 1 for r in rows)
    for name, data in docs.items():
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        assert "P10" not in text and "Band source" not in text, name
    parse_html(str(docs["run_sheet.html"]))


def test_missing_inputs_show_to_confirm(sample_plans):
    plan = copy.deepcopy(sample_plans["minimal"])
    seg = plan["segments"][0]
    seg["cart_link"] = None
    seg["price"]["list"] = None
    plan["products"][seg["sku"]]["selling_points"] = []
    plan["show"]["kpi"]["gpm"] = None
    rows = csv_rows(render(plan)["run_sheet.csv"])
    first = rows[1]
    assert first[rows[0].index("List price")] == "to confirm"
    assert first[rows[0].index("Host points")] == "to confirm"
    assert "link number to confirm" in first[rows[0].index("Co-host cue")]
    assert "to confirm" in render(plan)["run_sheet.md"].split("## KPI targets")[1]


def test_compliance_section_lists_findings_or_says_none(sample_plans):
    plan = sample_plans["minimal"]
    assert "## Compliance\n\nNone found." in render(plan)["run_sheet.md"]
    plan = copy.deepcopy(plan)
    plan["compliance"] = [
        {
            "file": "catalog.yaml",
            "line": 12,
            "column": 7,
            "severity": "warning",
            "path": "products[0].selling_points[0].point",
            "message": "absolute claim: 'best' | <b>",
        }
    ]
    docs = render(plan)
    md = docs["run_sheet.md"]
    assert "catalog.yaml:12:7" in md and "absolute claim: 'best' \\| &lt;b&gt;" in md
    assert "absolute claim: &#39;best&#39; | &lt;b&gt;" in docs["run_sheet.html"]


def test_labels_follow_the_language(sample_plans):
    plan = sample_plans["beauty-douyin"]
    zh, en = render(plan, "zh"), render(plan, "en")
    assert "## 流程表" in zh["run_sheet.md"] and "## Run of show" in en["run_sheet.md"]
    assert "3、2、1，上链接！" in zh["run_sheet.md"]
    assert "3, 2, 1, link up! link #" in en["run_sheet.md"]
    assert csv_rows(zh["run_sheet.csv"])[0][1] == "开始"
    assert csv_rows(en["run_sheet.csv"])[0][1] == "Start"
    assert '<html lang="zh-CN">' in zh["run_sheet.html"]
    assert '<html lang="en">' in en["run_sheet.html"]
    assert "预计在线人数" in zh["run_sheet.html"] and "Expected viewers" in en["run_sheet.html"]
    assert set(phrases.RUN_SHEET["zh"]) == set(phrases.RUN_SHEET["en"])


# ---------------------------------------------------------------------------------------- CSV


def test_csv_opens_in_excel_with_chinese_intact(sample_plans):
    plan = sample_plans["beauty-douyin"]
    data = render(plan)["run_sheet.csv"]
    assert isinstance(data, bytes) and data.startswith(BOM)
    header = data.split(b"\r\n", 1)[0]
    assert data.endswith(b"\r\n") and b"\n" not in header  # CRLF between records
    rows = csv_rows(data)
    assert len(rows) == 1 + row_count(plan)
    assert all(len(r) == len(runsheet.COLUMNS) for r in rows)
    assert plan["segments"][0]["name"] in rows[1][runsheet.COLUMNS.index("product")]
    assert "福袋" in data.decode("utf-8-sig")


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","click")',  # a formula
        "+1+cmd|' /C calc'!A0",  # DDE through a leading plus
        "-2+3",  # arithmetic
        "@SUM(1,2)",  # Lotus-style at sign
        "\t=1+1",  # a tab before the formula
    ],
)
def test_csv_cells_cannot_start_a_formula(sample_plans, name):
    plan = hostile(sample_plans["minimal"], name)
    docs = render(plan)
    for doc in ("run_sheet.csv", "ontime.csv"):
        for row in csv_rows(docs[doc]):
            for cell in row:
                assert not cell.startswith(runsheet.FORMULA_STARTS), (doc, cell)
    ontime = csv_rows(docs["ontime.csv"])
    assert ontime[1][0] == "'" + name


def test_neutralise_only_touches_formula_starts():
    assert runsheet.neutralise("=1+1") == "'=1+1"
    assert runsheet.neutralise("-¥77") == "'-¥77"
    assert runsheet.neutralise("¥9.90") == "¥9.90"
    assert runsheet.neutralise("青禾 面膜") == "青禾 面膜"
    assert runsheet.neutralise("") == ""


# --------------------------------------------------------------------------------------- HTML


class _Checker(HTMLParser):
    """Every non-void element closed, in order; counts what the tests look for."""

    VOID: ClassVar[set[str]] = {
        "meta",
        "br",
        "hr",
        "img",
        "input",
        "link",
        "col",
        "area",
        "base",
        "wbr",
        "source",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return checker


def classes(attrs: dict[str, str | None]) -> set[str]:
    return set((attrs.get("class") or "").split())


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_html_is_well_formed_with_a_timeline(sample_plans, sample):
    plan = sample_plans[sample]
    html = render(plan)["run_sheet.html"]
    assert isinstance(html, str)
    page = parse_html(html)
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == 1
    bars = [a for t, a in page.tags if t == "rect" and "seg" in classes(a)]
    assert len(bars) == len(plan["segments"])
    assert sum(1 for t, a in page.tags if t == "path" and "viewers" in classes(a)) == 1
    groups = [a for t, a in page.tags if t == "g"]
    assert sum("break" in classes(a) for a in groups) == len(plan["breaks"])
    assert sum("bag" in classes(a) for a in groups) == len(plan["lucky_bags"])
    flashes = sum(1 for s in plan["segments"] if s["mode"] == "flash_sale")
    assert sum("flash" in classes(a) for a in groups) == flashes
    assert any(t == "title" for t, _ in page.tags)
    body_rows = [a for t, a in page.tags if t == "tr" and "k-" in (a.get("class") or "")]
    assert len(body_rows) == row_count(plan)
    assert "@page { size: A4 landscape" in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_html_and_svg_escape_user_text(sample_plans):
    name = '<script>alert("x")</script> [bold]Tea[/bold] & "more"'
    docs = render(hostile(sample_plans["minimal"], name))
    html = docs["run_sheet.html"]
    assert isinstance(html, str)
    assert "<script>" not in html and "<script" not in html
    assert "&lt;script&gt;" in html
    page = parse_html(html)
    assert name in "".join(page.text)  # shown to the reader exactly as written
    assert "[bold]Tea[/bold]" in html
    md = docs["run_sheet.md"]
    assert isinstance(md, str)
    assert "<script>" not in md and "&lt;script&gt;" in md


# ----------------------------------------------------------------------------------- Chromium


def chromium_or_skip() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return Path(found)
    if os.environ.get("CI"):
        pytest.fail("CI is set but chromium is not installed (Debian package `chromium`)")
    pytest.skip("chromium is not installed")


def run_chromium(binary: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(binary),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_chromium_draws_prints_and_screenshots_the_sheet(sample_plans, tmp_path):
    binary = chromium_or_skip()
    plan = sample_plans["beauty-douyin"]
    page = tmp_path / "run_sheet.html"
    page.write_text(str(render(plan)["run_sheet.html"]), encoding="utf-8")
    url = page.as_uri()
    profile = tmp_path / "profile"

    pdf = tmp_path / "x.pdf"
    run_chromium(binary, profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    assert pdf.exists() and pdf.stat().st_size > 20_000
    assert pdf.read_bytes().startswith(b"%PDF")

    png = tmp_path / "x.png"
    run_chromium(binary, profile, f"--screenshot={png}", "--window-size=1400,1000", url)
    assert png.exists() and png.read_bytes().startswith(b"\x89PNG")

    dom = run_chromium(binary, profile, "--dump-dom", url)
    assert dom.stdout.count("<svg") == 1
    assert dom.stdout.count('class="seg"') == len(plan["segments"])
    assert 'class="viewers"' in dom.stdout


def test_every_phrase_table_has_the_same_keys_in_both_languages():
    """A phrase missing in one language would fail only when that language renders."""
    for name in ("RUN_SHEET", "ACTIONS", "CHECKLIST"):
        table = getattr(phrases, name)
        assert set(table["zh"]) == set(table["en"]), name
