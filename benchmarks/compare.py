"""Solvers side by side (issue 13): lqplan, SCIP and HiGHS on the ladder's instances.

    python -m benchmarks run --rung S,M --seeds 5 --compare scip,highs --budgets 10,30
    python -m benchmarks optima --rung M --seeds 5 --time-limit 600

Every solver sees the same model: the demand `lqplan plan` builds (shortlist, start stride),
its rows from ShowModel, as a MIP (lqplan/plan/optimise/mip.py). Each (instance, solver,
budget) runs in a process of its own, with a watchdog: HiGHS's presolve does not look at the
clock (measured: 158 s on a 10 s limit), so a run still going at twice its budget plus 15 s is
killed and reported as "no plan". Every MIP plan goes through lqplan's checker; a rejected plan
is reported loudly and makes the command exit non-zero. The proven optima (optima.json) are
keyed by the model's digest, so an entry for another model (the demand changed) is not used.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.generate import write_show

if TYPE_CHECKING:
    from lqplan.plan.demand import Demand
    from lqplan.plan.result import Solution

ROOT = Path(__file__).resolve().parent.parent
OPTIMA = ROOT / "benchmarks" / "optima.json"
RESULTS = ROOT / "benchmarks" / "results"
GRACE = 15.0  # seconds past twice the budget before the watchdog kills a solver's process
# What the names on the command line mean: lqplan's MIP solvers, and CP-SAT (optima only).
NAMES = {"scip": "SCIP", "highs": "HiGHS", "highs-nopresolve": "HiGHS (no presolve)"}


def model_key(demand: Demand) -> dict[str, Any]:
    """What identifies the model a recorded optimum belongs to: its size and a digest of every
    option and bag drop with its objective coefficient."""
    digest = hashlib.sha256()
    for o in demand.options:
        key = (o.sku, o.airing, o.mode.kind, o.mode.promotion, o.start, o.end)
        digest.update(f"{key}:{o.value_cents + o.preference_cents};".encode())
    for d in demand.drops:
        digest.update(f"{d.promotion}:{d.start}:{d.value_cents};".encode())
    return {
        "options": len(demand.options),
        "bag_drops": len(demand.drops),
        "digest": digest.hexdigest()[:16],
    }


def checker_violations(demand: Demand, solution: Solution) -> list[str]:
    """What lqplan's independent checker finds wrong with the plan (nothing: it keeps every
    rule), as baseline.keeps_rules assembles and checks it."""
    from lqplan.plan.assemble import assemble
    from lqplan.plan.result import SolveSettings
    from lqplan.verify.checker import check_plan

    plan = assemble(demand, solution, None, SolveSettings())
    report = check_plan(demand.inputs, plan, demand)
    found = [f"{v.rule}: {v.message}" for v in report.violations]
    if report.objective_cents != solution.objective:
        found.append(
            f"objective {solution.objective} but the checker counts {report.objective_cents}"
        )
    return found


def _demand(folder: Path) -> Demand:
    """The demand `lqplan plan` optimises over (shortlist and start stride as by default)."""
    from lqplan.pipeline import load_and_validate
    from lqplan.plan.options import build_demand
    from lqplan.plan.result import SolveSettings

    settings = SolveSettings()
    inputs = load_and_validate(folder)
    return build_demand(inputs, shortlist=settings.shortlist, stride=settings.start_stride)


def mip_instance(folder: Path, solver: str, budget: float, hint: Path | None = None) -> None:
    """(In its own process.) Solve one show with one MIP solver and print a JSON row; a line
    "solving" on stdout first tells the parent's watchdog that the model is built."""
    from lqplan.plan.optimise.mip import solve_mip

    started = time.perf_counter()
    demand = _demand(folder)
    start = None
    if hint is not None:
        from lqplan.plan.result import Solution, SolveStatus

        chosen = json.loads(hint.read_text())
        start = Solution(SolveStatus.FEASIBLE, tuple(chosen["options"]), tuple(chosen["drops"]))

    def ready() -> None:
        print("solving", flush=True)

    solution = solve_mip(demand, solver, budget, hint=start, ready=ready)
    row: dict[str, Any] = {
        "solver": solver,
        "budget": budget,
        "model": model_key(demand),
        "status": str(solution.status),
        "objective": solution.objective,
        "bound": solution.bound,
        "solver_s": solution.seconds,
        "build_s": solution.build_seconds,
        "total_s": time.perf_counter() - started,
        "options": list(solution.options),
        "drops": list(solution.drops),
    }
    if solution.objective is not None:
        row["violations"] = checker_violations(demand, solution)
    print(json.dumps(row))


