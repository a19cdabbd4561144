"""Large-neighbourhood search by time window: improve a complete plan one stretch at a time.

On a large show the full CP-SAT model spends most of its time loading and propagating: each of
its own LNS moves re-derives a neighbourhood from 100k+ variables (measured: about 2 s per move
on 300 products × 240 slots, a dozen moves in 30 s). Here each move is a small model of its own:
the plan outside a window of slots is kept as it is, and inside the window any of a few dozen
candidate products may take any start and length. The small model is the same ShowModel over a
smaller Demand, so every rule (stock, every rule family's rows, budgets, host stretch) holds
across the window's edges exactly as in the full model; the plan's options outside the window
are its only options there, forced on.

Windows sweep the show with half-overlap, where the LP relaxation finds the most value the plan
misses first (the busiest first without an LP); a sweep that gains little widens them.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from lqplan.plan.demand import Demand, Option
from lqplan.plan.optimise.cpsat import ShowModel, solver_parameters
from lqplan.plan.options import renumbered
from lqplan.plan.result import Solution, SolveSettings

# Measured on the benchmark ladder (BENCHMARKS.md): on 300 products × 240 slots, windows
# capped at 1 s each gained faster than windows of 2 s, which mostly spent the extra on proof.
WINDOW_SECONDS = 1.0  # cap per window: most of a window's gain comes well before its proof
# The first sweep's windows hold about this many of the plan's segments: measured on the
# marathon sample's second half, on 100 × 120 (seed 1) and on 300 × 240, 8 did at least as well
# in the same time as 5 or 6 (smaller windows solve faster but see too little to move).
SEGMENTS_PER_WINDOW = 8
WIDEN_BELOW = 3e-3  # a sweep gaining less than this (relative) widens the window by half
# A deterministic run counts CP-SAT's deterministic time plus this much per window and per option
# in it for the work around the search (building the window, loading it), so that its budget
# tracks the wall clock (measured on the marathon sample: 0.10–0.23 s per window of ~1,300).
DTIME_PER_WINDOW = 0.05
DTIME_PER_OPTION = 5e-5
MIN_WIDTH = 4  # slots
MIN_CANDIDATES = 12  # products offered to a window besides those already in it


@dataclass
class Neighbourhood:
    """One window's sub-show and how its options and drops map back to the full show."""

    demand: Demand  # the sub-show: fixed options outside the window, candidates inside
    options: list[int]  # sub-option index -> index in the full demand
    drops: list[int]
    fixed: list[int]  # sub-option indices forced on (the plan outside the window)
    fixed_drops: list[int]


class Stopper:
    """The sub-solve running now, so that a signal handler can stop it (see solve()). Two
    searches running side by side (restricted.race) each have their own, a child of the one
    the signal handler stops, so that either can be ended alone."""

    def __init__(self) -> None:
        self.current: cp_model.CpSolver | None = None
        self.stopped = False
        self.children: list[Stopper] = []

    def child(self) -> Stopper:
        """A stopper of its own for one search, stopped with this one."""
        child = Stopper()
        self.children.append(child)
        if self.stopped:
            child.stop()
        return child

    def stop(self) -> None:
        """Stop the search: the sub-solve running now, every later one, and the children's."""
        self.stopped = True
        current = self.current  # read once: another thread may clear it meanwhile
        if current is not None:
            current.StopSearch()
        for child in self.children:
            child.stop()


