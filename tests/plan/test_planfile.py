"""plan.json's model (plan/planfile.py): every plan lqplan writes reads back through it unchanged,
and a plan edited beyond what lqplan can use is refused at the edge, each problem as
file:line:column, by every command that takes a plan."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_json, plan_robust, plan_show
from lqplan.plan.planfile import Plan, check_plan_data, plan_data
from lqplan.plan.result import SolveSettings

MINIMAL = SAMPLES / "minimal"
BEAUTY = SAMPLES / "beauty-douyin"
SETTINGS = SolveSettings(time_limit=2, deterministic=True)


def round_trips(plan: dict[str, Any]) -> None:
    """The model reads the plan, as plan.json holds it, and gives back exactly what it read."""
    data = json.loads(plan_json(plan))
    check_plan_data(data)
    assert plan_data(Plan.model_validate(data)) == data


def test_every_sample_plan_round_trips(sample_plans):
    for plan in sample_plans.values():
        round_trips(plan)


@pytest.fixture(scope="module")
def special_plans(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """A --robust plan, a --model plan (learned from three simulated shows) and a replanned one."""
    from lqplan.learning import learn_history, read_history, with_model
    from lqplan.learning.modelfile import model_text
    from lqplan.learning.simulate import actuals_text, simulate
    from lqplan.live.actuals import read_actuals
    from lqplan.live.replan import replan

    tmp = tmp_path_factory.mktemp("special")
    inputs = load_and_validate(MINIMAL)
    point = json.loads(plan_json(plan_show(inputs, SETTINGS).plan))
    for seed in range(3):
        show = tmp / "history" / f"show-{seed}"
        show.mkdir(parents=True)
        (show / "plan.json").write_text(plan_json(point), encoding="utf-8")
        actuals = actuals_text(simulate(point, inputs, seed=seed))
        (show / "actuals.yaml").write_text(actuals, encoding="utf-8")
    shows, _ = read_history([tmp / "history"])
    model = tmp / "room.model.json"
    model.write_text(model_text(learn_history(shows, deterministic=True)), encoding="utf-8")
    beauty = load_and_validate(BEAUTY)
    old = plan_show(beauty, SETTINGS).plan
    actuals = read_actuals(BEAUTY / "actuals.yaml")
    return {
        "robust": plan_robust(
            inputs, SolveSettings(time_limit=2, deterministic=True, robust=16)
        ).plan,
        "model": plan_show(with_model(inputs, model), SETTINGS).plan,
        "replanned": replan(old, beauty, actuals, 70, SETTINGS).plan,
    }


@pytest.mark.parametrize("kind", ["robust", "model", "replanned"])
def test_special_plans_round_trip(special_plans, kind):
    plan = special_plans[kind]
    assert {"robust": "robust", "model": "demand", "replanned": "replan"}[kind] in plan
    round_trips(plan)


def test_a_plan_of_an_older_lqplan_still_reads(sample_plans):
    """No demand section and no bands (lqplan before learning), no compliance findings."""
    plan = json.loads(plan_json(sample_plans["minimal"]))
    del plan["demand"], plan["totals"]["band"], plan["compliance"]
    for seg in plan["segments"]:
        del seg["expected"]["band"]
    round_trips(plan)


# --- bad plans: one row per case, the exact message, exit 1 from every command ----------------


def edited(change):
    def make(plan: dict[str, Any]) -> str:
        plan = copy.deepcopy(plan)
        change(plan)
        return plan_json(plan)

    return make


def seg(n: int, **changes: Any):
    return edited(lambda plan: plan["segments"][n].update(changes))


BAD_PLANS = [
    # a hand edit dropped the show's language: every document is worded in it
    (
        edited(lambda plan: plan["show"].pop("language")),
        "4:11: error: show.language: missing required field 'language'",
    ),
    # a segment moved past midnight by typing the hour
    (
        seg(3, start="25:00"),
        "273:16: error: segments[3].start: expected a clock time 'HH:MM' (00:00 to 23:59), "
        "got '25:00'",
    ),
    # minutes negative
    (
        seg(1, minutes=-5),
        "134:18: error: segments[1].minutes: Input should be greater than or equal to 1",
    ),
    # a code typed as a number: the show files' leniency does not hold in a plan
    (seg(1, sku=123), "136:14: error: segments[1].sku: expected a string, got 123"),
    # a misspelt mode
    (
        seg(2, mode="flashsale"),
        "217:15: error: segments[2].mode: Input should be 'normal', 'flash_sale', 'gift' or "
        "'coupon'",
    ),
    # no totals
    (
        edited(lambda plan: plan.pop("totals")),
        "1:1: error: totals: missing required field 'totals'",
    ),
    # a number typed as a string
    (
        edited(lambda plan: plan["segments"][0]["expected"].update(gmv="12.5")),
        "87:16: error: segments[0].expected.gmv: Input should be a valid number",
    ),
    # an unknown top-level key, a typo of a known one (first, so that its line stays put)
    (
        lambda plan: plan_json({"segmants": [], **plan}),
        "2:3: error: segmants: unknown field 'segmants' (did you mean 'segments'?)",
    ),
    # a segment moved by its clock time alone: start_minute disagrees
    (seg(3, start="20:35"), "273:16: error: segments[3].start: must be 20:20: start + 20 min"),
    # not JSON: the file cut off
    (lambda plan: plan_json(plan)[:200], "10:2: error: invalid JSON: Expecting property name"),
    # JSON of another schema: a MODEL file given for a plan
    (
        lambda plan: json.dumps({"schema": "lqplan.model/1", "id": "0123456789abcdef"}),
        "1:1: error: schema: not an lqplan plan (no 'schema: lqplan.plan/…')",
    ),
]


@pytest.fixture(scope="module")
def minimal_plan(sample_plans) -> dict[str, Any]:
    return json.loads(plan_json(sample_plans["minimal"]))


@pytest.mark.parametrize(("make", "message"), BAD_PLANS)
@pytest.mark.parametrize("command", ["check", "render", "diff"])
def test_a_bad_plan_is_refused_with_its_place(tmp_path, minimal_plan, make, message, command):
    bad = tmp_path / "edited.json"
    bad.write_text(make(minimal_plan), encoding="utf-8")
    good = tmp_path / "plan.json"
    good.write_text(plan_json(minimal_plan), encoding="utf-8")
    args = {
        "check": [bad, MINIMAL],
        "render": [bad, "-o", tmp_path / "out"],
        "diff": [good, bad],
    }[command]
    result = CliRunner().invoke(app, [command, *map(str, args)], terminal_width=200)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{bad}:{message}" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_every_problem_is_reported_at_once(tmp_path, minimal_plan):
    plan = copy.deepcopy(minimal_plan)
    del plan["show"]["language"]
    plan["segments"][3]["start"] = "25:00"
    plan["segments"][2]["mode"] = "flashsale"
    bad = tmp_path / "edited.json"
    bad.write_text(plan_json(plan), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[1].split(":")[0] for line in lines] == [
        "show.language",
        "segments[2].mode",
        "segments[3].start",
    ]


def test_the_plan_schema_is_published():
    result = CliRunner().invoke(app, ["schema", "plan"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$id"].endswith("/plan.schema.json")
    assert {"schema", "show", "segments", "totals"} <= set(schema["required"])
    committed = (ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8")
    assert committed == result.stdout


def test_read_plan_returns_the_plain_data(tmp_path, minimal_plan):
    from lqplan.pipeline import read_plan

    path = tmp_path / "plan.json"
    path.write_text(plan_json(minimal_plan), encoding="utf-8")
    assert read_plan(Path(path)) == minimal_plan
