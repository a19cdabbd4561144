"""The LP-guided search (plan/optimise/restricted.py): CP-SAT over the LP's support and the
options of best reduced cost reaches the full model's optimum, and proves it by reduced costs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import tiny_show

import lqplan.plan.optimise.restricted as restricted
from lqplan.pipeline import load_and_validate
from lqplan.plan.baseline import greedy_plan, keeps_rules
from lqplan.plan.optimise import lp_guided_plan, solve
from lqplan.plan.optimise.lns import Stopper
from lqplan.plan.options import build_demand
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

# Twelve products over 12 five-minute slots at viewers that rise and fall: many options, one
# best plan, and a greedy that misses it.
PRODUCTS = [
    {"sku": f"P{i:02d}", "margin": 5 + (7 * i) % 11, "category": f"c{i % 4}"} for i in range(12)
]
VIEWERS = [100, 300, 600, 900, 1200, 900, 700, 1100, 800, 500, 300, 200]
SETTINGS = SolveSettings(time_limit=10, deterministic=True, window_search_from=10**9)


@pytest.fixture
def show(tmp_path):
    rules = {
        "segment_minutes": {"default": 5, "min": 5, "max": 15},
        "no_back_to_back": {"category": True},
        "repeats": [{"sku": "P03", "max_airings": 2, "min_gap_minutes": 15}],
    }
    folder = tiny_show(tmp_path, PRODUCTS, slots=12, viewers=VIEWERS, rules=rules)
    return build_demand(load_and_validate(folder), shortlist=False)


def _start(demand):
    """The greedy plan with the LP's guide, reduced costs and bound, as the pipeline hands it."""
    guided = lp_guided_plan(demand, 60)
    assert guided is not None and guided.reduced
    greedy = greedy_plan(demand)
    return replace(greedy, bound=guided.bound, guide=guided.guide, reduced=guided.reduced)


def test_the_lp_guided_search_proves_the_full_models_optimum(show):
    optimum = solve(show, SETTINGS)  # the full model, no hint
    assert optimum.status == SolveStatus.OPTIMAL
    start = _start(show)
    assert (start.objective or 0) < (optimum.objective or 0)  # something to find
    plan, _ = restricted.restricted_search(show, start, SETTINGS, 10, Stopper())
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.objective == optimum.objective and plan.bound == plan.objective


def test_the_set_grows_until_the_proof_holds(show, monkeypatch):
    """One option of best reduced cost at first: the set grows (×4) round by round and the
    search still ends at the optimum, proven."""
    monkeypatch.setattr(restricted, "FIRST_EXTRA", 1)
    monkeypatch.setattr(restricted, "FIRST_EXTRA_MAX", 1)
    sizes: list[int] = []
    solve_subset = restricted._solve_subset

    def counted(demand, keep, *args):
        sizes.append(len(keep))
        return solve_subset(demand, keep, *args)

    monkeypatch.setattr(restricted, "_solve_subset", counted)
    optimum = solve(show, SETTINGS)
    plan, _ = restricted.restricted_search(show, _start(show), SETTINGS, 10, Stopper())
    assert plan.objective == optimum.objective and plan.status == SolveStatus.OPTIMAL
    assert len(sizes) >= 2 and sizes == sorted(sizes)


@pytest.mark.parametrize(
    ("options", "extra"),
    [
        (400, 2_000),  # a sample: the whole show fits in the first set
        (35_479, 2_000),  # the ladder's M-0
        (145_565, 4_852),  # L-1: one in 30
        (315_000, 5_000),  # XL: no more than 5,000
    ],
)
def test_the_first_set_grows_with_the_show_within_limits(options, extra):
    assert restricted.first_extra(options) == extra


@pytest.mark.parametrize(
    ("reduced", "incumbent", "expected"),
    [
        (0.0, 1000, True),  # in the LP's support
        (-50.0, 1000, True),  # 1,100 − 50 leaves room above 1,000
        (-99.0, 1000, True),  # exactly reaches 1,001 (within GLOP's tolerance)
        (-150.0, 1000, False),  # 950 at best: no better plan uses it
    ],
)
def test_an_option_is_kept_while_its_reduced_cost_leaves_room(reduced, incumbent, expected):
    plan = Solution(SolveStatus.FEASIBLE, (), (), incumbent, 1100, guide=(0.0,), reduced=(reduced,))
    assert restricted.could_improve(plan, 1100, incumbent, 0) is expected