class WindowSearch:
    """Improves a complete plan one window of time at a time, re-solving the window with CP-SAT."""

    def __init__(self, demand: Demand, settings: SolveSettings, stopper: Stopper):
        self.demand = demand
        self.settings = settings
        self.by_sku: dict[str, list[Option]] = defaultdict(list)
        for o in sorted(demand.options, key=lambda o: (o.start, o.index)):
            self.by_sku[o.sku].append(o)
        self.starts = {sku: [o.start for o in options] for sku, options in self.by_sku.items()}
        self.coefficient = [o.value_cents + o.preference_cents for o in demand.options]
        self.dtime = 0.0  # deterministic seconds spent in sub-solves
        self.windows = 0
        self.stopper = stopper
        # Wall seconds the last window spent outside CP-SAT's search (choosing its options,
        # building and loading its model): under a wall clock the next window's search is
        # given that much less, so that the last one ends by the deadline, not after it.
        self.overhead = 0.0
        self.searched = 0.0  # the last window's CP-SAT search, wall seconds

    def value(self, options: tuple[int, ...], drops: tuple[int, ...]) -> int:
        """The objective of a plan given by its option and drop indices, in cents."""
        return sum(self.coefficient[i] for i in options) + sum(
            self.demand.drops[i].value_cents for i in drops
        )

    def within(self, sku: str, lo: int, hi: int) -> list[Option]:
        """The product's options that start and end inside [lo, hi)."""
        starts = self.starts[sku]
        options = self.by_sku[sku][bisect_left(starts, lo) : bisect_left(starts, hi)]
        return [o for o in options if o.end <= hi]

    def neighbourhood(
        self, plan: Solution, lo: int, hi: int, candidates_wanted: int
    ) -> Neighbourhood:
        """Free the slots [lo, hi) (widened to the plan's segment edges)."""
        d = self.demand
        chosen = [d.options[i] for i in plan.options]
        for o in chosen:  # widen to whole segments so that none straddles an edge
            if o.start < lo < o.end:
                lo = o.start
            if o.start < hi < o.end:
                hi = o.end
        outside = [o for o in chosen if o.end <= lo or o.start >= hi]
        inside = {o.sku for o in chosen if lo <= o.start < hi}
        aired_outside: dict[str, int] = defaultdict(int)
        for o in outside:
            aired_outside[o.sku] += 1

        # Candidates: the window's own products, then the best others that may still air.
        scores: dict[str, float] = {}
        for sku in self.by_sku:
            if sku in inside or aired_outside[sku] >= d.max_airings.get(sku, 1):
                continue
            best = max(
                (self.coefficient[o.index] / o.slots for o in self.within(sku, lo, hi)),
                default=None,
            )
            if best is not None:
                scores[sku] = best
        ranked = sorted(scores, key=lambda s: (-scores[s], s))
        skus = inside | set(ranked[:candidates_wanted])
        sub_options: list[int] = [o.index for o in outside]
        fixed = list(range(len(sub_options)))
        for sku in sorted(skus):
            sub_options += [o.index for o in self.within(sku, lo, hi)]
        sub_drops: list[int] = []
        fixed_drops: list[int] = []
        for i in plan.drops:
            if not lo <= d.drops[i].start < hi:
                fixed_drops.append(len(sub_drops))
                sub_drops.append(i)
        sub_drops += [i for i, b in enumerate(d.drops) if lo <= b.start < hi]
        sub = replace(
            d,
            options=[renumbered(d.options[i], k) for k, i in enumerate(sub_options)],
            drops=[d.drops[i] for i in sub_drops],
        )
        return Neighbourhood(sub, sub_options, sub_drops, fixed, fixed_drops)

    def solve_window(
        self, plan: Solution, lo: int, hi: int, candidates: int, seconds: float
    ) -> Solution | None:
        """The best plan that differs from `plan` only in [lo, hi), or None if none better."""
        n = self.neighbourhood(plan, lo, hi, candidates)
        model = cp_model.CpModel()
        built = ShowModel(n.demand, model)
        for k in n.fixed:
            model.add(built.x[k] == 1)
        for k in n.fixed_drops:
            model.add(built.z[k] == 1)
        chosen, taken = set(plan.options), set(plan.drops)
        built.add_hint(
            {k for k, i in enumerate(n.options) if i in chosen},
            {k for k, i in enumerate(n.drops) if i in taken},
        )
        solver = cp_model.CpSolver()
        # One worker: a window is small, and a second worker's start-up costs more than it
        # finds. No gap limit: a window is solved to its optimum or its time.
        solver_parameters(
            solver,
            replace(self.settings, workers=1, time_limit=seconds, relative_gap_limit=0.0),
        )
        self.stopper.current = solver
        status = solver.Solve(model)
        self.stopper.current = None
        self.searched = solver.wall_time
        self.dtime += (
            solver.deterministic_time + DTIME_PER_WINDOW + DTIME_PER_OPTION * len(n.options)
        )
        self.windows += 1
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        options = tuple(
            sorted(n.options[k] for k, var in enumerate(built.x) if solver.BooleanValue(var))
        )
        drops = tuple(
            sorted(n.drops[k] for k, var in enumerate(built.z) if solver.BooleanValue(var))
        )
        value = self.value(options, drops)
        if value <= (plan.objective or 0):
            return None
        return replace(plan, options=options, drops=drops, objective=value, from_hint=False)


