"""One tiny hand-checkable instance per solver rule, asserting the optimum.

Every show here is built by `tiny_show`: 5-minute slots and segments, and a segment in slot i
sells viewers[i] / 100 units at (live − cost) each. With the default viewers [100, 200, 300] a
product of margin m is worth m, 2m or 3m in slots 0, 1, 2 (objective in cents: × 100).
Each test also runs the independent checker (inside plan_show) and asserts it agrees.
"""

from __future__ import annotations

import itertools

import pytest
from conftest import tiny_show

from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings

RISING = [100, 200, 300]
# Demand settings for the flash-sale rules: a flash sale doubles conversion, nothing else moves.
DOUBLE_FLASH = {
    "flash_sale_lift": 2.0,
    "decay": 1.0,
    "price_elasticity": 0.0,
    "traffic_viewer_lift": 0.0,
}
ABC = [{"sku": "A", "margin": 30}, {"sku": "B", "margin": 20}, {"sku": "C", "margin": 10}]


def solve(folder):
    result = plan_show(load_and_validate(folder), SolveSettings(time_limit=20, workers=1))
    assert result.check.ok, result.check.violations
    assert result.solution.objective == result.check.objective_cents
    return result


def order(result) -> list[str]:
    return [s["sku"] for s in result.plan["segments"]]


def test_best_product_takes_the_busiest_slot(tmp_path):
    """No rules: C, B, A in rising viewers: 10·1 + 20·2 + 30·3 = 140."""
    result = solve(tiny_show(tmp_path, ABC, viewers=RISING))
    assert order(result) == ["C", "B", "A"]
    assert result.solution.objective == 14_000
    assert result.solution.status == "optimal"


def test_no_dead_air_needs_enough_products(tmp_path):
    """Two products cannot fill three slots: infeasible, and the message names the rule."""
    with pytest.raises(InfeasibleError) as info:
        solve(tiny_show(tmp_path, ABC[:2], viewers=RISING))
    assert any(c.startswith("no_dead_air") for c in info.value.conflicts)


def test_allow_gaps_leaves_a_slot_empty(tmp_path):
    """With gaps allowed, A and B take the two busiest slots: 20·2 + 30·3 = 130."""
    result = solve(tiny_show(tmp_path, ABC[:2], viewers=RISING, allow_gaps=True))
    assert order(result) == ["B", "A"]
    assert result.solution.objective == 13_000


def test_no_same_category_back_to_back(tmp_path):
    """A, B, C share a category, D does not: only x-y-x fits; best A·3 + D·2 + B·1 = 120."""
    products = [*ABC, {"sku": "D", "margin": 5, "category": "y"}]
    result = solve(
        tiny_show(tmp_path, products, viewers=RISING, rules={"no_back_to_back": {"category": True}})
    )
    assert order(result) == ["B", "D", "A"]
    assert result.solution.objective == 2_000 + 1_000 + 9_000


def test_no_same_brand_back_to_back(tmp_path):
    """A and B are one brand; C between them: B·1 + C·2 + A·3 = 130 (not 140)."""
    products = [
        {**p, "extra": {"brand": "Z" if p["sku"] != "C" else "W"}, "category": p["sku"]}
        for p in ABC
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            rules={"no_back_to_back": {"category": False, "brand": True}},
        )
    )
    assert order(result) == ["B", "C", "A"]
    assert result.solution.objective == 13_000


def test_pin(tmp_path):
    """C pinned at 20:10 (the busiest slot): B·1 + A·2 + C·3 = 20 + 60 + 30 = 110."""
    result = solve(
        tiny_show(
            tmp_path,
            ABC,
            viewers=RISING,
            rules={"pins": [{"id": "pin-c", "sku": "C", "at": "20:10"}]},
        )
    )
    assert order(result) == ["B", "A", "C"]
    assert result.solution.objective == 11_000


