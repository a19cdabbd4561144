"""run_sheet.html on a phone, on a 1440 px screen and on paper, checked in headless Chromium.

Layout is measured in the browser itself: the sheet is loaded into an iframe of the width under
test (Chromium's headless window is never narrower than 500 px), a script in the outer page
reads the iframe's boxes after load, and --dump-dom hands the figures back. The page under test
carries no script of its own. Print is checked in the PDF Chromium makes: its page count and
the size of every piece of text in it (pypdf).
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_runsheet import chromium_or_skip, render, run_chromium

from lqplan.render import base_context, phrases, profiles, runsheet

# What the outer page measures in the sheet (inside the iframe `f`), as JSON in data-probe.
PROBE = """
window.addEventListener("load", function () {
  const doc = document.getElementById("f").contentDocument, win = doc.defaultView;
  const box = (el) => el.getBoundingClientRect();
  const rows = doc.querySelectorAll(".sheet tbody tr");
  const out = {
    width: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    thead: win.getComputedStyle(doc.querySelector(".sheet thead")).display,
    headers: [...doc.querySelectorAll(".sheet thead th")].filter((th) => box(th).width > 0)
      .map((th) => [th.className, box(th).left, box(th).right]),
    widestCell: Math.max(...[...doc.querySelectorAll(".sheet td")].map((td) => box(td).right)),
  };
  // Scroll a long way into the table: the header row (or the card's head) must still show.
  const row = rows[Math.floor(rows.length / 2)];
  win.scrollTo(0, box(row).top + win.scrollY + 40);
  out.headerTop = box(doc.querySelector(".sheet thead th")).top;
  out.cardHeadTop = box(row.querySelector("td.g-time")).top;
  out.cardTop = box(row).top;
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
"""


def measure(tmp_path: Path, page: str, width: int) -> dict[str, Any]:
    """The PROBE figures of `page` laid out `width` px wide (900 px high)."""
    binary = chromium_or_skip()
    outer = (
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="border:0" '
        f'width="{width}" height="900" srcdoc="{html.escape(page)}"></iframe>'
        f"<script>{PROBE}</script></body></html>"
    )
    path = tmp_path / f"probe-{width}.html"
    path.write_text(outer, encoding="utf-8")
    window = f"--window-size={max(width + 40, 600)},1000"
    dom = run_chromium(binary, tmp_path / "profile", window, "--dump-dom", path.as_uri()).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    figures: dict[str, Any] = json.loads(html.unescape(found[1]))
    return figures


def print_pdf(tmp_path: Path, page: str, view: str = "") -> PdfReader:
    """The sheet printed by Chromium (A4 landscape, its own print stylesheet), `#view` given."""
    binary = chromium_or_skip()
    path = tmp_path / "run_sheet.html"
    path.write_text(page, encoding="utf-8")
    pdf = tmp_path / f"sheet{view or '-all'}.pdf"
    url = path.as_uri() + (f"#{view}" if view else "")
    run_chromium(
        binary, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url
    )
    assert pdf.exists(), "chromium printed nothing"
    return PdfReader(pdf)


def pdf_text(reader: PdfReader) -> str:
    """The PDF's text without spaces, its CJK radicals (as Chromium's fonts map some) folded
    into the ordinary characters (NFKC)."""
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(unicodedata.normalize("NFKC", text).split())


def text_sizes(reader: PdfReader) -> list[float]:
    """The size in points of every piece of text in the PDF (font size × text and page scale)."""
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            sizes.append(size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.fixture(scope="module")
def beauty(sample_plans) -> str:
    """run_sheet.html of the beauty sample: 27 segments, 11 lucky-bag drops, a break."""
    page = render(sample_plans["beauty-douyin"])["run_sheet.html"]
    assert isinstance(page, str)
    return page


# ------------------------------------------------------------------------------------ screens


def test_phone_reads_cards_without_sideways_scrolling(beauty, tmp_path):
    """390 px: no column header row, one card per row inside the screen's width, and the card's
    number and time stay at the top while the card scrolls past."""
    got = measure(tmp_path, beauty, 390)
    assert got["width"] == 390
    assert got["scrollWidth"] <= 390
    assert got["widestCell"] <= 390
    assert got["thead"] == "none"
    assert got["cardTop"] < -30  # the card has scrolled partly out of sight ...
    assert 0 <= got["cardHeadTop"] <= 8  # ... and its head sticks at the top


def test_1440_shows_every_column_and_keeps_the_header_row(beauty, tmp_path):
    """1440 px: every column, the control room's among them, inside the window, and the header
    row still at the top of the window halfway down the table."""
    got = measure(tmp_path, beauty, 1440)
    assert got["scrollWidth"] <= 1440
    names = [name for name, _, _ in got["headers"]]
    assert "g-control_room" in names and len(names) >= 10
    assert all(left >= 0 and right <= 1440 for _, left, right in got["headers"])
    assert abs(got["headerTop"]) <= 1


# -------------------------------------------------------------------------------------- paper


def test_the_beauty_sample_prints_on_five_pages_at_8_pt(beauty, tmp_path):
    reader = print_pdf(tmp_path, beauty)
    assert len(reader.pages) <= 5
    sizes = text_sizes(reader)
    assert len(sizes) > 1000  # the whole sheet is text, not an image of it
    assert min(sizes) >= 7.95
    assert "春日焕新美妆专场·直播脚本" in pdf_text(reader)


@pytest.mark.parametrize(
    ("view", "shown", "left_out"),
    [
        # The host's view: selling points and notes, not the control room's actions.
        ("view-host", ("主播要点", "天丝膜布"), ("上架43号链接", "剩余/可售")),
        # The control room's: its actions, not the host's points nor the timeline.
        ("view-control_room", ("上架43号链接",), ("主播要点", "天丝膜布", "预计在线人数")),
    ],
)
def test_a_team_prints_its_columns_on_two_pages(beauty, tmp_path, view, shown, left_out):
    reader = print_pdf(tmp_path, beauty, view)
    assert len(reader.pages) <= 2
    assert min(text_sizes(reader)) >= 7.95
    text = pdf_text(reader)
    team = {"view-host": "主播", "view-control_room": "中控"}[view]
    head, sheet = text.split(f"直播脚本·{team}", 1)
    assert head == "春日焕新美妆专场·"
    sheet = sheet.split("团队:", 1)[1]  # past the header's team list, which names them all
    for words in shown:
        assert words in sheet, words
    for words in left_out:
        assert words not in sheet, words


# ---------------------------------------------------------------------------- the HTML itself


def _sheet(plan: dict[str, Any], clear: tuple[str, ...] = ()) -> dict[str, Any]:
    """runsheet.html_sheet of `plan`, the columns in `clear` emptied on every row first."""
    context = base_context(plan, plan["show"]["language"])
    words = profiles.words(phrases.RUN_SHEET, context["lang"], context["show"])
    rows = runsheet.build_rows(context)
    for row in rows:
        for key in clear:
            row["cells"][key] = []
    return runsheet.html_sheet(context, rows, words)


def test_a_column_empty_for_the_whole_show_is_left_out(sample_plans):
    plan = sample_plans["beauty-douyin"]
    full = _sheet(plan)
    assert [g["key"] for g in full["html_columns"]] == [k for k, _, _ in runsheet.HTML_GROUPS]
    assert {v["team"] for v in full["views"]} == set(runsheet.TEAM_VIEWS)
    # No ad spend and no floor control in the show: the control room's view only is left, the
    # shared group keeps its notes, and the stock group its forecast without the releases.
    sheet = _sheet(plan, ("paid_traffic", "floor_control", "released"))
    groups = {g["key"]: g["members"] for g in sheet["html_columns"]}
    assert groups["teams"] == ["notes"] and groups["stock"] == ["remaining"]
    assert {v["team"] for v in sheet["views"]} == {"host", "control_room"}
    sheet = _sheet(plan, ("control_room", "promotion"))
    assert {"control_room", "promotion"}.isdisjoint(g["key"] for g in sheet["html_columns"])
    assert "control_room" not in {v["team"] for v in sheet["views"]}
    # The widths are shares of the table's, all of it.
    for widths in [{g["key"]: g["width"] for g in sheet["html_columns"]}] + [
        v["widths"] for v in sheet["views"]
    ]:
        assert abs(sum(float(w.rstrip("%")) for w in widths.values()) - 100) < 0.1


@pytest.mark.parametrize("sample", ["minimal", "home-tiktok", "double11-marathon"])
def test_every_column_of_every_sample_has_something_in_it(sample_plans, sample):
    plan = sample_plans[sample]
    page = render(plan)["run_sheet.html"]
    assert isinstance(page, str)
    heads = re.findall(r'<th scope="col" class="(g-[a-z_]+)">', page)
    assert heads and len(heads) == len(set(heads))
    for head in heads:
        assert re.search(rf'<td class="{head}[^"]*" data-label="[^"]*"><div class="ms">', page)
    # A team's view of a sample names only columns the page has, and hides by class.
    sheet = _sheet(copy.deepcopy(plan))
    for view in sheet["views"]:
        assert f'href="#view-{view["team"]}"' in page
        assert all(re.fullmatch(r"[gm]-[a-z_]+", name) for name in view["hidden"])