def improve(
    demand: Demand,
    plan: Solution,
    settings: SolveSettings,
    budget: float,
    stopper: Stopper,
    progress: Callable[[float, float], None] | None = None,
    pause: Callable[[], bool] | None = None,
) -> tuple[Solution, int]:
    """Improve a complete plan window by window for `budget` seconds (deterministic seconds when
    settings.deterministic, else wall clock); returns the plan and the number of windows solved.

    Stops early at a local optimum: two sweeps in a row at the widest window gaining nothing,
    and between windows when `pause()` says so (the LP relaxation has arrived: solve()).
    """
    search = WindowSearch(demand, settings, stopper)
    started = time.perf_counter()

    def spent() -> float:
        return search.dtime if settings.deterministic else time.perf_counter() - started

    slots = demand.slots
    widest = max(MIN_WIDTH, slots // 2)
    lengths = [demand.options[i].slots for i in plan.options] or [1]
    width = min(widest, max(MIN_WIDTH, round(SEGMENTS_PER_WINDOW * sum(lengths) / len(lengths))))
    # The LP relaxation's value starting in each slot (none without a guide): a window where
    # the LP finds much more than the plan does is searched first.
    lp_value = [0.0] * (slots + 1)
    for o, weight in zip(demand.options, plan.guide, strict=False):
        lp_value[o.start] += weight * search.coefficient[o.index]
    viewers, slot = demand.viewers, demand.slot
    sweep, idle = 0, 0
    while spent() < budget and idle < 2 and not stopper.stopped:
        before = plan.objective or 0
        step = max(1, width // 2)
        offset = (sweep % 2) * (step // 2)  # alternate the windows' edges between sweeps
        windows = [
            (max(0, lo), min(slots, lo + width))
            for lo in range(-offset, max(1, slots - width // 2), step)
        ]
        if plan.guide:
            planned = [0.0] * (slots + 1)
            for i in plan.options:
                planned[demand.options[i].start] += search.coefficient[i]
            windows.sort(key=lambda w: -sum(lp_value[w[0] : w[1]]) + sum(planned[w[0] : w[1]]))
        elif sweep == 0:
            # No LP to say where the plan is weak (the largest shows): the busiest windows
            # first, where a better choice is worth most, so that a short budget spends itself
            # there rather than on the show's quiet first hours.
            windows.sort(key=lambda w: (-sum(viewers[w[0] * slot : w[1] * slot]), w[0]))
        for lo, hi in windows:
            left = budget - spent()
            if not settings.deterministic:
                left -= search.overhead
            if left <= 0.05 or stopper.stopped:
                break
            if pause is not None and pause():
                return plan, search.windows
            segments = sum(1 for i in plan.options if lo <= demand.options[i].start < hi)
            wanted = max(MIN_CANDIDATES, 2 * segments)
            began = time.perf_counter()
            better = search.solve_window(plan, lo, hi, wanted, min(left, WINDOW_SECONDS))
            search.overhead = max(0.0, time.perf_counter() - began - search.searched)
            if better is not None:
                plan = better
                if progress is not None:
                    progress(time.perf_counter() - started, float(plan.objective or 0))
        sweep += 1
        gain = ((plan.objective or 0) - before) / max(1, abs(before))
        idle = idle + 1 if gain == 0 and width == widest else 0
        if gain < WIDEN_BELOW:
            width = min(widest, width * 3 // 2)
    return plan, search.windows
