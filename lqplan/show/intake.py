"""`lqplan import`: a product, stock or sales sheet (lqplan/io/sheets.py) as catalog.yaml,
stock.yaml or an ACTUALS file.

The header names each column's field (lqplan/show/headers.py). Cells are read by what their
field holds: prices as written in shops ("¥49", "$12.00", "1,299", "49元"), whole numbers, clock
times, roles in Chinese. Every problem is reported at its cell; the rows are then checked with the
files' own pydantic models, so that what is written validates. Columns with no field are not
lost: each row keeps them in a comment.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lqplan.errors import Diagnostic, DiagnosticList, InputError
from lqplan.io.sheets import (
    Cell,
    Row,
    Table,
    cell_text,
    column_letters,
    parse_count,
    parse_number,
    parse_price,
    parse_time_cell,
    read_table,
)
from lqplan.io.yamlio import Document
from lqplan.live.actuals import Actuals, CsvRecord, actuals_document
from lqplan.show.fields import ROLES
from lqplan.show.headers import (
    COLUMNS,
    FILE_NAMES,
    REQUIRED,
    Columns,
    Kind,
    Value,
    find_header,
    map_header,
    read_map,
)
from lqplan.show.model import Catalog, Product, Stock, StockItem
from lqplan.show.validate import _pydantic_diagnostics

# A sheet without roles plans every product as a profit item (no traffic or hero slot is
# assumed): the mildest reading, said in the file and as a warning.
_ROLE_DEFAULT = "profit"
_ROLE_WORDS = {
    "引流": "traffic", "引流款": "traffic", "福利": "welfare", "福利款": "welfare",
    "承接": "bridge", "承接款": "bridge", "过渡款": "bridge", "主推": "hero", "主推款": "hero",
    "爆款": "hero", "利润": "profit", "利润款": "profit", "形象": "image", "形象款": "image",
    "测款": "test", "测试款": "test",
}  # fmt: skip


@dataclass(frozen=True)
class Imported:
    """What an import makes: {file name: text} and the warnings met (nothing is written yet)."""

    files: dict[str, str]
    warnings: list[Diagnostic]
    rows: int  # the rows read into the file (products, stock rows, actuals records)
    table: Table = field(repr=False)


# --- reading cells -------------------------------------------------------------------------------


def _read(value: Value, cell: Cell) -> Any:
    """A non-empty cell as its field takes it; ValueError with the message for the user."""
    if value == "price":
        return parse_price(cell)
    if value == "count":
        return parse_count(cell)
    if value == "number":
        return parse_number(cell)
    if value == "clock":
        return parse_time_cell(cell)
    text = cell_text(cell).strip()
    if value == "role":
        word = unicodedata.normalize("NFKC", text).strip()
        return _ROLE_WORDS.get(word, word.lower() if word.lower() in ROLES else word)
    if value == "record":
        return text.lower()
    if value == "list":
        return [t for t in (p.strip() for p in re.split(r"[,，、;；|\n]", text)) if t]
    if value == "points":
        return [{"point": t.strip()} for t in text.splitlines() if t.strip()]
    return text


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- the rows ------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """The rows of a sheet read into entries of one kind, with where each value came from."""

    table: Table
    kind: Kind
    columns: Columns
    problems: DiagnosticList
    entries: list[dict[str, Any]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    extras: list[dict[str, str]] = field(default_factory=list)
    places: list[dict[str, tuple[int, int]]] = field(default_factory=list)
    failed: set[tuple[int, str]] = field(default_factory=set)  # (entry, field) reported already

    def read(self, data_rows: list[Row]) -> None:
        """Read each non-blank row: its fields' values, its other columns as text."""
        value_of = COLUMNS[self.kind]
        for row in data_rows:
            if row.blank:
                continue
            index = len(self.entries)
            entry: dict[str, Any] = {}
            extras: dict[str, str] = {}
            places: dict[str, tuple[int, int]] = {}
            for i, cell in enumerate(row.cells):
                target = self.columns.fields[i] if i < len(self.columns.fields) else None
                if target is None:
                    if not _blank(cell) and i not in self.columns.skipped:
                        extras[self._header(i)] = cell_text(cell).strip()
                    continue
                places.setdefault(target, row.place(i))
                if _blank(cell):
                    continue
                value = value_of[target][0]
                try:
                    got = _read(value, cell)
                except ValueError as exc:
                    self.problems.add(self.table.diagnostic(row.place(i), str(exc), target))
                    self.failed.add((index, target))
                    continue
                if value == "points":
                    entry.setdefault(target, []).extend(got)
                else:
                    entry[target] = got
            self.entries.append(entry)
            self.rows.append(row)
            self.extras.append(extras)
            self.places.append(places)

    def _header(self, i: int) -> str:
        headers = self.columns.headers
        return headers[i] if i < len(headers) and headers[i] else f"column {column_letters(i + 1)}"

    def require(self, names: tuple[str, ...]) -> None:
        """An empty cell under a column every row needs is an error at the cell."""
        for index, entry in enumerate(self.entries):
            for name in names:
                if name not in entry and (index, name) not in self.failed:
                    place = self.places[index].get(name, (self.rows[index].line, 1))
                    self.problems.add(
                        self.table.diagnostic(place, "empty; every row needs one", name)
                    )
                    self.failed.add((index, name))

    def document(self, key: str) -> Document:
        """The entries as a located document under `key` (for the models' messages)."""
        doc = Document(self.table.file, {key: self.entries})
        doc.value_marks[()] = doc.value_marks[(key,)] = (self.rows[0].line, 1)
        for index, places in enumerate(self.places):
            doc.value_marks[(key, index)] = (self.rows[index].line, 1)
            for name, place in places.items():
                doc.value_marks[(key, index, name)] = doc.key_marks[(key, index, name)] = place
        return doc

    def check(
        self, kind: str, doc: Document, validate: Callable[[], object], by_entry: bool = True
    ) -> None:
        """Run a model over the document; its problems at their cells, except (`by_entry`: the
        document's list is the sheet's entries) those of a value already reported: a price that
        did not read is not also 'missing'."""
        try:
            validate()
        except ValidationError as exc:
            for d in _pydantic_diagnostics(kind, doc, exc):
                if by_entry and _entry_field(d.path) in self.failed:
                    continue
                self.problems.add(
                    self.table.diagnostic((d.line, d.column), d.message, _short(d.path))
                )


