"""End to end: every sample plans, the checker accepts it, the figures agree, reruns match.

Deterministic solves (one worker, a deterministic-time budget) keep these tests reproducible on
any machine; the time limits are small so the suite stays quick on 2 cores.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SAMPLE_NAMES, SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings

LIMIT = {"double11-marathon": 3.0}  # deterministic seconds; the rest solve well within 2


@pytest.fixture(scope="module", params=SAMPLE_NAMES)
def sample_plan(request):
    name = request.param
    settings = SolveSettings(time_limit=LIMIT.get(name, 2.0), deterministic=True)
    return name, plan_show(load_and_validate(SAMPLES / name), settings)


def test_every_sample_plans_and_the_checker_agrees(sample_plan):
    name, result = sample_plan
    assert result.check.ok, result.check.violations
    assert result.solution.objective == result.check.objective_cents
    assert result.plan["totals"]["value_cents"] == result.check.value_cents
    assert result.plan["segments"], name


def test_every_sample_reports_gap_and_beats_the_baseline(sample_plan):
    name, result = sample_plan
    solver = result.plan["solver"]
    assert solver["status"] in ("optimal", "feasible")
    assert solver["gap_percent"] is not None and solver["gap_percent"] >= 0
    assert result.plan["baseline"]["feasible"], f"{name}: the greedy baseline failed"
    # The plan is never worse than the careful hand-made plan, and these shows leave room.
    assert solver["uplift_percent"] is not None and solver["uplift_percent"] > 2


def test_plan_segments_are_in_time_order_and_in_the_show(sample_plan):
    _name, result = sample_plan
    segments = result.plan["segments"]
    minutes = result.plan["show"]["minutes"]
    starts = [s["start_minute"] for s in segments]
    assert starts == sorted(starts)
    assert all(
        s["start_minute"] >= 0 and s["start_minute"] + s["minutes"] <= minutes for s in segments
    )
    assert [s["number"] for s in segments] == list(range(1, len(segments) + 1))


def test_stock_never_oversold(sample_plan):
    _name, result = sample_plan
    for row in result.plan["stock_use"]:
        assert row["planned_units"] <= row["available"] + 1e-6


runner = CliRunner()


def test_cli_plan_writes_plan_json_and_reruns_are_identical(tmp_path):
    args = ["plan", str(SAMPLES / "beauty-douyin"), "--deterministic", "--time-limit", "2"]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "a")])
    second = runner.invoke(app, [*args, "-o", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    a = (tmp_path / "a" / "plan.json").read_bytes()
    assert a == (tmp_path / "b" / "plan.json").read_bytes()
    assert json.loads(a)["schema"] == "lqplan.plan/1"
    assert "wrote" in first.stderr and first.stdout == ""


def test_cli_json_writes_only_the_plan_to_stdout(tmp_path):
    result = runner.invoke(app, ["plan", str(SAMPLES / "minimal"), "--json", "--deterministic"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)  # nothing but JSON on stdout
    assert plan["show"]["title"] == "Tea & Teaware Evening"
    assert not (tmp_path / "out").exists()


def test_cli_objective_override(tmp_path):
    result = runner.invoke(
        app, ["plan", str(SAMPLES / "minimal"), "--json", "--deterministic", "--objective", "gmv"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["show"]["objective"] == "gmv"
    # With GMV as the objective, a segment's value is its GMV (plus any traffic pull).
    for s in plan["segments"]:
        e = s["expected"]
        assert e["value_cents"] == round(e["gmv"] * 100) + round(e["pull_value"] * 100)


def test_cli_infeasible_exits_3_names_rules_and_writes_nothing(tmp_path):
    show = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", show)
    text = (show / "show.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '{id: pin-gift-set, sku: TEA-GIFT, at: "20:40"}',
        '{id: pin-gift-set, sku: TEA-GIFT, at: "20:00"}',
    )
    (show / "show.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(show), "-o", str(out)])
    assert result.exit_code == 3, result.output
    assert "opening: a traffic/welfare item must open within 5 minutes" in result.stderr
    assert "pin-gift-set: pin TEA-GIFT at 20:00" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_refuses_to_overwrite_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("my notes", encoding="utf-8")
    result = runner.invoke(
        app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "--deterministic"]
    )
    assert result.exit_code == 4, result.output
    assert (out / "plan.json").read_text(encoding="utf-8") == "my notes"
    forced = runner.invoke(
        app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "--deterministic", "--force", "-q"]
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["segments"]
    # lqplan wrote it, so a rerun may replace it without --force.
    again = runner.invoke(
        app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "--deterministic", "-q"]
    )
    assert again.exit_code == 0, again.output


def test_cli_plan_on_invalid_show_exits_1_with_locations(tmp_path):
    show = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", show)
    catalog = (show / "catalog.yaml").read_text(encoding="utf-8")
    (show / "catalog.yaml").write_text(
        catalog.replace("live_price: 24.9", "live_price: 34.9"), encoding="utf-8"
    )
    result = runner.invoke(app, ["plan", str(show), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "catalog.yaml:" in result.stderr and "above the list price" in result.stderr
    assert not (tmp_path / "out").exists()


def test_check_command_accepts_a_fresh_plan(tmp_path):
    out = tmp_path / "out"
    made = runner.invoke(
        app,
        [
            "plan",
            str(SAMPLES / "home-tiktok"),
            "-o",
            str(out),
            "-q",
            "--deterministic",
            "--time-limit",
            "2",
        ],
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["check", str(out / "plan.json"), str(SAMPLES / "home-tiktok")])
    assert checked.exit_code == 0, checked.output
    assert "ok" in checked.stderr
