"""The run-of-show as real spreadsheets: run_sheet.xlsx and ontime.xlsx.

run_sheet.xlsx has the rows and columns of run_sheet.csv (runsheet.build_rows), but typed: the
segment number, the list and live prices and the expected GMV are numbers in the show's currency
format, the start a time of day, the length a number of minutes; every other cell is written as
a string (never as a formula, so no guard is needed and none shows). The header row and the first
two columns stay on screen; columns are as wide as their text, counting a Chinese character as
two; critical moments (a flash sale, a stock release, a lucky bag) are tinted, their flagged
lines bold red; it prints on A4 landscape, one page wide, the header row repeated on every page.
A second sheet holds the show's header (with its time zone) and the totals.

ontime.xlsx is runsheet.ontime_table in the one worksheet Ontime's import dialog picks by
default ("event schedule"), every cell a string as Ontime's own export writes them.

Both are byte-identical from one plan: XlsxWriter stamps its zip members with a fixed date, and
the workbook's creation date is the show's start, not the clock.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from lqplan.money import SYMBOLS, decimals
from lqplan.render import i18n, phrases, profiles, runsheet
from lqplan.show.fields import parse_clock

__all__ = ["currency_format", "display_width", "fit_widths", "render"]

ONTIME_WORKSHEET = "event schedule"
SUMMARY_SHEET = {"zh": "概要", "en": "Summary"}
NUMBER_KEYS = {"list_price": "list", "live_price": "live"}
MIN_WIDTH, MAX_WIDTH = 6, 42
# The sheet's columns together, in character widths: A4 landscape one page wide then prints at
# about 80 % (text near 9 pt) instead of shrinking twenty wide columns to an unreadable size.
PAGE_WIDTH = 190
READABLE_WIDTH = 8
LINE_HEIGHT = 15.0  # points per wrapped line at the default 11 pt
CRITICAL_FILL, BREAK_FILL, HEADER_FILL = "#FEF3C7", "#E5E7EB", "#1F2937"
HIGHLIGHT_FONT = "#B91C1C"


class Cell(NamedTuple):
    """One cell of run_sheet.xlsx: its value, its text as the sheet shows it (for the column's
    width and the row's height) and its kind: text, int, time, minutes or money."""

    value: Any
    text: str
    kind: str


def render(env: Any, context: Mapping[str, Any]) -> dict[str, str | bytes]:
    """run_sheet.xlsx and ontime.xlsx for the plan in `context` (`env` is unused: no template)."""
    rows = runsheet.build_rows(context)
    return {
        "run_sheet.xlsx": run_sheet_xlsx(context, rows),
        "ontime.xlsx": ontime_xlsx(context, rows),
    }


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: East Asian wide and full-width characters two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def currency_format(currency: str) -> str:
    """An Excel number format for amounts in `currency`, as money() writes them: the symbol in
    front (or the ISO code after), thousands separators, a minus before the symbol."""
    # The currency's CLDR decimals, as money() writes them (none for JPY, KRW, VND, IDR).
    places = decimals(currency)
    digits = "#,##0." + "0" * places if places else "#,##0"
    symbol = SYMBOLS.get(currency)
    positive = f'"{symbol}"{digits}' if symbol else f'{digits} "{currency}"'
    return f"{positive};-{positive}"


# ------------------------------------------------------------------------------ workbooks


class _Book:
    """An in-memory XlsxWriter workbook with its formats made once each, in a fixed order."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        # Imported here: XlsxWriter takes a tenth of a second to import, which every other
        # command (validate, check, --help) would pay for nothing.
        import xlsxwriter  # type: ignore[import-untyped]

        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        show = context["show"]
        self.book.set_properties(
            {
                "title": str(show.get("title") or ""),
                "author": "lqplan",
                # The show's start, not now: the same plan gives the same bytes.
                "created": _show_start(show),
            }
        )
        self.formats: dict[tuple[tuple[str, Any], ...], Any] = {}

    def format(self, **props: Any) -> Any:
        """The workbook format with these properties (made on first use)."""
        key = tuple(sorted(props.items()))
        if key not in self.formats:
            self.formats[key] = self.book.add_format(props)
        return self.formats[key]

    def close(self) -> bytes:
        """The finished file."""
        self.book.close()
        return self.buffer.getvalue()


def _show_start(show: Mapping[str, Any]) -> datetime:
    hours, minutes = divmod(parse_clock(show["start"]), 60)
    return datetime.fromisoformat(str(show["date"])).replace(hour=hours, minute=minutes)


def run_sheet_xlsx(context: Mapping[str, Any], rows: list[dict[str, Any]]) -> bytes:
    """run_sheet.xlsx: the run-of-show sheet and the summary sheet (module docstring)."""
    lang, show = context["lang"], context["show"]
    words = profiles.words(phrases.RUN_SHEET, lang, show)
    columns = runsheet.labelled_columns(context)
    book = _Book(context)
    sheet = book.book.add_worksheet(_sheet_name(words["run_sheet"]))
    table = [[_typed(context, row, column["key"]) for column in columns] for row in rows]
    texts = [[cells[i].text for cells in table] for i in range(len(columns))]
    widths = fit_widths(
        [
            # A header may wrap onto two lines; a cell's lines set the width it would like.
            max(_width(texts[i]), _width([column["label"]]) // 2 + 1)
            for i, column in enumerate(columns)
        ],
        [sum(display_width(text) for text in texts[i]) for i in range(len(columns))],
        [
            max(READABLE_WIDTH, _width(c[i].text for c in table if c[i].kind != "text"))
            for i in range(len(columns))
        ],
    )
    header = book.format(
        bold=True,
        text_wrap=True,
        valign="top",
        border=1,
        bg_color=HEADER_FILL,
        font_color="#FFFFFF",
    )
    for col, column in enumerate(columns):
        sheet.set_column(col, col, widths[col])
        sheet.write_string(0, col, column["label"], header)
    sheet.set_row(0, _height([[column["label"]] for column in columns], widths))
    for number, (row, cells) in enumerate(zip(rows, table, strict=True), start=1):
        fill = _fill(row)
        for col, cell in enumerate(cells):
            key = columns[col]["key"]
            bold = key in runsheet.HIGHLIGHT and any(line["critical"] for line in row["cells"][key])
            style = book.format(
                text_wrap=True,
                valign="top",
                border=1,
                **({"bg_color": fill} if fill else {}),
                **({"bold": True, "font_color": HIGHLIGHT_FONT} if bold else {}),
                **_number_format(context, cell.kind),
            )
            if cell.kind == "text":
                sheet.write_string(number, col, cell.text, style)
            else:
                sheet.write_number(number, col, cell.value, style)
        sheet.set_row(number, _height([cell.text.split("\n") for cell in cells], widths))
    sheet.freeze_panes(1, 2)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    _print_setup(sheet, context, words)
    _summary_sheet(book, context, words)
    return book.close()


def _typed(context: Mapping[str, Any], row: Mapping[str, Any], key: str) -> Cell:
    """The cell of `row` in column `key`: a number where the plan has one, else its text."""
    text = runsheet.plain_cell(row["cells"][key])
    if key == "start":
        clock = parse_clock(context["show"]["start"]) + row["minute"]
        return Cell(clock % 1440 / 1440, text, "time")  # a time of day: Excel's fraction
    if key == "duration":
        return Cell(row["end"] - row["minute"], text, "minutes")
    if row["kind"] != "segment":
        return Cell(None, text, "text")
    seg = _segment(context, row)
    if key == "no":
        return Cell(int(seg["number"]), text, "int")
    if key in NUMBER_KEYS:
        value = (seg.get("price") or {}).get(NUMBER_KEYS[key])
    elif key == "expected_gmv":
        value = (seg.get("expected") or {}).get("gmv")
    else:
        return Cell(None, text, "text")
    if value is None:  # no figure in the plan: the cell keeps its words, never a 0
        return Cell(None, text, "text")
    return Cell(float(value), _formatted(float(value), context["show"]["currency"]), "money")


def _formatted(value: float, currency: str) -> str:
    """`value` as currency_format shows it (for the column's width)."""
    digits = f"{abs(value):,.{decimals(currency)}f}"
    symbol = SYMBOLS.get(currency)
    text = f"{symbol}{digits}" if symbol else f"{digits} {currency}"
    return f"-{text}" if value < 0 else text


def _segment(context: Mapping[str, Any], row: Mapping[str, Any]) -> Mapping[str, Any]:
    return next(seg for seg in context["segments"] if seg["number"] == row["seq"])


def _number_format(context: Mapping[str, Any], kind: str) -> dict[str, str]:
    if kind == "time":
        return {"num_format": "hh:mm"}
    if kind == "minutes":
        # '0" 分钟"': the number with i18n.minutes' own unit after it.
        return {"num_format": '0"' + i18n.minutes(0, context["lang"])[1:] + '"'}
    if kind == "money":
        return {"num_format": currency_format(context["show"]["currency"])}
    if kind == "int":
        return {"num_format": "0"}
    return {}


def _fill(row: Mapping[str, Any]) -> str | None:
    if row["kind"] == "break":
        return BREAK_FILL
    return CRITICAL_FILL if row["critical"] else None


def _width(texts: Iterable[str]) -> int:
    """A column's width: its longest line, within MIN_WIDTH and MAX_WIDTH (longer lines wrap)."""
    longest = max((display_width(line) for text in texts for line in text.split("\n")), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


def fit_widths(
    natural: list[int], volumes: list[int], floors: list[int], budget: int = PAGE_WIDTH
) -> list[int]:
    """Column widths that fit `budget` in all. A column gets a share of the width in proportion
    to the square root of how much text it holds (that keeps the wrapped lines of the whole
    sheet fewest), never more than its longest line needs (`natural`), nor less than its floor
    (a number's full width: Excel shows ### for a number that does not fit)."""
    if sum(natural) <= budget:
        return list(natural)
    widths: dict[int, int] = {}
    free = list(range(len(natural)))
    while free:
        rest = budget - sum(widths.values())
        weight = sum(math.sqrt(max(volumes[i], 1)) for i in free)
        share = {i: rest * math.sqrt(max(volumes[i], 1)) / weight for i in free}
        # A column that needs less than its share keeps what it needs and gives back the rest;
        # one whose share is too narrow to read is held at the readable width.
        settled = {i: natural[i] for i in free if share[i] >= natural[i]}
        if not settled:
            floor = {i: min(floors[i], natural[i]) for i in free}
            settled = {i: floor[i] for i in free if share[i] < floor[i]}
        if not settled:
            widths.update({i: int(share[i]) for i in free})
            break
        widths.update(settled)
        free = [i for i in free if i not in settled]
    return [widths[i] for i in range(len(natural))]


def _height(cells: list[list[str]], widths: list[int]) -> float:
    """A row's height in points: its tallest cell once wrapped to its column's width (WPS and
    LibreOffice do not grow a row to fit on opening, and a set height prints the same)."""
    lines = 1
    for lines_of_cell, width in zip(cells, widths, strict=True):
        wrapped = sum(
            max(1, math.ceil(display_width(line) / (width - 1))) for line in lines_of_cell
        )
        lines = max(lines, wrapped)
    return min(409.0, LINE_HEIGHT * lines)


def _print_setup(sheet: Any, context: Mapping[str, Any], words: Mapping[str, str]) -> None:
    """A4 landscape, one page wide, the header row on every page, the show in the page header."""
    show = context["show"]
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    when = " ".join(
        part
        for part in (str(show["date"]), f"{show['start']}–{show['end']}", show.get("time_zone"))
        if part
    )
    title = _header_text(str(show.get("title") or words["run_sheet"]))[:80]
    sheet.set_header(f"&L{title}&R{_header_text(when)}")
    sheet.set_footer("&C&P / &N")


def _header_text(text: str) -> str:
    """Text for a page header: & starts a code there, && is an ampersand."""
    return text.replace("&", "&&")


def _summary_sheet(book: _Book, context: Mapping[str, Any], words: Mapping[str, str]) -> None:
    """The show's header (date, time, time zone, platform, hosts...), totals, solver report, KPI
    targets and the promotions left out, as label and value."""
    sheet = book.book.add_worksheet(_sheet_name(SUMMARY_SHEET[context["lang"]]))
    label, value = book.format(bold=True, valign="top"), book.format(text_wrap=True, valign="top")
    heading = book.format(bold=True, font_size=13)
    summary = runsheet.summary(context)
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        (str(context["show"].get("title") or words["run_sheet"]), _items(runsheet.header(context))),
        (words["totals"], _items(summary["totals"])),
        (words["solver"], _items(summary["solver"])),
        (words["kpi"], _items(summary["kpi"])),
    ]
    if context["unused_promotions"]:
        title = context["unused_words"]["title"]
        sections.append((title, [("", text) for text in context["unused_promotions"]]))
    width = _width(item[0] for _, items in sections for item in items)
    sheet.set_column(0, 0, width)
    sheet.set_column(1, 1, 80)
    number = 0
    for title, items in sections:
        sheet.write_string(number, 0, title, heading)
        number += 1
        for name, text in items:
            sheet.write_string(number, 0, name, label)
            sheet.write_string(number, 1, text, value)
            sheet.set_row(number, _height([[name], text.split("\n")], [width, 80]))
            number += 1
        number += 1
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def _items(pairs: Iterable[Mapping[str, str]]) -> list[tuple[str, str]]:
    return [(pair["label"], pair["value"]) for pair in pairs]


def _sheet_name(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in text).strip()
    return cleaned[:31] or "Sheet1"


def ontime_xlsx(context: Mapping[str, Any], rows: list[dict[str, Any]]) -> bytes:
    """ontime.xlsx: runsheet.ontime_table in the worksheet Ontime's import opens by default."""
    table = runsheet.ontime_table(context, rows)
    book = _Book(context)
    sheet = book.book.add_worksheet(ONTIME_WORKSHEET)
    header_at = table.index(list(runsheet.ONTIME_HEADERS))
    bold = book.format(bold=True)
    for col in range(len(runsheet.ONTIME_HEADERS)):
        sheet.set_column(col, col, _width(row[col] for row in table if col < len(row)))
    for number, cells in enumerate(table):
        for col, text in enumerate(cells):
            # Strings stay strings: a title "=1+1" is text to Ontime and to a spreadsheet.
            sheet.write_string(number, col, text, bold if number <= header_at else None)
    sheet.freeze_panes(header_at + 1, 0)
    return book.close()
