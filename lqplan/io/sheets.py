"""Read a table from a spreadsheet file (.xlsx: one worksheet, .csv or .tsv), and its cells.

Operations teams export product, stock and sales lists from Excel, WPS and their ERP or platform
back ends, so a text table may be UTF-8 (with or without a byte-order mark), GB18030/GBK (the
usual Chinese ERP export) or UTF-16 with a byte-order mark (Excel's "Unicode text"), separated by
commas, semicolons or tabs. `read_table` returns the rows with the place of every cell, computed
once while reading: for a text table the line and character column where the cell starts, for a
worksheet its row and column number (and `Table.diagnostic` names the cell, `Sheet1!C7`).
Cells read as what they mean: prices as shops write them (`parse_price`), whole numbers, times.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from lqplan.errors import Diagnostic, InputError, Severity, display_path
from lqplan.io.yamlio import MAX_BYTES

# What a cell holds: text from a CSV; from a worksheet also numbers, booleans and dates.
Cell = str | int | float | bool | datetime | date | time | timedelta | None

DELIMITERS = (",", "\t", ";")  # in the order a tie is settled
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SHEET_SUFFIXES = (".xlsx", ".xlsm")
MAX_ROWS = 1_000_000  # Excel's own limit is 1,048,576; a sheet past it is not a product list


@dataclass(frozen=True)
class CellDiagnostic(Diagnostic):
    """A problem in a worksheet's cell: `line` and `column` are its row and column numbers,
    and the message names the cell as spreadsheets do (`products.xlsx:Sheet1!C7: error: ...`)."""

    cell: str = ""  # Sheet1!C7

    def format(self) -> str:
        """The line a user reads: `file:Sheet!C7: severity: path: message`."""
        subject = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.cell}: {self.severity}: {subject}{self.message}"


@dataclass(frozen=True)
class Row:
    """One row of a table: where it starts (1-based line or row number), its cells and the
    (line, column) of each cell."""

    line: int
    cells: tuple[Cell, ...]
    places: tuple[tuple[int, int], ...]

    def place(self, index: int) -> tuple[int, int]:
        """(line, column) of cell `index`; past the row's last cell, where the row ends."""
        if index < len(self.places):
            return self.places[index]
        return self.places[-1] if self.places else (self.line, 1)

    @property
    def blank(self) -> bool:
        """Whether every cell is empty (spreadsheets leave blank rows at the end)."""
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


@dataclass(frozen=True)
class Table:
    """A table read from a file: its rows, and how it was read (for messages)."""

    file: str  # the file's name as messages show it
    rows: tuple[Row, ...]
    sheet: str | None = None  # the worksheet's name; None for a text table
    encoding: str = ""  # a text table's encoding, as detected
    delimiter: str = ""  # a text table's separator, as sniffed
    problems: tuple[Diagnostic, ...] = field(default=())  # syntax errors met while reading

    def diagnostic(
        self,
        where: tuple[int, int],
        message: str,
        path: str = "",
        severity: Severity = "error",
    ) -> Diagnostic:
        """A problem at (line, column) of this table: a worksheet names the cell."""
        line, column = where
        if self.sheet is None:
            return Diagnostic(self.file, line, column, severity, path, message)
        cell = f"{sheet_ref(self.sheet)}!{column_letters(column)}{line}"
        return CellDiagnostic(self.file, line, column, severity, path, message, cell)


def column_letters(column: int) -> str:
    """A 1-based column number as a spreadsheet names it: 1 -> A, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters or "A"


def sheet_ref(name: str) -> str:
    """A sheet's name as a cell reference spells it: quoted when it holds spaces or symbols."""
    if name.replace("_", "").isalnum():
        return name
    return "'" + name.replace("'", "''") + "'"


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read `path` as a table by its suffix (.xlsx, or .csv/.tsv/.txt); InputError naming the
    file when it is unreadable, of another kind or not a table. `sheet` picks a worksheet by name
    (default: the first)."""
    name = display_path(path)
    suffix = path.suffix.lower()
    if suffix not in SHEET_SUFFIXES + TEXT_SUFFIXES:
        kind = f"a {suffix} file" if suffix else "a file without a suffix"
        raise InputError(
            [Diagnostic(name, message=f"cannot read {kind}: save it as .xlsx, .csv or .tsv")]
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Diagnostic(name, message=f"cannot read file: {exc.strerror}")]) from None
    _check_size(name, size)
    if suffix in SHEET_SUFFIXES:
        return read_workbook(path, name, sheet)
    if sheet is not None:
        raise InputError([Diagnostic(name, message="--sheet is for .xlsx workbooks")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Diagnostic(name, message=f"cannot read file: {exc.strerror}")]) from None
    return parse_text_table(raw, name, "\t" if suffix == ".tsv" else ",")


# --- cells --------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:us\$|hk\$|rmb|cny|usd|eur|gbp|jpy|[¥$€£])|(?:元|块|rmb|cny|usd|円)$")


def parse_price(value: Cell, what: str = "a price") -> int | float:
    """A price as shops write it: 49, "¥49", "$12.00", "1,299", "49元", "12,50" (a decimal
    comma), full-width digits; ValueError('"¥四十" is not a price') otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _whole(value, what)
    original = cell_text(value)
    text = unicodedata.normalize("NFKC", original).strip().lower()  # ￥ is ¥, ４９ is 49
    for _ in range(2):  # a symbol before and a unit after: "¥49元"
        text = _CURRENCY.sub("", text).strip()
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # thousands: groups of three
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        raise ValueError(f'"{original}" is not {what}')
    return _whole(float(text), what)


