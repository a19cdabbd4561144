"""Start-up, validation of a 10,000-SKU catalog and rendering of the marathon sample."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.generate import RUNGS, generate

ROOT = Path(__file__).resolve().parent.parent


def _lqplan() -> str:
    """The console script beside this interpreter (a venv's, as the README installs it): a pyenv
    shim found first on PATH would add its own ~0.1 s of bash to every run."""
    beside = Path(sys.executable).parent / "lqplan"
    return str(beside) if beside.exists() else shutil.which("lqplan") or "lqplan"


def _best_of(command: list[str], runs: int = 5) -> float:
    return _best_wall_and_cpu(command, runs)[0]


def _best_wall_and_cpu(command: list[str], runs: int = 5) -> tuple[float, float]:
    """The best wall seconds and the best user + sys CPU seconds of `runs` runs: on a machine
    shared with other work the CPU figure is the one to read (wall time includes the waits)."""
    # With PYTHONDONTWRITEBYTECODE set, every run would compile lqplan's modules from source
    # again (0.1 s and more), which no installed copy does: the first run writes the bytecode.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    walls, cpus = [], []
    for _ in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls[1:]), min(cpus[1:])


# Packages that only planning, rendering, learning or the sheets need (tests/test_startup.py).
HEAVY = ("ortools", "numpy", "statsmodels", "jinja2", "babel", "openpyxl", "xlsxwriter")


def startup() -> dict[str, float]:
    lqplan = _lqplan()
    help_wall, help_cpu = _best_wall_and_cpu([lqplan, "--help"])
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, lqplan.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
    ).stdout
    return {
        "lqplan --help": help_wall,
        "lqplan --help CPU s": help_cpu,
        "python -c pass": _best_of([sys.executable, "-c", "pass"]),
        "import lqplan.cli": _best_of([sys.executable, "-c", "import lqplan.cli"]),
        "import typer, rich": _best_of([sys.executable, "-c", "import typer, rich.console"]),
        "ortools loaded by import lqplan.cli": float("'ortools'" in loaded),
        "heavy packages loaded by import lqplan.cli": float(
            sum(f"'{name}'" in loaded for name in HEAVY)
        ),
    }


def validate_10k() -> dict[str, float]:
    """An XL show whose catalog and stock are grown to 10,000 SKUs, validated by the CLI."""
    docs = generate("XL", 0)
    products = docs["catalog.yaml"]["products"]
    stock = docs["stock.yaml"]["stock"]
    grown, rows = list(products), list(stock)
    for copy in range(1, 10):
        for p, s in zip(products, stock, strict=True):
            sku = f"{p['sku']}-{copy}"
            grown.append({**p, "sku": sku, "cart_link": None})
            rows.append({**s, "sku": sku})
    for p in grown:
        if p.get("cart_link") is None:
            p.pop("cart_link", None)
    docs["catalog.yaml"]["products"] = grown
    docs["stock.yaml"]["stock"] = rows
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in docs.items():
            Path(tmp, name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        lqplan = _lqplan()
        done = subprocess.run([lqplan, "validate", tmp], capture_output=True, text=True)
        seconds, cpu = _best_wall_and_cpu([lqplan, "validate", tmp], runs=3)
    return {
        "skus": len(grown),
        "exit": done.returncode,
        "lqplan validate s": seconds,
        "lqplan validate CPU s": cpu,
    }


def render_marathon() -> dict[str, float]:
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings
    from lqplan.render import render_documents

    inputs = load_and_validate(ROOT / "samples" / "double11-marathon")
    plan = plan_show(inputs, SolveSettings(time_limit=3, deterministic=True)).plan
    times = []
    for _ in range(5):
        t = time.perf_counter()
        docs = render_documents(plan)
        times.append(time.perf_counter() - t)
    return {
        "documents": len(docs),
        "render best s": min(times),
        "render median s": statistics.median(times),
    }


def main() -> None:
    print(f"RUNGS: {', '.join(RUNGS)}")
    for name, fn in (
        ("start-up", startup),
        ("validate", validate_10k),
        ("render", render_marathon),
    ):
        print(name, {k: round(v, 3) if isinstance(v, float) else v for k, v in fn().items()})
