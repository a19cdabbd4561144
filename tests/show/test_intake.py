"""lqplan/show/intake.py: sheets mapped onto catalog.yaml, stock.yaml and ACTUALS, every problem
at its cell, what has no field kept in comments, and files that read back as they were meant."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from lqplan.errors import InputError
from lqplan.io.yamlio import parse_yaml
from lqplan.live.actuals import read_actuals
from lqplan.show.intake import import_sheet
from lqplan.show.model import Catalog, Stock

ZH_HEADER = [
    "货号",
    "商品名称",
    "品牌",
    "类目",
    "划线价",
    "直播价（元）",
    "成本",
    "库存",
    "每人限购",
    "条码",
    "卖点1",
    "卖点2",
]
ZH_ROWS = [
    ["LIP-001", "丝绒口红", "栖花记", "lipstick", "¥129", "¥79", 30, 500, 2, 6901234567890,
     "显色", "持妆 8 小时"],
    [10023, "气垫粉底", "栖花记", "base", 199, "149元", "45.5", "1,200", None, "x", None, None],
]  # fmt: skip


def workbook(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    """An .xlsx with one worksheet holding `rows` from A1."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def text_file(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def loaded(text: str) -> dict:
    """A written file read back as lqplan reads show files (YAML 1.2, its own reader)."""
    return parse_yaml(text, "out.yaml").data


