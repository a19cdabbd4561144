"""Validation of whole show folders: each bad input is samples/minimal with ONE textual edit.

Every row names the file it edits, the exact text replaced, and the diagnostic expected: its
place (`file:line:column`, relative to the show folder) and a fragment of its message.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from lqplan.errors import Diagnostic
from lqplan.show.validate import check_show

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MINIMAL = SAMPLES / "minimal"
FOLDER = "show"  # the copy's folder name, as it appears in messages (cwd is tmp_path)


def copy_minimal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, csv_stock: bool = False):
    """A private copy of samples/minimal in tmp_path/show; messages then name show/<file>.

    With `csv_stock`, stock.yaml is replaced by the equivalent stock.csv.
    """
    folder = tmp_path / FOLDER
    shutil.copytree(MINIMAL, folder)
    monkeypatch.chdir(tmp_path)
    if csv_stock:
        rows = yaml.safe_load((folder / "stock.yaml").read_text(encoding="utf-8"))["stock"]
        columns = ["sku", "units", "per_buyer_limit", "batch_size"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        (folder / "stock.yaml").unlink()
        (folder / "stock.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return folder


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) by `new` in one file of the folder."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def where(d: Diagnostic) -> str:
    """file:line:column with the folder prefix removed."""
    file = Path(d.file).as_posix()
    assert file.startswith(f"{FOLDER}/"), d.file
    return f"{file[len(FOLDER) + 1 :]}:{d.line}:{d.column}"


def place(folder: Path, file: str, needle: str) -> str:
    """file:line:column of `needle` (which must occur once) in a file of the folder.

    A `|` inside the needle marks the exact column; without one, the needle's start is meant.
    Computing places from the text keeps the table right when the sample gains a line.
    """
    text = (folder / file).read_text(encoding="utf-8")
    offset = needle.index("|") if "|" in needle else 0
    plain = needle.replace("|", "")
    assert text.count(plain) == 1, f"{plain!r} occurs {text.count(plain)} times in {file}"
    at = text.index(plain) + offset
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return f"{file}:{line}:{column}"


def line_of(folder: Path, file: str, needle: str) -> int:
    return int(place(folder, file, needle).split(":")[1])


def show_all(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.format() for d in diagnostics) or "(no diagnostics)"


class Bad(NamedTuple):
    file: str  # the file edited, and the file the diagnostic must name
    old: str  # text replaced (occurs once)
    new: str
    at: str  # where the diagnostic must point: a needle in the edited file, `|` = column
    fragment: str  # expected part of the message
    severity: str = "error"
    csv_stock: bool = False


PRECEDENCE = "  precedence:\n    - {before: TEA-SAMPLER, after: TEA-BLACK}\n  repeats:\n"
CYCLE = (
    "  precedence:\n"
    "    - {before: TEA-OOLONG, after: CUP-SET}\n"
    "    - {before: CUP-SET, after: TEA-OOLONG}\n"
    "  repeats:\n"
)

# fmt: off
BAD = [
    # A misspelt top-level field is unknown, located at the key, with a suggestion.
    pytest.param(
        Bad("show.yaml", "slot_minutes: 5", "slot_minute: 5", "slot_minute:",
            "unknown field 'slot_minute' (did you mean 'slot_minutes'?)"),
        id="unknown-field-top",
    ),
    # A misspelt nested field (inside a product) gets the same treatment.
    pytest.param(
        Bad("catalog.yaml", "    cart_link: 8\n", "    cart_lnk: 8\n", "cart_lnk:",
            "did you mean 'cart_link'?"),
        id="unknown-field-nested",
    ),
    # A product without a name: the error points at the product's mapping.
    pytest.param(
        Bad("catalog.yaml", "    name: Bamboo tea tray\n", "", "sku: TRAY-BAMBOO",
            "missing required field 'name'"),
        id="missing-required-field",
    ),
    # show.yaml without a title: the error points at the top of the document.
    pytest.param(
        Bad("show.yaml", "title: Tea & Teaware Evening\n", "", "date:",
            "missing required field 'title'"),
        id="missing-required-top",
    ),
    # A word where a price (number) belongs.
    pytest.param(
        Bad("catalog.yaml", "    list_price: 35\n", "    list_price: thirty-five\n",
            "thirty-five", "valid number"),
        id="string-for-number",
    ),
    # A quoted number is a string, and the model is strict.
    pytest.param(
        Bad("stock.yaml", "units: 40}", "units: '40'}", "'40'", "valid integer"),
        id="quoted-number",
    ),
    # 25:00 is not a clock time.
    pytest.param(
        Bad("show.yaml", 'start: "20:00"', 'start: "25:00"', '"25:00"', "00:00 to 23:59"),
        id="clock-25-00",
    ),
    # 20:60 is not a clock time either (in a pin, deep inside rules).
    pytest.param(
        Bad("show.yaml", 'at: "20:40"}', 'at: "20:60"}', '"20:60"', "'20:60'"),
        id="clock-20-60",
    ),
    # An unquoted 25:00 stays text (not base-60), so it is reported as a bad time too.
    pytest.param(
        Bad("show.yaml", 'start: "20:00"', "start: 25:00", "25:00", "'25:00'"),
        id="clock-unquoted-25-00",
    ),
    # February has no 30th.
    pytest.param(
        Bad("show.yaml", "date: 2026-12-03", "date: 2026-02-30", "2026-02-30",
            "not a real date"),
        id="date-02-30",
    ),
    # A stock row for a SKU the catalog does not sell.
    pytest.param(
        Bad("stock.yaml", "  - {sku: TRAY-BAMBOO, units: 40}\n",
            "  - {sku: TRAY-BAMBOO, units: 40}\n  - {sku: TEA-BLACK, units: 5}\n",
            "TEA-BLACK", "stock names SKU 'TEA-BLACK', which is not in the catalog"),
        id="unknown-sku-stock",
    ),
    # A pin on a misspelt SKU, with a suggestion.
    pytest.param(
        Bad("show.yaml", "sku: TEA-GIFT,", "sku: TEA-GIFTS,", "TEA-GIFTS",
            "pin names SKU 'TEA-GIFTS', which is not in the catalog (did you mean 'TEA-GIFT'?)"),
        id="unknown-sku-pin",
    ),
    # A precedence rule naming an unknown SKU (points at the `after` value).
    pytest.param(
        Bad("show.yaml", "  repeats:\n", PRECEDENCE, "TEA-BLACK",
            "precedence names SKU 'TEA-BLACK'"),
        id="unknown-sku-precedence",
    ),
    # A flash sale on a misspelt SKU.
    pytest.param(
        Bad("show.yaml", "    sku: TEA-OOLONG\n", "    sku: TEA-OOLNG\n", "TEA-OOLNG",
            "flash_sale names SKU 'TEA-OOLNG'"),
        id="unknown-sku-promotion",
    ),
    # A typo in a product that a flash sale names: the typo is reported, nothing crashes.
    pytest.param(
        Bad("catalog.yaml", "    list_price: 29.9\n", "    list_price: twenty-nine\n",
            "twenty-nine", "valid number"),
        id="broken-product-with-flash-sale",
    ),
    # Two products with one SKU: the second is reported, naming the first's line.
    pytest.param(
        Bad("catalog.yaml", "  - sku: TRAY-BAMBOO\n", "  - sku: TEA-GREEN\n",
            "TEA-GREEN\n    name: Bamboo", "duplicate SKU 'TEA-GREEN' (first at line"),
        id="duplicate-sku",
    ),
    # A pin after the show has ended (20:00 + 60 min).
    pytest.param(
        Bad("show.yaml", 'at: "20:40"}', 'at: "21:30"}', '"21:30"', "outside the show"),
        id="pin-outside-show",
    ),
    # A pin between two 5-minute slots.
    pytest.param(
        Bad("show.yaml", 'at: "20:40"}', 'at: "20:42"}', '"20:42"',
            "not on the 5-minute slot grid (try 20:40 or 20:45)"),
        id="pin-off-grid",
    ),
    # A pin during a break (the break is inserted just above rules:).
    pytest.param(
        Bad("show.yaml", "rules:\n", 'breaks:\n  - {at: "20:40", minutes: 5}\nrules:\n',
            'at: |"20:40"}', "falls in the break at 20:40"),
        id="pin-in-break",
    ),
    # Two breaks that overlap: the later one is reported.
    pytest.param(
        Bad("show.yaml", "rules:\n",
            'breaks:\n  - {at: "20:20", minutes: 10}\n  - {at: "20:25", minutes: 5}\nrules:\n',
            '"20:25"', "break overlaps breaks[0]"),
        id="overlapping-breaks",
    ),
    # A break covered by someone who is not a host: the name is reported.
    pytest.param(
        Bad("show.yaml", "rules:\n",
            'breaks:\n  - {at: "20:20", minutes: 5, covered_by: [Mia, Zoe]}\nrules:\n',
            "Mia, |Zoe]", "'Zoe' covers the break at 20:20 but is not in hosts ('Mia')"),
        id="break-covered-by-unknown",
    ),
    # A break covered by a host whose shift ends before it.
    pytest.param(
        Bad("show.yaml", "    role: host\n",
            '    role: host\n    shifts: [{from: "20:00", to: "20:20"}]\n'
            '  - {name: Zoe, role: co_host}\n'
            'breaks:\n  - {at: "20:20", minutes: 5, covered_by: [Mia]}\n',
            "covered_by: [|Mia]", "'Mia' covers the break at 20:20 but is off shift for all of it"),
        id="break-covered-off-shift",
    ),
    # `first: true` and `within_minutes` together: two readings of one rule.
    pytest.param(
        Bad("show.yaml", "within_minutes: 5}", "first: true, within_minutes: 5}",
            "opening: |{roles", "give first: true or within_minutes, not both"),
        id="opening-first-and-within",
    ),
    # A flash sale offering more units than the warehouse holds (200).
    pytest.param(
        Bad("show.yaml", "    units: 60\n", "    units: 260\n", "260",
            "offer 260 units; stock has 200"),
        id="flash-sale-above-stock",
    ),
    # A flash-sale price equal to the live price is no discount.
    pytest.param(
        Bad("show.yaml", "    price: 19.9\n", "    price: 24.9\n", "24.9",
            "not below the live price 24.9"),
        id="flash-sale-price-not-below",
    ),
    # A live price above the list price.
    pytest.param(
        Bad("catalog.yaml", "    live_price: 29\n", "    live_price: 39\n", "39\n",
            "live price 39 is above the list price 35"),
        id="live-above-list",
    ),
    # A product whose shortest segment (90 min) is longer than the 60-minute show.
    pytest.param(
        Bad("catalog.yaml", "{default: 10, min: 5, max: 10}", "{default: 90, min: 90, max: 90}",
            "min: |90", "longer than the show (60 min)"),
        id="segment-longer-than-show",
    ),
    # Shares 0.55 + 0.55: a warning, because lqplan normalises them.
    pytest.param(
        Bad("audience.yaml", "    share: 0.45\n", "    share: 0.55\n", "- name: Tea lovers",
            "lqplan normalises", "warning"),
        id="shares-not-one",
    ),
    # The viewer curve stops at 20:40, the show runs to 21:00.
    pytest.param(
        Bad("audience.yaml", '  - {at: "21:00", viewers: 900}\n', "", '"20:40"',
            "before the show ends at 21:00"),
        id="curve-short",
    ),
    # Oolong before cups and cups before oolong.
    pytest.param(
        Bad("show.yaml", "  repeats:\n", CYCLE, "- {before: TEA-OOLONG", "form a cycle"),
        id="precedence-cycle",
    ),
    # Two promotions with one id: the second is reported.
    pytest.param(
        Bad("show.yaml", "- id: cp-25\n", "- id: bag-1\n", "bag-1\n    type: coupon",
            "promotion id 'bag-1' is also promotions[1]'s"),
        id="duplicate-promotion-id",
    ),
    # files.catalog names a file that does not exist: reported at that line of show.yaml.
    pytest.param(
        Bad("show.yaml", "objective: profit\n",
            "objective: profit\nfiles: {catalog: products.yaml}\n", "products.yaml",
            "catalog file not found: products.yaml"),
        id="missing-catalog-file",
    ),
    # stock.csv whose header says `unit` instead of `units`.
    pytest.param(
        Bad("stock.csv", "sku,units,", "sku,unit,", "sku,unit,", "missing column 'units'",
            csv_stock=True),
        id="csv-missing-column",
    ),
    # The same header: the unknown column is located at its cell.
    pytest.param(
        Bad("stock.csv", "sku,units,", "sku,unit,", "sku,|unit,", "unknown column 'unit'",
            csv_stock=True),
        id="csv-unknown-column",
    ),
    # A stock.csv row with two cells under a four-column header.
    pytest.param(
        Bad("stock.csv", "TEA-GREEN,90,,\n", "TEA-GREEN,90\n", "TEA-GREEN",
            "row has 2 cells; the header has 4", csv_stock=True),
        id="csv-row-length",
    ),
    # A stock.csv cell that is not a number, located at its cell.
    pytest.param(
        Bad("stock.csv", "TEA-GREEN,90,,\n", "TEA-GREEN,ninety,,\n", "ninety",
            "valid integer", csv_stock=True),
        id="csv-bad-cell",
    ),
    # stock.yaml without its `stock:` key is a bare list where a mapping belongs.
    pytest.param(
        Bad("stock.yaml", "stock:\n", "", "- {sku: TEA-SAMPLER", "expected a mapping"),
        id="top-level-list",
    ),
    # Too many selling points: counted in the reader's words, not pydantic's.
    pytest.param(
        Bad("catalog.yaml", "      - point: Brews five to seven times\n",
            "      - point: Brews five to seven times\n      - point: a\n      - point: b\n",
            "- point: Spring",
            "selling_points has 4 items; at most 3"),
        id="too-many-items",
    ),
    # Promotions no plan could ever run are input errors, before any solve (issue 16).
    pytest.param(
        Bad("show.yaml", "    max_minutes: 5\n", "    max_minutes: 20\n    min_minutes: 15\n",
            "min_minutes: |15", "needs 15 minutes, but TEA-OOLONG's segments last at most 10"),
        id="flash-sale-longer-than-its-segments",
    ),
    pytest.param(
        Bad("show.yaml", '    max_minutes: 5\n    window: {from: "20:10", to: "20:40"}',
            '    max_minutes: 8\n    min_minutes: 8\n    window: {from: "20:10", to: "20:15"}',
            "min_minutes: |8", "fs-oolong needs 8 minutes, its window has 5"),
        id="flash-sale-longer-than-its-window",
    ),
    pytest.param(
        Bad("show.yaml", "    count: 3\n",
            '    count: 3\n    window: {from: "20:00", to: "20:03"}\n',
            "    countdown_minutes: |5", "countdown of 5 minutes is longer than its window (3"),
        id="lucky-bag-countdown-longer-than-its-window",
    ),
    # A YAML syntax error (an unclosed flow list) is located by the parser.
    pytest.param(
        Bad("audience.yaml", "base_conversion: 0.0012\n", "base_conversion: [0.0012\n",
            "segments|:", "invalid YAML"),
        id="yaml-syntax-error",
    ),
]
# fmt: on


@pytest.mark.parametrize("bad", BAD)
def test_bad_input_is_reported_at_its_place(bad: Bad, tmp_path, monkeypatch):
    folder = copy_minimal(tmp_path, monkeypatch, csv_stock=bad.csv_stock)
    edit(folder, bad.file, bad.old, bad.new)
    expected = place(folder, bad.file, bad.at)
    diagnostics = check_show(FOLDER)
    matches = [
        d
        for d in diagnostics
        if where(d) == expected and bad.fragment in d.message and d.severity == bad.severity
    ]
    assert matches, (
        f"expected {bad.severity} at {expected} containing {bad.fragment!r}; "
        f"got:\n{show_all(diagnostics)}"
    )


def test_minimal_copy_is_valid(tmp_path, monkeypatch):
    """The unedited copy (the base of every row above) has no diagnostics at all."""
    copy_minimal(tmp_path, monkeypatch)
    assert check_show(FOLDER) == []


def test_minimal_copy_with_csv_stock_is_valid(tmp_path, monkeypatch):
    copy_minimal(tmp_path, monkeypatch, csv_stock=True)
    assert check_show(FOLDER) == []


def test_unquoted_clock_times_are_accepted(tmp_path, monkeypatch):
    """`start: 20:00` and unquoted times in flow mappings are read as times, not base-60."""
    folder = copy_minimal(tmp_path, monkeypatch)
    text = (folder / "show.yaml").read_text(encoding="utf-8").replace('"20:', "20:")
    text = text.replace('0"', "0")
    (folder / "show.yaml").write_text(text, encoding="utf-8")
    assert "start: 20:00\n" in text
    assert check_show(FOLDER) == []


def test_show_named_by_its_show_yaml(tmp_path, monkeypatch):
    copy_minimal(tmp_path, monkeypatch)
    assert check_show(f"{FOLDER}/show.yaml") == []


def test_empty_catalog_file(tmp_path, monkeypatch):
    folder = copy_minimal(tmp_path, monkeypatch)
    (folder / "catalog.yaml").write_text("# nothing here yet\n", encoding="utf-8")
    diagnostics = check_show(FOLDER)
    assert [(where(d), d.message) for d in diagnostics] == [("catalog.yaml:1:1", "file is empty")]


def test_every_unreadable_file_is_reported_at_once(tmp_path, monkeypatch):
    """Two broken files (a tab and GBK bytes): both are named in one run."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "stock.yaml", "  - {sku: CUP-SET", "\t- {sku: CUP-SET")
    tab = place(folder, "stock.yaml", "\t- {sku: CUP-SET")
    (folder / "audience.yaml").write_bytes("base_conversion: 0.0012\nname: 茶\n".encode("gbk"))
    places = [where(d) for d in check_show(FOLDER)]
    assert places == ["audience.yaml:2:7", tab]


def test_duplicate_sku_names_the_first_line(tmp_path, monkeypatch):
    folder = copy_minimal(tmp_path, monkeypatch)
    first = line_of(folder, "catalog.yaml", "sku: TEA-GREEN")
    edit(folder, "catalog.yaml", "  - sku: TRAY-BAMBOO\n", "  - sku: TEA-GREEN\n")
    messages = [d.message for d in check_show(FOLDER)]
    assert f"duplicate SKU 'TEA-GREEN' (first at line {first})" in messages


# --- several defects in one run ----------------------------------------------------------------


def test_field_errors_in_every_file_are_all_reported_in_order(tmp_path, monkeypatch):
    """One field defect per file (and two in the catalog): all five, sorted by file and line."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edits = [  # (file, old, new, needle where the error must point)
        ("show.yaml", "slot_minutes: 5", "slot_minute: 5", "slot_minute:"),
        ("catalog.yaml", "    list_price: 35\n", "    list_price: thirty-five\n", "thirty-five"),
        ("catalog.yaml", "    cart_link: 3\n", "    cart_lnk: 3\n", "cart_lnk:"),
        ("audience.yaml", "    share: 0.45\n", "    share: 1.45\n", "1.45"),
        ("stock.yaml", "units: 90}", "units: -90}", "-90}"),
    ]
    for file, old, new, _needle in edits:
        edit(folder, file, old, new)
    expected = sorted(
        (place(folder, file, needle) for file, _o, _n, needle in edits),
        key=lambda p: (p.split(":")[0], int(p.split(":")[1]), int(p.split(":")[2])),
    )
    diagnostics = check_show(FOLDER)
    errors = [where(d) for d in diagnostics if d.severity == "error"]
    assert errors == expected, show_all(diagnostics)


def test_cross_file_errors_are_all_reported_in_order(tmp_path, monkeypatch):
    """Five cross-file defects in three files: every one reported, in file/line/column order."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edits = [
        ("show.yaml", "sku: TEA-GIFT,", "sku: TEA-GIFTS,", "TEA-GIFTS"),
        ("show.yaml", "    price: 19.9\n", "    price: 24.9\n", "24.9"),
        ("show.yaml", "- id: cp-25\n", "- id: bag-1\n", "bag-1\n    type: coupon"),
        ("catalog.yaml", "    live_price: 29\n", "    live_price: 39\n", "39\n"),
        ("audience.yaml", '  - {at: "21:00", viewers: 900}\n', "", '"20:40"'),
    ]
    for file, old, new, _needle in edits:
        edit(folder, file, old, new)
    expected = sorted(
        (place(folder, file, needle) for file, _o, _n, needle in edits),
        key=lambda p: (p.split(":")[0], int(p.split(":")[1]), int(p.split(":")[2])),
    )
    diagnostics = check_show(FOLDER)
    places = [where(d) for d in diagnostics if d.severity == "error"]
    assert places == expected, show_all(diagnostics)


def test_catalog_rules_still_run_when_show_yaml_has_a_field_error(tmp_path, monkeypatch):
    """A price defect in the catalog needs nothing from show.yaml, so it is reported even when
    show.yaml has a typo: the user should not meet it only after fixing show.yaml."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "show.yaml", "slot_minutes: 5", "slot_minute: 5")
    edit(folder, "catalog.yaml", "    live_price: 29\n", "    live_price: 39\n")
    edit(folder, "catalog.yaml", "  - sku: TRAY-BAMBOO\n", "  - sku: TEA-GREEN\n")
    diagnostics = check_show(FOLDER)
    places = [where(d) for d in diagnostics if d.severity == "error"]
    assert place(folder, "show.yaml", "slot_minute:") in places, show_all(diagnostics)
    live = place(folder, "catalog.yaml", "39\n")
    duplicate = place(folder, "catalog.yaml", "TEA-GREEN\n    name: Bamboo")
    assert live in places, show_all(diagnostics)  # live price above list price
    assert duplicate in places, show_all(diagnostics)  # duplicate SKU


def test_invalid_stock_row_is_not_also_called_missing(tmp_path, monkeypatch):
    """A stock row with a bad value is one problem; the product does have a stock row."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "stock.yaml", "units: 90}", "units: -90}")
    diagnostics = check_show(FOLDER)
    assert [where(d) for d in diagnostics] == [place(folder, "stock.yaml", "-90}")], show_all(
        diagnostics
    )


