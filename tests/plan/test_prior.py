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

    def poor(demand, settings, hint=None, progress=None):
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
