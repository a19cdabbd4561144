"""The live cue view: frame() at given minutes, marks moving the schedule, and the real command
driven in a pseudo-terminal."""

from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from lqplan.live.actuals import load_actuals
from lqplan.live.cue import (
    DONE,
    LATE,
    Mark,
    countdown,
    drift_at,
    frame,
    schedule,
    upcoming_actions,
)
from lqplan.render.actions import team_actions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> dict:
    """samples/minimal, solved deterministically (8 segments, 20:00–21:00, lucky bags)."""
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings

    inputs = load_and_validate(ROOT / "samples" / "minimal")
    return plan_show(inputs, SolveSettings(time_limit=2.0, deterministic=True)).plan


def screen(plan: dict, minute: float, marks=(), lang="en") -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None, record=True)
    console.print(frame(plan, minute, marks, lang))
    return console.export_text()


def test_frame_shows_current_and_next_segment_and_time_left(plan):
    second, third = plan["segments"][1], plan["segments"][2]
    minute = second["start_minute"] + 1.5
    text = screen(plan, minute)
    assert f"NOW {second['start']}–{second['end']}" in text
    assert f"{second['number']}. " in text and second["sku"] in text
    assert f"{third['start']}  {third['number']}. " in text  # the NEXT line
    left = second["start_minute"] + second["minutes"] - minute
    assert countdown(left) == f"{int(left):02d}:30"
    point = plan["products"][second["sku"]]["selling_points"][0]["point"]
    assert point in text


def test_frame_lists_the_next_actions_with_their_clock_times(plan):
    bag = plan["lucky_bags"][0]
    text = screen(plan, bag["minute"] - 2)
    actions = [a for a in team_actions(plan, "en") if a["minute"] >= bag["minute"] - 2]
    assert actions, "the sample has actions after its first lucky bag"
    start_bag = next(a for a in actions if a["action"] == "start_lucky_bag")
    assert re.search(rf"{bag['at']}\s+control room\s+{re.escape(start_bag['text'][:20])}", text)


def test_frame_before_and_after_the_show(plan):
    assert "starts in" in screen(plan, -3)
    assert "the show is over" in screen(plan, plan["show"]["minutes"] + 1)


def test_frame_in_chinese(plan):
    text = screen(plan, 1, lang="zh")
    assert "当前" in text and "下一个" in text


def test_done_mark_moves_the_rest_earlier_and_late_mark_later(plan):
    first, second = plan["segments"][0], plan["segments"][1]
    done = Mark(first["number"], DONE, first["minutes"] - 2)
    items = schedule(plan, [done])
    assert items[0].end == first["minutes"] - 2
    assert items[1].start == second["start_minute"] - 2
    assert items[-1].end == plan["show"]["minutes"] - 2
    assert "2 min early" in screen(plan, first["minutes"] - 1, [done])
    late = Mark(first["number"], LATE, 1)
    items = schedule(plan, [late, late])
    assert items[1].start == second["start_minute"] + 2
    text = screen(plan, first["minutes"] + 1, [late, late])
    assert f"NOW {first['start']}–" in text  # still on the first segment, 2 min over
    assert "2 min late" in text


def test_actions_move_with_the_marks(plan):
    first, second = plan["segments"][0], plan["segments"][1]
    done = Mark(first["number"], DONE, first["minutes"] - 2)
    items = schedule(plan, [done])
    assert drift_at(items, 0) == 0
    assert drift_at(items, second["start_minute"]) == -2
    at, act = upcoming_actions(plan, items, first["minutes"] - 2, "en")[0]
    assert (at, act["minute"]) == (second["start_minute"] - 2, second["start_minute"])


# --- the real command in a pseudo-terminal ------------------------------------------------------


def _read(fd: int, seconds: float) -> str:
    """Everything the terminal shows within `seconds`, escape codes stripped."""
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return re.sub(
        r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", out.decode("utf-8", "replace")
    )


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def _live_in_a_terminal(folder: Path, args: list[str], width: int = 120) -> tuple[Any, int]:
    """`lqplan live ARGS` started in a pseudo-terminal of 45 × `width` in `folder`: the process
    and the terminal's master side."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, width, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(width), "LINES": "45"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lqplan", "live", *args],
        cwd=folder,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    return proc, master


def test_live_in_a_pseudo_terminal_marks_done_and_quits(plan, tmp_path):
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    seg = plan["segments"][2]
    at = seg["start"][:3] + f"{int(seg['start'][3:]) + 1:02d}"  # a minute into the segment
    record = tmp_path / "actuals.yaml"
    args = ["plan.json", "--at", at, "--speed", "6", "--record", str(record), "--lang", "en"]
    proc, master = _live_in_a_terminal(tmp_path, args)
    try:
        shown = ""
        deadline = time.monotonic() + 15
        while f"{seg['number']}. " not in shown and time.monotonic() < deadline:
            shown += _read(master, 0.3)
        assert f"NOW {seg['start']}–{seg['end']}" in shown
        assert seg["sku"] in shown
        os.write(master, b"d")
        deadline = time.monotonic() + 10
        while not record.exists() and time.monotonic() < deadline:
            _read(master, 0.1)
        os.write(master, b"q")
        _read(master, 1.0)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    recorded = load_actuals(record)["segments"]
    assert [(e["number"], e["sku"], e["start"]) for e in recorded] == [
        (seg["number"], seg["sku"], seg["start"])
    ]
    # Marked done about a minute in (at 6× speed a few seconds pass): well before its planned end.
    assert recorded[0]["end"] < seg["end"]


def test_frame_follows_a_simulated_market(plan):
    from lqplan.learning import simulate
    from lqplan.pipeline import load_and_validate

    market = simulate(plan, load_and_validate(ROOT / "samples" / "minimal"), seed=2)
    console = Console(file=io.StringIO(), width=160, color_system=None, record=True)
    console.print(frame(plan, 30, market=market))
    text = console.export_text()
    sold = sum(s["units"] for s in market["sales"] if s["at"] < "20:30")
    assert f"simulated market: {sold:,} units sold" in text
    assert "plan by now" in text


def test_live_rehearsal_against_a_market_records_what_it_sold_for_replan(plan, tmp_path):
    """live --simulate: the header follows the market; quitting mid-show writes the market's
    actuals so far, and replan starts from them."""
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    record = tmp_path / "rehearsal.yaml"
    sample = str(ROOT / "samples" / "minimal")
    args = ["plan.json", "--at", "20:25", "--simulate", sample, "--seed", "3"]
    proc, master = _live_in_a_terminal(tmp_path, [*args, "--record", str(record)], width=160)
    try:
        shown = ""
        deadline = time.monotonic() + 15
        while "simulated market" not in shown and time.monotonic() < deadline:
            shown += _read(master, 0.3)
        assert "simulated market" in shown
        os.write(master, b"q")
        _read(master, 1.0)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    from lqplan.live.actuals import read_actuals

    actuals = read_actuals(record).actuals
    assert actuals.at is not None and 20 * 60 + 25 <= actuals.at <= 20 * 60 + 27
    assert actuals.segments and actuals.sales
    replan = [sys.executable, "-m", "lqplan", "replan", "plan.json", "--actuals", str(record)]
    replanned = subprocess.run(
        [*replan, "--show", sample, "-o", "re", "-q", "--time-limit", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert replanned.returncode == 0, replanned.stderr
    assert (tmp_path / "re" / "plan.json").is_file()