SHOW_RULE = "  segment_minutes: {default: 5, min: 5, max: 10}\n"
GIFT_RULE = "    segment_minutes: {default: 10, min: 5, max: 10}\n"


def test_a_product_that_gives_only_default_takes_min_and_max_from_the_show(tmp_path, monkeypatch):
    """A TV-like show of 15 to 60-minute segments: the gift box's `{default: 45}` is 15–60 with
    45 by default (not lqplan's built-in 3 and 10); one giving only `max` keeps the show's
    `min` and `default`."""
    from lqplan.show.validate import load_and_validate

    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "show.yaml", SHOW_RULE, "  segment_minutes: {default: 15, min: 15, max: 60}\n")
    edit(folder, "catalog.yaml", GIFT_RULE, "    segment_minutes: {default: 45}\n")
    edit(
        folder,
        "catalog.yaml",
        "  - sku: CUP-SET\n",
        "  - sku: CUP-SET\n    segment_minutes: {max: 20}\n",
    )
    assert check_show(FOLDER) == []
    inputs = load_and_validate(Path(FOLDER))
    gift, cups = inputs.products["TEA-GIFT"], inputs.products["CUP-SET"]
    limits = inputs.segment_minutes(gift)
    assert (limits.min, limits.default, limits.max) == (15, 45, 60)
    assert inputs.segment_lengths(gift) == list(range(15, 61, 5))
    limits = inputs.segment_minutes(cups)
    assert (limits.min, limits.default, limits.max) == (15, 15, 20)
    assert inputs.segment_lengths(cups) == [15, 20]


