"""lqplan explain: the checker's figures, the best legal alternative, the rules that bind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.explain import explain_absent, explain_plan
from lqplan.plan.result import SolveSettings
from lqplan.verify.checker import check_plan

ROOT = Path(__file__).resolve().parents[2]
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
    assert result.exit_code == 2 and "NOPE is not a product of" in result.stderr


# --- a product not on air -----------------------------------------------------------------------


def three(tmp_path: Path, stock: dict[str, int] | None = None, **rules) -> tuple:
    """`tiny`'s A ($10 or $30) and B ($20 or $60) and C at margin 5 ($5 or $15): the plan airs A
    then B ($70), and C has no place."""
    products = [{"sku": "A", "margin": 10}, {"sku": "B", "margin": 20}, {"sku": "C", "margin": 5}]
    folder = tiny_show(
        tmp_path / "show", products, slots=2, viewers=[100, 300], rules=rules, stock=stock
    )
    inputs = load_and_validate(folder)
    return inputs, plan_show(inputs, SolveSettings(time_limit=2.0, deterministic=True)).plan


def test_a_product_not_on_air_against_what_airs_in_its_best_place(tmp_path):
    inputs, plan = three(tmp_path)
    assert [s["sku"] for s in plan["segments"]] == ["A", "B"]
    c = explain_absent(inputs, plan, "C")
    assert c.can_air and c.reason == "not chosen"
    # Its best place is the busy slot, $15, where B airs for $60.
    assert c.best is not None and (c.best.start, c.best.minutes, c.best.mode) == (
        "20:05",
        5,
        "normal",
    )
    assert c.best.value_cents == 1500
    assert [(t["number"], t["sku"], t["value_cents"]) for t in c.there] == [(2, "B", 6000)]
    assert c.there_cents == 6000
    # Its best legal place is A's: $5 for A's $10, the plan $5 worse; nothing better is ruled out.
    assert c.legal is not None and (c.legal.swap_with, c.legal.value_cents) == (1, 500)
    assert c.legal.change_cents == 500 - 1000
    assert c.blocked == []


def test_the_rule_that_keeps_a_product_off_air(tmp_path):
    """Only one of B and C may air: in A's place C would air beside B, so the exclusion rules
    out that place (-$5); the best legal one is B's (C $15 for B's $60: -$45)."""
    inputs, plan = three(tmp_path, exclusions=[{"id": "one-of-bc", "skus": ["B", "C"]}])
    c = explain_absent(inputs, plan, "C")
    assert c.legal is not None and (c.legal.swap_with, c.legal.change_cents) == (2, 1500 - 6000)
    assert [(b["rule"], b["swap_with"], b["change_cents"]) for b in c.blocked] == [
        ("one-of-bc", 1, 500 - 1000)
    ]


def test_a_product_without_stock_cannot_air(tmp_path):
    inputs, plan = three(tmp_path, stock={"C": 0})
    c = explain_absent(inputs, plan, "C")
    assert not c.can_air and c.reason == "no stock left after the reserve"
    assert c.best is None and c.legal is None


def test_a_product_the_shortlist_left_out_cannot_air(tmp_path):
    """Forty products for two slots: the shortlist keeps the best few; the worst is left out."""
    products = [{"sku": f"P{i:02}", "margin": 50 - i} for i in range(40)]
    inputs = load_and_validate(tiny_show(tmp_path / "show", products, slots=2))
    plan = plan_show(inputs, SolveSettings(time_limit=2.0, deterministic=True)).plan
    assert "P39" not in {s["sku"] for s in plan["segments"]}
    c = explain_absent(inputs, plan, "P39")
    assert not c.can_air and c.reason.startswith("left off the shortlist of a large catalog")


def test_cli_explains_a_product_not_on_air(tmp_path):
    _, plan = three(tmp_path, exclusions=[{"id": "one-of-bc", "skus": ["B", "C"]}])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    show = str(tmp_path / "show")
    result = CliRunner(env=ENV).invoke(app, ["explain", str(path), show, "C"])
    assert result.exit_code == 0, result.output
    assert "C C: not on air" in result.stderr
    assert "its best place: 20:05, 5 min at live price, worth $15.00" in result.stderr
    assert "airs there instead: #2 B at 20:05 (5 min, $60.00), worth $60.00" in result.stderr
    assert "best legal place: in the place of #2: 20:05, 5 min at live price" in result.stderr
    assert "one-of-bc rules out the place of #1 at 20:00" in result.stderr
    result = CliRunner(env=ENV).invoke(app, ["explain", str(path), show, "C", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["segments"] == []
    absent = data["not_on_air"]
    assert absent["sku"] == "C" and absent["best"]["value_cents"] == 1500
    assert absent["there"][0]["sku"] == "B" and absent["blocked"][0]["rule"] == "one-of-bc"


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
