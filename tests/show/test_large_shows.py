"""Validation of large shows stays linear: a stock file full of SKUs the catalog lacks (another
catalog's stock, say) is reported row by row without comparing every unknown SKU with every
product (difflib's suggestions took minutes for 10,000 against 10,000)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lqplan.show import validate
from lqplan.show.validate import check_show

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal"


def grown_show(tmp_path: Path, products: int, unknown: int) -> Path:
    """samples/minimal with `products` more products (GEN-0000...) and, in its stock file,
    `unknown` rows naming GEN-0000X...: each one character away from a product, so that each
    has a suggestion to find; and a flash sale that names TEA-OOLONGG."""
    folder = tmp_path / "show"
    shutil.copytree(MINIMAL, folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    template = {k: v for k, v in catalog["products"][0].items() if k != "cart_link"}
    catalog["products"] += [{**template, "sku": f"GEN-{i:04d}"} for i in range(products)]
    stock = yaml.safe_load((folder / "stock.yaml").read_text(encoding="utf-8"))
    stock["stock"] += [{"sku": f"GEN-{i:04d}X", "units": 1} for i in range(unknown)]
    show = (folder / "show.yaml").read_text(encoding="utf-8")
    show = show.replace("sku: TEA-OOLONG\n", "sku: TEA-OOLONGG\n", 1)
    for name, data in (("catalog.yaml", catalog), ("stock.yaml", stock)):
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (folder / "show.yaml").write_text(show, encoding="utf-8")
    return folder


def test_suggestions_stop_after_their_budget_and_every_row_is_still_reported(tmp_path):
    folder = grown_show(tmp_path, products=500, unknown=500)
    diagnostics = check_show(folder)
    catalog_size = 8 + 500  # samples/minimal's own products and the grown ones
    rows = [
        d
        for d in diagnostics
        if d.file.endswith("stock.yaml") and "not in the catalog" in d.message
    ]
    assert len(rows) == 500  # every unknown row, at its own line
    assert len({d.line for d in rows}) == 500
    suggested = [d for d in rows if "(did you mean" in d.message]
    # The flash sale is checked first and has its suggestion from the same budget.
    searches = validate.HINT_PAIRS // catalog_size - 1
    assert 0 < searches < 500
    assert len(suggested) == searches
    # ...the first rows of the file, each with its own product
    assert suggested == rows[:searches]
    first = rows[0]
    assert first.message == (
        "stock names SKU 'GEN-0000X', which is not in the catalog (did you mean 'GEN-0000'?)"
    )
    assert rows[-1].message == "stock names SKU 'GEN-0499X', which is not in the catalog"
    flash = [d for d in diagnostics if d.file.endswith("show.yaml")]
    assert [d.message for d in flash] == [
        "flash_sale names SKU 'TEA-OOLONGG', which is not in the catalog "
        "(did you mean 'TEA-OOLONG'?)"
    ]


@pytest.mark.parametrize("unknown", [1, 30])
def test_a_small_show_suggests_for_every_unknown_sku(tmp_path, unknown):
    """Well inside the budget, every unknown SKU has its suggestion, as before."""
    folder = grown_show(tmp_path, products=40, unknown=unknown)
    rows = [d for d in check_show(folder) if "stock names SKU" in d.message]
    assert len(rows) == unknown
    assert all(d.message.endswith(f"(did you mean 'GEN-{i:04d}'?)") for i, d in enumerate(rows))


def test_sku_hints_suggest_until_their_budget_is_spent(monkeypatch):
    """The one 'did you mean' of validate and of ACTUALS: each unknown SKU looked up once, and
    no more comparisons once HINT_PAIRS pairs are spent (an export of another catalog)."""
    import lqplan.show.validate as validate

    monkeypatch.setattr(validate, "HINT_PAIRS", 6)
    hints = validate.SkuHints(["TEA-GREEN", "TEA-BLACK", "CUP-01"])
    assert hints("TEA-GREN") == " (did you mean 'TEA-GREEN'?)"
    assert hints("TEA-GREN") == " (did you mean 'TEA-GREEN'?)"  # looked up once: no cost
    assert hints("CUP-1") == " (did you mean 'CUP-01'?)"
    assert hints.pairs_left == 0
    assert hints("TEA-BLAK") == ""  # the budget is spent
    assert hints("ZZZ") == ""


def test_hosts_at_reads_the_shifts_of_show_yaml():
    """The marathon from 12:00: 小满 hosts 12:00–16:00 and 阿哲 16:00–20:00; 糖糖 is a co-host,
    never listed. The one reading of shifts for the run sheet, the checker's facts and replan."""
    from conftest import SAMPLES

    from lqplan.pipeline import load_and_validate

    show = load_and_validate(SAMPLES / "double11-marathon").show
    assert show.hosts_at(0) == ["小满"]
    assert show.hosts_at(239) == ["小满"]
    assert show.hosts_at(240) == ["阿哲"]
    assert show.hosts_at(show.minutes - 1) == ["阿哲"]