def _children_cpu() -> float:
    """CPU seconds of the finished child processes so far (user + system): what a run cost on
    a shared machine, where wall seconds depend on the other load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_mip(folder: Path, solver: str, budget: float, hint: Path | None = None) -> dict[str, Any]:
    """One MIP solve in a child process, killed when it outlasts 2 × budget + GRACE seconds
    after its model is built."""
    command = [sys.executable, "-m", "benchmarks", "mip", str(folder), solver, f"{budget:g}"]
    command += ["--hint", str(hint)] if hint else []
    started, cpu = time.perf_counter(), _children_cpu()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        first = child.stdout.readline()  # "solving", or "" if the child died while building
        built = time.perf_counter() - started
        try:
            out, err = child.communicate(timeout=2 * budget + GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            seconds = time.perf_counter() - started - built
            return {
                "solver": solver,
                "budget": budget,
                "status": "killed",
                "killed_s": seconds,
                "cpu_s": _children_cpu() - cpu,
            }
    if child.returncode != 0 or first.strip() != "solving":
        raise SystemExit(f"{folder.name} {solver} {budget:g} s failed:\n{err}")
    row: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    row["cpu_s"] = _children_cpu() - cpu
    return row


def run_lqplan(folder: Path, budget: float) -> dict[str, Any]:
    """lqplan at `budget` as `python -m benchmarks run` measures it (its own process, no LP
    bounds of the harness)."""
    command = [sys.executable, "-m", "benchmarks", "instance", str(folder)]
    command += ["--time-limit", f"{budget:g}", "--no-lp"]
    cpu = _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{folder.name} lqplan {budget:g} s failed:\n{done.stderr}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    row["cpu_s"] = _children_cpu() - cpu
    return row


def load_optima() -> dict[str, Any]:
    """benchmarks/optima.json: {rung: {seed: entry}}, or nothing yet."""
    if not OPTIMA.is_file():
        return {}
    data: dict[str, Any] = json.loads(OPTIMA.read_text())
    return data


def recorded(optima: dict[str, Any], name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded entry of instance `name` ("M-0") if it is for this very model."""
    rung, seed = name.split("-")
    entry: dict[str, Any] | None = optima.get(rung, {}).get(seed)
    if entry is None:
        return None
    if entry["model"] != key:
        print(
            f"{name}: optima.json's entry is for another model ({entry['model']} against "
            f"{key}): not used; rerun `python -m benchmarks optima`",
            file=sys.stderr,
        )
        return None
    return entry


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or reference is None or reference == 0:
        return "–"
    return f"{value / reference * 100:.2f} %"


def _solver_cell(row: dict[str, Any], reference: float | None) -> str:
    if row["status"] == "killed":
        return f"no plan (killed at {row['killed_s']:.0f} s)"
    if row.get("violations"):
        return "**REJECTED by the checker**"
    bound = "no bound" if row.get("bound") is None else f"bound {_ratio(row['bound'], reference)}"
    if row["objective"] is None:
        return f"no plan, {bound}"
    if proved(row):
        return f"{_ratio(row['objective'], reference)} (proved, {row['solver_s']:.0f} s)"
    return f"{_ratio(row['objective'], reference)}, {bound}"


def proved(row: dict[str, Any]) -> bool:
    """Is the row's plan proven optimal: its objective meets its bound? (lqplan's "optimal"
    alone is not a proof: CP-SAT stops at a 0.01 % gap and calls that optimal.)"""
    return row.get("objective") is not None and row.get("bound") == row["objective"]


def _reference(
    entry: dict[str, Any] | None, rows: list[dict[str, Any]]
) -> tuple[float | None, str]:
    """The optimum if proven (recorded, or by a solver in this run), else the best bound known."""
    proven = [r["objective"] for r in rows if proved(r) and not r.get("violations")]
    if entry is not None and entry["proven"]:
        return float(entry["optimum"]), "optimum"
    if proven:
        return float(max(proven)), "optimum"
    bounds = [r["bound"] for r in rows if r.get("bound") is not None]
    if entry is not None and entry.get("bound") is not None:
        bounds.append(entry["bound"])
    return (float(min(bounds)), "bound") if bounds else (None, "none")