def test_opening_role(tmp_path):
    """A traffic item (margin −5) must open: T·1 + B·2 + A·3 = −5 + 40 + 90 = 125."""
    products = [*ABC, {"sku": "T", "margin": -5, "role": "traffic"}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            rules={"opening": {"roles": ["traffic"], "within_minutes": 0}},
        )
    )
    assert order(result) == ["T", "B", "A"]
    assert result.solution.objective == 12_500


def test_first_hero_window(tmp_path):
    """The hero H (margin 1) must start at minute 5: B·1 + H·2 + A·3 = 20 + 2 + 90 = 112."""
    products = [*ABC, {"sku": "H", "margin": 1, "role": "hero"}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            rules={"first_hero": {"from_minute": 5, "to_minute": 5}},
        )
    )
    assert order(result) == ["B", "H", "A"]
    assert result.solution.objective == 11_200


def test_hero_encore_window(tmp_path):
    """A hero must air in the last 5 minutes: B·1 + A·2 + H·3 = 20 + 60 + 3 = 83."""
    products = [*ABC[:2], {"sku": "H", "margin": 1, "role": "hero"}, ABC[2]]
    result = solve(
        tiny_show(tmp_path, products, viewers=RISING, rules={"hero_encore": {"last_minutes": 5}})
    )
    assert order(result)[-1] == "H"
    assert result.solution.objective == 2_000 + 6_000 + 300


def test_precedence(tmp_path):
    """A must air before C and all three must air: the best orders are worth 110."""
    result = solve(
        tiny_show(
            tmp_path,
            ABC,
            viewers=RISING,
            rules={"precedence": [{"id": "a-c", "before": "A", "after": "C"}]},
        )
    )
    seq = order(result)
    assert seq.index("A") < seq.index("C")
    assert result.solution.objective == 11_000  # A·1+C·2+B·3 = 30+20+60 or B·1+A·2+C·3 = 20+60+30


def test_precedence_only_binds_when_both_air(tmp_path):
    """With a fourth product D (5), dropping C beats keeping it after A: D·1 + B·2 + A·3 = 135
    (C·1 + B·2 + A·3 = 140 would break the rule; A before C with C on air makes at most 110)."""
    products = [*ABC, {"sku": "D", "margin": 5}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            rules={"precedence": [{"before": "A", "after": "C"}]},
        )
    )
    assert order(result) == ["D", "B", "A"]
    assert result.solution.objective == 13_500


def test_exclusion(tmp_path):
    """Only one of A and B may air: D·1 + C·2 + A·3 = 5 + 20 + 90 = 115."""
    products = [*ABC, {"sku": "D", "margin": 5}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            rules={"exclusions": [{"id": "ab", "skus": ["A", "B"]}]},
        )
    )
    assert order(result) == ["D", "C", "A"]
    assert result.solution.objective == 11_500


def test_repeat_with_gap(tmp_path):
    """A may air twice, 5 minutes apart; the encore sells 0.6×: A·1 + B·2 + A·3·0.6 = 124."""
    result = solve(
        tiny_show(
            tmp_path,
            ABC[:2],
            viewers=RISING,
            rules={"repeats": [{"sku": "A", "min_gap_minutes": 5}]},
        )
    )
    assert order(result) == ["A", "B", "A"]
    assert [s["airing"] for s in result.plan["segments"]] == [1, 1, 2]
    assert result.solution.objective == 3_000 + 4_000 + 5_400


def test_repeat_gap_too_long_is_infeasible(tmp_path):
    """A 10-minute gap cannot fit in 15 minutes with two products: the repeat rule is named."""
    with pytest.raises(InfeasibleError) as info:
        solve(
            tiny_show(
                tmp_path,
                ABC[:2],
                viewers=RISING,
                rules={"repeats": [{"id": "enc-a", "sku": "A", "min_gap_minutes": 10}]},
            )
        )
    assert any(c.startswith("enc-a") or c.startswith("no_dead_air") for c in info.value.conflicts)