def errors(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_chinese_workbook_becomes_a_catalog(here):
    path = workbook(here / "products.xlsx", [["商品列表 2026-12"], ZH_HEADER, *ZH_ROWS])
    imported = import_sheet("catalog", path)
    text = imported.files["catalog.yaml"]
    products = Catalog.model_validate(loaded(text)).products
    got = [(p.sku, p.name, p.category, p.list_price, p.live_price, p.unit_cost) for p in products]
    assert got == [
        ("LIP-001", "丝绒口红", "lipstick", 129, 79, 30),
        ("10023", "气垫粉底", "base", 199, 149, 45.5),  # a code stored as a number keeps its digits
    ]  # fmt: skip
    assert [sp.point for sp in products[0].selling_points] == ["显色", "持妆 8 小时"]
    assert {p.role for p in products} == {"profit"}  # no role column: the mildest reading
    assert imported.rows == 2
    messages = [w.format() for w in imported.warnings]
    assert messages == [
        "products.xlsx:Sheet1!H2: warning: no field of catalog.yaml for 库存 (H), 每人限购 (I), "
        "条码 (J): kept as a comment on each row (name a field for a column with --map)",
        "products.xlsx:Sheet1!A2: warning: no role column: every product is a profit item; set "
        "`role` per product (traffic, welfare, bridge, hero, profit, image, test)",
    ]


def test_columns_without_a_field_are_kept_whole_in_comments(here):
    path = workbook(here / "products.xlsx", [ZH_HEADER, *ZH_ROWS])
    text = import_sheet("catalog", path).files["catalog.yaml"]
    kept = [json.loads(m) for m in re.findall(r"# row \d+: (\{.*\})", text)]
    assert kept == [
        {"库存": "500", "每人限购": "2", "条码": "6901234567890"},
        {"库存": "1,200", "条码": "x"},
    ]
    assert "# Columns kept as comments: 库存, 每人限购, 条码\n" in text


def test_english_headers_in_a_csv(here):
    path = text_file(
        here / "products.csv",
        "SKU,Product Name,Category,Role,List Price,Live Price ($),Unit Cost,Cart Link,Tags\n"
        'TEA-1,Oolong,tea,hero,$29.90,$24.90,9.5,2,"gift, winter"\n'
        "TEA-2,Green tea,tea,引流款,9.9,1.99,3.2,1,\n",
    )
    products = Catalog.model_validate(loaded(import_sheet("catalog", path).files["catalog.yaml"]))
    assert [(p.sku, p.role, p.live_price, p.cart_link, p.tags) for p in products.products] == [
        ("TEA-1", "hero", 24.9, 2, ["gift", "winter"]),
        ("TEA-2", "traffic", 1.99, 1, []),  # roles in Chinese too
    ]


def test_a_gbk_stock_export_with_semicolons(here):
    """The usual ERP export: GBK, and a separator the sniffer finds."""
    path = text_file(
        here / "库存.csv",
        "商家编码;可售库存;每人限购;放量;仓库\nLIP-001;1,200;2;100;杭州仓\nBASE-002;300件;;;\n",
        "gbk",
    )
    imported = import_sheet("stock", path)
    stock = Stock.model_validate(loaded(imported.files["stock.yaml"])).stock
    assert [(s.sku, s.units, s.per_buyer_limit, s.batch_size) for s in stock] == [
        ("LIP-001", 1200, 2, 100),
        ("BASE-002", 300, None, None),
    ]
    assert '# row 2: {"仓库": "杭州仓"}' in imported.files["stock.yaml"]


def test_a_map_file_names_other_headers_and_leaves_columns_out(here):
    path = text_file(
        here / "p.tsv",
        "Artikel\tBezeichnung\tKat\tUVP\tPreis\tEK\tintern\tFarbe\n"
        "A-1\tTasse\tcups\t12\t9\t3\tsecret\trot\n",
    )
    mapping = text_file(
        here / "map.yaml",
        "Artikel: sku\nBezeichnung: name\nKat: category\nUVP: list_price\nPreis: live_price\n"
        "EK: unit_cost\nintern: skip\n",
    )
    text = import_sheet("catalog", path, mapping).files["catalog.yaml"]
    product = Catalog.model_validate(loaded(text)).products[0]
    assert (product.sku, product.name, product.list_price, product.live_price) == (
        "A-1",
        "Tasse",
        12,
        9,
    )
    assert '{"Farbe": "rot"}' in text and "secret" not in text  # skipped, comment and all


def test_a_map_file_with_an_unknown_field_is_an_error_at_its_line(here):
    path = text_file(here / "p.csv", "a\n1\n")
    mapping = text_file(here / "map.yaml", "Artikel: sku\nPreis: live_prize\n")
    with pytest.raises(InputError) as exc:
        import_sheet("catalog", path, mapping)
    assert errors(exc) == [
        "map.yaml:2:8: error: Preis: 'live_prize' is not a field of catalog (did you mean "
        "'live_price'?); fields: sku, name, brand, category, role, list_price, live_price, "
        "unit_cost, cart_link, usage_scene, tags, gifts, selling_points, skip"
    ]


def test_every_problem_is_reported_at_its_cell_at_once(here):
    path = workbook(
        here / "products.xlsx",
        [
            ["货号", "商品名称", "类目", "角色", "划线价", "直播价", "成本", "链接号"],
            ["A-1", "口红", "lipstick", "hero", 129, "¥四十", 30, 1],
            ["A-2", None, "lipstick", "主推", 99, 89, 20, "二"],
            ["A-1", "眼影", "eye", "superstar", 59, 69, 10, 3],
            ["A 4", "粉底", "base", "profit", 199, 149, -5, 4],
        ],
    )
    with pytest.raises(InputError) as exc:
        import_sheet("catalog", path)
    assert errors(exc) == [
        'products.xlsx:Sheet1!F2: error: live_price: "¥四十" is not a price',
        "products.xlsx:Sheet1!B3: error: name: empty; every row needs one",
        'products.xlsx:Sheet1!H3: error: cart_link: "二" is not a whole number',
        "products.xlsx:Sheet1!A4: error: sku: 'A-1' is on row 2 too (a SKU is one product)",
        "products.xlsx:Sheet1!D4: error: role: Input should be 'traffic', 'welfare', 'bridge', "
        "'hero', 'profit', 'image' or 'test'",
        "products.xlsx:Sheet1!F4: error: live_price: 69 is above the list price 59",
        "products.xlsx:Sheet1!A5: error: sku: String should match pattern '^[^\\s/\\\\]+$'",
        "products.xlsx:Sheet1!G5: error: unit_cost: Input should be greater than or equal to 0",
    ]


def test_a_csv_names_line_and_column(here):
    path = text_file(
        here / "p.csv", "sku,name,category,list price,live price,cost\nA,x,c,10,¥四十,3\n"
    )
    with pytest.raises(InputError) as exc:
        import_sheet("catalog", path)
    assert errors(exc) == ['p.csv:2:10: error: live_price: "¥四十" is not a price']


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        # No column for a field every product needs.
        (
            [["货号", "商品名称", "类目", "划线价", "直播价"], ["A", "x", "c", 1, 1]],
            "products.xlsx:Sheet1!A1: error: no column for unit_cost (headers such as 成本, "
            "成本价, 进价, 采购价); name its column in a MAP file (--map)",
        ),
        # Two columns for one field.
        (
            [
                ["货号", "商品名称", "类目", "划线价", "直播价", "到手价", "成本"],
                ["A", "x", "c", 2, 1, 1, 1],
            ],
            "products.xlsx:Sheet1!F1: error: columns E (直播价) and F (到手价) are both "
            "live_price; say which in a MAP file (--map, `到手价: skip`)",
        ),
        # A header and nothing under it.
        (
            [["货号", "商品名称", "类目", "划线价", "直播价", "成本"]],
            "products.xlsx:Sheet1!A1: error: no rows under the header",
        ),
        ([], "products.xlsx:Sheet1!A1: error: the sheet is empty"),
    ],
)
def test_sheets_that_do_not_fit_the_file(here, rows, message):
    path = workbook(here / "products.xlsx", rows)
    with pytest.raises(InputError) as exc:
        import_sheet("catalog", path)
    assert errors(exc) == [message]


