"""The time limit is the whole command's (plan_show under a wall clock): the LP beside the
search, a greedy that stops trying strategies when the time is gone, windows that give way to
the LP when it arrives. Mechanisms only: the figures live in benchmarks/ (BENCHMARKS.md)."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace

import pytest
from conftest import tiny_show

import lqplan.plan.baseline as baseline
import lqplan.plan.optimise as optimise
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.baseline import greedy_plan
from lqplan.plan.optimise.lns import Stopper, improve
from lqplan.plan.options import build_demand
from lqplan.plan.result import SolveSettings, SolveStatus

PRODUCTS = [
    {"sku": f"P{i:02d}", "margin": 5 + (7 * i) % 11, "category": f"c{i % 3}"} for i in range(9)
]
VIEWERS = [100, 300, 600, 900, 1200, 900, 700, 1100, 800]


def _show(tmp_path):
    rules = {"segment_minutes": {"default": 5, "min": 5, "max": 10}}
    return load_and_validate(tiny_show(tmp_path, PRODUCTS, slots=9, viewers=VIEWERS, rules=rules))


def test_past_its_deadline_the_greedy_keeps_its_first_complete_plan(tmp_path, monkeypatch):
    demand = build_demand(_show(tmp_path))
    made = []
    greedy = baseline.Greedy

    class Counted(greedy):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(baseline, "Greedy", Counted)
    plan = greedy_plan(demand, deadline=time.perf_counter() - 1)
    assert plan.status == SolveStatus.FEASIBLE and len(made) == 1
    made.clear()
    assert greedy_plan(demand).status == SolveStatus.FEASIBLE
    assert len(made) == len(baseline.STRATEGIES)  # without a deadline: every strategy


def test_a_stopped_lp_ends_its_thread_without_a_result(tmp_path):
    job = optimise.LpJob(build_demand(_show(tmp_path)), 60)
    job.stop()
    job.wait(60)
    assert job.ready()


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="a child process needs fork"
)
def test_the_lp_runs_in_a_child_process_and_a_stopped_one_is_gone(tmp_path, capfd):
    """The LP's Python build in a thread slowed the greedy and the windows (one interpreter
    lock); in a forked child it has a processor of its own, and what it sends back is the same
    LP-guided plan as solving it here."""
    demand = build_demand(_show(tmp_path))
    job = optimise.LpJob(demand, 60)
    arrived = job.wait(60)
    assert job._process is not None and not job._process.is_alive()
    here = optimise.lp_guided_plan(demand, 60)
    assert arrived is not None and here is not None
    assert (arrived.options, arrived.bound, arrived.guide) == (here.options, here.bound, here.guide)
    stopped = optimise.LpJob(demand, 60)
    stopped.stop()
    stopped.wait(30)  # a child that was already done may have sent its plan: either is fine
    assert stopped.ready()
    assert not stopped._process.is_alive()
    assert capfd.readouterr().err == ""  # a stopped child prints nothing


def test_the_windows_give_way_when_the_lp_arrives(tmp_path):
    demand = build_demand(_show(tmp_path))
    start = greedy_plan(demand)
    plan, windows = improve(
        demand, start, SolveSettings(time_limit=10), 10, Stopper(), pause=lambda: True
    )
    assert plan is start and windows == 0


def test_a_large_show_under_a_wall_clock_takes_the_lps_bound_from_beside_the_search(tmp_path):
    """window_search_from=10 makes the tiny show "large": the LP solves in its thread, and the
    plan carries its bound and passes the checker."""
    settings = SolveSettings(time_limit=5, window_search_from=10)
    result = plan_show(_show(tmp_path), settings)
    assert result.check.ok
    assert result.solution.bound is not None
    assert result.solution.bound >= (result.solution.objective or 0)


@pytest.mark.parametrize(
    ("deterministic", "workers", "races"),
    [(False, 2, True), (False, 1, False), (True, 2, False)],
)
def test_the_race_runs_under_a_wall_clock_with_two_cores(
    tmp_path, monkeypatch, deterministic, workers, races
):
    """CP-SAT on the LP's set and the windows on it run side by side only where they can
    (two cores) and may (a deterministic run keeps one search, in one order)."""
    import lqplan.plan.optimise.restricted as restricted

    raced: list[int] = []
    race = restricted.race

    def counted(*args, **kwargs):
        raced.append(1)
        return race(*args, **kwargs)

    monkeypatch.setattr(restricted, "race", counted)
    settings = SolveSettings(
        time_limit=5, window_search_from=10, deterministic=deterministic, workers=workers
    )
    result = plan_show(_show(tmp_path), settings)
    assert result.check.ok and result.solution.bound is not None
    assert bool(raced) is races


def test_a_budget_already_spent_still_gives_a_checked_plan(tmp_path):
    """The clock started long ago (say, a slow read of the show): the greedy's plan, improved
    for the minimum the search is given, and checked."""
    settings = SolveSettings(time_limit=1, window_search_from=10, started=time.perf_counter() - 60)
    result = plan_show(_show(tmp_path), settings)
    assert result.check.ok and result.plan["segments"]


def test_deterministic_runs_ignore_the_wall_clock(tmp_path):
    inputs = _show(tmp_path)
    settings = SolveSettings(time_limit=5, deterministic=True, window_search_from=10)
    first = plan_show(inputs, settings).plan
    late = plan_show(inputs, replace(settings, started=time.perf_counter() - 60)).plan
    assert first["segments"] == late["segments"]