def _entry_field(path: str) -> tuple[int, str]:
    """(entry, field) of a message's path such as `products[3].live_price`."""
    match = re.match(r"\w+\[(\d+)\]\.?(\w*)", path)
    return (int(match.group(1)), match.group(2)) if match else (-1, "")


def _short(path: str) -> str:
    """A message's path without its row: the cell says which row (`products[3].x` is `x`)."""
    return re.sub(r"^\w+\[\d+\]\.?", "", path)


def _duplicates(sheet: _Sheet, name: str, what: str) -> None:
    """A SKU on two rows is an error at the second."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(sheet.entries):
        value = entry.get(name)
        if not isinstance(value, str):
            continue
        if value in seen:
            first = sheet.rows[seen[value]].line
            sheet.problems.add(
                sheet.table.diagnostic(
                    sheet.places[index][name], f"{value!r} is on row {first} too ({what})", name
                )
            )
        seen.setdefault(value, index)


# --- the kinds -----------------------------------------------------------------------------------


def import_table(kind: Kind, table: Table, mapping: dict[str, str] | None = None) -> Imported:
    """Map `table` onto `kind`'s file; InputError listing every problem at its cell."""
    mapping = mapping or {}
    problems = DiagnosticList()
    problems.extend(table.problems)
    header = find_header(table, kind, mapping)
    if header is None:
        raise InputError([*table.problems, table.diagnostic((1, 1), "the sheet is empty")])
    columns = map_header(table, header, kind, mapping, problems)
    problems.raise_if_errors()
    sheet = _Sheet(table, kind, columns, problems)
    sheet.read([r for r in table.rows if r.line > header.line])
    if not sheet.entries:
        problems.add(table.diagnostic(header.place(0), "no rows under the header"))
        problems.raise_if_errors()
    warnings: list[Diagnostic] = []
    kept = _kept(columns)
    if kept:
        listed = ", ".join(f"{columns.headers[i]} ({column_letters(i + 1)})" for i in kept)
        warnings.append(
            table.diagnostic(
                header.place(kept[0]),
                f"no field of {FILE_NAMES[kind]} for {listed}: kept as a comment on each row "
                "(name a field for a column with --map)",
                severity="warning",
            )
        )
    build = {"catalog": _catalog, "stock": _stock, "actuals": _actuals}[kind]
    text, note = build(sheet)
    problems.raise_if_errors()
    if note:
        warnings.append(table.diagnostic(header.place(0), note, severity="warning"))
    return Imported({FILE_NAMES[kind]: text}, warnings, len(sheet.entries), table)


