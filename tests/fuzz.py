"""The long fuzz run (not part of CI): the mutation properties of test_properties_commands.py
(mutated shows) and test_properties_files.py (a plan.json, actuals or output folder's manifest
mutated), over and over with increasing seeds, until the time is up.

    nice python tests/fuzz.py --minutes 10                  # shows and files, a round of each
    nice python tests/fuzz.py --minutes 10 --kind files     # only plan.json, actuals, manifest

Prints the number of cases run and how they ended, and for any crash (or hang) the seed and the
case; exits 1 if anything crashed. `--seed N` starts elsewhere; a crash replays with `--seed N
--minutes 0` (one round).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, Phase, given, seed, settings
from mutations import mutated_files, mutated_shows, run_commands, run_file_commands

ROUND = 20  # cases per seed


def one_round(number: int, kind: str, outcomes: collections.Counter, crashes: list[str]) -> None:
    """ROUND cases of `kind` (shows or files) drawn with hypothesis seed `number` (no
    shrinking: report, then move on)."""
    strategy, run = (
        (mutated_shows(max_edits=4), run_commands)
        if kind == "shows"
        else (mutated_files(max_edits=4), run_file_commands)
    )

    @seed(number)
    @settings(
        max_examples=ROUND,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def prop(case):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                outcomes[run(case, Path(tmp))] += 1
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                outcomes["crash"] += 1
                crashes.append(f"seed {number}: {case}\n{''.join(traceback.format_exception(exc))}")
                print(crashes[-1], flush=True)

    prop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kind", choices=["both", "shows", "files"], default="both")
    args = parser.parse_args()
    end = time.monotonic() + args.minutes * 60
    outcomes: collections.Counter = collections.Counter()
    crashes: list[str] = []
    number, started = args.seed, time.monotonic()
    while True:
        for kind in ("shows", "files") if args.kind == "both" else (args.kind,):
            one_round(number, kind, outcomes, crashes)
        number += 1
        if time.monotonic() >= end:
            break
        total = sum(outcomes.values())
        if number % 10 == 0:
            print(
                f"{time.monotonic() - started:7.0f} s  seed {number}  {total} cases  "
                f"{dict(outcomes)}",
                flush=True,
            )
    total = sum(outcomes.values())
    minutes = (time.monotonic() - started) / 60
    print(
        f"fuzz: {total} cases in {minutes:.1f} min, seeds {args.seed}..{number - 1}: "
        f"{dict(outcomes)}; {len(crashes)} crash(es)"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
