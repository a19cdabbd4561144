"""`lqplan learn` on a long history: wall time and peak memory (issue 11: 60 shows ≤ 3 s, 500 MB).

    python -m benchmarks learn-scale --shows 60

The history is the beauty sample (46 products, 3 hours) planned for a handful of hidden markets
and played out per minute, one show a day; learn runs as the console script does, in a child
process of its own so that its peak RSS is its own. Beside it, in the same run, the same learn
on 8 shows: the time per show should stay flat as the history grows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _history(folder: Path, shows: int) -> None:
    from datetime import date, timedelta

    from lqplan.learning.market import perturbed_market
    from lqplan.learning.simulate import actuals_text, simulate
    from lqplan.pipeline import load_and_validate, plan_json, plan_show
    from lqplan.plan.result import SolveSettings

    files = load_and_validate(ROOT / "samples" / "beauty-douyin")
    market = perturbed_market(files, seed=1)
    plans = []
    # A room varies its line-up: every other show plans for GMV, and each leaves out a fifth of
    # the catalog (no stock), so that the history holds most products in several contexts.
    from lqplan.plan.options import protected_products

    skus = sorted(set(files.products) - protected_products(files))
    for variant in range(4):
        dropped = set(skus[variant::5])
        stock = files.stock.model_copy(
            update={
                "stock": [
                    s.model_copy(update={"units": 0}) if s.sku in dropped else s
                    for s in files.stock.stock
                ]
            }
        )
        objective = "gmv" if variant % 2 else "profit"
        inputs = replace(
            files, stock=stock, show=files.show.model_copy(update={"objective": objective})
        )
        settings = SolveSettings(time_limit=2, deterministic=True)
        plans.append(json.loads(plan_json(plan_show(inputs, settings).plan)))
    first = date(2026, 9, 1)
    for i in range(shows):
        plan = json.loads(json.dumps(plans[i % len(plans)]))
        plan["show"]["date"] = (first + timedelta(days=i)).isoformat()
        show = folder / f"show-{i:03d}"
        show.mkdir(parents=True)
        (show / "plan.json").write_text(plan_json(plan), encoding="utf-8")
        actuals = simulate(plan, market, seed=i)
        (show / "actuals.yaml").write_text(actuals_text(actuals), encoding="utf-8")


def _learn(folder: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `lqplan learn` in a child process."""
    script = (
        "import resource, sys, time; from lqplan.cli import main; "
        "sys.argv = ['lqplan', 'learn', sys.argv[1], '-o', sys.argv[2], '-q']\n"
        "t = time.perf_counter()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(out)], capture_output=True, text=True
    )
    total = time.perf_counter() - started
    inner, rss = (float(x) for x in result.stdout.split()[-2:])
    del inner
    return total, rss


def main(shows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        _history(root / "long", shows)
        _history(root / "short", 8)
        print(f"# wrote {shows} + 8 shows of history in {time.perf_counter() - t:.1f} s")
        long_s, long_mb = _learn(root / "long", root / "long.json")
        short_s, short_mb = _learn(root / "short", root / "short.json")
        data = json.loads((root / "long.json").read_text(encoding="utf-8"))
        diag = data["diagnostics"]
        print("| history | learn wall s (process) | fit s | peak RSS MB | rows | coefficients |")
        print("|---|---|---|---|---|---|")
        short = json.loads((root / "short.json").read_text(encoding="utf-8"))
        for name, secs, mb, d in (
            ("8 shows", short_s, short_mb, short),
            (f"{shows} shows", long_s, long_mb, data),
        ):
            print(
                f"| {name} | {secs:.2f} | {d['diagnostics']['seconds']:.2f} | {mb:.0f} | "
                f"{d['diagnostics']['observations']:,} | {len(d['coefficients'])} |"
            )
        print(
            f"\nratio {shows} / 8 shows: {long_s / short_s:.2f}× wall; accuracy {diag['accuracy']}"
        )
