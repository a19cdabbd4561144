"""The headers of a sheet: which of lqplan's fields each column is.

Headers are matched in Chinese or English by their aliases (COLUMNS), after NFKC and with a
unit in brackets dropped (`直播价（元）` is `直播价`); a MAP file (`--map`, YAML `header: field`)
names any other, or leaves a column out (`skip`). lqplan/show/intake.py reads the rows.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lqplan.errors import Diagnostic, DiagnosticList, InputError
from lqplan.io.sheets import Row, Table, cell_text, column_letters
from lqplan.show.load import read_yaml

Kind = Literal["catalog", "stock", "actuals"]
KINDS: tuple[Kind, ...] = ("catalog", "stock", "actuals")
SKIP = "skip"  # a MAP file's field for a column to leave out, comment and all

# What a field's cells hold, and so how they are read.
Value = Literal[
    "code", "text", "price", "count", "number", "clock", "role", "list", "points", "record"
]

# field -> (what it holds, aliases separated by |); an alias matches a header after normal_header().
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
# What each kind needs a column for (a product's role has a default: intake.py).
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "catalog": ("sku", "name", "category", "list_price", "live_price", "unit_cost"),
    "stock": ("sku", "units"),
    "actuals": (),
}


def normal_header(header: str) -> str:
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
            out.setdefault(normal_header(word), name)
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
        out[normal_header(str(header))] = target
    problems.raise_if_errors()
    return out


def find_header(table: Table, kind: Kind, mapping: dict[str, str]) -> Row | None:
    """The header: among the first rows, the one naming most fields (a title row above it is
    common in exports); else the first non-blank row."""
    names = {**aliases(kind), **mapping}
    best, best_count = None, 0
    rows = [r for r in table.rows if not r.blank][:20]
    for row in rows:
        count = sum(normal_header(cell_text(c)) in names for c in row.cells)
        if count > best_count:
            best, best_count = row, count
    return best or (rows[0] if rows else None)


@dataclass(frozen=True)
class Columns:
    """What the header says: the field of each column (None: kept as a comment), the columns
    left out by the MAP file, and each header as written."""

    fields: list[str | None]
    headers: list[str]
    skipped: set[int]


def map_header(
    table: Table, header: Row, kind: Kind, mapping: dict[str, str], problems: DiagnosticList
) -> Columns:
    """The field of each column of `header`; two columns for one field, and a field every row
    needs without a column, are errors at the header."""
    names = {**aliases(kind), **mapping}
    fields: list[str | None] = []
    headers: list[str] = []
    skipped: set[int] = set()
    first: dict[str, int] = {}
    for i, cell in enumerate(header.cells):
        text = cell_text(cell).strip()
        headers.append(text)
        target = names.get(normal_header(text)) if text else None
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
    for name in REQUIRED[kind]:
        if name not in fields:
            words = ", ".join(COLUMNS[kind][name][1][:4])
            problems.add(
                table.diagnostic(
                    header.place(0),
                    f"no column for {name} (headers such as {words}); "
                    f"name its column in a MAP file (--map)",
                )
            )
    return Columns(fields, headers, skipped)