def import_sheet(
    kind: Kind, path: Path, map_file: Path | None = None, sheet: str | None = None
) -> Imported:
    """Read `path` (.xlsx, .csv, .tsv) and map it onto `kind`'s file (`lqplan import`)."""
    mapping = read_map(map_file, kind) if map_file is not None else {}
    return import_table(kind, read_table(path, sheet), mapping)


def _catalog(sheet: _Sheet) -> tuple[str, str]:
    note = ""
    if "role" not in sheet.columns.fields:
        note = (
            f"no role column: every product is a {_ROLE_DEFAULT} item; set `role` per product "
            f"({', '.join(ROLES)})"
        )
        for entry in sheet.entries:
            entry["role"] = _ROLE_DEFAULT
    sheet.require(REQUIRED["catalog"] + ("role",))  # given by the column, else defaulted
    _duplicates(sheet, "sku", "a SKU is one product")
    doc = sheet.document("products")
    sheet.check("catalog", doc, lambda: Catalog.model_validate(doc.data))
    for i, entry in enumerate(sheet.entries):
        _price_order(sheet, i, entry)
    header = _file_header(sheet, "products") + (f"# {note}\n" if note else "")
    body = "products:\n"
    order = list(Product.model_fields)
    for entry, extras, row in zip(sheet.entries, sheet.extras, sheet.rows, strict=True):
        item = {k: entry[k] for k in order if k in entry}
        lines = dump_yaml([item], flow=False).splitlines()
        body += "".join(f"  {line}\n" for line in lines)
        if extras:
            body += f"    # row {row.line}: {_comment(extras)}\n"
    return header + body, note


def _price_order(sheet: _Sheet, index: int, entry: dict[str, Any]) -> None:
    """A live price above the list price is an error (as `lqplan validate` says)."""
    live, listed = entry.get("live_price"), entry.get("list_price")
    if isinstance(live, int | float) and isinstance(listed, int | float) and live > listed:
        place = sheet.places[index]["live_price"]
        message = f"{live:g} is above the list price {listed:g}"
        sheet.problems.add(sheet.table.diagnostic(place, message, "live_price"))


def _stock(sheet: _Sheet) -> tuple[str, str]:
    sheet.require(REQUIRED["stock"])
    _duplicates(sheet, "sku", "a SKU has one stock row")
    doc = sheet.document("stock")
    sheet.check("stock", doc, lambda: Stock.model_validate(doc.data))
    order = list(StockItem.model_fields)
    body = "stock:\n"
    for entry, extras, row in zip(sheet.entries, sheet.extras, sheet.rows, strict=True):
        item = {k: entry[k] for k in order if k in entry}
        comment = f"  # row {row.line}: {_comment(extras)}" if extras else ""
        body += f"  - {dump_yaml(item).strip()}{comment}\n"
    return _file_header(sheet, "stock rows") + body, ""