def compare(
    rungs: list[str], seeds: int, budgets: list[float], solvers: list[str], keep: Path | None
) -> None:
    """Run lqplan and each MIP solver at each budget on each instance, write
    benchmarks/results/compare-<timestamp>.json and print its tables (`report`)."""
    results: dict[str, Any] = {"budgets": budgets, "solvers": solvers, "instances": {}}
    rejected: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = keep or Path(tmp)
        for rung in rungs:
            for seed in range(seeds):
                name = f"{rung}-{seed}"
                folder = write_show(base / name, rung, seed)
                runs: dict[str, Any] = {}
                for budget in budgets:
                    lq = runs[f"lqplan@{budget:g}"] = run_lqplan(folder, budget)
                    lq.pop("plan_options", None), lq.pop("plan_drops", None)
                    print(
                        f"{name} lqplan @{budget:g}: {lq['status']} {lq['objective']} "
                        f"bound {lq['bound']} greedy {lq['greedy']} ({lq['total_s']:.1f} s)",
                        file=sys.stderr,
                    )
                    for solver in solvers:
                        row = run_mip(folder, solver, budget)
                        row.pop("options", None), row.pop("drops", None)
                        runs[f"{solver}@{budget:g}"] = row
                        print(
                            f"{name} {solver} @{budget:g}: {row['status']} "
                            f"{row.get('objective')} bound {row.get('bound')}",
                            file=sys.stderr,
                        )
                        if row.get("violations"):
                            rejected.append(f"{name} {solver} @{budget:g} s")
                            print(
                                f"CHECKER REJECTED {name} {solver} @{budget:g} s: "
                                + "; ".join(row["violations"][:5]),
                                file=sys.stderr,
                            )
                results["instances"][name] = runs
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=1))
    print(f"\nwrote {path.relative_to(ROOT)}", file=sys.stderr)
    print(report(results))
    if rejected:
        raise SystemExit("the checker REJECTED these MIP plans: " + ", ".join(rejected))


def report(results: dict[str, Any]) -> str:
    """One table per rung: each plan and bound over the instance's reference, the optimum
    recorded in optima.json (or proven in this run), else the best bound known."""
    optima = load_optima()
    budgets, solvers = results["budgets"], results["solvers"]
    tables: dict[str, list[str]] = {}
    for name, runs in results["instances"].items():
        key = next((r["model"] for r in runs.values() if "model" in r), None)
        entry = recorded(optima, name, key) if key else None
        # lqplan's own proof counts too (CP-SAT's, or its plan meeting the LP bound).
        reference, kind = _reference(entry, list(runs.values()))
        lines = tables.setdefault(name.split("-")[0], [])
        for budget in budgets:
            lq = runs[f"lqplan@{budget:g}"]
            cells = [_solver_cell(runs[f"{s}@{budget:g}"], reference) for s in solvers]
            lines.append(
                f"| {name} | {budget:g} s | {_ratio(lq['objective'], reference)} "
                f"({lq['total_s']:.1f} s) | "
                + " | ".join(cells)
                + f" | {_ratio(lq['greedy'], reference)} | "
                + ("–" if reference is None else f"{reference:,.0f} ({kind})")
                + " |"
            )
    head = (
        "| instance | budget | lqplan | "
        + " | ".join(NAMES.get(s, s) for s in solvers)
        + " | greedy | reference |\n|"
        + "---|" * (5 + len(solvers))
    )
    return "\n".join(
        f"\n{rung}: plans / the reference (the proven optimum, else the best bound)\n\n"
        + head
        + "\n"
        + "\n".join(lines)
        for rung, lines in tables.items()
    )


def _cpsat(folder: Path, time_limit: float, hint: dict[str, Any] | None) -> dict[str, Any]:
    """CP-SAT on the full model (no window search), 2 workers, gap 0, from the best plan."""
    from lqplan.plan.optimise import solve
    from lqplan.plan.result import Solution, SolveSettings, SolveStatus

    demand = _demand(folder)
    start = None
    if hint is not None:
        start = Solution(
            SolveStatus.FEASIBLE, tuple(hint["options"]), tuple(hint["drops"]), hint["objective"]
        )
    settings = SolveSettings(
        time_limit=time_limit, relative_gap_limit=0.0, window_search_from=10**9
    )
    solution = solve(demand, settings, hint=start)
    row: dict[str, Any] = {
        "solver": "cpsat",
        "model": model_key(demand),
        "status": str(solution.status),
        "objective": solution.objective,
        "bound": solution.bound,
        "solver_s": solution.seconds,
        "options": list(solution.options),
        "drops": list(solution.drops),
    }
    if solution.objective is not None:
        row["violations"] = checker_violations(demand, solution)
    return row


