"""Replan from actuals: the ACTUALS reader, the frozen past, the rest of the show, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SAMPLES, place, tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import InputError
from lqplan.live.actuals import check_actuals, read_actuals
from lqplan.live.replan import replan
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings
from lqplan.verify.checker import check_plan

SETTINGS = SolveSettings(time_limit=2, deterministic=True)
# Nine products, six 5-minute slots (20:00–20:30) at 1,000 viewers: a segment sells 10 units.
PRODUCTS = [{"sku": s, "margin": 10 - i} for i, s in enumerate("ABCDEFGHI")]


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), terminal_width=120)


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def tiny(tmp_path: Path, **kw: Any) -> tuple[Any, dict[str, Any]]:
    """A tiny show (conftest.tiny_show, 1,000 viewers) and its plan."""
    folder = tiny_show(tmp_path / "show", kw.pop("products", PRODUCTS), slots=6,
                       viewers=[1000] * 6, **kw)  # fmt: skip
    inputs = load_and_validate(folder)
    return inputs, plan_show(inputs, SETTINGS).plan


def replanned(tmp_path: Path, inputs: Any, old: dict[str, Any], actuals: dict[str, Any], at: int):
    file = read_actuals(write(tmp_path / "actuals.yaml", actuals))
    check_actuals(file, inputs, at)
    return replan(old, inputs, file, at, SETTINGS)


# --- the frozen past and the rest -------------------------------------------------------------


def test_replan_freezes_the_past_and_plans_the_rest_from_actual_stock(tmp_path):
    """B aired 20:00–20:10 (not as planned) and A 20:10–20:15; A has 4 units left."""
    inputs, old = tiny(tmp_path, rules={"segment_minutes": {"default": 5, "min": 5, "max": 10}})
    actuals = {
        "segments": [
            {"sku": "B", "start": "20:00", "end": "20:10", "units": 17},
            {"sku": "A", "start": "20:10", "minutes": 5, "units": 9},
        ],
        "stock_left": {"A": 4},
    }
    result = replanned(tmp_path, inputs, old, actuals, at=15)
    segments = result.plan["segments"]
    past = [s for s in segments if s["frozen"]]
    assert [(s["sku"], s["start"], s["minutes"], s["expected"]["units"]) for s in past] == [
        ("B", "20:00", 10, 17.0),
        ("A", "20:10", 5, 9.0),
    ]
    assert past[0]["expected"]["value_cents"] == 17 * 9 * 100  # actual units × margin
    rest = [s for s in segments if not s["frozen"]]
    assert rest and all(s["start_minute"] >= 15 for s in rest)
    assert [s["number"] for s in segments] == list(range(1, len(segments) + 1))
    # A aired once (its limit) and B too: neither comes back
    assert not {s["sku"] for s in rest} & {"A", "B"}
    assert result.rest.demand.available.get("A", 0) == 0
    assert result.plan["totals"]["value_cents"] == sum(
        s["expected"]["value_cents"] for s in segments
    )


def test_the_rest_uses_the_stock_left_and_passes_the_independent_checker(tmp_path):
    """A may air twice; 3 units of it are left, so its encore sells at most 3."""
    inputs, old = tiny(tmp_path, rules={"repeats": [{"sku": "A", "min_gap_minutes": 5}]})
    actuals = {
        "segments": [{"sku": "A", "start": "20:00", "end": "20:05", "units": 10}],
        "stock_left": {"A": 3},
        "viewers": 1000,
    }
    result = replanned(tmp_path, inputs, old, actuals, at=5)
    assert result.rest.check.ok, result.rest.check.violations
    rest_inputs = result.rest.demand.inputs
    fresh = check_plan(rest_inputs, result.rest.plan)  # a new demand context: independent
    assert fresh.ok, fresh.violations
    assert rest_inputs.stock_by_sku["A"].units == 3
    encores = [s for s in result.plan["segments"] if s["sku"] == "A" and not s["frozen"]]
    assert all(s["airing"] == 2 for s in encores)
    assert sum(s["expected"]["units"] for s in encores) <= 3
    # the encore gap (5 min) counts from 20:05: an encore at 20:05 would be back to back
    assert all(s["start_minute"] >= 10 for s in encores)
    assert any(r.rule == "repeat-A" and r.status == "adjusted" for r in result.changes)


def test_a_pulled_product_does_not_air_after_the_cut(tmp_path):
    inputs, old = tiny(tmp_path)
    first = min(old["segments"], key=lambda s: s["start_minute"])
    later = [s["sku"] for s in old["segments"] if s["start_minute"] >= 10]
    actuals = {
        "segments": [{"sku": first["sku"], "start": "20:00", "minutes": 5, "units": 10}],
        "pulled": [{"sku": later[0], "reason": "supplier problem"}, later[1]],
    }
    result = replanned(tmp_path, inputs, old, actuals, at=5)
    rest = {s["sku"] for s in result.plan["segments"] if not s["frozen"]}
    assert later[0] not in rest and later[1] not in rest
    dropped = {c.sku: c.note for c in result.segment_changes if c.kinds == ("dropped",)}
    assert dropped[later[0]] == f"{later[0]} was pulled (supplier problem)"
    assert result.plan["replan"]["pulled"][0]["sku"] in (later[0], later[1])


def test_a_pin_before_the_cut_is_reported_as_dropped(tmp_path):
    inputs, old = tiny(
        tmp_path,
        rules={"pins": [{"id": "pin-c", "sku": "C", "at": "20:05"}, {"sku": "D", "at": "20:20"}]},
    )
    actuals = {
        "segments": [
            {"sku": "A", "start": "20:00", "minutes": 5, "units": 10},
            {"sku": "B", "start": "20:05", "minutes": 5, "units": 10},  # not C, as pinned
        ]
    }
    result = replanned(tmp_path, inputs, old, actuals, at=10)
    rules = {r.rule: r for r in result.changes}
    assert rules["pin-c"].status == "dropped"
    assert rules["pin-c"].past == "missed"
    assert "before 20:10" in rules["pin-c"].reason
    assert "pin-D-2020" not in rules  # still ahead: kept, and kept to
    assert any(s["sku"] == "D" and s["start"] == "20:20" for s in result.plan["segments"])
    section = result.plan["replan"]
    assert {"rule": "pin-c", "status": "dropped", "past": "missed"}.items() <= next(
        r for r in section["rules"] if r["rule"] == "pin-c"
    ).items()


def test_lucky_bag_cadence_continues_from_the_last_drop(tmp_path):
    """A bag every 10–15 min; the last one dropped at 20:05, so the next falls 20:15–20:20."""
    bag = {"id": "bag", "type": "lucky_bag", "prize": "p", "count": 5, "countdown_minutes": 5}
    inputs, old = tiny(
        tmp_path,
        promotions=[bag],
        rules={"lucky_bag_cadence": {"min_gap_minutes": 10, "max_gap_minutes": 15}},
    )
    actuals = {
        "segments": [{"sku": "A", "start": "20:00", "minutes": 5, "units": 10}],
        "lucky_bags": [{"id": "bag", "at": "20:05"}],
    }
    result = replanned(tmp_path, inputs, old, actuals, at=10)
    drops = [b["minute"] for b in result.plan["lucky_bags"]]
    assert drops[0] == 5 and result.plan["lucky_bags"][0]["frozen"]
    assert 15 <= drops[1] <= 20


def test_a_first_drop_due_early_leaves_the_later_drops_their_cadence(tmp_path):
    """Bags 10–15 min apart (every 2–3 slots), 2 to drop, viewers rising, so late drops are
    worth most: left alone the first falls at 20:10 and the second at 20:20 or later. Due by
    the first slot (a rest whose cadence began before it, Demand.bag_due), the first falls at
    20:00; the second keeps the ordinary cadence from it: 20:15, the latest 15 min allow."""
    from dataclasses import replace

    bag = {"id": "bag", "type": "lucky_bag", "prize": "p", "count": 2, "countdown_minutes": 5}
    folder = tiny_show(tmp_path / "show", PRODUCTS, slots=6,
                       viewers=[1000, 2000, 3000, 4000, 5000, 6000], promotions=[bag],
                       rules={"lucky_bag_cadence": {"min_gap_minutes": 10,
                                                    "max_gap_minutes": 15}})  # fmt: skip
    inputs = load_and_validate(folder)

    def first_drops(result: Any) -> tuple[list[int], list[int]]:
        planned = sorted(b["minute"] for b in result.plan["lucky_bags"])
        greedy = sorted(result.demand.drops[i].start * 5 for i in result.baseline.drops)
        return planned, greedy

    free = plan_show(inputs, SETTINGS)
    planned, greedy = first_drops(free)
    assert planned[0] == 10 and greedy[0] == 10
    due = plan_show(inputs, SETTINGS, restrict=lambda d: replace(d, bag_due=0))
    planned, greedy = first_drops(due)
    assert planned == [0, 15] and greedy[0] == 0
    assert due.check.ok, due.check.violations


def test_replanning_a_show_that_went_as_planned_gains_nothing(tmp_path):
    """The minimal sample played out to 20:30 (seed 1): its old plan's rest (bags at 20:35 and
    20:50 after the one at 20:20, 15 min apart within 15–25) is still the best, so the replan
    keeps it and says it gains nothing. The rest used to be told to drop nothing in 20:45–20:50
    to make the first bag come by 20:45, which also forbade the legal second bag at 20:50: it
    moved to 20:55 and the replan reported a loss of $3.77."""
    show = str(SAMPLES / "minimal")
    old, new, actuals = tmp_path / "old", tmp_path / "new", tmp_path / "actuals.yaml"
    assert run("plan", show, "-o", str(old), "--deterministic", "--quiet").exit_code == 0
    plan = str(old / "plan.json")
    done = run("simulate", plan, show, "-o", str(actuals), "--seed", "1", "--at", "20:30", "-q")
    assert done.exit_code == 0, done.output
    done = run("replan", plan, show, str(actuals), "-o", str(new), "--deterministic")
    assert done.exit_code == 0, done.output
    replanned = json.loads((new / "plan.json").read_text(encoding="utf-8"))
    before = json.loads((old / "plan.json").read_text(encoding="utf-8"))
    assert [b["at"] for b in replanned["lucky_bags"]] == [b["at"] for b in before["lucky_bags"]]
    assert replanned["replan"]["value"]["gain_cents"] == 0
    assert replanned["replan"]["lucky_bags"] == []
    assert "no changes to the rest of the show" in done.output


def test_the_rest_keeps_bags_out_of_an_uncovered_break_and_off_a_past_draw(tmp_path):
    """The bag dropped at 20:05 is drawn at 20:10, after the cut: B's flash sale (worth more
    than B at the live price, and only possible at 20:10) may not start then. The break at
    20:20 is uncovered: no drop at 20:15 (drawn as it starts) nor at 20:20."""
    bag = {"id": "bag", "type": "lucky_bag", "prize": "p", "count": 5, "countdown_minutes": 5}
    flash = {
        "id": "fs-b",
        "type": "flash_sale",
        "sku": "B",
        "price": 99,  # margin 8 at twice the conversion: 16 a unit against B's 9
        "units": 100,
        "window": {"from": "20:10", "to": "20:15"},
    }
    inputs, old = tiny(
        tmp_path,
        promotions=[bag, flash],
        breaks=[{"at": "20:20", "minutes": 5}],
        demand={"flash_sale_lift": 2.0, "decay": 1.0, "price_elasticity": 0.0},
        rules={"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 15}},
    )
    actuals = {
        "segments": [{"sku": "A", "start": "20:00", "end": "20:10", "units": 20}],
        "lucky_bags": [{"id": "bag", "at": "20:05"}],
    }
    result = replanned(tmp_path, inputs, old, actuals, at=10)
    assert result.rest.check.ok, result.rest.check.violations
    later = [b["minute"] for b in result.plan["lucky_bags"] if not b["frozen"]]
    assert later and not {15, 20} & set(later)
    assert all(s["mode"] != "flash_sale" for s in result.plan["segments"])
    # The whole show, past and rest together, keeps the rule in the checker's own reading.
    whole = check_plan(inputs, result.plan)
    assert not [v for v in whole.violations if v.rule in ("bag", "lucky_bag_cadence")]


def test_viewers_and_conversion_follow_the_actuals(tmp_path):
    """Half the planned viewers now; category x sold a quarter of what the model expected."""
    inputs, old = tiny(tmp_path)
    actuals = {
        "segments": [{"sku": "A", "start": "20:00", "minutes": 5, "units": 2.5}],
        "viewers": 500,
    }
    result = replanned(tmp_path, inputs, old, actuals, at=5)
    past = result.past
    assert past.viewer_ratio == pytest.approx(0.5)
    assert past.viewers[20] == pytest.approx(500)
    # expected at the viewers seen (500 a minute, a ratio interpolated from the one reading):
    # 5 units; observed 2.5: factor (2.5 / 5) ** 0.5
    (nudge,) = past.nudges
    assert nudge.expected_units == pytest.approx(5)
    assert nudge.factor == pytest.approx(0.5**0.5, abs=1e-4)
    rest_audience = result.rest.demand.inputs.audience
    assert rest_audience.segments[0].affinity["x"] == pytest.approx(0.5**0.5, abs=1e-4)


def test_replan_reads_per_minute_sales_and_viewers(tmp_path):
    """No units in the segments: the sales per minute give them, and `sold` (stock left) counts
    every sale, on air or not. One viewer reading a minute, at half the planned 1,000."""
    inputs, old = tiny(tmp_path, stock={"A": 50, "B": 50})
    sales = [{"at": f"20:0{m}", "sku": "A", "units": 2, "gmv": 200} for m in range(5)]
    sales += [{"at": "20:07:30", "sku": "A", "units": 1}]  # A off air, B on: stock, not B's row
    sales += [{"at": f"20:0{m}:4{m}", "sku": "B", "units": 3} for m in range(5, 10)]
    actuals = {
        "segments": [
            {"sku": "A", "start": "20:00", "minutes": 5},
            {"sku": "B", "start": "20:05", "minutes": 5},
        ],
        "sales": sales,
        "viewer_log": [{"at": f"20:0{m}", "viewers": 500} for m in range(10)],
    }
    result = replanned(tmp_path, inputs, old, actuals, at=10)
    past = result.past
    assert [(s.sku, s.units, s.gmv_cents, s.estimated) for s in past.segments] == [
        ("A", 10.0, 100_000, False),
        ("B", 15.0, 15 * 100 * 100, False),  # no GMV in the sales: at the live price
    ]
    assert past.sold == {"A": 11.0, "B": 15.0}
    assert (past.stock_left["A"], past.stock_left["B"]) == (39, 35)
    assert past.viewer_ratio == pytest.approx(0.5)


def test_sales_checked_against_the_show_and_the_cut(tmp_path):
    folder = tiny_show(tmp_path / "show", PRODUCTS, slots=6)
    inputs = load_and_validate(folder)
    text = "sales:\n  - {at: '20:01:30', sku: ZZZ, units: 1}\n  - {at: '20:12', sku: A, units: 1}\n"
    text += "viewer_log:\n  - {at: '19:50:10', viewers: 10}\n"
    path = tmp_path / "actuals.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        check_actuals(read_actuals(path), inputs, at=10)
    formatted = "\n".join(d.format() for d in caught.value.diagnostics)
    assert f"{place(text, 'ZZZ')}: error: sales[0].sku: SKU 'ZZZ' is not in" in formatted
    assert f"{place(text, chr(39) + '20:12')}: error: sales[1].at: 20:12 is after" in formatted
    assert f"{place(text, chr(39) + '19:50')}: error: viewer_log[0].at: 19:50 is out" in formatted


# --- the sample ---------------------------------------------------------------------------------


def test_replan_the_beauty_sample_from_the_cli(tmp_path, sample_plans):
    old = tmp_path / "plan.json"
    old.write_text(json.dumps(sample_plans["beauty-douyin"], ensure_ascii=False), "utf-8")
    actuals_path = SAMPLES / "beauty-douyin" / "actuals.yaml"
    out = tmp_path / "out"
    result = run(
        "replan", str(old), "--actuals", str(actuals_path), "--show",
        str(SAMPLES / "beauty-douyin"), "-o", str(out), "--deterministic", "--time-limit", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "changes to the rest" in result.stderr
    assert "SER-005 was pulled" in result.stderr
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert (out / "run_sheet.md").is_file()
    actuals = yaml.safe_load(actuals_path.read_text("utf-8"))
    frozen = [s for s in plan["segments"] if s["frozen"]]
    assert [(s["sku"], s["start"], s["end"], s["expected"]["units"]) for s in frozen] == [
        (a["sku"], a["start"], a["end"], float(a["units"])) for a in actuals["segments"]
    ]
    rest = [s for s in plan["segments"] if not s["frozen"]]
    assert all(s["start_minute"] >= 70 for s in rest)
    assert "SER-005" not in {s["sku"] for s in rest}
    assert plan["replan"]["cut"] == "21:10"
    assert any(r["rule"] == "pin-collab-lipstick" for r in plan["replan"]["rules"])


def test_replan_refuses_actuals_after_the_cut(tmp_path, sample_plans):
    old = tmp_path / "plan.json"
    old.write_text(json.dumps(sample_plans["minimal"]), "utf-8")
    actuals = write(
        tmp_path / "a.yaml", {"segments": [{"sku": "TEA-GREEN", "start": "20:30", "minutes": 5}]}
    )
    result = run(
        "replan", str(old), "--actuals", str(actuals), "--show", str(SAMPLES / "minimal"),
        "--at", "20:20",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "a.yaml:3:10: error: segments[0].start" in result.stderr
    assert "not before 20:20 (--at)" in result.stderr


# --- reading ACTUALS ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle", "message"),
    [
        # a number that is not one
        ("segments:\n  - {sku: A, start: '20:00', minutes: 5, units: many}\n", "many", "units"),
        # a misspelt field, with a suggestion
        ("segments: []\nstok_left: {A: 3}\n", "stok_left", "did you mean 'stock_left'"),
        # a segment without its end
        ("segments:\n  - {sku: A, start: '20:00'}\n", "{sku", "give end or minutes"),
        # end and minutes that disagree
        ("segments:\n  - {sku: A, start: '20:00', end: '20:05', minutes: 10}\n", "{sku",
         "not 10 min after"),
        # a time that is not one
        ("viewer_log:\n  - {at: '25:00', viewers: 10}\n", "'25:00'", "clock time"),
    ],
)  # fmt: skip
def test_actuals_errors_name_file_line_and_column(tmp_path, text, needle, message):
    path = tmp_path / "actuals.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        read_actuals(path)
    formatted = [d.format() for d in caught.value.diagnostics]
    assert any(place(text, needle) in f and message in f for f in formatted), formatted


def test_actuals_checked_against_the_show(tmp_path):
    folder = tiny_show(tmp_path / "show", PRODUCTS, slots=6)
    inputs = load_and_validate(folder)
    text = (
        "segments:\n"
        "  - {sku: A, start: '20:00', minutes: 5, promotion: fs-x}\n"
        "  - {sku: ZZZ, start: '20:05', minutes: 5}\n"
        "  - {sku: B, start: '20:07', minutes: 5}\n"
        "stock_left: {Q: 3}\n"
    )
    path = tmp_path / "actuals.yaml"
    path.write_text(text, "utf-8")
    file = read_actuals(path)
    with pytest.raises(InputError) as caught:
        check_actuals(file, inputs, at=10)
    formatted = "\n".join(d.format() for d in caught.value.diagnostics)
    assert f"{place(text, 'fs-x')}: error: segments[0].promotion: no promotion" in formatted
    assert f"{place(text, 'ZZZ')}: error: segments[1].sku: SKU 'ZZZ'" in formatted
    assert f"{place(text, chr(39) + '20:07')}: error: segments[2].start: overlaps" in formatted
    assert "after 20:10" not in formatted  # 20:07 + 5 ends after --at: that one is on air
    assert f"{place(text, '3}')}: error: stock_left.Q" in formatted


def test_actuals_csv_reads_like_yaml_and_locates_errors(tmp_path):
    csv_text = (
        "record,sku,at,end,minutes,promotion,units,gmv,viewers,reason\n"
        "segment,A,20:00,20:05,,,12,,,\n"
        "viewers,,20:05,,,,,,900,\n"
        "stock,A,,,,,3,,,\n"
        "pulled,B,20:05,,,,,,,supplier\n"
        "lucky_bag,,20:00,,,bag,,,,\n"
    )
    path = tmp_path / "actuals.csv"
    path.write_text(csv_text, "utf-8")
    actuals = read_actuals(path).actuals
    assert actuals.segments[0].units == 12 and actuals.segments[0].length == 5
    assert actuals.viewer_log[0].viewers == 900
    assert actuals.stock_left == {"A": 3}
    assert actuals.pulled[0].reason == "supplier"
    assert actuals.lucky_bags[0].id == "bag"
    path.write_text(csv_text.replace(",12,", ",twelve,").replace("stock,", "stok,"), "utf-8")
    with pytest.raises(InputError) as caught:
        read_actuals(path)
    assert "actuals.csv:4:1: error: record: unknown record 'stok'" in str(
        [d.format() for d in caught.value.diagnostics]
    )
    bad = csv_text.replace(",12,", ",twelve,")
    path.write_text(bad, "utf-8")
    with pytest.raises(InputError) as caught:
        read_actuals(path)
    (d,) = caught.value.diagnostics
    assert d.format().startswith(f"{d.file}:{place(bad, 'twelve')}: error: segments[0].units")


def test_actuals_schema_is_draft_07_and_names_every_field():
    from lqplan.live.actuals import actuals_schema

    schema = actuals_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert {"segments", "sold", "stock_left", "viewers", "viewer_log", "pulled"} <= set(
        schema["properties"]
    )
    assert "$defs" not in json.dumps(schema)  # every $ref points into definitions


@pytest.fixture
def minimal_replanned(tmp_path):
    """samples/minimal planned, played out in its own market to 20:30 and replanned there, all
    through the CLI: (the replanned plan.json, the actuals)."""
    show = str(SAMPLES / "minimal")
    old, actuals, out = tmp_path / "p", tmp_path / "actuals.yaml", tmp_path / "r"
    for args in (
        ["plan", show, "-o", str(old), "--deterministic", "-q"],
        ["simulate", str(old / "plan.json"), "--market", show, "--seed", "1", "--at", "20:30",
         "-o", str(actuals)],
        ["replan", str(old / "plan.json"), "--actuals", str(actuals), "--show", show,
         "--at", "20:30", "-o", str(out), "--deterministic", "-q"],
    ):  # fmt: skip
        result = run(*args)
        assert result.exit_code == 0, result.output
    return out / "plan.json", actuals


def test_check_verifies_a_replanned_plan_as_a_whole_show(minimal_replanned):
    """Exit 0, saying that the past is judged by what it sold; the rest's figures are recomputed
    only from its actuals, and then they match to the cent."""
    plan, actuals = minimal_replanned
    show = str(SAMPLES / "minimal")
    result = run("check", str(plan), show)
    assert result.exit_code == 0, result.output
    assert "4 segments before 20:30 judged by what they sold" in result.stderr
    assert "not recomputed from the model" in result.stderr
    assert "the rest's figures not recomputed" in result.stderr
    result = run("check", str(plan), show, "--actuals", str(actuals), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    data = json.loads(plan.read_text("utf-8"))
    assert report["ok"] and report["violations"] == []
    assert report["value_cents"] == data["totals"]["value_cents"]
    assert report["replan"]["rest_recomputed"] and report["replan"]["frozen_segments"] == 4
    # The rest's report recomputes its own objective: the solver's claim, to the cent.
    assert report["replan"]["rest"]["objective_cents"] == data["solver"]["objective_cents"]


def test_check_of_a_replanned_plan_finds_what_an_edit_breaks(minimal_replanned, tmp_path):
    plan, actuals = minimal_replanned
    show = str(SAMPLES / "minimal")
    data = json.loads(plan.read_text("utf-8"))
    rest = [s for s in data["segments"] if not s["frozen"]]
    # A rest figure edited by hand: without the actuals, only the totals it no longer adds up
    # to tell; the rest recomputed from the actuals names the figure.
    rest[0]["expected"]["units"] += 5
    edited = tmp_path / "units.json"
    edited.write_text(json.dumps(data), "utf-8")
    result = run("check", str(edited), show)
    assert result.exit_code == 1
    assert "facts: totals.units: the plan says" in result.stderr
    assert "figures:" not in result.stderr
    result = run("check", str(edited), show, "--actuals", str(actuals))
    assert result.exit_code == 1
    assert f"figures: {rest[0]['sku']} at {rest[0]['start']}" in result.stderr
    # A product of the past aired again in the rest: the whole show breaks its airings.
    data = json.loads(plan.read_text("utf-8"))
    past = [s for s in data["segments"] if s["frozen"]]
    last = data["segments"][-1]
    assert last["minutes"] == past[0]["minutes"] and last["sku"] != past[0]["sku"]
    last.update({k: past[0][k] for k in ("sku", "name", "brand", "category", "role")})
    edited = tmp_path / "again.json"
    edited.write_text(json.dumps(data), "utf-8")
    result = run("check", str(edited), show)
    assert result.exit_code == 1
    assert f"{past[0]['sku']} airs 2 times; allowed 1" in result.stderr


def test_check_of_a_replanned_plan_refuses_other_actuals(minimal_replanned, tmp_path):
    plan, actuals = minimal_replanned
    show = str(SAMPLES / "minimal")
    other = tmp_path / "other.yaml"
    other.write_text(actuals.read_text("utf-8") + "\n# edited\n", "utf-8")
    result = run("check", str(plan), show, "--actuals", str(other))
    assert result.exit_code == 1
    assert "other.yaml is not the actuals the plan was replanned from" in result.stderr
    # --actuals means nothing for a plan that was not replanned: a usage error.
    old = plan.parent.parent / "p" / "plan.json"
    assert run("check", str(old), show, "--actuals", str(actuals)).exit_code == 2


def test_check_a_replanned_plan_whose_past_ran_off_the_grid(tmp_path, sample_plans):
    """The beauty sample's actuals run 7- and 3-minute segments at 20:17, 20:22...: what
    happened, not held to the 5-minute grid; the whole show and the rest hold."""
    beauty = SAMPLES / "beauty-douyin"
    actuals = read_actuals(beauty / "actuals.yaml")
    settings = SolveSettings(time_limit=1, deterministic=True)
    plan = replan(sample_plans["beauty-douyin"], load_and_validate(beauty), actuals, 70, settings)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.plan), encoding="utf-8")
    result = run("check", str(path), str(beauty), "--actuals", str(beauty / "actuals.yaml"))
    assert result.exit_code == 0, result.output
    assert "11 segments before 21:10 judged by what they sold" in result.stderr
    assert "the rest's figures recomputed from its actuals" in result.stderr
