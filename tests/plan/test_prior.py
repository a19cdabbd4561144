"""Relaxing a rule never makes the plan worse: `plan --hint PLAN.json` (pipeline's `prior`)
starts from a plan made under the tighter rule, and the reported plan is never below the best
complete start the search was given."""

from __future__ import annotations

import json

from conftest import tiny_show
from typer.testing import CliRunner

import lqplan.plan.optimise as optimise
from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_json, plan_show, prior_solution
from lqplan.plan.options import build_demand
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

PRODUCTS = [{"sku": s, "margin": 10 * (i + 1), "category": s} for i, s in enumerate("ABCD")]


def _show(tmp_path, name, **options):
    return tiny_show(tmp_path / name, PRODUCTS, slots=4, **options)


def test_a_plan_that_keeps_the_rules_is_a_start_and_one_that_does_not_is_not(tmp_path):
    tight = _show(tmp_path, "tight", rules={"pins": [{"sku": "A", "at": "20:00"}]})
    plan = plan_show(load_and_validate(tight), SolveSettings(time_limit=5)).plan
    loose = load_and_validate(_show(tmp_path, "loose"))
    start = prior_solution(build_demand(loose), plan)
    assert start is not None and start.status == SolveStatus.FEASIBLE
    assert start.objective == plan["solver"]["objective_cents"]
    # Pinned elsewhere, the tight plan breaks the new pin: no start.
    other = load_and_validate(
        _show(tmp_path, "other", rules={"pins": [{"sku": "B", "at": "20:00"}]})
    )
    assert prior_solution(build_demand(other), plan) is None


def test_the_plan_is_never_below_its_start(tmp_path, monkeypatch):
    """A search that stops early with a poor plan (here: one segment's worth) hands back the
    start it was given, with the search's bound."""
    folder = _show(tmp_path, "show")
    best = plan_show(load_and_validate(folder), SolveSettings(time_limit=5)).plan

    def poor(demand, settings, hint=None, progress=None, lp=None):
        return Solution(SolveStatus.FEASIBLE, hint.options[:1], (), 1, 999_999)

    monkeypatch.setattr(optimise, "solve", poor)
    result = plan_show(load_and_validate(folder), SolveSettings(time_limit=5), prior=best)
    assert result.solution.objective == best["solver"]["objective_cents"]
    assert result.solution.bound == 999_999 and result.check.ok


def test_plan_takes_a_hint_on_the_command_line(tmp_path):
    folder = _show(tmp_path, "show")
    plan = plan_show(load_and_validate(folder), SolveSettings(time_limit=5)).plan
    (tmp_path / "tight.json").write_text(plan_json(plan), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["plan", str(folder), "--hint", str(tmp_path / "tight.json"), "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.stdout)["solver"]["objective_cents"] >= plan["solver"]["objective_cents"]
    )


def _starved(monkeypatch):
    """No start of its own (the greedy finds none, no LP) and a search that ends with one
    segment's worth: only a prior plan can make this run's plan a good one."""
    import lqplan.pipeline as pipeline

    monkeypatch.setattr(
        pipeline, "greedy_plan", lambda demand, *_: Solution(SolveStatus.NO_SOLUTION, (), (), None)
    )
    monkeypatch.setattr(optimise, "lp_guided_plan", lambda demand, seconds: None)

    def poor(demand, settings, hint=None, progress=None, lp=None):
        size = {"options": len(demand.options), "bag_drops": 0, "constraints": 0}
        if hint is None:
            return Solution(SolveStatus.NO_SOLUTION, model_size=size)
        return Solution(SolveStatus.FEASIBLE, hint.options[:1], (), 1, 999_999, model_size=size)

    monkeypatch.setattr(optimise, "solve", poor)


def test_the_plan_already_in_the_output_folder_is_a_start(tmp_path, monkeypatch):
    """Plan under a pin, relax it, plan again into the same folder: the new plan starts from
    the one there (it keeps every rule of the relaxed show) and is worth at least as much."""
    folder = _show(tmp_path, "show", rules={"pins": [{"sku": "A", "at": "20:00"}]})
    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["plan", str(folder), "-o", str(out), "-q"])
    assert first.exit_code == 0, first.output
    before = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    _show(tmp_path, "show")  # the pin relaxed
    _starved(monkeypatch)
    again = CliRunner().invoke(app, ["plan", str(folder), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert "started from the plan already in" in again.stderr
    after = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert after["solver"]["objective_cents"] >= before["solver"]["objective_cents"]


def test_deterministic_runs_ignore_the_plan_in_the_folder(tmp_path, monkeypatch):
    """--deterministic (and --check) plan from the inputs and options alone."""
    import lqplan.cli.before as before

    folder = _show(tmp_path, "show")
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["plan", str(folder), "-o", str(out), "-q"]).exit_code == 0

    def refuse(path):
        raise AssertionError("read the folder's plan under --deterministic")

    monkeypatch.setattr(before, "_previous_plan", refuse)
    for extra in (["--deterministic"], ["--check"]):
        result = CliRunner().invoke(app, ["plan", str(folder), "-o", str(out), "-q", *extra])
        assert result.exit_code in (0, 4), result.output


def test_a_plan_json_lqplan_cannot_read_is_no_start(tmp_path):
    folder = _show(tmp_path, "show")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"schema": "not a plan"', encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(folder), "-o", str(out), "-q", "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["segments"]


def test_a_prior_plan_is_the_start_without_a_greedy(tmp_path, monkeypatch):
    """With no baseline wanted and no LP plan (as when the traffic minimum's price plans the show
    again near its time limit), a prior plan that keeps every rule is the start: the greedy is
    not run at all."""
    import lqplan.pipeline as pipeline

    folder = _show(tmp_path, "show")
    best = plan_show(load_and_validate(folder), SolveSettings(time_limit=5)).plan

    def no_greedy(*_args, **_kwargs):
        raise AssertionError("the greedy ran although a prior plan was the start")

    monkeypatch.setattr(optimise, "lp_guided_plan", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(pipeline, "greedy_plan", no_greedy)
    result = plan_show(
        load_and_validate(folder), SolveSettings(time_limit=5), with_baseline=False, prior=best
    )
    assert result.from_prior
    assert result.solution.objective == best["solver"]["objective_cents"]
    assert result.check.ok
