"""The library's front door: run the stages in order. The CLI and the tests call these.

inputs = load_and_validate(folder)          # load, validate
result = plan_show(inputs, SolveSettings())  # demand, baseline, optimise, assemble, check
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lqplan.errors import Diagnostic, InfeasibleError, UsageError, display_path
from lqplan.plan.assemble import assemble
from lqplan.plan.baseline import greedy_plan, keeps_rules
from lqplan.plan.demand import Demand, pitches
from lqplan.plan.options import build_demand
from lqplan.plan.prechecks import impossible
from lqplan.plan.result import Solution, SolveSettings, SolveStatus
from lqplan.show.validate import ShowInputs, load_and_validate
from lqplan.verify.checker import CheckReport, check_plan

if TYPE_CHECKING:  # the optimiser loads ortools: imported only when planning
    from lqplan.plan.optimise import Progress


@dataclass(frozen=True)
class PlanResult:
    """A planned show: plan.json's data, the solutions behind it and the checker's report."""

    plan: dict[str, Any]
    solution: Solution
    baseline: Solution | None  # None when skipped (plan_show's with_baseline)
    check: CheckReport
    demand: Demand
    # Wall-clock seconds of each stage (demand, baseline, lp_guided, solve) and the hint used.
    timings: dict[str, float] = field(default_factory=dict)
    values: Demand | None = None  # what the optimiser valued: `demand`, or --robust's means
    # The `prior` plan kept every rule and was the best start: the plan is worth at least it.
    from_prior: bool = False


def plan_robust(
    inputs: ShowInputs,
    settings: SolveSettings,
    progress: Progress | None = None,
    compliance: Sequence[Diagnostic] = (),
    prior: dict[str, Any] | None = None,
) -> PlanResult:
    """`plan --robust`: the plan on the mean over sampled markets, with the point-estimate plan
    beside it (both bands, and each plan's mean value over the same markets) in plan.json."""
    draws = settings.robust or 16
    point = plan_show(inputs, replace(settings, robust=0), progress, compliance, prior=prior)
    robust = plan_show(inputs, replace(settings, robust=draws), progress, compliance, prior=prior)
    assert robust.values is not None
    means = robust.values
    point_mean = sum(means.options[i].value_cents for i in point.solution.options) + sum(
        means.drops[i].value_cents for i in point.solution.drops
    )
    robust.plan["robust"] = {
        "draws": draws,
        "robust_plan": {
            "value_cents": robust.plan["totals"]["value_cents"],
            "mean_value_cents": robust.plan["robust"]["mean_value_cents"],
            "band": robust.plan["totals"]["band"],
        },
        "point_plan": {
            "value_cents": point.plan["totals"]["value_cents"],
            "mean_value_cents": point_mean,
            "band": point.plan["totals"]["band"],
        },
    }
    return robust


# Above this many options the LP relaxation is not solved (no LP-guided hint, no LP bound). On
# 1,000 products × 720 slots (315k options) the LP takes about 39 CPU s and 0.86 GB: under a wall
# clock it runs in a child process beside the window search (optimise.LpJob), which carries on
# without it until it arrives; a deterministic run waits for it.
LP_OPTIONS = 400_000
# Kept back from the time limit for what follows the search: assembling and checking the plan
# (bands and the checker grow with the options, as the demand's build does), then rendering and
# writing the paperwork (14 documents, the .xlsx and the HTML among them). Measured with
# `lqplan plan` from process start to exit, 0.6 × the demand's build time plus 0.6 s ends the
# ladder's L shows within 0.05 s of a 10 s limit and XL (1,000 products) within 0.2 s of 30 s.
FINISH_SECONDS = 0.6
FINISH_PER_DEMAND = 0.6
# The greedy's share of the search time under a wall clock: past it, no further strategy is
# tried once one has filled the show (the window search improves faster than more strategies).
GREEDY_SHARE = 0.2


def plan_show(
    inputs: ShowInputs,
    settings: SolveSettings | None = None,
    progress: Progress | None = None,
    compliance: Sequence[Diagnostic] = (),
    restrict: Callable[[Demand], Demand] | None = None,
    started: float | None = None,
    with_baseline: bool = True,
    prior: dict[str, Any] | None = None,
) -> PlanResult:
    """Optimise a validated show. Raises InfeasibleError (exit 3) naming the rules in conflict.

    `compliance` (lint findings) travels in plan.json so that the run sheet can show them.
    `restrict` may take options and bag drops out of the demand before anything is planned
    (replan: what the frozen past rules out, such as an encore too soon after its last airing).
    `started` (a perf_counter reading) is when the time limit began, if before this call.
    `with_baseline=False` skips the greedy baseline unless the LP-guided plan fails (replan: its
    yardstick is the old plan, and a live replan needs those tenths of a second for the search).
    `prior` (a plan.json, `plan --hint`) seeds the search when it keeps every rule of this show:
    a plan made under a tighter rule, so that relaxing the rule never gives a worse plan.
    """
    # ortools loads only when planning
    from lqplan.plan.optimise import LpJob, diagnose, explain, lp_guided_plan, solve

    settings = settings or SolveSettings()
    entered = time.perf_counter()
    started = started if started is not None else settings.started
    started = entered if started is None else started
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = now - since
        return now

    point = build_demand(inputs, shortlist=settings.shortlist, stride=settings.start_stride)
    if restrict is not None:
        point = restrict(point)
    _precheck(inputs, point, restrict)
    # Under --robust the optimiser sees each option's mean value over sampled markets; the plan
    # is still assembled, reported and checked with the point estimate (`point`).
    demand = point
    if settings.robust:
        from lqplan.learning.robust import robust_demand

        demand = robust_demand(point, settings.robust)
    now = lap("demand", entered)
    # The whole command's budget ends at `deadline`, less what follows the search (assembling,
    # checking and rendering the plan, which grow with the show as the options do).
    reserve = FINISH_SECONDS + FINISH_PER_DEMAND * timings["demand"]
    deadline = started + settings.time_limit - reserve
    guided = None
    lp_job = None
    fits_lp = settings.use_hint and len(demand.options) <= LP_OPTIONS
    if fits_lp and not settings.deterministic and len(demand.options) > settings.window_search_from:
        # A large show under a wall clock: the LP runs beside the greedy and the window search
        # (GLOP releases the GIL), which take its guide and bound when they come.
        lp_job = LpJob(demand, max(0.1, deadline - time.perf_counter()))
    elif fits_lp:
        # A deterministic run lets GLOP finish: a wall-clock cut would depend on the machine.
        guided = lp_guided_plan(demand, 3600 if settings.deterministic else settings.time_limit / 2)
        now = lap("lp_guided", now)
        timings["guided_objective"] = (
            float(guided.objective) if guided and guided.objective is not None else float("nan")
        )
    baseline: Solution | None = None
    from_prior = False
    if guided is not None and guided.status == SolveStatus.INFEASIBLE:
        # The LP relaxation has no solution, so the show has none over these options: name the
        # rules at once, without the greedy's fill or a search that cannot succeed.
        restricted = bool(demand.left_out) or demand.stride > 1  # judged in full below
        solution = Solution(SolveStatus.INFEASIBLE, conflicts=() if restricted else explain(demand))
        hint = None
    else:
        # Under a wall clock the greedy stops trying strategies once a share of the time is gone
        # and it has a complete plan: the windows improve on it from there. With the LP coming
        # (its rounding is the better start on large shows), its first complete plan is enough.
        greedy_until = None if settings.deterministic else now + GREEDY_SHARE * (deadline - now)
        if lp_job is not None:
            greedy_until = now
        baseline = greedy_plan(demand, greedy_until) if with_baseline else None
        now = lap("baseline", now)
        hint = (
            baseline if baseline is not None and baseline.status == SolveStatus.FEASIBLE else None
        )
        if hint is None and lp_job is not None:
            guided = lp_job.wait(deadline - time.perf_counter())  # nothing else to start from
            lp_job = None
            if guided is not None and guided.status == SolveStatus.INFEASIBLE:
                guided = replace(guided, conflicts=explain(demand))
        rounded = guided is not None and guided.status == SolveStatus.FEASIBLE
        if (
            guided is not None
            and rounded
            and (hint is None or _objective(guided) > _objective(hint))
        ):
            hint = guided
        elif guided is not None and hint is not None:  # keep the LP's bound and guide
            hint = replace(hint, bound=guided.bound, guide=guided.guide, reduced=guided.reduced)
        # A prior plan that keeps every rule is a complete start of its own: with it, no greedy
        # is run when there is no other plan. (The traffic minimum's price, _traffic_cost, plans
        # the show again without a baseline, from the plan just made, when the time limit is
        # nearly spent: an unbounded greedy there was only a worse start, run past the limit.)
        start = prior_solution(point, prior) if prior is not None else None
        if hint is None and baseline is None and start is None:  # the greedy is the hint
            baseline = greedy_plan(demand)
            hint = baseline if baseline.status == SolveStatus.FEASIBLE else None
            if hint is not None and guided is not None:
                hint = replace(hint, bound=guided.bound, guide=guided.guide, reduced=guided.reduced)
            now = lap("baseline", now)
        if start is not None and (hint is None or _objective(start) > _objective(hint)):
            # Keep the LP's bound and guide: the prior plan is a start, not a relaxation.
            hint = (
                replace(start, bound=hint.bound, guide=hint.guide, reduced=hint.reduced)
                if hint
                else start
            )
            from_prior = True
        remaining = settings
        if not settings.deterministic:
            # The baseline and the LP count against the time limit; a deterministic run keeps
            # its whole deterministic budget so that its result does not depend on the
            # machine's speed.
            remaining = replace(settings, time_limit=max(0.2, deadline - time.perf_counter()))
        if guided is not None and guided.status == SolveStatus.INFEASIBLE:
            solution = guided
        else:
            solution = solve(demand, remaining, hint=hint, progress=progress, lp=lp_job)
    if solution.status == SolveStatus.INFEASIBLE and (demand.left_out or demand.stride > 1):
        # The shortlist or the start grid may be what made it infeasible: judge the full model.
        return plan_show(
            inputs,
            replace(settings, shortlist=False, start_stride=1),
            progress=progress,
            compliance=compliance,
            restrict=restrict,
            with_baseline=with_baseline,
        )
    lap("solve", now)
    if (
        solution.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
        and hint is not None
        and hint.status == SolveStatus.FEASIBLE
        and _objective(hint) > _objective(solution)
    ):
        # CP-SAT stopped below its own complete start (a short budget): the start is the plan,
        # with the search's bound. The reported plan is never worse than the best one known.
        solution = replace(
            hint,
            bound=solution.bound,
            seconds=solution.seconds,
            build_seconds=solution.build_seconds,
            model_size=solution.model_size,
            from_hint=True,
        )
    if solution.status == SolveStatus.INFEASIBLE:
        raise InfeasibleError(
            "no plan satisfies every rule; these rules conflict:", solution.conflicts
        )
    if solution.status == SolveStatus.NO_SOLUTION:
        if hint is None:
            # Neither the search nor the greedy found a plan: the show may well have none. The
            # rule groups' own search (5 s) proves it and names them, or names the likeliest.
            proven, conflicts = diagnose(demand)
            if proven:
                raise InfeasibleError(
                    "no plan satisfies every rule; these rules conflict:", conflicts
                )
            raise InfeasibleError(
                f"no plan found within {settings.time_limit:g} s and the greedy baseline could "
                "not fill the show either; raise --time-limit or relax the rules. The rule "
                "groups most likely in the way:",
                conflicts,
            )
        # The baseline is a complete plan that keeps every rule: fall back to it.
        solution = Solution(
            SolveStatus.FEASIBLE,
            hint.options,
            hint.drops,
            hint.objective,
            hint.bound,  # the LP relaxation's, when it was solved: a bound on every plan it can
            solution.seconds,
            solution.build_seconds,
            solution.model_size,
            from_hint=True,
        )
    plan = assemble(point, solution, baseline, settings)
    add_bands(point, plan)
    if settings.robust:
        # The solver optimised the mean over markets; its bound and gap are of that objective.
        # objective_cents stays what plan.json documents (the point value plus preferences).
        totals = plan["totals"]
        plan["solver"]["robust_objective_cents"] = solution.objective
        plan["solver"]["objective_cents"] = totals["value_cents"] + totals["preference_cents"]
        plan["robust"] = {
            "draws": settings.robust,
            "mean_value_cents": sum(demand.options[i].value_cents for i in solution.options)
            + sum(demand.drops[i].value_cents for i in solution.drops),
        }
    plan["compliance"] = [asdict(d) for d in compliance]
    traffic = inputs.show.rules.traffic_minimum
    if traffic.count > 0 and inputs.show.objective == "profit" and restrict is None:
        plan["solver"]["rule_costs"] = [_traffic_cost(inputs, settings, solution, plan)]
    report = check_plan(inputs, plan, point)
    return PlanResult(plan, solution, baseline, report, point, timings, demand, from_prior)


def _traffic_cost(
    inputs: ShowInputs, settings: SolveSettings, solution: Solution, plan: dict[str, Any]
) -> dict[str, Any]:
    """What the traffic minimum costs under the profit objective: the same show planned without
    it, against this plan (a second solve, made only for a show that sets the rule, started
    from this plan so that it is never below it). `proven` when both plans are optimal;
    otherwise the figure is the two solves' difference."""
    rules = inputs.show.rules
    relaxed = rules.model_copy(
        update={"traffic_minimum": rules.traffic_minimum.model_copy(update={"count": 0})}
    )
    free = plan_show(
        replace(inputs, show=inputs.show.model_copy(update={"rules": relaxed})),
        settings,
        with_baseline=False,
        prior=plan,
    ).solution
    proven = SolveStatus.OPTIMAL == solution.status == free.status
    return {
        "rule": rules.traffic_minimum.id,
        "cost_cents": max(0, (free.objective or 0) - (solution.objective or 0)),
        "without_cents": free.objective or 0,
        "proven": proven,
    }


def _objective(plan: Solution) -> int:
    """The objective of a complete plan, the greedy's or the LP-guided one: both carry one."""
    assert plan.objective is not None
    return plan.objective


def add_bands(demand: Demand, plan: dict[str, Any]) -> None:
    """P10 / P50 / P90 of GMV and profit, per segment and in total (lqplan.learning.bands)."""
    from lqplan.learning.bands import forecast_bands

    totals, segments = forecast_bands(demand, plan)
    plan["totals"]["band"] = totals
    for segment, band in zip(plan["segments"], segments, strict=True):
        segment["expected"]["band"] = band


def prepare(target: str | Path) -> tuple[ShowInputs, list[Diagnostic]]:
    """Load and validate a show, and lint its texts: the inputs and the compliance findings."""
    from lqplan.show.lint import lint_raw
    from lqplan.show.load import load_show
    from lqplan.show.validate import validate

    raw = load_show(target)
    inputs = validate(raw)
    return inputs, lint_raw(raw, inputs)


def templates_folder(inputs: ShowInputs, given: Path | None) -> Path | None:
    """--templates wins; else show.yaml's `templates:` (relative to show.yaml); else built-ins."""
    if given is not None:
        folder = given
    elif inputs.show.templates:
        folder = inputs.folder / inputs.show.templates
    else:
        return None
    if not folder.is_dir():
        raise UsageError(f"{display_path(folder)}: templates folder not found")
    return folder


def documents(
    plan: dict[str, Any], *, lang: str | None = None, templates: Path | None = None
) -> dict[str, str | bytes]:
    """plan.json and every rendered document, keyed by path in the output folder."""
    from lqplan.render import render_documents

    return {"plan.json": plan_json(plan), **render_documents(plan, lang=lang, templates=templates)}


def plan_json(plan: dict[str, Any]) -> str:
    """plan.json's exact text: stable key order and formatting, so reruns are byte-identical."""
    return json.dumps(plan, ensure_ascii=False, indent=2) + "\n"


def _precheck(
    inputs: ShowInputs, demand: Demand, restrict: Callable[[Demand], Demand] | None
) -> None:
    """Raise InfeasibleError, before any solve, for a show no plan can exist for (each reason
    naming its rule, plan/prechecks.py). A reason found on a shortlist or a coarse start grid is
    judged again on every product and start, which those may have left out."""
    problems = impossible(demand)
    if problems and (demand.left_out or demand.stride > 1):
        full = build_demand(inputs, shortlist=False, stride=1)
        problems = impossible(restrict(full) if restrict is not None else full)
    if problems:
        raise InfeasibleError("no plan can keep every rule (found before solving):", problems)


def prior_solution(demand: Demand, plan: dict[str, Any]) -> Solution | None:
    """A plan.json as a Solution of this demand (status FEASIBLE), or None when one of its
    segments or drops is not an option here or the independent checker refuses it."""
    slot = demand.slot
    index = {
        (o.sku, o.airing, o.mode.kind, o.mode.promotion, o.start, o.slots, o.lead, o.pitch): o.index
        for o in demand.options
    }
    segments = plan.get("segments", [])
    spans = [(s["sku"], s["start_minute"], s["minutes"], s.get("airing", 1)) for s in segments]
    options = []
    for seg, (began, lead) in zip(segments, pitches(spans), strict=True):
        key = (
            seg["sku"],
            seg.get("airing", 1),
            seg.get("mode", "normal"),
            seg.get("promotion"),
            seg["start_minute"] // slot,
            seg["minutes"] // slot,
            lead // slot,
            min(began, 2) if lead else 0,  # Option.pitch: 1 begun on the first airing, 2 encore
        )
        if key not in index:
            return None
        options.append(index[key])
    drops_at = {(d.promotion, d.start): i for i, d in enumerate(demand.drops)}
    drops = []
    for bag in plan.get("lucky_bags", []):
        at = (bag["id"], bag["minute"] // slot)
        if at not in drops_at:
            return None
        drops.append(drops_at[at])
    value = sum(demand.options[i].value_cents + demand.options[i].preference_cents for i in options)
    value += sum(demand.drops[i].value_cents for i in drops)
    solution = Solution(SolveStatus.FEASIBLE, tuple(sorted(options)), tuple(sorted(drops)), value)
    return solution if keeps_rules(demand, solution) else None


def read_plan(path: Path) -> dict[str, Any]:
    """Read a plan.json (for check, render, replan, ...) through the plan model; InputError
    listing every problem, as file:line:column, when it is not a plan this lqplan can use."""
    from lqplan.plan import planfile

    return planfile.read_plan(path)


__all__ = ["PlanResult", "load_and_validate", "plan_json", "plan_show", "read_plan"]