def test_stock_with_reserve(tmp_path):
    """A has 3 units and a one-third reserve: at most 2 sell, so B takes the busiest slot:
    C·1 + A·2(2 units) + B·3 = 10 + 60 + 60 = 130."""
    result = solve(tiny_show(tmp_path, ABC, viewers=RISING, stock={"A": 3}, stock_reserve=1 / 3))
    segments = {s["sku"]: s for s in result.plan["segments"]}
    assert segments["A"]["expected"]["units"] == 2
    assert result.solution.objective == 13_000


def test_flash_sale_lifts_sales(tmp_path):
    """A flash sale at 30 (margin 20) doubles A's conversion: A·3·2·20 = 120 beats A·3·30 = 90:
    C·1 + B·2 + A(flash)·3 = 10 + 40 + 120 = 170."""
    products = [{"sku": "A", "margin": 30, "live": 40}, *ABC[1:]]
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 30, "units": 100, "max_minutes": 5}
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            promotions=promo,
            demand=DOUBLE_FLASH,
        )
    )
    a = next(s for s in result.plan["segments"] if s["sku"] == "A")
    assert (a["mode"], a["promotion"], a["expected"]["units"]) == ("flash_sale", "fs", 6)
    assert result.solution.objective == 17_000


def test_flash_sale_window(tmp_path):
    """The same flash sale only in 20:00–20:05 (slot 0) is worth 40 there: not worth it;
    the plan keeps A at full price in the busiest slot: 140."""
    products = [{"sku": "A", "margin": 30, "live": 40}, *ABC[1:]]
    promo = [
        {
            "id": "fs",
            "type": "flash_sale",
            "sku": "A",
            "price": 30,
            "units": 100,
            "max_minutes": 5,
            "window": {"from": "20:00", "to": "20:05"},
        }
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            promotions=promo,
            demand=DOUBLE_FLASH,
        )
    )
    assert all(s["mode"] == "normal" for s in result.plan["segments"])
    assert result.solution.objective == 14_000


def test_flash_sale_units_cap(tmp_path):
    """Capped at 4 units, the flash sale is worth 4·20 = 80 in slot 2 (less than A at full
    price, 90) but also 80 in slot 1 (more than 60): C·1 + A(flash)·2 + B·3 = 10 + 80 + 60."""
    products = [{"sku": "A", "margin": 30, "live": 40}, *ABC[1:]]
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 30, "units": 4, "max_minutes": 5}
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            promotions=promo,
            demand=DOUBLE_FLASH,
        )
    )
    assert order(result) == ["C", "A", "B"]
    assert result.plan["segments"][1]["expected"]["promotion_units"] == 4
    assert result.solution.objective == 15_000


def test_flash_sale_spacing(tmp_path):
    """Flash sales on A (margin 30 → 20, lift 2) and B (20 → 15, lift 2) may not start within
    10 minutes, so not in slots 1 and 2 together (A·3·2·20 + B·2·2·15 = 180 is out). Best:
    A(flash)·3 = 120 with B(flash)·1 = 30 and C·2 = 20, or B·2 = 40 and C·1 = 10: 170."""
    products = [
        {"sku": "A", "margin": 30, "live": 40},
        {"sku": "B", "margin": 20, "live": 40},
        {"sku": "C", "margin": 10},
    ]
    promo = [
        {"id": "fa", "type": "flash_sale", "sku": "A", "price": 30, "units": 100},
        {"id": "fb", "type": "flash_sale", "sku": "B", "price": 35, "units": 100},
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            promotions=promo,
            rules={"flash_sale_spacing": {"min_gap_minutes": 10}},
            demand=DOUBLE_FLASH,
        )
    )
    flash = [s["start_minute"] for s in result.plan["segments"] if s["mode"] == "flash_sale"]
    assert all(b - a >= 10 for a, b in itertools.pairwise(flash))
    assert result.solution.objective == 17_000