def parse_number(value: Cell) -> int | float:
    """A figure such as units or viewers, whole or not: 1234, "1,234.5", "12件"."""
    if isinstance(value, str):
        value = re.sub(r"(件|个|份|单|人|pcs)$", "", value.strip())
    return parse_price(value, "a number")


def parse_count(value: Cell) -> int:
    """A whole number: 300, 300.0, "1,200", "300件"; ValueError otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise ValueError(f'"{value}" is not a whole number')
    original = cell_text(value)
    text = unicodedata.normalize("NFKC", original).strip().lower()
    text = re.sub(r"(件|个|份|套|pcs|units?)$", "", text).strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"\d{1,12}", text):
        raise ValueError(f'"{original}" is not a whole number')
    return int(text)


def parse_time_cell(value: Cell) -> str:
    """A clock time as ACTUALS takes it ("HH:MM" or "HH:MM:SS"), from a worksheet's time or
    date-time, an order time "2026-12-03 20:15:42" or a text time; other text is kept for the
    model to refuse with its own message."""
    if isinstance(value, datetime):
        value = value.time()
    if isinstance(value, time):
        seconds = f":{value.second:02d}" if value.second else ""
        return f"{value.hour:02d}:{value.minute:02d}{seconds}"
    if isinstance(value, float) and 0 <= value < 1:  # a time of day stored as a fraction
        total = round(value * 86400)
        return parse_time_cell(time(total // 3600 % 24, total // 60 % 60, total % 60))
    text = cell_text(value).strip()
    match = re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T](\d{1,2}:\d{2}(?::\d{2})?)", text)
    return match.group(1) if match else text


def _whole(number: float, what: str) -> int | float:
    if not math.isfinite(number):
        raise ValueError(f'"{number}" is not {what}')
    return int(number) if float(number).is_integer() else float(number)


def cell_text(value: Cell) -> str:
    """A cell as text: a code stored as a number keeps its digits (10023.0 is "10023")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# --- text tables ---------------------------------------------------------------------------------


def _check_size(file: str, size: int) -> None:
    """InputError for a file past lqplan's size limit (that of the YAML files)."""
    if size > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        message = f"file is {size / 1e6:.0f} MB; the limit is {limit} MiB"
        raise InputError([Diagnostic(file, message=message)])


def decode_table(raw: bytes, file: str) -> tuple[str, str]:
    """(text, encoding) of a text table: UTF-8 with or without a byte-order mark, UTF-16 with
    one, else GB18030 (a superset of GBK and GB2312). InputError at the first byte that none of
    them reads, or at a NUL byte (UTF-16 without a byte-order mark is not guessed at)."""
    _check_size(file, len(raw))
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in raw:
        at = raw.index(b"\x00")
        before = raw[:at]
        raise _nul(file, before.count(b"\n") + 1, at - (before.rfind(b"\n") + 1) + 1)
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _bad_byte(raw, file, exc.start, encoding) from None
    if encoding == "gb18030" and any(_private(c) for c in text):
        # GBK's user-defined areas decode to private-use characters: a file in another
        # encoding (Latin-1, Big5...) that GB18030 happened to read without an error.
        at = next(i for i, c in enumerate(text) if _private(c))
        start = len(text[:at].encode("gb18030"))
        raise _bad_byte(raw, file, start, encoding)
    if "\x00" in text:  # UTF-16 text holds none; a NUL in it is a binary file
        raise _nul(file, *_text_place(text, text.index("\x00")))
    return text, encoding


def _nul(file: str, line: int, column: int) -> InputError:
    message = (
        "file contains a NUL byte (UTF-16 without a byte-order mark, or not a table?); "
        "save it as UTF-8"
    )
    return InputError([Diagnostic(file, line, column, "error", "", message)])


def _private(char: str) -> bool:
    return unicodedata.category(char) == "Co"