# The merged lengths out of order: the error names what the product wrote, and where the others
# came from, at the product's field (file:line:column).
ORDER = [
    # `default` alone, above the show's max: pointed at the number written.
    pytest.param(
        "  segment_minutes: {default: 15, min: 15, max: 60}\n",
        "{default: 70}",
        "{default: |70}",
        "got min 15 (rules.segment_minutes in show/show.yaml), default 70, "
        "max 60 (rules.segment_minutes in show/show.yaml)",
        id="default-above-the-shows-max",
    ),
    # Two numbers written, out of order with each other: pointed at the mapping.
    pytest.param(
        "  segment_minutes: {default: 15, min: 15, max: 60}\n",
        "{default: 70, max: 60}",
        "|{default: 70, max: 60}",
        "got min 15 (rules.segment_minutes in show/show.yaml), default 70, max 60",
        id="default-above-its-own-max",
    ),
    # The show's rule gives only `max`: its default is lqplan's 5, and the message says so.
    pytest.param(
        "  segment_minutes: {max: 30}\n",
        "{min: 12}",
        "{min: |12}",
        "got min 12, default 5 (lqplan's default: show/show.yaml does not set it), "
        "max 30 (rules.segment_minutes in show/show.yaml)",
        id="show-sets-max-only",
    ),
    # The show says nothing: lqplan's 3/5/10 for the rest of the product's numbers.
    pytest.param(
        "",
        "{default: 45}",
        "{default: |45}",
        "got min 3 (lqplan's default: show/show.yaml does not set it), default 45, "
        "max 10 (lqplan's default: show/show.yaml does not set it)",
        id="show-says-nothing",
    ),
]


