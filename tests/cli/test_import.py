"""`lqplan import` and `lqplan init --from` end to end: sheets made in the test (an .xlsx with
openpyxl, a GBK CSV), files that `lqplan validate` accepts, errors at their cells with nothing
written, and stock.csv / ACTUALS CSV in the encodings and separators exports use."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import InputError
from lqplan.live.actuals import read_actuals
from lqplan.show.validate import check_show

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal"
ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}

HEADER = ["货号", "商品名称", "品牌", "类目", "角色", "划线价", "直播价", "成本价", "链接号",
          "使用场景", "卖点1", "卖点2", "可售库存", "每人限购", "放量", "供应商"]  # fmt: skip


def run(*args: str):
    return CliRunner(env=ENV).invoke(app, list(args))


def minimal_rows() -> list[list[object]]:
    """samples/minimal's catalog and stock as one product sheet, as an ERP would export it."""
    catalog = yaml.safe_load((MINIMAL / "catalog.yaml").read_text(encoding="utf-8"))
    stock = yaml.safe_load((MINIMAL / "stock.yaml").read_text(encoding="utf-8"))
    units = {s["sku"]: s for s in stock["stock"]}
    rows: list[list[object]] = []
    for p in catalog["products"]:
        s = units[p["sku"]]
        points = [sp["point"] for sp in p.get("selling_points", [])] + [None, None]
        rows.append(
            [p["sku"], p["name"], p.get("brand"), p["category"], p["role"],
             f"${p['list_price']:,.2f}", f"{p['live_price']}", p["unit_cost"], p.get("cart_link"),
             p.get("usage_scene"), *points[:2], f"{s['units']:,}", s.get("per_buyer_limit"),
             s.get("batch_size"), "Leafline Ltd"]
        )  # fmt: skip
    return rows


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "商品"
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture
def show_without_catalog(tmp_path, monkeypatch):
    """samples/minimal without its catalog and stock, in tmp_path/show; cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, tmp_path / "show")
    for name in ("catalog.yaml", "stock.yaml"):
        (tmp_path / "show" / name).unlink()
    return tmp_path / "show"


def test_import_from_a_workbook_gives_files_that_validate(show_without_catalog):
    sheet = workbook(Path("products.xlsx"), [HEADER, *minimal_rows()])
    for kind in ("catalog", "stock"):
        result = run("import", kind, str(sheet), "-o", "show")
        assert result.exit_code == 0, result.output
        assert f"wrote show/{kind}.yaml" in result.stderr
        assert "8 rows from products.xlsx" in result.stderr
    result = run("validate", "show")
    assert result.exit_code == 0, result.output
    assert "error:" not in result.stderr
    products = yaml.safe_load(Path("show/catalog.yaml").read_text(encoding="utf-8"))["products"]
    assert products[1]["list_price"] == 29.9 and products[1]["role"] == "hero"
    assert '# row 2: {"可售库存": "300", "每人限购": "1", "供应商": "Leafline Ltd"}' in Path(
        "show/catalog.yaml"
    ).read_text(encoding="utf-8")


def test_an_import_is_byte_identical_when_rerun(show_without_catalog):
    sheet = workbook(Path("products.xlsx"), [HEADER, *minimal_rows()])
    assert run("import", "catalog", str(sheet), "-o", "a").exit_code == 0
    assert run("import", "catalog", str(sheet), "-o", "b").exit_code == 0
    assert Path("a/catalog.yaml").read_bytes() == Path("b/catalog.yaml").read_bytes()


def test_errors_name_their_cells_and_nothing_is_written(show_without_catalog):
    rows = minimal_rows()
    rows[5][6] = "¥四十"
    rows[6][12] = "lots"
    sheet = workbook(Path("products.xlsx"), [HEADER, *rows])
    for kind, message in (
        ("catalog", 'products.xlsx:商品!G7: error: live_price: "¥四十" is not a price'),
        ("stock", 'products.xlsx:商品!M8: error: units: "lots" is not a whole number'),
    ):
        result = run("import", kind, str(sheet), "-o", "out")
        assert result.exit_code == 1
        assert message in result.stderr.splitlines()
        assert "Traceback" not in result.output
    assert not Path("out").exists()


def test_error_reports_as_json_and_github_annotations(show_without_catalog):
    rows = minimal_rows()
    rows[5][6] = "¥四十"
    rows[2][7] = "cheap"
    sheet = workbook(Path("products.xlsx"), [HEADER, *rows])
    result = run("import", "catalog", str(sheet), "-o", "out", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert (payload["valid"], payload["errors"]) == (False, 2)
    places = [
        (d["file"], d["line"], d["column"], d["cell"], d["path"]) for d in payload["diagnostics"]
    ]
    assert places == [
        ("products.xlsx", 4, 8, "商品!H4", "unit_cost"),
        ("products.xlsx", 7, 7, "商品!G7", "live_price"),
    ]  # fmt: skip
    result = run("import", "catalog", str(sheet), "-o", "out", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        '::error file=products.xlsx,line=7,col=7::live_price: "¥四十" is not a price'
    )
    assert not Path("out").exists()


def test_an_existing_file_is_kept_unless_forced(show_without_catalog):
    sheet = workbook(Path("products.xlsx"), [HEADER, *minimal_rows()])
    Path("show/catalog.yaml").write_text("# mine\n", encoding="utf-8")
    result = run("import", "catalog", str(sheet), "-o", "show")
    assert result.exit_code == 4
    assert Path("show/catalog.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert run("import", "catalog", str(sheet), "-o", "show", "--force").exit_code == 0
    assert "TEA-SAMPLER" in Path("show/catalog.yaml").read_text(encoding="utf-8")


def test_import_with_a_map_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("stock.csv").write_text("Artikel,Bestand\nA-1,12\n", encoding="utf-8")
    Path("map.yaml").write_text("Artikel: sku\nBestand: units\n", encoding="utf-8")
    result = run("import", "stock", "stock.csv", "--map", "map.yaml")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(Path("stock.yaml").read_text(encoding="utf-8")) == {
        "stock": [{"sku": "A-1", "units": 12}]
    }


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["import", "catalog", "missing.xlsx"], 2, "missing.xlsx: no such file"),
        (["import", "menu", "p.csv"], 2, "'menu' is not one of"),
        (["init", "x", "--from", "p.csv", "--sample", "minimal"], 2, "not both"),
        (["init", "x", "--map", "p.csv"], 2, "--map and --sheet are for --from"),
    ],
)
def test_usage_errors(tmp_path, monkeypatch, args, code, fragment):
    monkeypatch.chdir(tmp_path)
    Path("p.csv").write_text("sku\nA\n", encoding="utf-8")
    result = run(*args)
    assert result.exit_code == code
    assert fragment in result.output


def test_init_from_a_gbk_product_csv(tmp_path, monkeypatch):
    """A Chinese ERP export (GBK): a show folder in Chinese that validates."""
    monkeypatch.chdir(tmp_path)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *minimal_rows()])
    Path("商品.csv").write_bytes(buffer.getvalue().replace("$", "").encode("gbk"))
    result = run("init", "myshow", "--from", "商品.csv")
    assert result.exit_code == 0, result.output
    assert "wrote myshow/catalog.yaml" in result.stderr
    diagnostics = check_show(Path("myshow"))
    assert [d.format() for d in diagnostics if d.severity == "error"] == []
    show = yaml.safe_load(Path("myshow/show.yaml").read_text(encoding="utf-8"))
    assert show["language"] == "zh"
    assert all("sku" not in p for p in show["promotions"])  # the sample's products are gone
    stock = yaml.safe_load(Path("myshow/stock.yaml").read_text(encoding="utf-8"))["stock"]
    assert stock[0] == {"sku": "TEA-SAMPLER", "units": 300, "per_buyer_limit": 1}
    assert run("init", "myshow", "--from", "商品.csv").exit_code == 4  # never overwrites


def test_init_from_a_sheet_without_stock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workbook(Path("p.xlsx"), [HEADER[:8], *(r[:8] for r in minimal_rows())])
    assert run("init", "s", "--from", "p.xlsx", "--lang", "en").exit_code == 0
    assert [d.format() for d in check_show(Path("s")) if d.severity == "error"] == []
    assert "stock: []" in Path("s/stock.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("gbk", ";"), ("utf-16", "\t"), ("utf-8-sig", ",")],
)
def test_stock_csv_in_a_show_reads_exports(tmp_path, monkeypatch, encoding, separator):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, "show")
    stock = yaml.safe_load(Path("show/stock.yaml").read_text(encoding="utf-8"))["stock"]
    Path("show/stock.yaml").unlink()
    lines = ["sku,units,per_buyer_limit,batch_size"] + [
        f"{s['sku']},{s['units']},{s.get('per_buyer_limit', '')},{s.get('batch_size', '')}"
        for s in stock
    ]
    text = "\n".join(lines).replace(",", separator) + "\n"
    Path("show/stock.csv").write_bytes(text.encode(encoding))
    assert [d.format() for d in check_show(Path("show")) if d.severity == "error"] == []
    # A bad cell is still found at its line and column, whatever the separator.
    bad = text.replace(f"TEA-GREEN{separator}90", f"TEA-GREEN{separator}九十")
    Path("show/stock.csv").write_bytes(bad.encode(encoding))
    errors = [d for d in check_show(Path("show")) if d.severity == "error"]
    assert [(d.file, d.line, d.column) for d in errors] == [("show/stock.csv", 8, 11)]


def test_actuals_csv_reads_utf16_with_tabs(tmp_path):
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated."""
    text = "record\tsku\tat\tunits\tgmv\nsale\t商品-1\t20:01:47\t2\t158\n"
    (tmp_path / "a.csv").write_bytes(text.encode("utf-16"))
    sale = read_actuals(tmp_path / "a.csv").actuals.sales[0]
    assert (sale.sku, sale.at, sale.units, sale.gmv) == ("商品-1", 20 * 60 + 1, 2, 158)
    (tmp_path / "a.csv").write_bytes(text.replace("\t2\t", "\ttwo\t").encode("utf-16"))
    with pytest.raises(InputError) as exc:
        read_actuals(tmp_path / "a.csv")
    assert [(d.line, d.column, d.path) for d in exc.value.diagnostics] == [
        (2, 20, "sales[0].units")
    ]
