"""The show model as a MIP (optimise/mip.py): SCIP and HiGHS reach CP-SAT's optimum, and the
checker accepts their plans.

The hand-checked instance: four 5-minute slots where a segment in slot t sells (t + 1) units,
so a product of margin m in slot t is worth m·(t + 1) dollars. P1..P6 have margins 1..6; P5 and
P6 share a category and may not follow each other. Rising margins 3, 4, 5, 6 (50 dollars) would
put P5 next to P6, so the optimum is 3, 5, 4, 6: 3 + 10 + 12 + 24 = 49 dollars.
"""

from __future__ import annotations

import pytest
from conftest import tiny_show

from lqplan.pipeline import load_and_validate
from lqplan.plan.baseline import keeps_rules
from lqplan.plan.optimise import solve
from lqplan.plan.optimise.cpsat import ShowModel
from lqplan.plan.optimise.mip import MIP_SOLVERS, MipAdapter, solve_mip
from lqplan.plan.options import build_demand
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

SLOTS = 4
OPTIMUM = 4_900  # cents


@pytest.fixture(scope="module")
def demand(tmp_path_factory):
    products = [
        {"sku": f"P{m}", "margin": m, "category": "a" if m >= 5 else f"c{m}"} for m in range(1, 7)
    ]
    folder = tiny_show(
        tmp_path_factory.mktemp("mip"),
        products,
        slots=SLOTS,
        viewers=[100 * (t + 1) for t in range(SLOTS)],
        rules={"no_back_to_back": {"category": True}},
    )
    return build_demand(load_and_validate(folder))


def _order(demand, solution: Solution) -> list[str]:
    chosen = sorted((demand.options[i] for i in solution.options), key=lambda o: o.start)
    return [o.sku for o in chosen]


def test_cpsat_finds_the_hand_checked_optimum(demand):
    """The yardstick the MIP solvers are held to: CP-SAT on the same rows."""
    cpsat = solve(demand, SolveSettings(deterministic=True, relative_gap_limit=0.0))
    assert cpsat.status == SolveStatus.OPTIMAL
    assert cpsat.objective == OPTIMUM
    assert _order(demand, cpsat) == ["P3", "P5", "P4", "P6"]


@pytest.mark.parametrize("solver", MIP_SOLVERS)
def test_each_mip_solver_proves_the_same_optimum_with_a_plan_the_checker_accepts(demand, solver):
    """Same model, same optimum: the objective recomputed from the chosen options, the bound
    equal to it (proven), and the plan keeps every rule by lqplan's own checker."""
    ready = []
    solution = solve_mip(demand, solver, 10.0, ready=lambda: ready.append(True))
    assert ready == [True]  # called once, before the solve
    assert solution.status == SolveStatus.OPTIMAL
    assert solution.objective == solution.bound == OPTIMUM
    assert _order(demand, solution) == ["P3", "P5", "P4", "P6"]
    assert keeps_rules(demand, solution)


def test_a_hint_reaches_the_model_as_a_complete_start(demand):
    """Every variable gets a value: 1 for the plan's options, 0 for the rest."""
    best = solve_mip(demand, "scip", 10.0)
    adapter = MipAdapter()
    built = ShowModel(demand, adapter)
    built.add_hint(set(best.options), set(best.drops))
    hint = adapter.model.export_to_proto().solution_hint
    values = dict(zip(hint.var_index, hint.var_value, strict=True))
    assert len(values) == adapter.model.num_variables
    assert [i for i, x in enumerate(built.x) if values[x.index] == 1] == list(best.options)


@pytest.mark.parametrize("solver", MIP_SOLVERS)
def test_a_hinted_solve_still_ends_at_the_optimum(demand, solver):
    """The start (benchmarks optima hands in the best plan so far) is taken as an incumbent."""
    best = solve_mip(demand, solver, 10.0)
    again = solve_mip(demand, solver, 10.0, hint=best)
    assert again.objective == OPTIMUM
    assert keeps_rules(demand, again)


def test_an_unknown_solver_is_named(demand):
    with pytest.raises(ValueError, match="unknown MIP solver 'cbc'; one of scip, highs"):
        solve_mip(demand, "cbc", 1.0)
