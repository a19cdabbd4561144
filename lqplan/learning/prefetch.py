"""Read a history on both cores: the longest part of `lqplan learn`.

Reading 60 shows of per-minute ACTUALS and their plans, each checked field by field, takes one
to two seconds of Python, which holds the interpreter's lock, so threads would not share it: a
forked child reads half the shows while the parent reads the other half (BENCHMARKS.md). The
child ignores Ctrl-C (the terminal sends it to the whole process group): the parent takes it,
stops the child at once and exits 130 as every command does. Where fork is not available, or
for a single show, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lqplan.errors import Diagnostic, InputError
from lqplan.io.yamlio import Document
from lqplan.learning.history import Skipped, read_history, read_shows, show_folders
from lqplan.learning.observations import ShowData, history_rows


def history_data(folders: Sequence[Path]) -> tuple[list[ShowData], list[Skipped]]:
    """Every usable past show under `folders` as regression rows, oldest first, and the skips."""
    shows, skipped = read_history(folders)
    return history_rows(shows), skipped


CHILD_SHARE = 0.5  # of the shows, read by the child; the parent reads the rest meanwhile


def _child(candidates: Sequence[tuple[Path, str]]) -> tuple[str, Any]:
    # Exceptions cross the process boundary as data: InputError's diagnostics would not survive
    # pickling the exception itself.
    try:
        shows, skipped = read_shows(candidates)
        # The positions of every value in each ACTUALS file were for its messages, now given:
        # not worth pickling back.
        light = [
            replace(s, actuals=replace(s.actuals, doc=Document(s.actuals.doc.file, None)))
            for s in shows
        ]
        return "ok", (light, skipped)
    except InputError as exc:
        return "input", exc.diagnostics


def _quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def prefetched_history_data(folders: Sequence[Path]) -> tuple[list[ShowData], list[Skipped]]:
    """history_data(folders), half the shows read in a forked child, half in this process."""
    candidates, skipped = show_folders(folders)
    if "fork" not in multiprocessing.get_all_start_methods() or len(candidates) < 2:
        shows, unusable = read_shows(candidates)
    else:
        split = max(1, min(len(candidates) - 1, round(len(candidates) * CHILD_SHARE)))
        pool = multiprocessing.get_context("fork").Pool(1, initializer=_quiet)
        try:
            pending = pool.apply_async(_child, (candidates[:split],))
            mine, my_skips = read_shows(candidates[split:])
            kind, value = pending.get()
        finally:
            pool.terminate()  # at once, also on Ctrl-C: the child holds nothing worth finishing
            pool.join()
        if kind == "input":
            raise InputError(list[Diagnostic](value))
        theirs, their_skips = value
        shows, unusable = [*theirs, *mine], [*their_skips, *my_skips]
    shows.sort(key=lambda s: s.order)
    return history_rows(shows), skipped + unusable
