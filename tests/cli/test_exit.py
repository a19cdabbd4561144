"""How the console command ends (cli/app.py `_leave`): with the command's exit code, everything
it printed flushed, no helper process left behind, and without tearing the interpreter down
(which on a large show cost half a second after the last file was written). Each case is a
fresh interpreter running the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lqplan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lqplan", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_a_plan_piped_as_json_arrives_whole(tmp_path: Path) -> None:
    done = _lqplan("plan", "samples/minimal", "-o", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)  # the whole document: nothing was lost at the exit
    assert plan["schema"] == "lqplan.plan/1"
    assert (tmp_path / "out" / "plan.json").read_text(encoding="utf-8") == done.stdout


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("validate", "no/such/show"), 2, "no such file or folder"),
        (("validate", "samples/minimal"), 0, "valid"),
        (("--version",), 0, "lqplan"),
    ],
)
def test_the_exit_code_and_the_message_survive(args: tuple[str, ...], code: int, said: str) -> None:
    done = _lqplan(*args)
    assert done.returncode == code
    assert said in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# A child process of the kind LpJob makes, still running when the command ends: the fast exit
# must stop it, as Python's own exit stops daemonic children.
_CHILD_LEFT_RUNNING = """
import multiprocessing, sys, time
from lqplan.cli.app import _leave

child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,), daemon=True)
child.start()
print(child.pid)
print("last line")
_leave(SystemExit(3))
print("never printed")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="LpJob's child needs fork")
def test_a_helper_process_still_running_is_stopped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD_LEFT_RUNNING],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    pid_line, last, *rest = done.stdout.splitlines()
    assert last == "last line" and rest == []  # flushed, and nothing ran after the exit
    pid = int(pid_line)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"the helper process {pid} outlived the command")