def test_gift_units_cap_and_cost(tmp_path):
    """A gift (cost 5) lifts A by 1.5×: A·3·1.5 = 4.5 units, 4.5·30 − 4.5·5 = 112.5 > 90.
    C·1 + B·2 + A(gift)·3 = 10 + 40 + 112.5 = 162.5."""
    promo = [{"id": "g", "type": "gift", "sku": "A", "item": "pouch", "units": 100, "unit_cost": 5}]
    result = solve(
        tiny_show(
            tmp_path,
            ABC,
            viewers=RISING,
            promotions=promo,
            demand={
                "gift_lift": 1.5,
                "decay": 1.0,
                "price_elasticity": 0.0,
                "traffic_viewer_lift": 0.0,
            },
        )
    )
    a = next(s for s in result.plan["segments"] if s["sku"] == "A")
    assert a["mode"] == "gift"
    assert result.solution.objective == 16_250


def test_coupon_budget(tmp_path):
    """A coupon on A takes 10 off (lift 2); its budget of 40 pays for 4 coupons, shared by every
    use. In slot 2 that is 4·(30−10) = 80 < 90 at full price; in slot 1, 80 > 60:
    C·1 + A(coupon)·2 + B·3 = 10 + 80 + 60 = 150."""
    promo = [
        {"id": "cp", "type": "coupon", "threshold": 50, "amount": 10, "budget": 40, "skus": ["A"]}
    ]
    result = solve(
        tiny_show(
            tmp_path,
            ABC,
            viewers=RISING,
            promotions=promo,
            demand={
                "coupon_lift": 2.0,
                "decay": 1.0,
                "price_elasticity": 0.0,
                "traffic_viewer_lift": 0.0,
            },
        )
    )
    assert order(result) == ["C", "A", "B"]
    a = result.plan["segments"][1]
    assert (a["mode"], a["expected"]["promotion_units"], a["price"]["after_coupon"]) == (
        "coupon",
        4,
        90,
    )
    assert result.solution.objective == 15_000


def test_collab_must_air_in_its_window(tmp_path):
    """Collab C must air in 20:10–20:15: B·1 + A·2 + C·3 = 20 + 60 + 30 = 110."""
    promo = [
        {
            "id": "co",
            "type": "collab",
            "sku": "C",
            "partner": "P",
            "window": {"from": "20:10", "to": "20:15"},
        }
    ]
    products = [*ABC, {"sku": "D", "margin": 25}]
    result = solve(tiny_show(tmp_path, products, viewers=RISING, promotions=promo))
    assert order(result)[-1] == "C"
    assert result.solution.objective == 2_500 + 6_000 + 3_000


def test_lucky_bag_cadence(tmp_path):
    """Six slots, a bag at least every 10 minutes and at most every 10: drops at 20:05 and
    20:15 and 20:25 fit; the checker verifies the gaps, and prizes (cost 1 each) are paid."""
    products = [{"sku": s, "margin": 10, "category": s} for s in "ABCDEF"]
    promo = [
        {
            "id": "bag",
            "type": "lucky_bag",
            "prize": "cup",
            "prize_value": 1,
            "count": 5,
            "countdown_minutes": 5,
        }
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            slots=6,
            promotions=promo,
            rules={"lucky_bag_cadence": {"min_gap_minutes": 10, "max_gap_minutes": 10}},
        )
    )
    minutes = [b["minute"] for b in result.plan["lucky_bags"]]
    assert all(b - a == 10 for a, b in itertools.pairwise(minutes))
    assert minutes[0] < 10 and 30 - minutes[-1] <= 10
    # 6 segments × 100 viewers/100 × 10 margin = 60, less one unit of prize per drop.
    assert result.solution.objective == 6_000 - 100 * len(minutes)


