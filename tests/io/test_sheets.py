"""lqplan/io/sheets.py: text tables in the encodings and separators exports use, every cell's
place computed in one pass, .xlsx worksheets, and cells read as prices, counts and times."""

from __future__ import annotations

import codecs
from datetime import datetime, time

import openpyxl
import pytest

from lqplan.errors import InputError
from lqplan.io import sheets
from lqplan.io.sheets import (
    column_letters,
    decode_table,
    parse_count,
    parse_number,
    parse_price,
    parse_text_table,
    parse_time_cell,
    read_table,
    sniff_delimiter,
)

TEXT = "货号,名称\nLIP-001,丝绒口红\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        # UTF-8 without and with a byte-order mark (Excel's "CSV UTF-8").
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        # Excel's "Unicode text": UTF-16 with a byte-order mark, either byte order.
        (TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        # The usual Chinese ERP export: GBK, read as GB18030 (its superset).
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_encodings_are_detected(raw, encoding):
    text, found = decode_table(raw, "t.csv")
    assert (text, found) == (TEXT, encoding)


@pytest.mark.parametrize(
    ("raw", "place", "fragment"),
    [
        # Latin-1 "é," is no GB18030 either: the byte is named at its line and column.
        ("sku,name\nA,Café,\n".encode("latin-1"), (2, 6), "not UTF-8 or GB18030/GBK (byte 0xe9)"),
        # UTF-16 without a byte-order mark is not guessed at.
        (TEXT.encode("utf-16-le"), (1, 6), "NUL byte"),  # the byte after ","
        # A NUL byte in a UTF-8 table.
        (b"sku,units\nA,\x001\n", (2, 3), "NUL byte"),
    ],
)
def test_unreadable_text_is_an_error_at_its_place(raw, place, fragment):
    with pytest.raises(InputError) as exc:
        decode_table(raw, "t.csv")
    d = exc.value.diagnostics[0]
    assert ((d.line, d.column), d.file) == (place, "t.csv")
    assert fragment in d.message


@pytest.mark.parametrize(
    ("first_line", "prefer", "delimiter"),
    [
        ("sku,units,limit", ",", ","),
        ("sku;units;limit", ",", ";"),  # Excel in a locale with decimal commas
        ("sku\tunits\tlimit", ",", "\t"),
        ('"a,b";c;d', ",", ";"),  # commas inside quotes do not count
        ("sku", "\t", "\t"),  # one column: the suffix's separator
        ("a,b\tc", "\t", "\t"),  # a tie goes to the suffix's separator
    ],
)
def test_the_separator_is_sniffed(first_line, prefer, delimiter):
    assert sniff_delimiter(first_line + "\n1,2\n", prefer) == delimiter


def test_every_cell_is_placed_quotes_and_line_breaks_included():
    raw = b'sku;name;units\n"A;1";"two\nlines";3\nB;x;4\n'
    table = parse_text_table(raw, "t.csv")
    assert table.delimiter == ";"
    rows = [(r.line, r.cells, r.places) for r in table.rows]
    assert rows == [
        (1, ("sku", "name", "units"), ((1, 1), (1, 5), (1, 10))),
        (2, ("A;1", "two\nlines", "3"), ((2, 1), (2, 7), (3, 8))),
        (4, ("B", "x", "4"), ((4, 1), (4, 3), (4, 5))),
    ]


@pytest.mark.parametrize("rows", [1_000, 8_000])
def test_places_read_each_character_once(monkeypatch, rows):
    """Linear, not quadratic: the places of a table cost one pass over its text, however many
    rows it has (the old reader split the whole text again for every cell)."""
    scanned = []
    original = sheets.record_places

    def counting(lines, first, delimiter):
        scanned.append(sum(len(line) for line in lines))
        return original(lines, first, delimiter)

    monkeypatch.setattr(sheets, "record_places", counting)
    text = "sku,units,per_buyer_limit\n" + "".join(f"SKU-{i},{i},1\n" for i in range(rows))
    table = parse_text_table(text.encode(), "stock.csv")
    assert len(table.rows) == rows + 1
    assert len(scanned) == rows + 1  # once per record
    assert sum(scanned) == len(text)  # every character once


def test_a_workbook_is_read_with_row_and_column_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "商品"
    sheet["A1"] = "title"
    sheet["A3"], sheet["C3"] = "SKU", 49
    sheet["B5"], sheet["D5"] = time(20, 15), 12.5
    book.create_sheet("second")["A1"] = "other"
    book.save(tmp_path / "p.xlsx")
    table = read_table(tmp_path / "p.xlsx")
    assert table.sheet == "商品"
    assert [(r.line, r.cells) for r in table.rows] == [
        (1, ("title",)),
        (2, ()),
        (3, ("SKU", None, 49)),
        (4, ()),
        (5, (None, time(20, 15), None, 12.5)),
    ]
    assert table.rows[2].places == ((3, 1), (3, 2), (3, 3))
    d = table.diagnostic((5, 4), "bad", "live_price")
    assert d.format() == "p.xlsx:商品!D5: error: live_price: bad"
    assert (d.file, d.line, d.column) == ("p.xlsx", 5, 4)  # for --format json and github
    assert read_table(tmp_path / "p.xlsx", sheet="second").rows[0].cells == ("other",)


@pytest.mark.parametrize(
    ("name", "content", "sheet", "fragment"),
    [
        ("p.xlsx", b"PK\x03\x04 not really a zip", None, "not an .xlsx workbook"),
        ("p.xls", b"\xd0\xcf\x11\xe0", None, "cannot read a .xls file"),
        ("p.ods", b"", None, "save it as .xlsx, .csv or .tsv"),
        ("p.csv", b"a,b\n", "Sheet1", "--sheet is for .xlsx"),
    ],
)
def test_files_that_are_not_tables_are_refused(tmp_path, name, content, sheet, fragment):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_table(tmp_path / name, sheet)
    assert fragment in exc.value.diagnostics[0].message


def test_an_unknown_sheet_names_the_sheets(tmp_path):
    openpyxl.Workbook().save(tmp_path / "p.xlsx")
    with pytest.raises(InputError, match="no sheet 'x'; sheets: Sheet"):
        read_table(tmp_path / "p.xlsx", "x")


@pytest.mark.parametrize(
    ("cell", "price"),
    [
        (49, 49),
        (12.5, 12.5),
        ("49", 49),
        ("¥49", 49),
        ("￥49.90", 49.9),  # the full-width yen sign of Chinese input methods
        ("$12.00", 12),
        ("US$ 12.50", 12.5),
        ("1,299", 1299),
        ("¥1,299.00", 1299),
        ("49元", 49),
        ("¥49元", 49),
        ("RMB 88", 88),
        ("12,50", 12.5),  # a decimal comma: thousands come in threes
        ("４９", 49),  # full-width digits
        (" 7 ", 7),
    ],
)
def test_prices_read_as_numbers(cell, price):
    got = parse_price(cell)
    assert got == price and type(got) is type(price)


@pytest.mark.parametrize("cell", ["¥四十", "49-59", "abc", "1.2.3", "-5", "free", True])
def test_what_is_not_a_price_says_so(cell):
    with pytest.raises(ValueError, match=r"is not a price"):
        parse_price(cell)


@pytest.mark.parametrize(
    ("cell", "count"), [(300, 300), (300.0, 300), ("1,200", 1200), ("300件", 300), ("12 pcs", 12)]
)
def test_counts_read_as_whole_numbers(cell, count):
    assert parse_count(cell) == count


@pytest.mark.parametrize("cell", [2.5, "三百", "1.5", "=40+1", "-3"])
def test_what_is_not_a_count_says_so(cell):
    with pytest.raises(ValueError, match="is not a whole number"):
        parse_count(cell)


@pytest.mark.parametrize(
    ("cell", "number"), [(1234.5, 1234.5), ("1,234.5", 1234.5), ("12件", 12), ("3,100人", 3100)]
)
def test_figures_read_whole_or_not(cell, number):
    assert parse_number(cell) == number


@pytest.mark.parametrize("cell", ["many", "¥-3", "1.2.3"])
def test_what_is_not_a_figure_says_so(cell):
    with pytest.raises(ValueError, match="is not a number"):
        parse_number(cell)


@pytest.mark.parametrize(
    ("cell", "clock"),
    [
        (time(20, 15), "20:15"),
        (time(20, 15, 42), "20:15:42"),
        (datetime(2026, 12, 3, 20, 1, 5), "20:01:05"),
        ("2026-12-03 20:15:42", "20:15:42"),
        ("20:15", "20:15"),
        (0.84375, "20:15"),  # a time stored as a fraction of the day
        ("later", "later"),  # left for the model's own message
    ],
)
def test_times_read_as_clock_text(cell, clock):
    assert parse_time_cell(cell) == clock


@pytest.mark.parametrize(("column", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_column_letters(column, letters):
    assert column_letters(column) == letters
