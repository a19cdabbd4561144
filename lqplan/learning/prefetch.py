"""Read a history while the statistics library loads: the two longest parts of `lqplan learn`.

Importing statsmodels (it brings scipy.stats and pandas) takes about a second, and so does
reading 60 shows of per-minute ACTUALS; both are Python and hold the interpreter's lock, so
threads do not overlap them, but a forked child reads while the parent imports (60 shows: 4.2 s
→ see BENCHMARKS.md). The child ignores Ctrl-C (the terminal sends it to the whole process
group): the parent takes it, stops the child at once and exits 130 as every command does. Where
fork is not available, everything runs in this process, one after the other.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lqplan.errors import Diagnostic, InputError
from lqplan.learning.history import Skipped, read_history
from lqplan.learning.observations import ShowData, history_rows


def history_data(folders: Sequence[Path]) -> tuple[list[ShowData], list[Skipped]]:
    """Every usable past show under `folders` as regression rows, oldest first, and the skips."""
    shows, skipped = read_history(folders)
    return history_rows(shows), skipped


def _child(folders: Sequence[Path]) -> tuple[str, Any]:
    # Exceptions cross the process boundary as data: InputError's diagnostics would not survive
    # pickling the exception itself.
    try:
        return "ok", history_data(folders)
    except InputError as exc:
        return "input", exc.diagnostics


def _quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _warm() -> None:
    import statsmodels.genmod.generalized_linear_model  # noqa: F401


def prefetched_history_data(folders: Sequence[Path]) -> tuple[list[ShowData], list[Skipped]]:
    """history_data(folders), read in a forked child while this process imports statsmodels."""
    if "fork" not in multiprocessing.get_all_start_methods():
        _warm()
        return history_data(folders)
    pool = multiprocessing.get_context("fork").Pool(1, initializer=_quiet)
    try:
        pending = pool.apply_async(_child, (list(folders),))
        _warm()
        kind, value = pending.get()
    finally:
        pool.terminate()  # at once, also on Ctrl-C: the child holds nothing worth finishing
        pool.join()
    if kind == "input":
        raise InputError(list[Diagnostic](value))
    return value  # type: ignore[no-any-return]
