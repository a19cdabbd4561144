"""The LP-guided search: CP-SAT on the options the LP relaxation says matter, before the windows.

The LP relaxation of a show is nearly integral (a few dozen fractional options out of 100k+) and
its bound is within a fraction of a percent of the optimum, yet rounding it loses a few percent
and the window search (lns.py) climbs back slowly on a large show. Here CP-SAT solves the whole
show over a small set of options: the LP's support, the plan in hand, and the options of best
reduced cost; the set grows (4× each round) while the gap stays open and time remains.

Reduced costs also say when a restricted optimum is the optimum: no plan with option i is worth
more than the LP's optimum plus i's reduced cost (≤ 0 for an option the LP leaves out), so once
every option whose reduced cost leaves room above the plan in hand is in the set, the set's
optimum is the show's, and the plan is proven optimal without the full model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from ortools.sat.python import cp_model

from lqplan.plan.demand import Demand
from lqplan.plan.optimise.cpsat import ShowModel, solver_parameters
from lqplan.plan.optimise.lns import Stopper, improve
from lqplan.plan.options import renumbered
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

# Options of best reduced cost in the first round, beyond the LP's support and the plan: measured
# on the benchmark ladder (issue 13), about 2,000 reached the proven optimum on M (35k options)
# in 2–6 s. A larger show needs a larger first set: on L (145k–152k options), 11 s on the first
# set from the greedy's plan reached 99.75 % of the LP bound with 2,000 (its optimum: the
# optimum of the show is not in it) and 99.96–99.98 % with 5,000; 8,000 was too many to search
# in that time (99.87–99.99 %). So one option in 30, within these limits.
FIRST_EXTRA = 2_000
FIRST_EXTRA_MAX = 5_000
FIRST_EXTRA_SHARE = 30
GROWTH = 4
# A round's share of the time left (the last round may take it all): a first round that proves
# the optimum ends early; one that does not leaves time to grow the set and for the windows.
ROUND_SHARE = 0.6
SUPPORT = 1e-6  # an LP value above this puts the option in the support
# GLOP's tolerances in cents: a reduced cost is trusted to within this much of the plan's value.
TOLERANCE = 1.0


def candidates(plan: Solution, n: int) -> tuple[list[int], list[int]]:
    """(the LP's support and the plan's options, the other options best reduced cost first)."""
    weights, reduced = plan.guide, plan.reduced
    core = sorted({i for i in range(n) if weights[i] > SUPPORT} | set(plan.options))
    inside = set(core)
    others = sorted((i for i in range(n) if i not in inside), key=lambda i: (-reduced[i], i))
    return core, others


def first_extra(options: int) -> int:
    """How many options of best reduced cost the first round adds, on a show of `options`."""
    return min(FIRST_EXTRA_MAX, max(FIRST_EXTRA, options // FIRST_EXTRA_SHARE))


def could_improve(plan: Solution, bound: float, incumbent: int, i: int) -> bool:
    """Can a plan with option i be worth more than `incumbent`? Not if the LP's optimum plus its
    reduced cost (an upper bound on every plan that uses it) is below the incumbent."""
    return bound + plan.reduced[i] >= incumbent + 1 - TOLERANCE


def restricted_search(
    demand: Demand, plan: Solution, settings: SolveSettings, budget: float, stopper: Stopper
) -> tuple[Solution, float]:
    """The best plan found on growing option sets within `budget` seconds (deterministic
    seconds when settings.deterministic), and the seconds spent. Status OPTIMAL when the
    reduced costs prove it. `plan` is complete and carries the LP's guide, reduced costs and
    bound; `stopper` (a signal handler's) stops the solve running and ends the search."""
    n = len(demand.options)
    if not plan.guide or not plan.reduced or plan.bound is None or len(plan.guide) != n:
        return plan, 0.0
    started = time.perf_counter()
    spent = 0.0
    core, others = candidates(plan, n)
    extra = first_extra(n)
    best = plan
    while not stopper.stopped:
        left = budget - spent
        if left <= 0.05:
            break
        incumbent = best.objective or 0
        useful = _useful(plan, others, incumbent)
        keep = sorted(set(core) | set(best.options) | set(useful[:extra]))
        complete = extra >= len(useful)  # every option that could improve is in the set
        seconds = left if complete else max(0.05, left * ROUND_SHARE)
        found, status, dtime = _solve_subset(demand, keep, best, settings, seconds, stopper)
        spent = dtime if settings.deterministic else time.perf_counter() - started
        if found is not None and (found.objective or 0) > incumbent:
            best = found
        if status == cp_model.OPTIMAL and complete:
            objective = best.objective or 0
            return replace(best, status=SolveStatus.OPTIMAL, bound=objective), spent
        if complete or (best.objective or 0) >= plan.bound:
            break
        extra *= GROWTH
    return best, spent


def _useful(plan: Solution, others: list[int], incumbent: int) -> list[int]:
    """The options of `others` that could lift a plan above `incumbent` (the rest are left out
    for good), in their order."""
    assert plan.bound is not None
    return [i for i in others if could_improve(plan, plan.bound, incumbent, i)]


def _subset(demand: Demand, keep: list[int]) -> Demand:
    """The show over the options `keep` alone (renumbered in that order) and every drop."""
    return replace(demand, options=[renumbered(demand.options[i], k) for k, i in enumerate(keep)])


def first_set(plan: Solution, n: int) -> list[int]:
    """The options of restricted_search's first round: the LP's support, the plan's options and
    those of best reduced cost that could still lift the plan."""
    core, others = candidates(plan, n)
    useful = _useful(plan, others, plan.objective or 0)
    return sorted(set(core) | set(plan.options) | set(useful[: first_extra(n)]))


def windows_on_set(
    demand: Demand,
    plan: Solution,
    keep: list[int],
    settings: SolveSettings,
    budget: float,
    stopper: Stopper,
) -> Solution:
    """The window search (lns.py) over the options `keep` alone (every drop), from `plan`
    (whose options are all in `keep`): a window there offers a few hundred options, not
    thousands, so many more windows fit in the time, each a move CP-SAT's search over the
    whole set may take long to find. Returns the plan in the full show's indices."""
    position = {i: k for k, i in enumerate(keep)}
    sub = _subset(demand, keep)
    start = replace(
        plan,
        options=tuple(position[i] for i in plan.options),
        guide=tuple(plan.guide[i] for i in keep),
        reduced=tuple(plan.reduced[i] for i in keep),
    )
    found, _ = improve(sub, start, replace(settings, workers=1), budget, stopper)
    if (found.objective or 0) <= (plan.objective or 0):
        return plan
    return replace(
        plan,
        options=tuple(sorted(keep[k] for k in found.options)),
        drops=found.drops,
        objective=found.objective,
        from_hint=False,
    )


def race(
    demand: Demand,
    plan: Solution,
    settings: SolveSettings,
    budget: float,
    stopper: Stopper,
    rounding: Solution | None = None,
) -> Solution:
    """restricted_search from `plan` and windows_on_set on its first set side by side, one
    core each, for `budget` wall seconds; the better plan (restricted_search's when it proves
    the optimum, which ends the windows too). CP-SAT releases the interpreter's lock while it
    searches, so the two overlap but for their Python model building. The windows start from
    `rounding` (the LP's own plan, when it has one and it is not `plan`): two searches from two
    starts reach further than from one.

    Measured on the ladder's five L shows, 12 s from the LP's rounding (BENCHMARKS.md, issue 13
    session 9): either search alone left one seed 0.25–1.3 % below the LP bound (CP-SAT on the
    set stalls at 0.36 % on L-1 where the windows reach 0.03 %; the windows stall on L-4 where
    CP-SAT reaches 0.03 %); side by side, every seed ended within 0.032 %. In the pipeline the
    plan in hand is the windows' by then; from it, the windows on the set reached 1.6 % on
    L-1, from the rounding 0.025 %."""
    if not plan.guide or not plan.reduced or plan.bound is None:
        return plan
    keep = first_set(plan, len(demand.options))
    start = plan
    if rounding is not None and rounding.status == SolveStatus.FEASIBLE and rounding is not plan:
        keep = sorted(set(keep) | set(rounding.options))
        start = replace(
            plan, options=rounding.options, drops=rounding.drops, objective=rounding.objective
        )
    searching, windowing = stopper.child(), stopper.child()
    outcome: dict[str, Any] = {}

    def search() -> None:
        try:
            outcome["plan"] = restricted_search(
                demand, plan, replace(settings, workers=1), budget, searching
            )[0]
            if outcome["plan"].status == SolveStatus.OPTIMAL:
                windowing.stop()  # proven: the windows can find nothing better
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
            windowing.stop()

    thread = threading.Thread(target=search, name="lqplan-restricted", daemon=True)
    thread.start()
    try:
        windowed = windows_on_set(demand, start, keep, settings, budget, windowing)
    except BaseException:
        searching.stop()
        thread.join()
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    searched: Solution = outcome["plan"]
    if searched.status == SolveStatus.OPTIMAL:
        return searched
    return searched if (searched.objective or 0) >= (windowed.objective or 0) else windowed


def _solve_subset(
    demand: Demand,
    keep: list[int],
    best: Solution,
    settings: SolveSettings,
    seconds: float,
    stopper: Stopper,
) -> tuple[Solution | None, int, float]:
    """CP-SAT on the options `keep` (every drop), started from `best`: (the plan in full-show
    indices if one was found, CP-SAT's status, its deterministic time)."""
    sub = _subset(demand, keep)
    model = cp_model.CpModel()
    built = ShowModel(sub, model)
    position = {i: k for k, i in enumerate(keep)}
    built.add_hint({position[i] for i in best.options}, set(best.drops))
    solver = cp_model.CpSolver()
    solver_parameters(solver, replace(settings, time_limit=seconds, relative_gap_limit=0.0))
    stopper.current = solver
    status = solver.Solve(model)
    stopper.current = None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status, solver.deterministic_time
    options = tuple(sorted(keep[k] for k, var in enumerate(built.x) if solver.BooleanValue(var)))
    drops = tuple(i for i, var in enumerate(built.z) if solver.BooleanValue(var))
    objective = round(solver.ObjectiveValue())
    found = replace(best, options=options, drops=drops, objective=objective, from_hint=False)
    return found, status, solver.deterministic_time
