"""The product shortlist and the start stride of build_demand (issue 6).

The shortlist offers the optimiser only the products a plan can use on a large catalog; it must
never drop a product that a rule or a promotion names, and on a small show it changes nothing.
"""

from __future__ import annotations

import pytest
from conftest import SAMPLES, tiny_show

from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.options import build_demand, protected_products, shortlist_products
from lqplan.plan.result import SolveSettings


def _many(count: int) -> list[dict]:
    """`count` products in 4 categories with margins 1..count (the best is the last)."""
    return [
        {"sku": f"P{i:03d}", "margin": i, "live": 500, "category": f"c{i % 4}"}
        for i in range(1, count + 1)
    ]


def test_small_show_keeps_every_product(tmp_path):
    """30 five-minute products cover a 12-slot (60-minute) show 2.5 times exactly: all kept."""
    inputs = load_and_validate(tiny_show(tmp_path, _many(30), slots=12))
    demand = build_demand(inputs)
    assert demand.left_out == ()
    assert demand.options == build_demand(inputs, shortlist=False).options


@pytest.mark.parametrize("name", ["minimal", "beauty-douyin", "home-tiktok", "double11-marathon"])
def test_samples_are_unchanged(name):
    """Every sample covers its show less than 2.5 times over: the shortlist keeps everything,
    and 5-minute slots need no stride, so plans (and golden files) do not move."""
    inputs = load_and_validate(SAMPLES / name)
    demand = build_demand(inputs)
    assert demand.left_out == ()
    assert demand.stride == 1
    assert len(demand.options) == len(build_demand(inputs, shortlist=False).options)


def test_large_catalog_keeps_the_best_and_every_protected_product(tmp_path):
    """200 products for a 12-slot show: about 2.5 × 60 / 5 = 30 are kept, the best by value
    first; the worst products survive only when a pin, precedence, exclusion, repeat, flash sale,
    gift or collab names them."""
    promotions = [
        {"id": "fs", "type": "flash_sale", "sku": "P001", "price": 50, "units": 10},
        {"id": "g", "type": "gift", "sku": "P002", "item": "card", "units": 5, "unit_cost": 1},
        {
            "id": "co",
            "type": "collab",
            "sku": "P003",
            "partner": "X",
            "window": {"from": "20:00", "to": "21:00"},
        },
        {"id": "cp", "type": "coupon", "threshold": 10, "amount": 1, "count": 5, "skus": ["P004"]},
    ]
    products = _many(200)
    products[2]["extra"] = {"collab": {"partner": "X"}}
    rules = {
        "pins": [{"sku": "P005", "at": "20:30"}],
        "precedence": [{"before": "P006", "after": "P007"}],
        "exclusions": [{"skus": ["P008", "P009"]}],
        "repeats": [{"sku": "P010", "min_gap_minutes": 10}],
    }
    inputs = load_and_validate(
        tiny_show(tmp_path, products, slots=12, rules=rules, promotions=promotions)
    )
    protected = {f"P{i:03d}" for i in range(1, 11)}
    assert protected_products(inputs) == protected
    demand = build_demand(inputs)
    kept = {o.sku for o in demand.options}
    assert protected <= kept
    assert {f"P{i:03d}" for i in range(190, 201)} <= kept  # the best products
    assert "P100" not in kept  # a middling one is left out
    assert 25 <= len(kept) <= 45
    assert set(demand.left_out) == {p["sku"] for p in products} - kept


def test_shortlist_keeps_three_per_category_and_heroes(tmp_path):
    """A category of weak products still keeps its best three; so do heroes."""
    products = _many(120)
    products += [{"sku": f"W{i}", "margin": 1, "category": "weak"} for i in range(5)]
    products += [{"sku": f"H{i}", "margin": 1, "category": "h", "role": "hero"} for i in range(5)]
    inputs = load_and_validate(
        tiny_show(tmp_path, products, slots=12, rules={"hero_encore": {"enabled": True}})
    )
    kept = shortlist_products(build_demand(inputs, shortlist=False))
    assert sum(1 for sku in kept if sku.startswith("W")) == 3
    assert sum(1 for sku in kept if sku.startswith("H")) >= 3


def test_shortlisted_plan_keeps_every_rule(tmp_path):
    """The plan over the shortlist is checked against the full show by the independent
    checker, and never worth less than the greedy baseline."""
    rules = {"pins": [{"sku": "P005", "at": "20:30"}], "repeats": [{"sku": "P010"}]}
    inputs = load_and_validate(tiny_show(tmp_path, _many(200), slots=12, rules=rules))
    result = plan_show(inputs, SolveSettings(time_limit=5, workers=1))
    assert result.demand.left_out
    assert result.check.ok, result.check.violations
    assert result.solution.objective >= result.baseline.objective


def test_stride_starts_on_a_grid_restarting_at_breaks_and_pins(tmp_path):
    """1-minute slots: starts every 2 minutes from 0; the pin at minute 9 restarts the grid."""
    folder = tiny_show(
        tmp_path,
        _many(6),
        slots=4,
        slot_minutes=1,
        rules={
            "segment_minutes": {"default": 4, "min": 3, "max": 4},
            "pins": [{"sku": "P001", "at": "20:09"}],
        },
    )
    inputs = load_and_validate(folder)
    demand = build_demand(inputs)
    assert demand.stride == 2
    starts = {o.start for o in demand.options}
    assert starts == {0, 2, 4, 6, 8, 9, 11, 13, 15, 17}  # 20 slots, lengths 3–4
    # Every segment ends where the grid lets the next one start (or at the show's end).
    assert {o.end for o in demand.options} <= {2, 4, 6, 8, 9, 11, 13, 15, 17, 19, 20}
    assert build_demand(inputs, stride=1).stride == 1