@pytest.mark.parametrize(("show_rule", "product", "at", "fragment"), ORDER)
def test_merged_segment_minutes_out_of_order_say_where_each_number_came_from(
    show_rule, product, at, fragment, tmp_path, monkeypatch
):
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "show.yaml", SHOW_RULE, show_rule)
    edit(folder, "catalog.yaml", GIFT_RULE, f"    segment_minutes: {product}\n")
    diagnostics = [d for d in check_show(FOLDER) if d.severity == "error"]
    assert [(where(d), d.path) for d in diagnostics] == [
        (place(folder, "catalog.yaml", f"segment_minutes: {at}"), "products[4].segment_minutes"
         + (".default" if "default: |" in at else ".min" if "min: |" in at else ""))
    ], show_all(diagnostics)  # fmt: skip
    assert f"need min <= default <= max, {fragment}" in diagnostics[0].message


def test_the_shows_own_rule_out_of_order_names_lqplans_defaults(tmp_path, monkeypatch):
    """`rules.segment_minutes: {default: 45}` alone: min 3 and max 10 are lqplan's, said so."""
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "show.yaml", SHOW_RULE, "  segment_minutes: {default: 45}\n")
    diagnostics = [d for d in check_show(FOLDER) if d.severity == "error"]
    assert [where(d) for d in diagnostics] == [place(folder, "show.yaml", "|{default: 45}")], (
        show_all(diagnostics)
    )
    assert (
        "got min 3 (lqplan's default), default 45, max 10 (lqplan's default)"
        in diagnostics[0].message
    )