def find_optima(
    rungs: list[str], seeds: int, solvers: list[str], time_limit: float, hint_budget: float
) -> None:
    """Prove each instance's optimum (prove_optimum) and record it in optima.json, after each
    instance so that a long run stopped half-way keeps what it proved. An instance whose entry
    is proven for this very model is skipped."""
    optima = load_optima()
    with tempfile.TemporaryDirectory() as tmp:
        for rung in rungs:
            for seed in range(seeds):
                name = f"{rung}-{seed}"
                folder = write_show(Path(tmp) / name, rung, seed)
                key = model_key(_demand(folder))
                entry = recorded(optima, name, key)
                if entry is not None and entry["proven"]:
                    print(f"{name}: proven already, {entry['optimum']:,}", file=sys.stderr)
                    continue
                found = prove_optimum(folder, solvers, time_limit, hint_budget, Path(tmp))
                if found is None:
                    print(f"{name}: no plan from any solver; nothing recorded", file=sys.stderr)
                    continue
                entry = _merged(entry, found) if entry is not None else found
                optima.setdefault(rung, {})[str(seed)] = {"model": key, **entry}
                print(f"{name}: {entry}", file=sys.stderr)
                OPTIMA.write_text(json.dumps(_sorted(optima), indent=1, sort_keys=True) + "\n")


def prove_optimum(
    folder: Path, solvers: list[str], time_limit: float, hint_budget: float, tmp: Path
) -> dict[str, Any] | None:
    """lqplan's plan at `hint_budget` first, then each solver in turn from the best plan so
    far, up to `time_limit` each, until the best plan meets the best bound. The best plan and
    bound are returned either way (`proven` says which); None if lqplan found no plan."""
    lq = run_lqplan(folder, hint_budget)
    if "failed" in lq:  # lqplan found no plan: the show has none over these options
        return None
    best = {"objective": lq["objective"], "options": lq["plan_options"], "drops": lq["plan_drops"]}
    bounds: list[float] = [lq["bound"]] if lq.get("bound") is not None else []
    proven_by = "lqplan" if proved(lq) else None  # lqplan proves S itself
    hint = tmp / f"{folder.name}-hint.json"
    tried = []
    for solver in solvers if proven_by is None else []:
        hint.write_text(json.dumps(best))
        started = time.perf_counter()
        if solver == "cpsat":
            row = _cpsat(folder, time_limit, best)
        else:
            row = run_mip(folder, solver, time_limit, hint)
        tried.append(f"{solver} {time.perf_counter() - started:.0f} s")
        print(
            f"{folder.name} {solver}: {row['status']} {row.get('objective')} "
            f"bound {row.get('bound')}",
            file=sys.stderr,
        )
        if row.get("violations"):
            raise SystemExit(f"CHECKER REJECTED {folder.name} {solver}: {row['violations']}")
        if row.get("bound") is not None:
            bounds.append(row["bound"])
        if row.get("objective") is not None and row["objective"] > best["objective"]:
            best = {k: row[k] for k in ("objective", "options", "drops")}
        if bounds and best["objective"] >= min(bounds):
            proven_by = solver
            break
    bound = best["objective"] if proven_by else min(bounds) if bounds else None
    return {
        "proven": proven_by is not None,
        "optimum": best["objective"] if proven_by else None,
        "best_plan": best["objective"],
        "bound": bound,
        "proven_by": proven_by,
        "tried": tried,
        "time_limit": time_limit,
    }


def _merged(before: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """An unproven entry of the same model and a new attempt: the better plan, the lower
    bound, and a proof if they meet (a busy machine may give a weaker plan the second time)."""
    best = max(before["best_plan"], now["best_plan"])
    bounds = [b for b in (before["bound"], now["bound"]) if b is not None]
    bound = min(bounds) if bounds else None
    proven = now["proven"] or (bound is not None and best >= bound)
    return {
        **now,
        "proven": proven,
        "optimum": best if proven else None,
        "best_plan": best,
        "bound": best if proven else bound,
        "proven_by": now["proven_by"] or ("the attempts together" if proven else None),
        "tried": before["tried"] + now["tried"],
    }


def _sorted(optima: dict[str, Any]) -> dict[str, Any]:
    return {
        r: dict(sorted(seeds.items(), key=lambda kv: int(kv[0]))) for r, seeds in optima.items()
    }
