"""Window search (optimise/lns.py): each window is a small exact model whose edges keep the rules.

The hand-checked instance: 5-minute slots where a segment in slot t sells (t + 1) units, so a
product of margin m placed in slot t is worth m·(t + 1) dollars. The hint airs P01..P24 in
order (margins 1..24, already in rising order) and leaves P25..P28 unused.
"""

from __future__ import annotations

from conftest import SAMPLES, tiny_show

from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.baseline import keeps_rules
from lqplan.plan.optimise.lns import Stopper, WindowSearch
from lqplan.plan.options import build_demand
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

SLOTS = 24


def _show(tmp_path, categories: dict[str, str] | None = None):
    categories = categories or {}
    products = [
        {"sku": f"P{m:02d}", "margin": m, "category": categories.get(f"P{m:02d}", f"c{m}")}
        for m in range(1, 29)
    ]
    folder = tiny_show(
        tmp_path,
        products,
        slots=SLOTS,
        viewers=[100 * (t + 1) for t in range(SLOTS)],
        rules={"no_back_to_back": {"category": True}},
    )
    return build_demand(load_and_validate(folder))


def _plan(demand, skus: list[str]) -> Solution:
    index = {(o.sku, o.start): o.index for o in demand.options if o.mode.kind == "normal"}
    options = tuple(sorted(index[(sku, t)] for t, sku in enumerate(skus)))
    value = sum(demand.options[i].value_cents for i in options)
    return Solution(SolveStatus.FEASIBLE, options, (), value)


def _order(demand, plan: Solution) -> list[str]:
    return [o.sku for o in sorted((demand.options[i] for i in plan.options), key=lambda o: o.start)]


def test_a_window_takes_unused_products_and_leaves_the_rest_alone(tmp_path):
    """Window [16, 24): its 8 slots may take P17..P24 (in it) or P25..P28 (unused); the best 8 of
    those 12 are P21..P28 in rising order. Outside the window nothing moves."""
    demand = _show(tmp_path)
    hint = _plan(demand, [f"P{m:02d}" for m in range(1, 25)])
    search = WindowSearch(demand, SolveSettings(deterministic=True), Stopper())
    better = search.solve_window(hint, 16, 24, 12, 10.0)
    assert better is not None
    order = _order(demand, better)
    assert order[:16] == [f"P{m:02d}" for m in range(1, 17)]
    assert order[16:] == [f"P{m:02d}" for m in range(21, 29)]
    # 1·1 + 2·2 + … + 16·16, then P21..P28 in slots 16..23 (t + 1 = 17..24), in cents.
    expected = sum(m * m for m in range(1, 17)) + sum((m - 4) * m for m in range(21, 29))
    assert better.objective == expected * 100
    assert keeps_rules(demand, better)


def test_a_window_keeps_no_back_to_back_across_its_edge(tmp_path):
    """P16 stays outside the window, at slot 15; P21 and P28 share its category. Without the rule
    the window's best would open with P21 at slot 16, right after P16: the rule, which holds
    across the edge, moves it, while P28 keeps the last slot."""
    demand = _show(tmp_path, {"P16": "same", "P28": "same", "P21": "same"})
    hint = _plan(demand, [f"P{m:02d}" for m in range(1, 25)])
    search = WindowSearch(demand, SolveSettings(deterministic=True), Stopper())
    better = search.solve_window(hint, 16, 24, 12, 10.0)
    assert better is not None
    order = _order(demand, better)
    products = demand.inputs.products
    assert products[order[16]].category != "same"
    assert order[23] == "P28"
    assert keeps_rules(demand, better)


def test_no_better_window_returns_none(tmp_path):
    """The best plan of the window is the hint itself: nothing to return."""
    demand = _show(tmp_path)
    best = _plan(demand, [f"P{m:02d}" for m in range(5, 29)])
    search = WindowSearch(demand, SolveSettings(deterministic=True), Stopper())
    assert search.solve_window(best, 8, 16, 12, 10.0) is None


def test_marathon_by_windows_keeps_every_rule_and_repeats_exactly():
    """The marathon sample goes through window search by default (37,799 options); a
    deterministic run is checked by the independent checker and repeats to the option."""
    inputs = load_and_validate(SAMPLES / "double11-marathon")
    settings = SolveSettings(time_limit=1.5, deterministic=True)
    first = plan_show(inputs, settings)
    again = plan_show(inputs, settings)
    assert first.solution.model_size.get("windows", 0) > 0
    assert first.check.ok, first.check.violations
    assert first.solution.objective == first.check.objective_cents
    assert first.solution.objective >= first.baseline.objective
    assert first.solution.options == again.solution.options
    assert first.solution.drops == again.solution.drops
