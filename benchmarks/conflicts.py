"""Impossible shows, explained: how soon `lqplan plan` names the rules in conflict (issue 16).

Each case is a copy of a sample with rules added that no plan can keep together, of a kind the
pre-checks do not catch (the solver must prove it): two pinned products excluded from one show,
a precedence against the pins' order, and so on. Per case it prints the seconds from the start
of planning to the error (wall clock, demand build included), the exit kind, and the rule ids
named; the issue asks for the rules within 5 s on every show.

    python -m benchmarks conflicts
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings

ROOT = Path(__file__).resolve().parent.parent
Rules = dict[str, Any]


def _add(key: str, *items: dict[str, Any]) -> Callable[[Rules], None]:
    def change(rules: Rules) -> None:
        rules.setdefault(key, []).extend(items)

    return change


# (case, sample, changes to show.yaml's rules, the rule ids a right answer names)
CASES: list[tuple[str, str, list[Callable[[Rules], None]], set[str]]] = [
    (
        "precedence against two pins",
        "minimal",
        [
            _add("pins", {"id": "pin-sampler", "sku": "TEA-SAMPLER", "at": "20:00"}),
            _add("precedence", {"id": "gift-first", "before": "TEA-GIFT", "after": "TEA-SAMPLER"}),
        ],
        {"pin-gift-set", "pin-sampler", "gift-first"},
    ),
    (
        "two pinned products excluded",
        "home-tiktok",
        [
            _add("pins", {"id": "pin-skillet", "sku": "KIT-PAN-11", "at": "20:00"}),
            _add("exclusions", {"id": "mirror-or-pan", "skus": ["DEC-MIRROR-ARCH", "KIT-PAN-11"]}),
        ],
        {"pin-mirror", "pin-skillet", "mirror-or-pan"},
    ),
    (
        "precedence against the pins' order",
        "beauty-douyin",
        [_add("precedence", {"id": "perfume-first", "before": "FRG-001", "after": "LIP-003"})],
        {"pin-collab-lipstick", "pin-perfume-late", "perfume-first", "collab-qingqiu"},
    ),
    (
        "two pinned products excluded (marathon)",
        "double11-marathon",
        [_add("exclusions", {"id": "skin-or-earbuds", "skus": ["SKIN-002", "DIGI-002"]})],
        {"pin-niacinamide-open", "pin-earbuds-shift2", "skin-or-earbuds"},
    ),
    (
        "the only hero pinned before the first-hero window",
        "minimal",
        [_add("pins", {"id": "pin-oolong-open", "sku": "TEA-OOLONG", "at": "20:00"})],
        {"pin-oolong-open", "first_hero"},
    ),
    (
        "two lipsticks pinned back to back",
        "beauty-douyin",
        [
            _add("pins", {"id": "pin-lip-1", "sku": "LIP-001", "at": "21:05"}),
            _add("pins", {"id": "pin-lip-2", "sku": "LIP-002", "at": "21:10"}),
        ],
        {"pin-collab-lipstick", "pin-lip-1", "pin-lip-2", "no_back_to_back"},
    ),
    (
        "two kitchen items pinned back to back",
        "home-tiktok",
        [
            _add("pins", {"id": "pin-spatula", "sku": "KIT-SPAT-3", "at": "20:40"}),
            _add("pins", {"id": "pin-knife", "sku": "KIT-KNIFE-7", "at": "20:45"}),
            _add("pins", {"id": "pin-mist", "sku": "KIT-OIL-MIST", "at": "20:50"}),
        ],
        {"pin-spatula", "pin-knife", "pin-mist", "no_back_to_back"},
    ),
]


def run_case(sample: str, changes: list[Callable[[Rules], None]]) -> tuple[float, str, list[str]]:
    """(seconds to the answer, what it was, the rule ids named)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / sample
        shutil.copytree(ROOT / "samples" / sample, folder)
        path = folder / "show.yaml"
        show = yaml.safe_load(path.read_text(encoding="utf-8"))
        for change in changes:
            change(show["rules"])
        path.write_text(yaml.safe_dump(show, allow_unicode=True, sort_keys=False), "utf-8")
        started = time.perf_counter()
        inputs = load_and_validate(folder)
        try:
            plan_show(inputs, SolveSettings(time_limit=10, workers=2))
        except InfeasibleError as error:
            seconds = time.perf_counter() - started
            named = [item.split(":", 1)[0].strip() for item in error.conflicts]
            kind = "pre-check" if "before solving" in str(error) else "solver"
            return seconds, kind, named
        return time.perf_counter() - started, "planned (not impossible)", []


def main() -> None:
    """Print one line per case."""
    print(f"{'case':42} {'sample':18} {'s':>6}  {'by':10} right  named")
    for name, sample, changes, expected in CASES:
        seconds, kind, named = run_case(sample, changes)
        right = "yes" if set(named) <= expected and named else "no"
        print(f"{name:42} {sample:18} {seconds:6.2f}  {kind:10} {right:5}  {', '.join(named)}")
