"""`check` catches a tampered fact: each row edits ONE fact of a real plan of samples/minimal (a
price, a name, a cart link, a promotion's figure, a prize, a total, a stock figure) and the
checker must report exactly one "facts" violation naming that place in plan.json.

The paperwork is rendered from plan.json alone, so each of these edits would otherwise be
printed as if the show said it (`render` printing "flash price $0.01").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_json, plan_show
from lqplan.plan.result import SolveSettings
from lqplan.verify.checker import check_plan


@pytest.fixture(scope="module")
def minimal():
    """samples/minimal and its deterministic plan (TEA-OOLONG's flash sale at 20:20, segment 4;
    TEA-GIFT's coupon at 20:40, segment 6)."""
    inputs = load_and_validate(SAMPLES / "minimal")
    result = plan_show(inputs, SolveSettings(time_limit=10, deterministic=True, workers=1))
    assert result.check.ok, result.check.violations
    return inputs, result.plan


def _segment(plan: dict[str, Any], mode: str) -> dict[str, Any]:
    return next(s for s in plan["segments"] if s["mode"] == mode)


def _action(plan: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for s in plan["segments"] for a in s["actions"] if a["action"] == kind)


def _promotion(plan: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in plan["promotions"] if p["type"] == kind)


def _set(target: Callable[[dict], dict], key: str, value: Any) -> Callable[[dict], None]:
    return lambda plan: target(plan).__setitem__(key, value)


def _at(path: str) -> Callable[[dict], dict]:
    """The mapping at a dotted path (list indices as numbers): 'segments.3.price'."""

    def find(plan: dict) -> dict:
        node: Any = plan
        for key in path.split("."):
            node = node[int(key)] if key.isdigit() else node[key]
        return node

    return find


def _flash(plan: dict) -> dict:
    return _segment(plan, "flash_sale")


def _flash_price(plan: dict) -> dict:
    return _flash(plan)["price"]


# (edit, the place the violation must name). One fact per row; every other fact is left as is.
TAMPERED = [
    # --- a segment's product facts and prices, as the run sheet prints them ---
    pytest.param(_set(_flash_price, "flash_sale", 0.01), "price.flash_sale", id="flash-price"),
    pytest.param(_set(_flash_price, "live", 0.5), "price.live", id="live-price"),
    pytest.param(_set(_flash_price, "list", 999.0), "price.list", id="list-price"),
    pytest.param(
        _set(lambda p: _segment(p, "coupon")["price"], "after_coupon", 1.0),
        "price.after_coupon",
        id="after-coupon-price",
    ),
    pytest.param(_set(_flash, "cart_link", 77), "cart_link", id="cart-link"),
    pytest.param(_set(_flash, "name", "Da Hong Pao, 1 kg"), "name", id="name"),
    pytest.param(_set(_flash, "brand", "Other Brand"), "brand", id="brand"),
    pytest.param(_set(_flash, "category", "coffee"), "category", id="category"),
    pytest.param(_set(_flash, "role", "traffic"), "role", id="role"),
    pytest.param(_set(_flash, "hosts", ["Somebody"]), "hosts", id="hosts"),
    pytest.param(_set(_flash, "promotion_minutes", 9), "promotion_minutes", id="flash-minutes"),
    # --- the control room's actions ---
    pytest.param(
        _set(lambda p: _action(p, "start_flash_sale"), "price", 0.01),
        "actions[",
        id="action-flash-price",
    ),
    pytest.param(
        _set(lambda p: _action(p, "list_product"), "cart_link", 42),
        ".cart_link",
        id="action-cart-link",
    ),
    # --- the products section (selling points and prices the host script reads) ---
    pytest.param(
        _set(_at("products.TEA-OOLONG"), "live_price", 0.01),
        "products.TEA-OOLONG.live_price",
        id="product-live-price",
    ),
    pytest.param(
        _set(_at("products.TEA-OOLONG"), "name", "Another tea"),
        "products.TEA-OOLONG.name",
        id="product-name",
    ),
    pytest.param(
        _set(_at("products.TEA-OOLONG.selling_points.0"), "point", "Cures colds"),
        "products.TEA-OOLONG.selling_points[0].point",
        id="product-claim",
    ),
    # --- promotions: prices, units, prizes, thresholds ---
    pytest.param(
        _set(lambda p: _promotion(p, "flash_sale"), "price", 0.01),
        "promotions[",
        id="promotion-flash-price",
    ),
    pytest.param(
        _set(lambda p: _promotion(p, "flash_sale"), "units", 100_000),
        ".units",
        id="promotion-flash-units",
    ),
    pytest.param(
        _set(lambda p: _promotion(p, "coupon"), "threshold", 1.0),
        ".threshold",
        id="coupon-threshold",
    ),
    pytest.param(
        _set(lambda p: _promotion(p, "lucky_bag"), "prize", "A new car"),
        ".prize",
        id="promotion-prize",
    ),
    # --- lucky-bag drops ---
    pytest.param(
        _set(_at("lucky_bags.0"), "prize", "A new car"), "lucky_bags[0].prize", id="prize"
    ),
    pytest.param(_set(_at("lucky_bags.0"), "winners", 500), "lucky_bags[0].winners", id="winners"),
    pytest.param(_set(_at("lucky_bags.0"), "draw_at", "20:59"), "lucky_bags[0].draw_at", id="draw"),
    # --- the show's header ---
    pytest.param(_set(_at("show"), "title", "Mega sale"), "show.title", id="title"),
    pytest.param(_set(_at("show"), "currency", "EUR"), "show.currency", id="currency"),
    pytest.param(_set(_at("show"), "room", "Studio 9"), "show.room", id="room"),
    # --- totals: the sum of the segments ---
    pytest.param(_set(_at("totals"), "gmv", 99_999.0), "totals.gmv", id="total-gmv"),
    pytest.param(_set(_at("totals"), "units", 1.0), "totals.units", id="total-units"),
    pytest.param(_set(_at("totals"), "profit", 0.0), "totals.profit", id="total-profit"),
    pytest.param(
        _set(_at("totals"), "lucky_bag_prize_cost", 0.0),
        "totals.lucky_bag_prize_cost",
        id="total-prize-cost",
    ),
    # --- stock figures ---
    pytest.param(_set(lambda p: _flash(p)["stock"], "after", 5000.0), "stock.after", id="stock"),
    pytest.param(
        _set(lambda p: _flash(p)["stock"], "available", 9999), "stock.available", id="available"
    ),
    pytest.param(_set(_at("stock_use.0"), "units", 9999), "stock_use[0].units", id="stock-units"),
    pytest.param(
        _set(_at("stock_use.0"), "remaining", 9999.0), "stock_use[0].remaining", id="remaining"
    ),
]


@pytest.mark.parametrize(("tamper", "place"), TAMPERED)
def test_a_tampered_fact_is_a_violation_naming_it(minimal, tamper, place):
    inputs, plan = minimal
    edited = copy.deepcopy(plan)
    tamper(edited)
    assert edited != plan, "the edit changed nothing"
    violations = check_plan(inputs, edited).violations
    assert [v.rule for v in violations] == ["facts"], violations
    assert place in violations[0].message, violations[0].message


def test_the_viewer_curve_is_the_files(minimal):
    inputs, plan = minimal
    edited = copy.deepcopy(plan)
    edited["viewer_curve"][3]["viewers"] *= 10
    (violation,) = check_plan(inputs, edited).violations
    assert violation.message.startswith("viewer_curve[3].viewers: the plan says")


def test_check_refuses_a_tampered_flash_price(minimal, tmp_path):
    """The CLI: the flash price edited to 0.01 is exit 1, named; the plan as made is exit 0."""
    _, plan = minimal
    good, bad = tmp_path / "plan.json", tmp_path / "tampered.json"
    good.write_text(plan_json(plan), encoding="utf-8")
    edited = copy.deepcopy(plan)
    _flash_price(edited)["flash_sale"] = 0.01
    bad.write_text(plan_json(edited), encoding="utf-8")
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert runner.invoke(app, ["check", str(good), str(SAMPLES / "minimal")]).exit_code == 0
    result = runner.invoke(app, ["check", str(bad), str(SAMPLES / "minimal")])
    assert result.exit_code == 1, result.output
    number = plan["segments"].index(_flash(plan))
    assert f"facts: segments[{number}].price.flash_sale: the plan says 0.01" in result.output