def test_conflicting_pin_and_opening_are_named(tmp_path):
    """A pin at the first slot for a non-opening product conflicts with the opening rule."""
    products = [*ABC, {"sku": "T", "margin": -5, "role": "traffic"}]
    with pytest.raises(InfeasibleError) as info:
        solve(
            tiny_show(
                tmp_path,
                products,
                viewers=RISING,
                rules={
                    "opening": {"roles": ["traffic"], "within_minutes": 0},
                    "pins": [{"id": "pin-a", "sku": "A", "at": "20:00"}],
                },
            )
        )
    assert sorted(c.split(":")[0] for c in info.value.conflicts) == ["opening", "pin-a"]


def test_host_stretch_forces_a_pause_when_gaps_are_allowed(tmp_path):
    """The host may be on air 10 minutes at a stretch and the show may pause: three slots in a
    row are too many, so the best keeps the two busiest: B·2 + A·3 = 40 + 90 = 130."""
    result = solve(
        tiny_show(
            tmp_path,
            ABC,
            viewers=RISING,
            allow_gaps=True,
            hosts=[{"name": "H", "max_stretch_minutes": 10}],
        )
    )
    assert order(result) == ["B", "A"]
    assert result.solution.objective == 13_000


def test_a_required_flash_sale_runs_even_where_it_earns_less(tmp_path):
    """A (live 100, cost 90) at 80 sells 2 units (lift 2.0) at -10: -20 against +10 at the live
    price. Optional, the plan leaves it out; required, it runs, and the plan is worth -20 + 10
    (B's segment) instead of 10 + 10, and the baseline runs it too."""
    flash = {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 80, "units": 50}
    products = [{"sku": "A"}, {"sku": "B"}]
    optional = solve(
        tiny_show(tmp_path / "opt", products, slots=2, promotions=[flash], demand=DOUBLE_FLASH)
    )
    assert optional.solution.objective == 2_000 and optional.plan["unused_promotions"]
    required = solve(
        tiny_show(
            tmp_path / "req",
            products,
            slots=2,
            promotions=[{**flash, "required": True}],
            demand=DOUBLE_FLASH,
        )
    )
    assert [s.get("promotion") for s in required.plan["segments"]].count("fs-a") == 1
    assert required.solution.objective == -2_000 + 1_000
    assert required.plan["unused_promotions"] == []
    assert (
        required.plan["baseline"]["feasible"] and required.plan["baseline"]["value_cents"] == -1_000
    )


def test_a_required_promotion_that_cannot_run_is_named(tmp_path):
    """B is pinned at 20:00, the only start inside the required flash sale's window."""
    flash = {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 80, "units": 5}
    flash |= {"required": True, "window": {"from": "20:00", "to": "20:05"}}
    rules = {"pins": [{"sku": "B", "at": "20:00"}]}
    folder = tiny_show(
        tmp_path, [{"sku": "A"}, {"sku": "B"}], slots=2, promotions=[flash], rules=rules
    )
    with pytest.raises(InfeasibleError) as info:
        solve(folder)
    assert sorted(c.split(":")[0] for c in info.value.conflicts) == ["fs-a", "pin-B-2000"]


def test_a_required_lucky_bag_is_drawn(tmp_path):
    """Two bags, one drop needed; the cheap one would do, the required dear one is drawn."""
    bags = [
        {"id": "cheap", "type": "lucky_bag", "prize": "pen", "prize_value": 1},
        {"id": "dear", "type": "lucky_bag", "prize": "tv", "prize_value": 5, "required": True},
    ]
    products = [{"sku": s, "margin": 10, "category": s} for s in "ABC"]
    rules = {"lucky_bag_cadence": {"min_gap_minutes": 15, "max_gap_minutes": 15}}
    result = solve(tiny_show(tmp_path, products, slots=3, promotions=bags, rules=rules))
    assert "dear" in [b["id"] for b in result.plan["lucky_bags"]]