def test_without_an_lp_the_plan_is_handed_back(show):
    greedy = greedy_plan(show)
    plan, spent = restricted.restricted_search(show, greedy, SETTINGS, 10, Stopper())
    assert plan is greedy and spent == 0.0


# The race (restricted.race): CP-SAT on the LP's set and the windows on the same set, side by
# side under a wall clock.
RACING = replace(SETTINGS, deterministic=False, workers=2)


def _value(demand, solution: Solution) -> int:
    return sum(
        demand.options[i].value_cents + demand.options[i].preference_cents for i in solution.options
    ) + sum(demand.drops[i].value_cents for i in solution.drops)


def test_the_race_ends_at_the_proven_optimum(show):
    optimum = solve(show, SETTINGS)
    plan = restricted.race(show, _start(show), RACING, 10, Stopper())
    assert plan.status == SolveStatus.OPTIMAL and plan.objective == optimum.objective
    assert keeps_rules(show, plan) and _value(show, plan) == plan.objective


def test_the_windows_on_the_set_keep_to_it_and_to_the_rules(show):
    start = _start(show)
    keep = restricted.first_set(start, len(show.options))
    assert set(start.options) <= set(keep) and len(keep) < len(show.options)
    plan = restricted.windows_on_set(show, start, keep, RACING, 5, Stopper())
    assert set(plan.options) <= set(keep)
    assert (plan.objective or 0) > (start.objective or 0)  # the greedy's plan is not the best
    assert keeps_rules(show, plan) and _value(show, plan) == plan.objective
    assert plan.guide == start.guide and plan.reduced == start.reduced  # the full show's, still


def test_the_race_takes_the_windows_plan_when_the_search_finds_nothing(show, monkeypatch):
    start = _start(show)
    monkeypatch.setattr(restricted, "restricted_search", lambda demand, plan, *_: (plan, 0.0))
    plan = restricted.race(show, start, RACING, 5, Stopper())
    assert (plan.objective or 0) > (start.objective or 0)
    assert set(plan.options) <= set(restricted.first_set(start, len(show.options)))


def test_the_windows_start_from_the_lps_rounding_when_given(show, monkeypatch):
    """The two searches start apart: CP-SAT from the plan in hand, the windows from the LP's
    rounding (on L-1 the windows from the rounding reached 0.03 % below the bound, from the
    plan in hand 1.6 %)."""
    start = _start(show)
    rounding = lp_guided_plan(show, 60)
    assert rounding is not None and rounding.options != start.options
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(restricted, "restricted_search", lambda demand, plan, *_: (plan, 0.0))
    monkeypatch.setattr(
        restricted,
        "windows_on_set",
        lambda demand, plan, keep, *_: seen.append(plan.options) or plan,
    )
    plan = restricted.race(show, start, RACING, 5, Stopper(), rounding)
    assert seen == [rounding.options]
    better = rounding if (rounding.objective or 0) > (start.objective or 0) else start
    assert plan.objective == better.objective


def test_an_error_in_the_search_reaches_the_caller(show, monkeypatch):
    def broken(*_):
        raise RuntimeError("restricted search failed")

    monkeypatch.setattr(restricted, "restricted_search", broken)
    with pytest.raises(RuntimeError, match="restricted search failed"):
        restricted.race(show, _start(show), RACING, 30, Stopper())


def test_a_stopped_search_stops_the_searches_beside_it():
    parent = Stopper()
    first = parent.child()
    parent.stop()
    assert first.stopped and parent.child().stopped  # a child made after the stop, too
    alone = Stopper()
    child = alone.child()
    child.stop()
    assert not alone.stopped  # one search may end alone


def test_a_set_with_an_encore_but_not_its_first_airing_builds_and_keeps_the_encore_off(show):
    """restricted.windows_on_set's sub-show may hold P03's encores without any first airing
    (seen on the ladder's XL-0): the model builds, and no encore airs without its first."""
    from ortools.sat.python import cp_model

    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.plan.options import renumbered

    kept = [o for o in show.options if not (o.sku == "P03" and o.airing == 1)]
    assert any(o.sku == "P03" and o.airing == 2 for o in kept)
    sub = replace(show, options=[renumbered(o, k) for k, o in enumerate(kept)])
    model = cp_model.CpModel()
    built = ShowModel(sub, model)
    encores = [k for k, o in enumerate(sub.options) if o.sku == "P03" and o.airing == 2]
    model.add(sum(built.x[k] for k in encores) >= 1)  # ask for an encore: impossible
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    assert solver.Solve(model) == cp_model.INFEASIBLE
