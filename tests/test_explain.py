"""lqplan explain: the checker's figures, the best legal alternative, the rules that bind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.explain import explain_plan
from lqplan.plan.result import SolveSettings
from lqplan.verify.checker import check_plan

ROOT = Path(__file__).resolve().parents[1]
ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}


@pytest.fixture(scope="module")
def minimal():
    inputs = load_and_validate(ROOT / "samples" / "minimal")
    return inputs, plan_show(inputs, SolveSettings(time_limit=2.0, deterministic=True)).plan


def test_values_are_the_checkers(minimal):
    inputs, plan = minimal
    explanations = explain_plan(inputs, plan)
    report = check_plan(inputs, plan)
    assert report.ok
    by_number = {s["number"]: s for s in plan["segments"]}
    for e in explanations:
        assert e.value_cents == by_number[e.number]["expected"]["value_cents"]
    bags = sum(b["value_cents"] for b in plan["lucky_bags"])
    assert sum(e.value_cents for e in explanations) + bags == report.value_cents


def test_a_pinned_product_lists_its_pin(minimal):
    inputs, plan = minimal
    pin = inputs.show.rules.pins[0]  # pin-gift-set: TEA-GIFT at 20:40
    (e,) = explain_plan(inputs, plan, pin.sku)
    assert {"rule": pin.rule_id, "text": "pinned at 20:40"} in e.rules
    assert pin.rule_id in e.drop["breaks"]  # dropping it breaks its pin


def tiny(tmp_path: Path, **rules) -> tuple:
    """A at margin 10, B at margin 20, two 5-minute slots at 100 then 300 viewers: a segment
    sells viewers / 100 units, so A is worth $10 or $30, B $20 or $60."""
    folder = tiny_show(
        tmp_path / "show",
        [{"sku": "A", "margin": 10}, {"sku": "B", "margin": 20}],
        slots=2,
        viewers=[100, 300],
        rules=rules,
    )
    inputs = load_and_validate(folder)
    return inputs, plan_show(inputs, SolveSettings(time_limit=2.0, deterministic=True)).plan


def test_best_alternative_is_a_swap_and_its_cost(tmp_path):
    inputs, plan = tiny(tmp_path)
    assert [s["sku"] for s in plan["segments"]] == ["A", "B"]
    a, b = explain_plan(inputs, plan)
    assert (a.value_cents, b.value_cents) == (1000, 6000)
    # Swapped: A at 300 viewers $30, B at 100 viewers $20; $50 against $70 now.
    assert a.best is not None and a.best.kind == "swap" and a.best.swap_with == 2
    assert a.best.change_cents == 5000 - 7000
    assert a.blocked == []  # nothing better is ruled out: A is where it pays most
    assert a.drop["lost_cents"] == 1000 and "no_dead_air" not in a.drop["breaks"]


def test_a_pin_binds_a_product_away_from_its_best_place(tmp_path):
    """With B pinned first, A takes the busy slot; the swap worth +$20 is ruled out by the pin."""
    inputs, plan = tiny(tmp_path, pins=[{"id": "pin-b", "sku": "B", "at": "20:00"}])
    assert [s["sku"] for s in plan["segments"]] == ["B", "A"]
    b, _ = explain_plan(inputs, plan)
    assert {"rule": "pin-b", "text": "pinned at 20:00"} in b.rules
    assert b.best is None
    assert b.blocked[0]["rule"] == "pin-b"
    assert b.blocked[0]["change_cents"] == (1000 + 6000) - (2000 + 3000)


def test_cli_table_and_json(tmp_path, minimal):
    _, plan = minimal
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    show = str(ROOT / "samples" / "minimal")
    result = CliRunner(env=ENV).invoke(app, ["explain", str(path), show])
    assert result.exit_code == 0, result.output
    assert "TEA-GIFT" in result.stderr and "pin-gift-set" in result.stderr
    result = CliRunner(env=ENV).invoke(app, ["explain", str(path), show, "TEA-GIFT", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (seg,) = data["segments"]
    assert seg["sku"] == "TEA-GIFT" and seg["rules"][0]["rule"] == "pin-gift-set"
    result = CliRunner(env=ENV).invoke(app, ["explain", str(path), show, "NOPE"])
    assert result.exit_code == 2 and "NOPE is not on air" in result.stderr


def test_the_same_plan_explains_to_the_same_bytes_in_every_run(tmp_path, minimal):
    """Rules blocking a move are listed in one order, whatever the run's string hashing."""
    import os
    import subprocess
    import sys

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(minimal[1]), encoding="utf-8")
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = ["explain", str(plan), str(ROOT / "samples/minimal"), "--json"]
        out = subprocess.run(
            [sys.executable, "-m", "lqplan", *command],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(out.stdout)
    assert len(outputs) == 1
