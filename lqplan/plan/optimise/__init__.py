"""Stage 4, optimise: choose options with OR-Tools CP-SAT. The only package that imports ortools.

`solve(demand, settings, hint)` returns a plain Solution. Infeasible is a status, not an
exception; for it, `explain` re-solves with one enforcement literal per rule group passed as
assumptions (1 worker and presolve off: with several workers CP-SAT returns every assumption, and
presolve can return one outside the list) and names the rules in conflict.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from ortools.sat.python import cp_model

from lqplan.plan.demand import Demand
from lqplan.plan.optimise.cpsat import ShowModel, solver_parameters
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

Progress = Callable[[float, float, float], None]  # seconds, incumbent, bound (cents)

__all__ = ["LpJob", "Progress", "diagnose", "explain", "lp_guided_plan", "solve"]


def lp_guided_plan(
    demand: Demand,
    time_limit: float,
    solvers: list[Any] | None = None,
    cancelled: threading.Event | None = None,
) -> Solution | None:
    """A complete plan rounded from the LP relaxation (see lp.py), or None when the LP was not
    solved in time. Its `bound` is the LP optimum: solve() reports it when CP-SAT's own bound
    is weaker (a large show may end before CP-SAT has solved its LP). When the rounding does
    not close the sheet, the status is NO_SOLUTION and the bound, guide and reduced costs are
    still there for the plan that is found another way."""
    from lqplan.plan.baseline import guided_plan
    from lqplan.plan.optimise.lp import lp_weights

    relaxed = lp_weights(demand, time_limit, solvers, cancelled)
    if relaxed is None:
        return None
    if relaxed == "infeasible":
        # No fractional plan either, so no plan: proven before the greedy or CP-SAT spend time.
        return Solution(SolveStatus.INFEASIBLE)
    weights, optimum, reduced = relaxed
    plan = guided_plan(demand, weights)
    # Rounded up with a margin for GLOP's tolerances, so that it stays a valid upper bound.
    bound = math.ceil(optimum + 1e-7 * abs(optimum) + 1)
    if plan.status != SolveStatus.FEASIBLE:
        plan = Solution(SolveStatus.NO_SOLUTION)
    return replace(plan, bound=bound, guide=tuple(weights), reduced=tuple(reduced))


class LpJob:
    """The LP relaxation and its rounding (lp_guided_plan) solved beside the greedy and the
    window search, which take its guide and bound as soon as they are there.

    Where the system can fork, it runs in a child process: the LP's build and its rounding are
    Python, and in a thread they shared the interpreter's lock with the greedy and the windows
    (measured on a 300 × 240 show: the build 7 s instead of 3.7, the greedy 5.9 s instead of
    4.5, so the windows started late). A forked child
    starts at once with the demand already in its memory (nothing to copy or rebuild) and sends
    back only the rounded plan and the LP's figures. Elsewhere it runs in a thread (GLOP
    releases the lock while it solves)."""

    def __init__(self, demand: Demand, time_limit: float) -> None:
        self.result: Solution | None = None
        self.solvers: list[Any] = []
        self._done = threading.Event()
        self._cancelled = threading.Event()
        self._process: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            reader, writer = context.Pipe(duplex=False)
            # The child flushes the standard streams as it ends: empty them first, so that
            # nothing the parent has buffered is written twice.
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            # Ctrl-C and SIGTERM wait while the child is made, so that it never runs the
            # parent's handlers: it sets its own before it takes them.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
            try:
                with warnings.catch_warnings():
                    # Python 3.12+ warns when a process with threads forks; the child runs only
                    # lqplan's own code, holding no lock another thread could have taken.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self._process = context.Process(
                        target=_lp_in_child,
                        args=(demand, time_limit, writer, held),
                        name="lqplan-lp",
                        daemon=True,
                    )
                    self._process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            writer.close()
            target: Callable[..., None] = self._receive
            args: tuple[Any, ...] = (reader,)
        else:
            target, args = self._run, (demand, time_limit)
        self._thread = threading.Thread(target=target, args=args, name="lqplan-lp", daemon=True)
        self._thread.start()

    def _run(self, demand: Demand, time_limit: float) -> None:
        try:
            self.result = lp_guided_plan(demand, time_limit, self.solvers, self._cancelled)
        finally:
            self._done.set()

    def _receive(self, reader: Any) -> None:
        try:
            with contextlib.suppress(EOFError, OSError):  # the child was stopped or failed
                self.result = reader.recv()
        finally:
            reader.close()
            self._process.join()
            self._done.set()

    def ready(self) -> bool:
        """Has the LP finished (solved, proven infeasible, or given up)?"""
        return self._done.is_set()

    def wait(self, seconds: float) -> Solution | None:
        """The result, waiting up to `seconds` for it (None if not there by then)."""
        self._done.wait(max(0.0, seconds))
        return self.result if self._done.is_set() else None

    def stop(self) -> None:
        """Stop the LP where it is (its child at once; in a thread, its build at the next row and
        GLOP at once): it then ends with no result, and leaves the rest of the run the processor."""
        self._cancelled.set()
        if self._process is not None and not self._done.is_set():
            with contextlib.suppress(Exception):  # it may have ended meanwhile
                self._process.kill()
        for solver in self.solvers:
            solver.stop_search()


_STOPPING = {signal.SIGINT, signal.SIGTERM}


def _lp_in_child(demand: Demand, time_limit: float, writer: Any, mask: Iterable[int]) -> None:
    """LpJob's child process: the LP-guided plan, sent back through `writer` (None if it could
    not be made: the parent carries on without the LP, as when it is late). Ctrl-C is the
    parent's to handle (it stops the child), and a CPU-time limit keeps a child whose parent was
    killed outright from outliving its time limit by much."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    result = None
    try:
        with contextlib.suppress(ValueError, OSError):
            import resource

            seconds = int(time_limit) + 30
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
        result = lp_guided_plan(demand, time_limit)
    except BaseException:  # no traceback from a helper process, ever
        result = None
    writer.send(result)
    writer.close()


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports the incumbent on each new solution and the bound each time it moves."""

    def __init__(self, progress: Progress, hint: Solution | None):
        super().__init__()
        self.progress = progress
        self.started = time.perf_counter()
        self.incumbent = float(hint.objective) if hint and hint.objective is not None else 0.0
        self.bound = float("inf")

    def on_solution_callback(self) -> None:
        self.incumbent = self.ObjectiveValue()
        self.bound = self.BestObjectiveBound()
        self.progress(self.WallTime(), self.incumbent, self.bound)

    def on_bound(self, bound: float) -> None:
        self.bound = bound
        self.progress(time.perf_counter() - self.started, self.incumbent, bound)


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM calls `stop` (which stops the search at once: CP-SAT runs in C++ and
    would otherwise finish its time limit first); the caller then raises KeyboardInterrupt."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        stop()

    # A signal the parent set to be ignored (SIGINT for a background job) stays ignored.
    previous = {
        sig: signal.signal(sig, handler)
        for sig in (signal.SIGINT, signal.SIGTERM)
        if signal.getsignal(sig) is not signal.SIG_IGN
    }
    try:
        yield received
    finally:
        for sig, restore in previous.items():
            signal.signal(sig, restore)


def solve(
    demand: Demand,
    settings: SolveSettings,
    hint: Solution | None = None,
    progress: Progress | None = None,
    lp: LpJob | None = None,
) -> Solution:
    """Find the best plan within the time limit; `hint` (the baseline) seeds the search.

    A large show with a complete hint is improved window by window (lns.py) instead: measured on
    the benchmark ladder, the full model spends its time loading and propagating there. `lp`,
    the LP relaxation solving beside the search, is taken up when it arrives.
    """
    if (
        hint is not None
        and hint.options
        and settings.use_hint
        and len(demand.options) > settings.window_search_from
    ):
        return _solve_by_windows(demand, settings, hint, progress, lp)
    if lp is not None:  # the full model has its own LP; GLOP's result is for the bound only
        arrived = lp.wait(settings.time_limit / 2)
        lp.stop()
        if arrived is not None and arrived.bound is not None and hint is not None:
            hint = replace(hint, bound=arrived.bound)
    started = time.perf_counter()
    model = cp_model.CpModel()
    built = ShowModel(demand, model)
    if hint is not None and hint.options is not None and settings.use_hint:
        built.add_hint(set(hint.options), set(hint.drops))
    build_seconds = time.perf_counter() - started
    solver = cp_model.CpSolver()
    solver_parameters(solver, settings)
    callback = _Reporter(progress, hint) if progress else None
    if callback is not None:
        solver.best_bound_callback = callback.on_bound
    with _stop_on_signals(solver.StopSearch) as interrupted:
        status = solver.Solve(model, callback) if callback else solver.Solve(model)
    if interrupted:
        raise KeyboardInterrupt  # the CLI exits 130; nothing has been written yet
    seconds = solver.WallTime()
    size = {
        "options": len(demand.options),
        "bag_drops": len(demand.drops),
        "constraints": len(model.Proto().constraints),
    }
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        options = tuple(o.index for o in demand.options if solver.BooleanValue(built.x[o.index]))
        drops = tuple(i for i, var in enumerate(built.z) if solver.BooleanValue(var))
        objective = round(solver.ObjectiveValue())
        bound = round(solver.BestObjectiveBound())
        if hint is not None and hint.bound is not None:
            bound = min(bound, hint.bound)  # the LP relaxation's bound, when it is tighter
        return Solution(
            status=SolveStatus.OPTIMAL if status == cp_model.OPTIMAL else SolveStatus.FEASIBLE,
            options=options,
            drops=drops,
            objective=objective,
            bound=max(bound, objective),
            seconds=seconds,
            build_seconds=build_seconds,
            model_size=size,
            from_hint=hint is not None
            and set(options) == set(hint.options)
            and set(drops) == set(hint.drops),
        )
    if status == cp_model.INFEASIBLE:
        return Solution(
            SolveStatus.INFEASIBLE,
            seconds=seconds,
            build_seconds=build_seconds,
            model_size=size,
            conflicts=explain(demand),
        )
    return Solution(
        SolveStatus.NO_SOLUTION, seconds=seconds, build_seconds=build_seconds, model_size=size
    )


# The LP-guided search's share of a large show's search time (the windows have the rest, and
# all of it when the LP-guided search proves the optimum sooner).
RESTRICTED_SHARE = 0.7


def _solve_by_windows(
    demand: Demand,
    settings: SolveSettings,
    hint: Solution,
    progress: Progress | None,
    lp: LpJob | None = None,
) -> Solution:
    from lqplan.plan.optimise.lns import Stopper, improve
    from lqplan.plan.optimise.restricted import race, restricted_search

    started = time.perf_counter()
    bound = hint.bound
    report = None
    if progress is not None:

        def report(seconds: float, incumbent: float) -> None:
            progress(seconds, incumbent, float(bound) if bound is not None else math.inf)

    stopper = Stopper()
    windows = 0
    plan, spent = hint, 0.0

    def left() -> float:
        used = spent if settings.deterministic else time.perf_counter() - started
        return settings.time_limit - used

    def stop_all() -> None:
        stopper.stop()
        if lp is not None:
            lp.stop()

    with _stop_on_signals(stop_all) as interrupted:
        if lp is not None and not lp.ready():
            # The windows improve the greedy's plan at once, until the LP arrives.
            plan, windows = improve(demand, plan, settings, left(), stopper, report, lp.ready)
        arrived = None
        if lp is not None:
            arrived = lp.wait(0)
            lp.stop()
            if arrived is not None and arrived.bound is not None:
                bound = arrived.bound
                if arrived.status == SolveStatus.FEASIBLE and _better(arrived, plan):
                    plan = arrived
                else:
                    plan = replace(plan, bound=bound, guide=arrived.guide, reduced=arrived.reduced)
                if report is not None:  # the bound is known from now on
                    report(time.perf_counter() - started, float(plan.objective or 0))
        # The LP-guided search (when the LP was solved): CP-SAT over the options the LP says
        # matter, which may prove the optimum; then the windows with the time left.
        if not stopper.stopped and left() > 0.05:
            before = plan
            if settings.deterministic or settings.worker_count < 2:
                plan, used = restricted_search(
                    demand, plan, settings, left() * RESTRICTED_SHARE, stopper
                )
                spent += used
            else:
                # Under a wall clock with two cores or more: CP-SAT on the LP's set and the
                # windows on the same set side by side (restricted.race); each stalls on a
                # show where the other does not.
                plan = race(demand, plan, settings, left() * RESTRICTED_SHARE, stopper, arrived)
            if report is not None and plan is not before:
                report(time.perf_counter() - started, float(plan.objective or 0))
        if plan.status == SolveStatus.OPTIMAL:
            bound = plan.bound
        elif not stopper.stopped and left() > 0.05:
            plan, more = improve(demand, plan, settings, left(), stopper, report)
            windows += more
    if interrupted:
        raise KeyboardInterrupt
    objective = plan.objective or 0
    optimal = bound is not None and objective >= bound
    return Solution(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        options=plan.options,
        drops=plan.drops,
        objective=objective,
        bound=None if bound is None else max(bound, objective),
        seconds=time.perf_counter() - started,
        model_size={
            "options": len(demand.options),
            "bag_drops": len(demand.drops),
            "windows": windows,
        },
        from_hint=set(plan.options) == set(hint.options) and set(plan.drops) == set(hint.drops),
    )


def _better(a: Solution, b: Solution) -> bool:
    """Is complete plan `a` worth more than complete plan `b`?"""
    return (a.objective or 0) > (b.objective or 0)


def _likeliest(built: ShowModel, base: cp_model.CpModel, time_limit: float) -> tuple[str, ...]:
    """When no core is found in time: each rule group left out in turn, a short solve each; the
    groups without which the show has a plan are the likeliest culprits. Never nothing: if none
    is found, every group tried is named."""
    groups = sorted(built.literals)
    if not groups:
        return ("the model's own rows conflict: one segment at a time, airings in order, stock",)
    deadline = time.perf_counter() + time_limit
    likely = []
    for left_out in groups:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            break
        model = base.clone()
        model.clear_assumptions()
        model.add_assumptions([built.literals[r][0] for r in groups if r != left_out])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.catch_sigint_signal = False
        solver.parameters.max_time_in_seconds = min(remaining, max(0.2, time_limit / len(groups)))
        if solver.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            likely.append(left_out)
    if likely:
        return tuple(
            f"{r}: {built.literals[r][1]} (likeliest: the show has a plan without it)"
            for r in likely
        )
    return (
        "the conflict could not be isolated in time among these rule groups: " + ", ".join(groups),
    )


def explain(demand: Demand, time_limit: float = 5.0) -> tuple[str, ...]:
    """The rule groups in conflict, in words (see `diagnose`): never nothing."""
    return diagnose(demand, time_limit)[1]


def diagnose(demand: Demand, time_limit: float = 5.0) -> tuple[bool, tuple[str, ...]]:
    """(proven, rule ids and words of a small set of rule groups that cannot all hold together);
    `proven` is False when no core was found in time and the likeliest groups are named.

    CP-SAT's core is sufficient but rarely minimal; each rule in it is then dropped in turn and
    kept out if the rest is still infeasible, so the message names only rules that matter. When
    no core is found within `time_limit`, the likeliest groups are named instead (_likeliest):
    the list is never empty.
    """
    base = cp_model.CpModel()
    built = ShowModel(demand, base, explain=True)
    # Only feasibility matters here: with the objective, a solve that drops a needed rule finds
    # a plan at once and then spends its whole time limit proving it optimal (measured: 5 s
    # against 0.05 s per rule on the beauty sample), so the core was never minimised in time.
    base.clear_objective()  # type: ignore[no-untyped-call]  # unannotated in ortools
    by_index = {var.Index(): rule_id for rule_id, (var, _text) in built.literals.items()}
    deadline = time.perf_counter() + time_limit

    def infeasible(rule_ids: list[str]) -> list[str] | None:
        model = base.clone()
        model.clear_assumptions()
        model.add_assumptions([built.literals[r][0] for r in rule_ids])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.catch_sigint_signal = False  # Ctrl-C reaches Python when it returns
        solver.parameters.cp_model_presolve = False
        solver.parameters.max_time_in_seconds = max(0.5, deadline - time.perf_counter())
        if solver.Solve(model) != cp_model.INFEASIBLE:
            return None
        return sorted(
            by_index[i] for i in solver.SufficientAssumptionsForInfeasibility() if i in by_index
        )

    core = infeasible(sorted(built.literals))
    if core is None:
        return False, _likeliest(built, base, time_limit)
    tried: set[str] = set()
    while time.perf_counter() < deadline:
        candidates = [r for r in core if r not in tried]
        if not candidates:
            break
        rule_id = candidates[0]
        tried.add(rule_id)
        smaller = infeasible([r for r in core if r != rule_id])
        if smaller is not None:
            core = smaller  # still infeasible without it: it was not needed
    return True, tuple(f"{rule_id}: {built.literals[rule_id][1]}" for rule_id in sorted(core))
