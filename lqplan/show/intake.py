"""`lqplan import`: a product, stock or sales sheet (lqplan/io/sheets.py) as catalog.yaml,
stock.yaml or an ACTUALS file.

Headers are matched in Chinese or English by their aliases (COLUMNS), after NFKC and with a
unit in brackets dropped (`直播价（元）` is `直播价`); a MAP file (`--map`, YAML `header: field`)
names any other. Cells are read by what their field holds: prices as written in shops ("¥49",
"$12.00", "1,299", "49元"), whole numbers, clock times, roles in Chinese. Every problem is
reported at its cell; the rows are then checked with the files' own pydantic models, so that
what is written validates. Columns with no field are not lost: each row keeps them in a comment.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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
from lqplan.show.load import read_yaml
from lqplan.show.model import Catalog, Product, Stock, StockItem
from lqplan.show.validate import _pydantic_diagnostics

Kind = Literal["catalog", "stock", "actuals"]
KINDS: tuple[Kind, ...] = ("catalog", "stock", "actuals")
SKIP = "skip"  # a MAP file's field for a column to leave out, comment and all

# What a field's cells hold, and so how they are read.
Value = Literal[
    "code", "text", "price", "count", "number", "clock", "role", "list", "points", "record"
]

# field -> (what it holds, aliases separated by |); an alias matches a header after _normal().
_SKU = (
    "商品编码|货号|商品货号|商家编码|款号|编码|sku编码|规格编码|商品sku|item code|product code|code"
)
_COLUMNS: dict[Kind, dict[str, tuple[Value, str]]] = {
    "catalog": {
        "sku": ("code", _SKU),
        "name": (
            "text",
            "商品名称|名称|标题|商品标题|品名|product name|title|product|item name|item",
        ),
        "brand": ("text", "品牌|品牌名称|brand name"),
        "category": ("text", "类目|商品类目|分类|品类|类别|一级类目"),
        "role": ("role", "角色|定位|商品定位|货盘角色|款式定位"),
        "list_price": (
            "price",
            "划线价|原价|吊牌价|市场价|标价|零售价|list price|msrp|rrp|"
            "regular price|original price",
        ),
        "live_price": ("price", "直播价|到手价|活动价|直播间价格|售价|live price|sale price|price"),
        "unit_cost": ("price", "成本|成本价|进价|采购价|unit cost|cost|cost price"),
        "cart_link": (
            "count",
            "链接号|购物车序号|小黄车序号|上车序号|cart link|link no|link number",
        ),
        "usage_scene": ("text", "使用场景|场景|usage scene"),
        "tags": ("list", "标签"),
        "gifts": ("list", "赠品"),
        "selling_points": (
            "points",
            "卖点|卖点1|卖点2|卖点3|selling points|selling point|selling point 1|selling point 2|"
            "selling point 3",
        ),
    },
    "stock": {
        "sku": ("code", _SKU),
        "units": (
            "count",
            "库存|可售库存|库存数量|可用库存|现货库存|直播库存|"
            "stock|qty|quantity|available|on hand",
        ),
        "per_buyer_limit": (
            "count",
            "每人限购|限购|限购数量|per buyer limit|limit per buyer|purchase limit|max per buyer",
        ),
        "batch_size": ("count", "放量|每次放量|分批放量|batch size|batch"),
    },
    "actuals": {
        "record": ("record", "记录|记录类型|类型|type"),
        "sku": ("code", _SKU),
        "at": (
            "clock",
            "时间|下单时间|支付时间|订单时间|成交时间|开始时间|"
            "time|order time|paid at|start|minute",
        ),
        "end": ("clock", "结束时间|end time"),
        "minutes": ("count", "时长|讲解时长|duration"),
        "promotion": ("code", "活动|活动id|promotion id"),
        "units": ("number", "数量|件数|成交件数|销量|购买数量|商品数量|quantity|qty|units sold"),
        "gmv": ("price", "成交金额|实付金额|销售额|支付金额|成交额|amount|paid|sales|revenue"),
        "orders": ("number", "订单数|成交订单数|订单量|order count"),
        "viewers": ("number", "在线人数|实时在线人数|同时在线人数|在线|concurrent viewers|online"),
        "reason": ("text", "原因|下架原因"),
        "id": ("code", "福袋id|bag id"),
        "number": ("count", "序号|segment number"),
        "note": ("text", "备注|notes|remark|remarks"),
    },
}
# kind -> field -> (what it holds, the aliases after the field's own name)
COLUMNS: dict[Kind, dict[str, tuple[Value, tuple[str, ...]]]] = {
    kind: {name: (value, tuple(words.split("|"))) for name, (value, words) in fields.items()}
    for kind, fields in _COLUMNS.items()
}
FILE_NAMES: dict[Kind, str] = {
    "catalog": "catalog.yaml",
    "stock": "stock.yaml",
    "actuals": "actuals.yaml",
}
# What each kind needs a column for; a product's role defaults (see _ROLE_DEFAULT).
_REQUIRED: dict[Kind, tuple[str, ...]] = {
    "catalog": ("sku", "name", "category", "list_price", "live_price", "unit_cost"),
    "stock": ("sku", "units"),
    "actuals": (),
}
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


# --- headers -------------------------------------------------------------------------------------


def _normal(header: str) -> str:
    """A header as aliases are matched: NFKC, lower case, a bracketed unit and `*` dropped,
    `_` and runs of spaces as one space."""
    text = unicodedata.normalize("NFKC", header).strip().strip("*").strip().lower()
    text = re.sub(r"\s*[(\[][^)\]]*[)\]]\s*$", "", text)  # 直播价(元), price [USD]
    return re.sub(r"[\s_]+", " ", text).strip()


def aliases(kind: Kind) -> dict[str, str]:
    """normalised header -> field, for `kind`."""
    out: dict[str, str] = {}
    for name, (_value, words) in COLUMNS[kind].items():
        for word in (name, *words):
            out.setdefault(_normal(word), name)
    return out


def read_map(path: Path, kind: Kind) -> dict[str, str]:
    """A MAP file: a YAML mapping `header: field` (or `skip`); InputError at its lines."""
    doc = read_yaml(path)
    fields = [*COLUMNS[kind], SKIP]
    if not isinstance(doc.data, dict):
        line, column = doc.locate(())
        message = "expected a mapping of `header: field`"
        raise InputError([Diagnostic(doc.file, line, column, "error", "", message)])
    problems = DiagnosticList()
    out: dict[str, str] = {}
    for header, target in doc.data.items():
        line, column = doc.locate((header,))
        if not isinstance(target, str) or target not in fields:
            close = difflib.get_close_matches(str(target), fields, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            message = f"{target!r} is not a field of {kind}{hint}; fields: {', '.join(fields)}"
            problems.add(Diagnostic(doc.file, line, column, "error", str(header), message))
            continue
        out[_normal(str(header))] = target
    problems.raise_if_errors()
    return out


def _header_row(table: Table, kind: Kind, mapping: dict[str, str]) -> Row | None:
    """The header: among the first rows, the one naming most fields (a title row above it is
    common in exports); else the first non-blank row."""
    names = {**aliases(kind), **mapping}
    best, best_count = None, 0
    rows = [r for r in table.rows if not r.blank][:20]
    for row in rows:
        count = sum(_normal(cell_text(c)) in names for c in row.cells)
        if count > best_count:
            best, best_count = row, count
    return best or (rows[0] if rows else None)


@dataclass(frozen=True)
class _Columns:
    """What the header says: the field of each column (None: kept as a comment), the columns
    left out by the MAP file, and each header as written."""

    fields: list[str | None]
    headers: list[str]
    skipped: set[int]


def _map_header(
    table: Table, header: Row, kind: Kind, mapping: dict[str, str], problems: DiagnosticList
) -> _Columns:
    names = {**aliases(kind), **mapping}
    fields: list[str | None] = []
    headers: list[str] = []
    skipped: set[int] = set()
    first: dict[str, int] = {}
    for i, cell in enumerate(header.cells):
        text = cell_text(cell).strip()
        headers.append(text)
        target = names.get(_normal(text)) if text else None
        if target == SKIP:
            skipped.add(i)
            target = None
        if target is not None and target in first and COLUMNS[kind][target][0] != "points":
            other = first[target]
            problems.add(
                table.diagnostic(
                    header.place(i),
                    f"columns {column_letters(other + 1)} ({headers[other]}) and "
                    f"{column_letters(i + 1)} ({text}) are both {target}; "
                    f"say which in a MAP file (--map, `{text}: skip`)",
                )
            )
        if target is not None:
            first.setdefault(target, i)
        fields.append(target)
    for name in _REQUIRED[kind]:
        if name not in fields:
            words = ", ".join(COLUMNS[kind][name][1][:4])
            problems.add(
                table.diagnostic(
                    header.place(0),
                    f"no column for {name} (headers such as {words}); "
                    f"name its column in a MAP file (--map)",
                )
            )
    return _Columns(fields, headers, skipped)


# --- the rows ------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """The rows of a sheet read into entries of one kind, with where each value came from."""

    table: Table
    kind: Kind
    columns: _Columns
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
    header = _header_row(table, kind, mapping)
    if header is None:
        raise InputError([*table.problems, table.diagnostic((1, 1), "the sheet is empty")])
    columns = _map_header(table, header, kind, mapping, problems)
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
    sheet.require(_REQUIRED["catalog"])
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
    sheet.require(_REQUIRED["stock"])
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


def _kept(columns: _Columns) -> list[int]:
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


__all__ = [
    "COLUMNS",
    "KINDS",
    "Imported",
    "aliases",
    "dump_yaml",
    "import_sheet",
    "import_table",
    "parse_count",
    "parse_price",
    "parse_time_cell",
    "read_map",
]


# --- lqplan init --from --------------------------------------------------------------------------


def starter_files(
    path: Path, map_file: Path | None = None, sheet: str | None = None, language: str | None = None
) -> dict[str, str]:
    """{relative path: text} of a new show folder whose catalog (and stock, when the sheet has a
    stock column) comes from a product sheet; show.yaml and audience.yaml are a sample's, less
    what names the sample's products (`lqplan init DIR --from FILE`)."""
    from lqplan.show.scaffold import DEFAULT_SAMPLE, scaffold_files

    catalog_map = read_map(map_file, "catalog") if map_file is not None else {}
    stock_map = read_map(map_file, "stock") if map_file is not None else {}
    table = read_table(path, sheet)
    catalog = import_table("catalog", table, catalog_map)
    header = _header_row(table, "stock", stock_map)
    has_stock = header is not None and any(
        {**aliases("stock"), **stock_map}.get(_normal(cell_text(c))) == "units"
        for c in header.cells
    )
    language = language or ("zh" if _has_cjk(table) else "en")
    sample = DEFAULT_SAMPLE[language]
    files = scaffold_files(sample, language)
    files.pop("stock.csv", None)
    files["catalog.yaml"] = catalog.files["catalog.yaml"]
    if has_stock:
        files["stock.yaml"] = import_table("stock", table, stock_map).files["stock.yaml"]
    else:
        files["stock.yaml"] = (
            f"# {Path(table.file).name} has no stock column: give each product's units here,\n"
            "# as `- {sku: SKU, units: 100}`; a product without stock does not air.\n"
            "stock: []\n"
        )
    files["show.yaml"] = _starter_show(files["show.yaml"], sample, Path(table.file).name)
    files["audience.yaml"] = _starter_audience(files["audience.yaml"], sample)
    return files


