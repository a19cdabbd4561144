"""rules/traffic_minimum.py, checked by hand on a tiny show: A and B are traffic items earning
$1 a segment, C and D earn $30; three 5-minute slots, each product once."""

from __future__ import annotations

from conftest import tiny_show

from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.baseline import greedy_plan
from lqplan.plan.options import build_demand
from lqplan.plan.result import SolveSettings, SolveStatus
from lqplan.show.validate import check_show
from lqplan.verify.checker import check_plan

PRODUCTS = [
    {"sku": "A", "margin": 1, "role": "traffic"},
    {"sku": "B", "margin": 1, "role": "traffic"},
    {"sku": "C", "margin": 30},
    {"sku": "D", "margin": 30},
]


def _show(tmp_path, count):
    rules = {"traffic_minimum": {"count": count}}
    return tiny_show(tmp_path / f"count-{count}", PRODUCTS, slots=3, rules=rules)


def _traffic(plan):
    return sorted(s["sku"] for s in plan["segments"] if s["role"] == "traffic")


def test_the_solver_airs_the_minimum_at_its_cost(tmp_path):
    free = plan_show(load_and_validate(_show(tmp_path, 0)), SolveSettings(time_limit=5))
    assert free.solution.objective == 3_000 + 3_000 + 100 and len(_traffic(free.plan)) == 1
    two = plan_show(load_and_validate(_show(tmp_path, 2)), SolveSettings(time_limit=5))
    assert two.solution.objective == 100 + 100 + 3_000 and _traffic(two.plan) == ["A", "B"]


def test_the_checker_refuses_a_plan_with_too_few(tmp_path):
    free = plan_show(load_and_validate(_show(tmp_path, 0)), SolveSettings(time_limit=5)).plan
    report = check_plan(load_and_validate(_show(tmp_path, 2)), free)
    assert [(v.rule, v.message) for v in report.violations] == [
        ("traffic_minimum", "1 traffic item air; the show asks for 2")
    ]


def test_the_greedy_pencils_them_in(tmp_path):
    demand = build_demand(load_and_validate(_show(tmp_path, 2)))
    solution = greedy_plan(demand)
    assert solution.status == SolveStatus.FEASIBLE
    assert sorted(demand.options[i].sku for i in solution.options)[:2] == ["A", "B"]


def test_more_than_the_catalog_has_is_an_input_error(tmp_path):
    errors = [d.message for d in check_show(_show(tmp_path, 3)) if d.severity == "error"]
    assert errors == ["traffic_minimum asks for 3 traffic items; the catalog has 2 with stock"]


def test_the_summary_says_what_the_minimum_costs(tmp_path):
    """Without the rule the plan earns $61; with two traffic items $32: the rule costs $29."""
    from rich.console import Console

    from lqplan.plan.summary import print_summary

    two = plan_show(load_and_validate(_show(tmp_path, 2)), SolveSettings(time_limit=5))
    (cost,) = two.plan["solver"]["rule_costs"]
    assert cost == {
        "rule": "traffic_minimum",
        "cost_cents": 2_900,
        "without_cents": 6_100,
        "proven": True,
    }
    console = Console(record=True, width=120)
    print_summary(console, two.plan)
    assert "traffic_minimum costs $29 of profit (a plan without it: $61)" in console.export_text()