def test_strings_that_look_like_other_things_stay_strings(here):
    """SKUs and names a YAML reader could take for numbers, times or booleans are quoted."""
    path = text_file(
        here / "p.csv",
        "sku,name,category,list price,live price,cost\n0123,20:30,true,9,8,1\n1e5,null,no,9,8,1\n",
    )
    data = loaded(import_sheet("catalog", path).files["catalog.yaml"])
    assert [(p["sku"], p["name"], p["category"]) for p in data["products"]] == [
        ("0123", "20:30", "true"),
        ("1e5", "null", "no"),
    ]


def test_a_sales_export_becomes_actuals(here):
    """A platform's order export (no `record` column): a sale per order, at its order time."""
    path = workbook(
        here / "orders.xlsx",
        [
            ["订单编号", "下单时间", "商家编码", "购买数量", "实付金额"],
            ["O-1", datetime(2027, 3, 12, 20, 1, 5), "LIP-001", 2, "¥158.00"],
            ["O-2", "2027-03-12 20:01:47", "LIP-001", 1, "79"],
            ["O-3", datetime(2027, 3, 12, 20, 6, 0), "BASE-002", "1", "¥1,299"],
        ],
    )
    text = import_sheet("actuals", path).files["actuals.yaml"]
    (here / "actuals.yaml").write_text(text, encoding="utf-8")
    actuals = read_actuals(here / "actuals.yaml").actuals
    assert [(s.at, s.sku, s.units, s.gmv) for s in actuals.sales] == [
        (20 * 60 + 1, "LIP-001", 2, 158),
        (20 * 60 + 1, "LIP-001", 1, 79),
        (20 * 60 + 6, "BASE-002", 1, 1299),
    ]
    assert '# row 2: {"订单编号": "O-1"}' in text


def test_actuals_in_the_record_form_from_a_workbook(here):
    path = workbook(
        here / "actuals.xlsx",
        [
            ["record", "sku", "at", "end", "units", "gmv", "viewers", "reason"],
            ["segment", "MSK-001", "20:00", "20:05", 61, None, None, None],
            ["viewers", None, "21:10", None, None, None, "11,800.5", None],
            ["stock", "BASE-002", None, None, 1180, None, None, None],
            ["pulled", "SER-005", "20:50", None, None, None, None, "supplier batch failed QC"],
        ],
    )
    (here / "actuals.yaml").write_text(import_sheet("actuals", path).files["actuals.yaml"])
    actuals = read_actuals(here / "actuals.yaml").actuals
    assert [(s.sku, s.start, s.length, s.units) for s in actuals.segments] == [
        ("MSK-001", 1200, 5, 61)
    ]
    assert [(r.at, r.viewers) for r in actuals.viewer_log] == [(21 * 60 + 10, 11800.5)]
    assert actuals.stock_left == {"BASE-002": 1180}
    assert [(p.sku, p.reason) for p in actuals.pulled] == [("SER-005", "supplier batch failed QC")]


def test_an_actuals_row_that_says_nothing_is_an_error_at_its_row(here):
    path = text_file(here / "a.csv", "时间,备注\n20:00,开播\n")
    with pytest.raises(InputError) as exc:
        import_sheet("actuals", path)
    assert errors(exc) == [
        "a.csv:2:1: error: cannot tell what this row records: a sale needs a SKU, a segment end "
        "or minutes, a viewer reading viewers; or give a `record` column"
    ]


def test_every_bad_actuals_row_is_reported_at_once(here):
    path = text_file(
        here / "a.csv",
        "record,sku,at,units\n"
        "foo,A,20:00,1\n"  # an unknown record
        "sale,A,20:00,x\n"  # units that do not read
        "sale,,20:00,1\n"  # a sale without its SKU
        "sale,B,25:00,1\n",  # a time that is none
    )
    with pytest.raises(InputError) as exc:
        import_sheet("actuals", path)
    assert errors(exc) == [
        "a.csv:2:1: error: record: unknown record 'foo'; expected one of segment, viewers, "
        "lucky_bag, pulled, sold, stock, sale",
        'a.csv:3:14: error: units: "x" is not a number',
        "a.csv:4:1: error: sku: missing required field 'sku'",
        "a.csv:5:8: error: at: expected a clock time 'HH:MM' or 'HH:MM:SS' (00:00 to 23:59:59), "
        "got '25:00'",
    ]


def test_a_role_column_with_an_empty_cell_is_not_defaulted(here):
    """Only a sheet without a role column makes every product `profit`; an empty cell under a
    role column is a mistake at that cell."""
    path = text_file(
        here / "p.csv", "sku,name,category,role,list price,live price,cost\nA,x,c,,9,8,1\n"
    )
    with pytest.raises(InputError) as exc:
        import_sheet("catalog", path)
    assert errors(exc) == ["p.csv:2:7: error: role: empty; every row needs one"]