def _has_cjk(table: Table) -> bool:
    """Whether the sheet's first rows hold Chinese: its show's paperwork is then in Chinese."""
    for row in table.rows[:5]:
        for cell in row.cells:
            if any("\u4e00" <= char <= "\u9fff" for char in cell_text(cell)):
                return True
    return False


def _starter_show(text: str, sample: str, source: str) -> str:
    """The sample's show.yaml without its rules and promotions that name its products."""
    from lqplan.io.yamlio import parse_yaml

    data = parse_yaml(text, "show.yaml").data
    # The rules that are lists each name products (the sample's); the others are about roles,
    # categories and lengths, and hold for any catalog.
    data["rules"] = {k: v for k, v in data.get("rules", {}).items() if not isinstance(v, list)}
    data["promotions"] = [
        p for p in data.get("promotions", []) if "sku" not in p and "skus" not in p
    ]
    return (
        f"# yaml-language-server: $schema=.schemas/show.schema.json\n"
        f"# Started by lqplan init --from {source}: the title, date, times, hosts, team,\n"
        f"# rules and promotions are the {sample} sample's; make them this show's.\n"
        + dump_yaml(data, flow=False)
    )


def _starter_audience(text: str, sample: str) -> str:
    """The sample's audience.yaml without the affinities for the sample's categories and tags."""
    from lqplan.io.yamlio import parse_yaml

    data = parse_yaml(text, "audience.yaml").data
    for segment in data.get("segments", []):
        segment.pop("affinity", None)
        segment.pop("tag_affinity", None)
    return (
        "# yaml-language-server: $schema=.schemas/audience.schema.json\n"
        f"# The {sample} sample's viewers and curve: make them this room's (lqplan learn can).\n"
        + dump_yaml(data, flow=False)
    )


def init_from_sheet(
    target: Path,
    path: Path,
    map_file: Path | None = None,
    sheet: str | None = None,
    language: str | None = None,
) -> list[Path]:
    """Write a show folder started from a product sheet; refuse (exit 4) if a file exists."""
    from lqplan.io.write import write_files

    return write_files(starter_files(path, map_file, sheet, language), target, manifest=False)
