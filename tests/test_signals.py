"""Ctrl-C and SIGTERM during a solve stop it at once: exit 130, no output folder, no temp files."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from conftest import SAMPLES


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_solve_stops_cleanly(tmp_path, signum):
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "lqplan", "plan", str(SAMPLES / "double11-marathon"), "-o",
         str(out), "--time-limit", "120", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # loading, building or solving: each stage stops on the signal
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)  # far less than the 120 s limit
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the solve did not stop on the signal") from None
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