def _actuals(sheet: _Sheet) -> tuple[str, str]:
    has_record = "record" in sheet.columns.fields
    records: list[CsvRecord] = []
    for index, (entry, row) in enumerate(zip(sheet.entries, sheet.rows, strict=True)):
        places = sheet.places[index]
        if any(i == index for i, _name in sheet.failed):
            continue  # its cell is reported; the rest of the row is not read without it
        kind = entry.get("record") if has_record else _record_kind(entry)
        if kind is None:
            sheet.problems.add(
                sheet.table.diagnostic(
                    (row.line, 1),
                    "cannot tell what this row records: a sale needs a SKU, a segment end or "
                    "minutes, a viewer reading viewers; or give a `record` column",
                )
            )
            continue
        cells = {k: (v, places[k]) for k, v in entry.items()}
        cells["record"] = (kind, places.get("record", (row.line, 1)))
        records.append(CsvRecord(row.line, cells))
    doc = actuals_document(sheet.table.file, records, sheet.problems)
    # The rows with a cell reported were left out, and the lists are by record kind.
    sheet.check("actuals", doc, lambda: Actuals.model_validate(doc.data), by_entry=False)
    # Comments follow the records into the YAML form: each list entry remembers its row.
    by_line = {row.line: extras for row, extras in zip(sheet.rows, sheet.extras, strict=True)}
    body = ""
    for key, value in doc.data.items():
        if isinstance(value, dict):
            body += f"{key}:\n"
            for sku, units in value.items():
                line = doc.value_marks[(key, sku)][0]
                extras = by_line.get(line)
                comment = f"  # row {line}: {_comment(extras)}" if extras else ""
                body += f"  {dump_yaml({sku: units}).strip()[1:-1]}{comment}\n"
            continue
        body += f"{key}:\n"
        for i, item in enumerate(value):
            line = doc.value_marks[(key, i)][0]
            extras = by_line.get(line)
            comment = f"  # row {line}: {_comment(extras)}" if extras else ""
            body += f"  - {dump_yaml(item).strip()}{comment}\n"
    return _file_header(sheet, "records") + body, ""


def _record_kind(entry: dict[str, Any]) -> str | None:
    """What a row of an export without a `record` column is: a segment (it has an end or
    minutes), a sale (a SKU), else a viewer reading."""
    if "sku" in entry and ("end" in entry or "minutes" in entry):
        return "segment"
    if "sku" in entry:
        return "sale"
    if "viewers" in entry and "at" in entry:
        return "viewers"
    return None


# --- writing -------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting every string that lqplan's YAML 1.2 reader (or a person)
    could take for a number, a time, a boolean or null."""


_AMBIGUOUS = re.compile(r"[-+.\d].*|~|null|true|false|yes|no|on|off|y|n|", re.IGNORECASE)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _AMBIGUOUS.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(value: Any, *, flow: bool = True) -> str:
    """`value` as YAML text (one flow line, or block style), deterministic, Chinese kept."""
    return yaml.dump(
        value,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=flow,
        width=10**6,
    )


def _kept(columns: Columns) -> list[int]:
    """The columns with a header and no field: each row keeps them in a comment."""
    return [
        i
        for i, header in enumerate(columns.headers)
        if header and columns.fields[i] is None and i not in columns.skipped
    ]


def _comment(extras: dict[str, str]) -> str:
    """A row's other columns as one comment line: JSON, so that nothing is lost."""
    return json.dumps(extras, ensure_ascii=False)


def _file_header(sheet: _Sheet, what: str) -> str:
    table = sheet.table
    source = Path(table.file).name + (f" (sheet {table.sheet})" if table.sheet else "")
    text = f"# Imported by lqplan import {sheet.kind} from {source}: {len(sheet.entries)} {what}.\n"
    kept = _kept(sheet.columns)
    if kept:
        text += f"# Columns kept as comments: {', '.join(sheet.columns.headers[i] for i in kept)}\n"
    return text


__all__ = ["Imported", "dump_yaml", "import_sheet", "import_table"]
