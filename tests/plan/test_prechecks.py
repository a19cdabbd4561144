"""Impossible shows are found before any solve, each reason naming its rule (plan/prechecks.py
and each family's `impossible`), on tiny shows whose arithmetic can be checked by hand."""

from __future__ import annotations

import time

import pytest
from conftest import tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings

BAG = {"id": "bag", "type": "lucky_bag", "prize": "cup", "prize_value": 1, "count": 9}


def conflicts(folder) -> list[str]:
    started = time.perf_counter()
    with pytest.raises(InfeasibleError) as info:
        plan_show(load_and_validate(folder), SolveSettings(time_limit=30))
    assert time.perf_counter() - started < 10  # a pre-check, not a 30-second search
    assert "found before solving" in str(info.value)
    return info.value.conflicts


def test_a_catalog_that_cannot_fill_the_air_time(tmp_path):
    # Two products, each once, 5-minute segments: 10 of the 20 minutes at most.
    found = conflicts(tiny_show(tmp_path, [{"sku": "A"}, {"sku": "B"}], slots=4))
    assert found == [
        "no_dead_air: the catalog can fill at most 10 of the 20 minutes on air (2 products "
        "with stock, each at its longest segment as many times as it may air); add products or "
        "encores, allow longer segments, or set allow_gaps"
    ]


def test_a_cadence_the_slot_grid_cannot_keep(tmp_path):
    # 12–13 minutes on 5-minute slots: a drop 10 minutes after the last is too soon, 15 too late.
    rules = {"lucky_bag_cadence": {"min_gap_minutes": 12, "max_gap_minutes": 13}}
    folder = tiny_show(
        tmp_path, [{"sku": s} for s in "ABCD"], slots=4, promotions=[BAG], rules=rules
    )
    assert conflicts(folder) == [
        "lucky_bag_cadence: a gap of 12–13 minutes cannot be kept on the 5-minute slot grid "
        "(drops fall 10 or 15 minutes apart)"
    ]


def test_a_stretch_where_no_bag_can_drop(tmp_path):
    bag = {**BAG, "window": {"from": "20:00", "to": "20:05"}}
    rules = {"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 10}}
    folder = tiny_show(
        tmp_path, [{"sku": s} for s in "ABCD"], slots=4, promotions=[bag], rules=rules
    )
    assert conflicts(folder) == [
        "lucky_bag_cadence: no lucky bag can drop between 20:05 and 20:15, but one must every "
        "10 minutes"
    ]


def test_a_pin_whose_product_runs_past_the_end(tmp_path):
    rules = {
        "segment_minutes": {"default": 10, "min": 10, "max": 10},
        "pins": [{"id": "late", "sku": "B", "at": "20:15"}],
    }
    folder = tiny_show(tmp_path, [{"sku": "A"}, {"sku": "B"}], slots=4, rules=rules)
    assert conflicts(folder) == [
        "late: no segment of B can start at 20:15 (a break or the end comes first, or it "
        "cannot air)"
    ]


def test_a_required_gift_no_segment_of_the_grid_can_carry(tmp_path):
    gift = {"id": "g", "type": "gift", "sku": "A", "item": "cup", "units": 5, "unit_cost": 1}
    gift |= {"required": True, "window": {"from": "20:02", "to": "20:08"}}
    folder = tiny_show(tmp_path, [{"sku": "A"}, {"sku": "B"}], slots=2, promotions=[gift])
    assert conflicts(folder) == ["g: required gift g fits in no segment of the show"]


def test_the_command_reports_them_with_the_infeasible_exit_code(tmp_path):
    folder = tiny_show(tmp_path / "show", [{"sku": "A"}], slots=2)
    result = CliRunner().invoke(app, ["plan", str(folder), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 3
    assert "error: no plan can keep every rule (found before solving):" in result.stderr
    assert "  • no_dead_air: the catalog can fill at most 5 of the 10 minutes" in result.stderr
    assert not (tmp_path / "out").exists()


# --- rules that make products air, against exclusions and precedence ------------------------

FOUR = [{"sku": s} for s in "ABCD"]
FLASH = {"id": "fs", "type": "flash_sale", "sku": "B", "price": 50, "units": 5, "required": True}


@pytest.mark.parametrize(
    ("rules", "promotions", "expected"),
    [
        pytest.param(
            {
                "pins": [
                    {"id": "pa", "sku": "A", "at": "20:00"},
                    {"id": "pb", "sku": "B", "at": "20:10"},
                ],
                "exclusions": [{"id": "a-or-b", "skus": ["A", "B"]}],
            },
            [],
            ["a-or-b: only one of A, B may air", "pa: pin A at 20:00", "pb: pin B at 20:10"],
            id="two-pinned-excluded",
        ),
        pytest.param(
            {
                "pins": [{"id": "pa", "sku": "A", "at": "20:00"}],
                "exclusions": [{"id": "a-or-b", "skus": ["A", "B", "C"]}],
            },
            [FLASH],
            [
                "a-or-b: only one of A, B, C may air",
                "pa: pin A at 20:00",
                "fs: required flash sale fs runs on B",
            ],
            id="pinned-and-required-excluded",
        ),
        pytest.param(
            {
                "pins": [
                    {"id": "pa", "sku": "A", "at": "20:10"},
                    {"id": "pb", "sku": "B", "at": "20:05"},
                ],
                "precedence": [{"id": "a-first", "before": "A", "after": "B"}],
            },
            [],
            [
                "a-first: A must air before B, but cannot start before 20:10 and B must start "
                "by 20:05",
                "pa: pin A at 20:10",
                "pb: pin B at 20:05",
            ],
            id="pins-against-precedence",
        ),
        pytest.param(
            {
                "pins": [{"id": "pa", "sku": "A", "at": "20:10"}],
                "precedence": [{"id": "a-first", "before": "A", "after": "B"}],
            },
            [{**FLASH, "window": {"from": "20:00", "to": "20:10"}}],
            [
                "a-first: A must air before B, but cannot start before 20:10 and B must start "
                "by 20:10",
                "pa: pin A at 20:10",
                "fs: required flash sale fs runs on B 20:00–20:10",
            ],
            id="pin-against-a-required-window",
        ),
    ],
)
def test_rules_that_make_products_air_against_exclusions_and_precedence(
    tmp_path, rules, promotions, expected
):
    folder = tiny_show(tmp_path, FOUR, slots=4, rules=rules, promotions=promotions)
    assert conflicts(folder) == expected


@pytest.mark.parametrize(
    "rules",
    [
        # A may air twice: its first airing can come before B's pin although A is pinned later.
        {
            "pins": [
                {"id": "pa", "sku": "A", "at": "20:10"},
                {"id": "pb", "sku": "B", "at": "20:05"},
            ],
            "precedence": [{"id": "a-first", "before": "A", "after": "B"}],
            "repeats": [{"sku": "A", "min_gap_minutes": 0}],
        },
        # One product of the group must air; the other need not.
        {
            "pins": [{"id": "pa", "sku": "A", "at": "20:00"}],
            "exclusions": [{"id": "a-or-b", "skus": ["A", "B"]}],
        },
    ],
)
def test_no_pre_check_where_a_plan_exists(tmp_path, rules):
    folder = tiny_show(tmp_path, [*FOUR, {"sku": "E"}], slots=4, rules=rules)
    assert plan_show(load_and_validate(folder), SolveSettings(time_limit=5)).check.ok