def test_without_a_core_in_time_the_likeliest_rules_are_named(tmp_path):
    """One product cannot fill three slots: leaving out no_dead_air (alone) gives a plan, so
    it is named as the likeliest when the core search has no time left."""
    from ortools.sat.python import cp_model

    from lqplan.plan.optimise import _likeliest
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.plan.options import build_demand

    demand = build_demand(load_and_validate(tiny_show(tmp_path, [{"sku": "A"}], slots=3)))
    base = cp_model.CpModel()
    built = ShowModel(demand, base, explain=True)
    assert _likeliest(built, base, 5.0) == (
        "no_dead_air: every minute outside breaks is on air (allow_gaps is off) (likeliest: the "
        "show has a plan without it)",
    )
    assert _likeliest(built, base, 0.0) == (
        "the conflict could not be isolated in time among these rule groups: host-H, "
        "no_back_to_back, no_dead_air",
    )


# A lucky bag whose countdown keeps viewers: half a viewer-minute's worth per countdown minute.
# Every product earns margin 10 × conversion 0.002 × 100 = 2 cents per viewer-minute (the
# reference), so a 5-minute countdown at v viewers is worth 0.5 × 5v × 2 = 5v cents.
BAG_LIFT = {**DOUBLE_FLASH, "lucky_bag_viewer_lift": 0.5}
ONE_BAG = [{"id": "bag", "type": "lucky_bag", "prize": "cup", "count": 1, "countdown_minutes": 5}]


def _bag_peak(tmp_path, skus: str, **show):
    """Four slots, viewers peaking at 1,000 in 20:10–20:15, one bag worth 5 × viewers a drop,
    dropped at least once in the 20 minutes; `show` says who is on air when."""
    return solve(
        tiny_show(
            tmp_path,
            [{"sku": s, "category": s} for s in skus],
            slots=4,
            viewers=[100, 100, 1000, 200],
            promotions=ONE_BAG,
            demand=BAG_LIFT,
            rules={"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 20}},
            **show,
        )
    )


@pytest.mark.parametrize(
    ("covered_by", "drop", "objective"),
    [
        # Nobody on air in the break: the drop takes 20:15 (200 viewers): 40 + 10 = 50.
        ([], 15, 5_000),
        # The co-host covers it: the drop counts down in the break (1,000 viewers): 40 + 50.
        (["Co"], 10, 9_000),
    ],
)
def test_lucky_bag_only_in_a_covered_break(tmp_path, covered_by, drop, objective):
    """Four slots, a 5-minute break at 20:10 where viewers peak (1,000), one bag to drop. A
    drop at 20:05 would be drawn as the break starts and one at 20:10 counts down inside it:
    neither is allowed unless the break is covered. Three segments earn 10 + 10 + 20 = 40."""
    result = _bag_peak(
        tmp_path,
        "ABC",
        hosts=[{"name": "H"}, {"name": "Co", "role": "co_host"}],
        breaks=[{"at": "20:10", "minutes": 5, "covered_by": covered_by}],
    )
    assert [b["minute"] for b in result.plan["lucky_bags"]] == [drop]
    assert result.solution.objective == objective


def test_lucky_bag_only_while_a_host_is_on_shift(tmp_path):
    """The only host is off shift 20:10–20:15, where viewers peak (1,000): no drop counts down
    or is drawn then (not at 20:05 nor 20:10). Segments 10 + 10 + 100 + 20 = 140; the drop at
    20:15 (200 viewers) adds 10."""
    shifts = [{"from": "20:00", "to": "20:10"}, {"from": "20:15", "to": "20:20"}]
    result = _bag_peak(tmp_path, "ABCD", hosts=[{"name": "H", "shifts": shifts}])
    assert [b["minute"] for b in result.plan["lucky_bags"]] == [15]
    assert result.solution.objective == 15_000


@pytest.mark.parametrize(
    ("rule", "flash_at", "objective"),
    [
        # Default: A's flash sale may not start at 20:10, when the bag is drawn. Best:
        # C·1 + A(flash)·2·2·20 + B·3 = 10 + 80 + 60 = 150.
        ({}, 5, 15_000),
        # Switched off: the flash sale takes the busiest slot, 10 + 40 + 120 = 170.
        ({"no_flash_sale_at_draw": False}, 10, 17_000),
    ],
)
def test_no_flash_sale_at_a_draw(tmp_path, rule, flash_at, objective):
    """test_flash_sale_lifts_sales's show with a bag that may drop only at 20:05 (its window
    is 20:05–20:10), so it is drawn at 20:10."""
    products = [{"sku": "A", "margin": 30, "live": 40}, *ABC[1:]]
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 30, "units": 100, "max_minutes": 5},
        {**ONE_BAG[0], "window": {"from": "20:05", "to": "20:10"}},
    ]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            promotions=promo,
            demand={**DOUBLE_FLASH, "lucky_bag_viewer_lift": 0.0},  # the bag itself earns 0
            rules={"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 15, **rule}},
        )
    )
    flash = [s["start_minute"] for s in result.plan["segments"] if s["mode"] == "flash_sale"]
    assert flash == [flash_at]
    assert [b["minute"] for b in result.plan["lucky_bags"]] == [5]
    assert result.solution.objective == objective


