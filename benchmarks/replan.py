"""Replan from mid-show on the marathon sample: seconds against plan quality.

    python -m benchmarks replan [--at 16:00] [--limits 2,5]

Plans samples/double11-marathon (deterministic), writes actuals for the first half as if it
aired to plan at 90% of the expected units and 92% of the viewers, then replans the rest with
each time limit and with a long deterministic reference run. Prints wall seconds, the value of
the rest, its distance from the reference and from the bound.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOW = ROOT / "samples" / "double11-marathon"


def write_actuals(plan: dict, at: str, folder: Path) -> Path:
    start = plan["show"]["start"]
    cut = (int(at[:2]) * 60 + int(at[3:])) - (int(start[:2]) * 60 + int(start[3:]))
    segments = [
        {
            "sku": s["sku"],
            "start": s["start"],
            "end": s["end"],
            "units": round(s["expected"]["units"] * 0.9),
            **({"promotion": s["promotion"]} if s["promotion"] else {}),
        }
        for s in plan["segments"]
        if s["start_minute"] + s["minutes"] <= cut
    ]
    bags = [{"id": b["id"], "at": b["at"]} for b in plan["lucky_bags"] if b["minute"] < cut]
    viewers = next(p["viewers"] for p in plan["viewer_curve"] if p["minute"] >= cut)
    path = folder / "actuals.yaml"
    path.write_text(
        yaml.safe_dump(
            {"at": at, "viewers": round(viewers * 0.92), "segments": segments, "lucky_bags": bags},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return path


def main(at: str = "16:00", limits: tuple[float, ...] = (2.0, 5.0)) -> None:
    from lqplan.live.actuals import read_actuals
    from lqplan.live.replan import replan
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings
    from lqplan.show.model import parse_clock

    inputs = load_and_validate(SHOW)
    plan = plan_show(inputs, SolveSettings(time_limit=3, deterministic=True)).plan
    cut = inputs.show.offset(parse_clock(at))
    with tempfile.TemporaryDirectory() as tmp:
        actuals = read_actuals(write_actuals(plan, at, Path(tmp)))
        reference = replan(
            plan, inputs, actuals, cut, SolveSettings(time_limit=30, deterministic=True)
        )
        best = reference.rest.solution.objective
        print(
            f"replan {SHOW.name} at {at}; reference (deterministic 30): {best:,} cents, "
            f"bound {reference.rest.solution.bound:,}"
        )
        print(
            f"{'limit':>6} {'seconds':>8} {'value (cents)':>15} {'below ref':>10} "
            f"{'gap to bound':>13}"
        )
        for limit in limits:
            started = time.perf_counter()
            result = replan(plan, inputs, actuals, cut, SolveSettings(time_limit=limit))
            seconds = time.perf_counter() - started
            solution = result.rest.solution
            below = (best - solution.objective) / best * 100
            print(
                f"{limit:>6g} {seconds:>8.2f} {solution.objective:>15,} {below:>9.2f}% "
                f"{solution.gap:>12.2f}%"
            )