def _text_place(text: str, at: int) -> tuple[int, int]:
    """1-based line and column of character `at`."""
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _bad_byte(raw: bytes, file: str, start: int, encoding: str) -> InputError:
    before = raw[:start]
    line = before.count(b"\n") + 1
    column = start - (before.rfind(b"\n") + 1) + 1
    read_as = "UTF-8 or GB18030/GBK" if encoding in ("utf-8", "gb18030") else encoding.upper()
    byte = f"byte 0x{raw[start]:02x}" if start < len(raw) else "an incomplete character"
    return InputError(
        [
            Diagnostic(
                file,
                line,
                column,
                "error",
                "",
                f"file is not {read_as} ({byte}); save it as UTF-8",
            )
        ]
    )


def sniff_delimiter(text: str, prefer: str = ",") -> str:
    """The separator of a text table: whichever of `,` tab `;` its first non-blank line holds
    most often outside quotes; `prefer` when it ties or the line holds none."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(counts.values())
    if best == 0 or counts.get(prefer, 0) == best:
        return prefer
    return next(d for d in DELIMITERS if counts[d] == best)


def parse_text_table(raw: bytes, file: str, prefer: str = ",") -> Table:
    """A text table from its bytes: encoding detected, separator sniffed, every cell placed."""
    text, encoding = decode_table(raw, file)
    delimiter = sniff_delimiter(text, prefer)
    # The reader and the places split lines the same way (StringIO with newline="": \n, \r\n
    # and \r), so that a row's line numbers are the reader's own.
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[Row] = []
    problems: list[Diagnostic] = []
    done = 0  # lines the reader has consumed
    try:
        for cells in reader:
            first, done = done + 1, reader.line_num
            places = record_places(lines[first - 1 : done], first, delimiter)
            rows.append(Row(first, tuple(cells), places))
            if len(rows) > MAX_ROWS:
                problems.append(Diagnostic(file, first, 1, "error", "", _too_many_rows()))
                break
    except csv.Error as exc:
        problems.append(Diagnostic(file, done + 1, 1, "error", "", f"invalid CSV: {exc}"))
    return Table(file, tuple(rows), None, encoding, delimiter, tuple(problems))


def record_places(lines: Sequence[str], first: int, delimiter: str) -> tuple[tuple[int, int], ...]:
    """(line, column) where each cell of one record starts; `lines` are the record's own lines
    (more than one when a quoted cell holds a line break), the first of them line `first`.
    Reads each character once, so that a table's places cost as much as reading it."""
    places = [(first, 1)]
    quoted = False
    for offset, line in enumerate(lines):
        for pos, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == delimiter and not quoted:
                places.append((first + offset, pos + 2))
    return tuple(places)


def _too_many_rows() -> str:
    return f"more than {MAX_ROWS:,} rows; split the file"


# --- workbooks -----------------------------------------------------------------------------------


def read_workbook(path: Path, file: str, sheet: str | None = None) -> Table:
    """A worksheet of an .xlsx workbook (openpyxl in read-only mode, formulas as their last
    computed values): the first, or the one named `sheet`."""
    # Imported here: only `lqplan import` pays for openpyxl's start-up.
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputError(
            [Diagnostic(file, message=f"not an .xlsx workbook ({_reason(exc)})")]
        ) from None
    try:
        names = [s.title for s in book.worksheets]
        if not names:
            raise InputError([Diagnostic(file, message="the workbook has no worksheet")])
        if sheet is not None and sheet not in names:
            raise InputError(
                [Diagnostic(file, message=f"no sheet {sheet!r}; sheets: {', '.join(names)}")]
            )
        title = sheet if sheet is not None else names[0]
        worksheet = book[title]
        # Some writers record wrong dimensions; read-only mode would cut the rows to them.
        worksheet.reset_dimensions()
        rows: list[Row] = []
        problems: list[Diagnostic] = []
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), 1):
            if number > MAX_ROWS:
                problems.append(Diagnostic(file, number, 1, "error", "", _too_many_rows()))
                break
            cells = tuple(_sheet_cell(v) for v in values)
            rows.append(Row(number, cells, tuple((number, i + 1) for i in range(len(cells)))))
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise InputError(
            [Diagnostic(file, message=f"cannot read the workbook ({_reason(exc)})")]
        ) from None
    finally:
        book.close()
    return Table(file, tuple(rows), title, problems=tuple(problems))


def _sheet_cell(value: object) -> Cell:
    """A worksheet's value as a Cell: numbers, text, booleans and dates as they are; rich text as
    its text; anything else (a formula never computed) as its text too."""
    if value is None or isinstance(value, str | bool | int | float | date | time | timedelta):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _reason(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