@pytest.mark.parametrize("allow_gaps", [False, True])
def test_opening_first_segment(tmp_path, allow_gaps):
    """`first: true`: the traffic item T (margin −5) must be the first segment:
    T·1 + B·2 + A·3 = −5 + 40 + 90 = 125. With gaps allowed the same plan is best (T later,
    T·2 + A·3 = 80, earns less; A or B first is not allowed)."""
    products = [*ABC, {"sku": "T", "margin": -5, "role": "traffic"}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=RISING,
            allow_gaps=allow_gaps,
            rules={"opening": {"roles": ["traffic"], "first": True}},
        )
    )
    assert order(result) == ["T", "B", "A"]
    assert result.solution.objective == 12_500


def test_opening_first_with_gaps_may_start_late(tmp_path):
    """Gaps allowed, viewers 300/200/300, only A (margin 30) and T (−5): T must come first.
    T·2 + A·3 = −10 + 90 = 80 beats T·1 + A·3 = −15 + 90 = 75; A alone (90) or A before T
    (90 − 10 = 80) would not keep the rule."""
    products = [ABC[0], {"sku": "T", "margin": -5, "role": "traffic"}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=[300, 200, 300],
            allow_gaps=True,
            rules={"opening": {"roles": ["traffic"], "first": True}},
        )
    )
    assert [(s["sku"], s["start_minute"]) for s in result.plan["segments"]] == [
        ("T", 5),
        ("A", 10),
    ]
    assert result.solution.objective == 8_000


@pytest.mark.parametrize(
    ("opening", "expected", "objective"),
    [
        # T may start at 20:05, after A takes the busiest slot: A·3 + T·2 + B·1 = 90 − 10 + 20.
        ({"within_minutes": 10}, ["A", "T", "B"], 10_000),
        # T must be first: T·3 + A·2 + B·1 = −15 + 60 + 20.
        ({"first": True}, ["T", "A", "B"], 6_500),
    ],
)
def test_opening_within_minutes_against_first(tmp_path, opening, expected, objective):
    """Falling viewers (300/200/100) and a traffic item T of margin −5: the two readings of the
    opening rule give different plans."""
    products = [*ABC, {"sku": "T", "margin": -5, "role": "traffic"}]
    result = solve(
        tiny_show(
            tmp_path,
            products,
            viewers=[300, 200, 100],
            rules={"opening": {"roles": ["traffic"], **opening}},
        )
    )
    assert order(result) == expected
    assert result.solution.objective == objective