def test_diagnostics_come_in_reading_order(tmp_path, monkeypatch):
    folder = copy_minimal(tmp_path, monkeypatch)
    edit(folder, "show.yaml", 'at: "20:40"}', 'at: "20:42"}')
    edit(folder, "show.yaml", "    units: 60\n", "    units: 260\n")
    edit(folder, "catalog.yaml", "  - sku: TRAY-BAMBOO\n", "  - sku: TEA-GREEN\n")
    diagnostics = check_show(FOLDER)
    keys = [(d.file, d.line, d.column) for d in diagnostics]
    assert keys == sorted(keys)
    assert len(diagnostics) >= 4  # pin, units, duplicate SKU, TRAY-BAMBOO stock row


# --- every sample, including those added later -------------------------------------------------

SAMPLE_FOLDERS = sorted(p.parent for p in SAMPLES.glob("*/show.yaml"))


@pytest.mark.parametrize("folder", SAMPLE_FOLDERS, ids=[p.name for p in SAMPLE_FOLDERS])
def test_every_sample_has_no_errors(folder: Path):
    diagnostics = check_show(folder)
    errors = [d for d in diagnostics if d.severity == "error"]
    assert not errors, show_all(errors)


def test_samples_are_found():
    assert MINIMAL in SAMPLE_FOLDERS


def test_a_gift_for_a_product_without_stock_and_a_window_inside_a_break_are_input_errors(
    tmp_path,
):
    from conftest import tiny_show

    gift = {"id": "g-b", "type": "gift", "sku": "B", "item": "cup", "units": 5, "unit_cost": 1}
    coupon = {"id": "cp", "type": "coupon", "threshold": 50, "amount": 5, "count": 9}
    coupon["window"] = {"from": "20:05", "to": "20:10"}
    folder = tiny_show(
        tmp_path / "show",
        [{"sku": "A"}, {"sku": "B"}],
        slots=3,
        stock={"B": 0},
        promotions=[gift, coupon],
        breaks=[{"at": "20:05", "minutes": 5}],
    )
    messages = [d.message for d in check_show(folder) if d.severity == "error"]
    assert "gift g-b is for B, which has no stock to sell (stock 0, reserve 0%)" in messages
    assert (
        "window 20:05–20:10 lies inside the show's breaks: the promotion can never run" in messages
    )
