"""Run the benchmark ladder: one subprocess per instance, a table per rung, JSON results.

    python -m benchmarks run --rung M --seeds 5          # one rung
    python -m benchmarks run --rung all --seeds 5        # S, M, L, XL
    python -m benchmarks extras                          # start-up, validate 10k SKUs, render
    python -m benchmarks generate --rung L --seed 0 DIR  # write one show folder

Each instance runs in its own process (`python -m benchmarks instance FOLDER`) so that its peak
RSS (`ru_maxrss`, which counts OR-Tools' C++ memory too) is its own. Results go to
benchmarks/results/<timestamp>.json (git-ignored) and the summary table to stdout; copy it into
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import RUNGS, write_show

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
MARKS = (5.0, 10.0, 30.0)
# Targets of issue 6, per rung: (what, test on the instance rows) for the summary.
LP_AFFORDABLE = 400_000  # options: the full model's LP is solved below this size


def run_instance(folder: Path, time_limit: float, lp: bool) -> dict[str, Any]:
    """Plan one show as `lqplan plan` does, recording the incumbent and bound over time."""
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.optimise.lp import lp_bound
    from lqplan.plan.options import build_demand
    from lqplan.plan.result import SolveSettings, SolveStatus

    t0 = time.perf_counter()
    inputs = load_and_validate(folder)
    validate_seconds = time.perf_counter() - t0
    events: list[tuple[float, float, float]] = []  # seconds since the plan started, inc, bound
    started = time.perf_counter()

    def progress(_solver_seconds: float, incumbent: float, bound: float) -> None:
        events.append((time.perf_counter() - started, incumbent, bound))

    result = plan_show(inputs, SolveSettings(time_limit=time_limit), progress=progress)
    total = time.perf_counter() - started
    timings = result.timings
    solution, baseline, demand = result.solution, result.baseline, result.demand
    greedy = baseline.objective if baseline.status == SolveStatus.FEASIBLE else None
    guided = timings.get("guided_objective")
    hint = max(v for v in (greedy, guided, -math.inf) if v is not None and not math.isnan(v))
    hint_ready = timings["demand"] + timings["baseline"]  # the first complete plan
    marks = {}
    for mark in MARKS:
        incumbent, bound = hint, math.inf
        for seconds, inc, bnd in events:
            if seconds <= mark:
                incumbent, bound = max(incumbent, inc), min(bound, bnd)
        if mark >= total:  # the run ended before the mark: its final figures hold
            incumbent, bound = float(solution.objective), float(solution.bound or math.inf)
        gap = (bound - incumbent) / abs(bound) * 100 if math.isfinite(bound) and bound else None
        marks[f"{mark:g}"] = {
            "objective": incumbent,
            "bound": bound if math.isfinite(bound) else None,
            "gap": gap,
        }
    row: dict[str, Any] = {
        "folder": str(folder),
        "products": len(inputs.catalog.products),
        "kept": len(demand.modes) - len(demand.left_out),
        "stride": demand.stride,
        "options": len(demand.options),
        "windows": solution.model_size.get("windows"),  # window search (optimise/lns.py)
        "validate_s": validate_seconds,
        "demand_s": timings["demand"],
        "model_s": solution.build_seconds,
        "build_s": timings["demand"] + solution.build_seconds,
        "greedy_s": timings["baseline"],
        "lp_guided_s": timings.get("lp_guided"),
        "first_plan_s": hint_ready,
        "total_s": total,
        "status": str(solution.status),
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "greedy": greedy,
        "guided": guided,
        "uplift": (solution.objective - greedy) / abs(greedy) * 100 if greedy else None,
        "stuck_at_greedy": greedy is not None and solution.objective <= greedy,
        "improved_hint": solution.objective > hint,
        "marks": marks,
        "checker_ok": result.check.ok,
        # The plan itself (indices into the demand), a start for `python -m benchmarks optima`.
        "plan_options": list(solution.options),
        "plan_drops": list(solution.drops),
        # Planning's own peak, before the LP bounds below (which the plan does not need; the
        # LP of XL's 315k options, with its demand, peaks at about 0.86 GB in GLOP).
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # CPU seconds (user + sys, every thread) to here: on a shared machine a wall-clock
        # budget buys less CPU, and this says how much the run had.
        "cpu_s": _cpu_seconds(),
        # The LP's forked child (optimise.LpJob): its own peak, which also counts the pages it
        # still shares with this process (the demand).
        "peak_rss_lp_child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu_lp_child_s": _cpu_seconds(resource.RUSAGE_CHILDREN),
    }
    if lp:
        full = build_demand(inputs, shortlist=False, stride=1)
        row["full_options"] = len(full.options)
        if len(full.options) <= LP_AFFORDABLE:
            t = time.perf_counter()
            row["lp_bound_full"] = lp_bound(full, 120)
            row["lp_s"] = time.perf_counter() - t
        del full
        # The LP of the model the solver saw (shortlist and stride): its own root bound.
        row["lp_bound_model"] = lp_bound(demand, 120)
    row["peak_rss_with_lp_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (or of its ended children) so far."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _instance_main(args: argparse.Namespace) -> None:
    from lqplan.errors import InfeasibleError

    started = time.perf_counter()
    try:
        row = run_instance(Path(args.folder), args.time_limit, not args.no_lp)
    except InfeasibleError as exc:  # no plan at all: a result too, reported as such
        row = {"folder": args.folder, "failed": str(exc), "total_s": time.perf_counter() - started}
        row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def _fmt(value: Any, spec: str = ".2f", none: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    return format(value, spec)


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| instance | kept / products | options | build s | first plan s | gap @5 s | @10 s | "
        "@30 s | objective | greedy | uplift % | LP bound (full) | plan / LP | peak RSS MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        lp = r.get("lp_bound_full")
        lines.append(
            f"| {Path(r['folder']).name} | {r['kept']} / {r['products']} | {r['options']:,} | "
            f"{r['build_s']:.2f} | {r['first_plan_s']:.2f} | "
            + " | ".join(_fmt(r["marks"][f"{m:g}"]["gap"], ".2f") for m in MARKS)
            + f" | {r['objective']:,} | {_fmt(r['greedy'], ',')} | {_fmt(r['uplift'], '+.1f')} | "
            f"{_fmt(lp, ',.0f')} | {_fmt(r['objective'] / lp * 100 if lp else None, '.2f')}% | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    return head + "\n".join(lines) + "\n"


def _summary(rung: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def stats(key: str, mark: str | None = None) -> tuple[float | None, float | None]:
        values = [(r["marks"][mark]["gap"] if mark else r[key]) for r in rows]
        values = [v for v in values if v is not None]
        if not values:
            return None, None
        worst = min(values) if key == "uplift" else max(values)
        return statistics.median(values), worst

    out: dict[str, Any] = {"rung": rung, "runs": len(rows)}
    for key, mark in (("gap5", "5"), ("gap10", "10"), ("gap30", "30")):
        out[key] = stats("", mark)
    for key in ("uplift", "build_s", "peak_rss_mb", "first_plan_s", "options"):
        out[key] = stats(key)
    out["stuck_at_greedy"] = sum(1 for r in rows if r["stuck_at_greedy"])
    out["optimal"] = sum(1 for r in rows if r["status"] == "optimal")
    out["optimal_within_1s"] = sum(
        1 for r in rows if r["status"] == "optimal" and r["total_s"] <= 1.0
    )
    out["greedy_failed"] = sum(1 for r in rows if r["greedy"] is None)
    out["checker_ok"] = all(r["checker_ok"] for r in rows)
    out["total_s"] = stats("total_s")
    return out


def _summary_line(s: dict[str, Any]) -> str:
    def pair(key: str, spec: str = ".2f") -> str:
        median, worst = s[key]
        return f"{_fmt(median, spec)} / {_fmt(worst, spec)}"

    return (
        f"| {s['rung']} | {s['runs']} | {pair('options', ',.0f')} | {pair('build_s')} | "
        f"{pair('gap5')} | {pair('gap10')} | {pair('gap30')} | {pair('uplift', '+.1f')} | "
        f"{s['stuck_at_greedy']} | {s['greedy_failed']} | {s['optimal']} "
        f"({s['optimal_within_1s']} ≤ 1 s) | {pair('peak_rss_mb', '.0f')} |"
    )


SUMMARY_HEAD = (
    "| rung | runs | options (median / worst) | build s | gap % @5 s | gap % @10 s | "
    "gap % @30 s | uplift % over greedy (median / worst) | stuck at greedy | greedy failed | "
    "optimal | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import ortools

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {model}, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"OR-Tools {ortools.__version__}"
    )


def run(rungs: list[str], seeds: int, time_limit: float, lp: bool, keep: Path | None) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "time_limit": time_limit, "rungs": {}}
    print(f"machine: {results['machine']}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        base = keep or Path(tmp)
        for rung in rungs:
            rows: list[dict[str, Any]] = []
            failures: list[dict[str, Any]] = []
            for seed in range(seeds):
                folder = write_show(base / f"{rung}-{seed}", rung, seed)
                command = [sys.executable, "-m", "benchmarks", "instance", str(folder)]
                command += ["--time-limit", str(time_limit)] + ([] if lp else ["--no-lp"])
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    raise SystemExit(f"{rung}-{seed} failed")
                row = json.loads(done.stdout.strip().splitlines()[-1])
                if "failed" in row:
                    failures.append(row)
                    print(
                        f"{rung}-{seed}: NO PLAN after {row['total_s']:.0f} s: {row['failed']}",
                        file=sys.stderr,
                    )
                    continue
                rows.append(row)
                m = row["marks"]
                print(
                    f"{rung}-{seed}: options {row['options']:,} (kept {row['kept']}/"
                    f"{row['products']}, stride {row['stride']}) build {row['build_s']:.2f} s "
                    f"first plan {row['first_plan_s']:.2f} s | gap @5 {_fmt(m['5']['gap'])} "
                    f"@10 {_fmt(m['10']['gap'])} @30 {_fmt(m['30']['gap'])} % | "
                    f"{row['status']} {row['objective']:,} bound {_fmt(row['bound'], ',')} | "
                    f"greedy {_fmt(row['greedy'], ',')} uplift {_fmt(row['uplift'], '+.1f')} % | "
                    f"LP full {_fmt(row.get('lp_bound_full'), ',.0f')} "
                    f"model {_fmt(row.get('lp_bound_model'), ',.0f')} | "
                    f"RSS {row['peak_rss_mb']:.0f} MB (LP child "
                    f"{row.get('peak_rss_lp_child_mb', 0):.0f} MB) CPU {row.get('cpu_s', 0):.1f} s "
                    f"(LP child {row.get('cpu_lp_child_s', 0):.1f} s)",
                    file=sys.stderr,
                )
            summary = _summary(rung, rows) if rows else {"rung": rung, "runs": 0}
            summary["no_plan"] = len(failures)
            results["rungs"][rung] = {"rows": rows, "failures": failures, "summary": summary}
            print(_table(rows))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=1))
    lines = [
        _summary_line(r["summary"]) if r["rows"] else f"| {name} | 0 runs with a plan |"
        for name, r in results["rungs"].items()
    ]
    print(SUMMARY_HEAD + "\n".join(lines))
    for name, r in results["rungs"].items():
        if r["failures"]:
            print(f"{name}: {len(r['failures'])} run(s) ended with no plan")
    print(f"\nwrote {path.relative_to(ROOT)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run rungs, print tables, write benchmarks/results/*.json")
    p.add_argument("--rung", default="all", help="S, M, L, XL, a comma list, or all")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--time-limit", type=float, default=30.0)
    p.add_argument("--no-lp", action="store_true", help="skip the LP-relaxation bounds")
    p.add_argument("--keep", type=Path, help="write the generated shows here and keep them")
    p.add_argument(
        "--compare",
        help="solvers side by side instead: lqplan and these MIP solvers (scip, highs, "
        "highs-nopresolve) at each of --budgets",
    )
    p.add_argument("--budgets", default="10,30", help="with --compare: time limits, seconds")
    p = sub.add_parser("optima", help="prove the ladder's optima, record benchmarks/optima.json")
    p.add_argument("--rung", default="S,M", help="S, M, L, XL, a comma list, or all")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--solvers", default="highs-nopresolve,cpsat,scip", help="tried in turn")
    p.add_argument("--time-limit", type=float, default=600.0, help="per solver, seconds")
    p.add_argument("--hint-budget", type=float, default=30.0, help="lqplan's plan, the start")
    p = sub.add_parser(
        "compare-report", help="a --compare results file's tables, against optima.json"
    )
    p.add_argument("results", type=Path)
    p = sub.add_parser("mip", help="(internal) one MIP solve of a show folder, a JSON row")
    p.add_argument("folder", type=Path)
    p.add_argument("solver")
    p.add_argument("budget", type=float)
    p.add_argument("--hint", type=Path, help="a JSON file of option and drop indices")
    p = sub.add_parser("instance", help="(internal) plan one show folder, print a JSON row")
    p.add_argument("folder")
    p.add_argument("--time-limit", type=float, default=30.0)
    p.add_argument("--no-lp", action="store_true")
    p = sub.add_parser("generate", help="write one generated show folder")
    p.add_argument("--rung", required=True, choices=sorted(RUNGS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("folder", type=Path)
    sub.add_parser("extras", help="start-up, validate on 10,000 SKUs, render the marathon")
    p = sub.add_parser("replan", help="replan the marathon sample from mid-show")
    p.add_argument("--at", default="16:00")
    p.add_argument("--limits", default="2,5", help="time limits to try, comma-separated")
    p = sub.add_parser("loop", help="the closed learning loop against a hidden market")
    p.add_argument("--samples", default="minimal,home-tiktok")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--time-limit", type=float, default=5.0, help="CP-SAT deterministic time")
    p.add_argument("--robust", action="store_true", help="also the learn loop with --robust")
    sub.add_parser("conflicts", help="impossible shows: how soon the rules in conflict are named")
    p = sub.add_parser("learn-scale", help="lqplan learn on a long history: time and memory")
    p.add_argument("--shows", type=int, default=60)
    args = parser.parse_args(argv)
    if args.command in ("run", "optima"):
        rungs = list(RUNGS) if args.rung == "all" else args.rung.upper().split(",")
    if args.command == "run" and args.compare:
        from benchmarks.compare import compare

        budgets = [float(b) for b in args.budgets.split(",")]
        compare(rungs, args.seeds, budgets, args.compare.split(","), args.keep)
    elif args.command == "run":
        run(rungs, args.seeds, args.time_limit, not args.no_lp, args.keep)
    elif args.command == "optima":
        from benchmarks.compare import find_optima

        solvers = args.solvers.split(",")
        find_optima(rungs, args.seeds, solvers, args.time_limit, args.hint_budget)
    elif args.command == "compare-report":
        from benchmarks.compare import report

        print(report(json.loads(args.results.read_text())))
    elif args.command == "mip":
        from benchmarks.compare import mip_instance

        mip_instance(args.folder, args.solver, args.budget, args.hint)
    elif args.command == "instance":
        _instance_main(args)
    elif args.command == "generate":
        print(write_show(args.folder, args.rung, args.seed))
    elif args.command == "loop":
        from benchmarks.closed_loop import main as loop

        loop(args.samples.split(","), args.seeds, args.rounds, args.time_limit, args.robust)
    elif args.command == "conflicts":
        from benchmarks.conflicts import main as conflicts

        conflicts()
    elif args.command == "learn-scale":
        from benchmarks.learn_scale import main as learn_scale

        learn_scale(args.shows)
    elif args.command == "replan":
        from benchmarks.replan import main as replan

        replan(args.at, tuple(float(x) for x in args.limits.split(",")))
    else:
        from benchmarks.extras import main as extras

        extras()
