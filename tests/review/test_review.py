"""lqplan review: plan against actual on a hand-made plan and actuals, KPIs, calibration, files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from conftest import complete_plan, small_plan, tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.live.actuals import read_actuals
from lqplan.review.review import calibrate, review, review_documents
from lqplan.show.model import Audience

ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}


ACTUALS = """\
views: 5000
segments:
  - {sku: A, start: "20:01", end: "20:12", units: 30}
  - {sku: B, start: "20:12", end: "20:20", units: 10, gmv: 280}
"""


@pytest.fixture
def actuals(tmp_path) -> Path:
    path = tmp_path / "actuals.yaml"
    path.write_text(ACTUALS, encoding="utf-8")
    return path


def test_review_arithmetic_by_hand(actuals):
    report = review(small_plan(), read_actuals(actuals))
    a, b = report.rows
    # A started a minute late and ran 11 minutes; it sold 30 units at the planned $10 each.
    assert (a["drift"], a["over"], a["actual_units"], a["actual_gmv"]) == (1, 1, 30.0, 300.0)
    assert a["gmv_diff"] == 100.0
    assert a["expected_conversion"] == pytest.approx(20 / (1000 * 10))
    assert a["actual_conversion"] == pytest.approx(30 / (1000 * 11))
    # B started two minutes late and ran 8: its GMV is the one the actuals give.
    assert (b["drift"], b["over"], b["actual_gmv"], b["gmv_diff"]) == (2, -2, 280.0, -20.0)
    assert b["actual_conversion"] == pytest.approx(10 / (1000 * 8))
    t = report.totals
    assert (t["actual_units"], t["actual_gmv"], t["actual_orders"]) == (40.0, 580.0, 40.0)
    # 20 min × 1,000 viewers = 20,000 viewer-minutes; at 60 s a view: 20,000 views planned.
    assert t["planned_views"] == 20000
    kpi = {k["kpi"]: k for k in report.kpis}
    assert kpi["payment_conversion"]["actual"] == pytest.approx(40 / 5000)
    assert kpi["payment_conversion"]["met"] is False  # target 3%
    assert (kpi["gmv"]["actual"], kpi["gmv"]["target"], kpi["gmv"]["met"]) == (580, 500, True)
    assert kpi["aov"]["actual"] == pytest.approx(14.5)
    assert kpi["aov"]["planned"] == pytest.approx(500 / 30)
    assert kpi["gpm"]["actual"] == pytest.approx(116.0)
    assert kpi["gpm"]["planned"] == pytest.approx(25.0)
    assert kpi["watch_time_seconds"]["actual"] is None
    # Cumulative GMV: planned 200 at 20:10 and 500 at 20:20; actual 300 at 20:12, 580 at 20:20.
    assert report.planned_curve[-1] == (20.0, 500.0)
    assert (12.0, 300.0) in report.actual_curve and report.actual_curve[-1] == (20.0, 580.0)


def test_a_segment_not_in_the_actuals_is_not_aired(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text('segments:\n  - {number: 2, sku: B, start: "20:10", end: "20:20"}\n')
    report = review(small_plan(), read_actuals(path))
    a, b = report.rows
    assert a["actual_start"] is None and b["drift"] == 0 and b["actual_units"] is None
    assert report.totals["actual_units"] is None


def audience(**affinity) -> Audience:
    return Audience.model_validate(
        {
            "base_conversion": 0.002,
            "segments": [{"name": "all", "share": 1.0, "affinity": affinity}],
            "viewer_curve": [{"at": "20:00", "viewers": 1000}],
        }
    )


def planned_show(tmp_path: Path, conversion: float) -> tuple[dict, Path, Path]:
    """A tiny two-product show (tea and ware) planned from its files, and its actuals from a
    market whose base conversion is `conversion` × the files'."""
    from dataclasses import replace

    from lqplan.learning.simulate import actuals_text, simulate
    from lqplan.pipeline import load_and_validate, plan_json, plan_show
    from lqplan.plan.result import SolveSettings

    show = tiny_show(
        tmp_path / "show",
        [{"sku": "A", "category": "tea"}, {"sku": "B", "category": "ware"}],
        slots=2,
        viewers=[2000, 3000],
    )
    inputs = load_and_validate(show)
    plan = json.loads(plan_json(plan_show(inputs, SolveSettings(time_limit=1)).plan))
    market = replace(
        inputs,
        audience=inputs.audience.model_copy(
            update={"base_conversion": inputs.audience.base_conversion * conversion}
        ),
    )
    path = tmp_path / "actuals.yaml"
    path.write_text(actuals_text(simulate(plan, market, seed=3)), encoding="utf-8")
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan_json(plan), encoding="utf-8")
    return plan, plan_path, show


@pytest.mark.parametrize(
    ("conversion", "direction"),
    [
        (2.0, 1),  # sold twice what the files expect: base conversion rises
        (0.5, -1),  # sold half: it falls
    ],
)
def test_calibration_is_learn_on_a_history_of_one_show(tmp_path, conversion, direction):
    from lqplan.learning import PastShow, learn_history
    from lqplan.pipeline import load_and_validate

    plan, _, show = planned_show(tmp_path, conversion)
    file = read_actuals(tmp_path / "actuals.yaml")
    files = load_and_validate(show).audience
    data, changes, model = calibrate(plan, file, files)
    # One learning path: the model is exactly what lqplan learn makes of this show.
    assert model == learn_history([PastShow(tmp_path, plan, file)], deterministic=True)
    intercept = next(c for c in model["coefficients"] if c["name"] == "intercept")
    assert data["base_conversion"] == round(
        files.base_conversion * math.exp(intercept["estimate"]), 8
    )
    assert (data["base_conversion"] - files.base_conversion) * direction > 0
    assert changes[0].startswith(f"base_conversion {files.base_conversion:g} → ")
    # The viewer curve is the one the actuals observed, in the show's clock times.
    assert data["viewer_curve"][0]["at"] == "20:00"
    assert any("viewer_curve" in c for c in changes)
    Audience.model_validate(data)  # still a valid audience.yaml


def test_review_says_whether_the_actuals_fell_inside_the_bands(tmp_path):
    plan, _, _ = planned_show(tmp_path, 1.0)
    report = review(plan, read_actuals(tmp_path / "actuals.yaml"))
    t = report.totals
    assert t["band"] == plan["totals"]["band"]["gmv"]
    assert t["in_band"] == (t["band"]["p10"] <= t["actual_gmv"] <= t["band"]["p90"])
    assert t["segments_with_band"] == len(plan["segments"])
    docs = review_documents(report, "en")
    assert "the plan's 80 % band" in docs["review.md"]


def test_documents_have_the_chart(actuals):
    docs = review_documents(review(small_plan(), read_actuals(actuals)), "zh", ["x"])
    html = docs["review.html"]
    assert "<svg" in html and 'class="planned"' in html and 'class="actual"' in html
    assert "Small | show" in html
    assert "Small \\| show" in docs["review.md"]  # escaped in a Markdown heading
    assert "| 1 | A Tea A | 20:00 → 20:01 | +1 | +1 |" in docs["review.md"]


def test_cli_writes_review_audience_and_model(tmp_path):
    _, plan_path, show = planned_show(tmp_path, 2.0)
    actuals = tmp_path / "actuals.yaml"
    target = tmp_path / "next" / "audience.yaml"
    model = tmp_path / "next" / "room.model.json"
    args = ["review", str(plan_path), str(actuals), "-o", str(tmp_path / "out")]
    args += ["--write-audience", str(target), "--show", str(show), "--write-model", str(model)]
    result = CliRunner(env=ENV).invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "review.md").is_file()
    assert "<svg" in (tmp_path / "out" / "review.html").read_text(encoding="utf-8")
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert written["base_conversion"] > 0.002
    Audience.model_validate(written)
    assert json.loads(model.read_text(encoding="utf-8"))["schema"] == "lqplan.model/1"
    assert "payment conversion" in result.stderr
    # The audience file exists now: never overwritten without --force.
    again = CliRunner(env=ENV).invoke(app, args)
    assert again.exit_code == 4
    assert CliRunner(env=ENV).invoke(app, [*args, "--force"]).exit_code == 0


def test_cli_write_audience_needs_the_show(tmp_path, actuals):
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(complete_plan(small_plan())), encoding="utf-8")
    args = ["review", str(plan_path), str(actuals), "--write-audience", str(tmp_path / "a.yaml")]
    result = CliRunner(env=ENV).invoke(app, args)
    assert result.exit_code == 2 and "--show" in result.stderr


# --- what review reads: the one ACTUALS reader (live/actuals.py) ------------------------------


def test_segment_units_from_per_minute_sales(tmp_path):
    """No units in the segments: the sales in each one's minutes give them (and its GMV)."""
    text = (
        "segments:\n"
        '  - {sku: A, start: "20:01", end: "20:12"}\n'
        '  - {sku: B, start: "20:12", end: "20:20"}\n'
        "sales:\n"
        + "".join(f'  - {{at: "20:{m:02d}", sku: A, units: 3}}\n' for m in range(1, 11))
        + '  - {at: "20:11:40", sku: B, units: 1, gmv: 30}\n'  # B's cart, A on air: not B's row
        + "".join(f'  - {{at: "20:{m:02d}:05", sku: B, units: 2, gmv: 56}}\n' for m in (12, 15))
        + "".join(f'  - {{at: "20:{m:02d}:50", sku: B, units: 3, gmv: 84}}\n' for m in (15, 19))
    )
    from_sales = review(small_plan(), read_actuals(write_text(tmp_path / "a.yaml", text)))
    by_hand = review(small_plan(), read_actuals(write_text(tmp_path / "b.yaml", ACTUALS)))
    assert from_sales.rows == by_hand.rows
    assert (from_sales.rows[1]["actual_units"], from_sales.rows[1]["actual_gmv"]) == (10.0, 280.0)


def test_csv_actuals_review_as_the_yaml(tmp_path, actuals):
    csv = "record,sku,at,end,units,gmv\nsegment,A,20:01,20:12,30,\nsegment,B,20:12,20:20,10,280\n"
    from_csv = review(small_plan(), read_actuals(write_text(tmp_path / "a.csv", csv)))
    from_yaml = review(small_plan(), read_actuals(actuals))
    assert from_csv.rows == from_yaml.rows
    plan_path = write_text(tmp_path / "plan.json", json.dumps(complete_plan(small_plan())))
    result = CliRunner(env=ENV).invoke(app, ["review", str(plan_path), str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert "A Tea A" in result.stderr


def test_review_reads_what_lqplan_live_records(tmp_path):
    """`lqplan live --record` writes with dump_actuals; units added by hand in a second entry for
    the same segment merge with it."""
    from lqplan.live.cue import DONE, LATE, Mark, record_mark

    plan = {**small_plan(), "breaks": []}
    record = tmp_path / "actuals.yaml"
    record_mark(record, plan, [Mark(1, LATE, 10.0), Mark(1, DONE, 11.0)])
    assert "plan: Small | show" in record.read_text(encoding="utf-8")
    with record.open("a", encoding="utf-8") as f:
        f.write('  - {number: 1, sku: A, start: "20:00", end: "20:11", units: 25}\n')
    plan_path = write_text(tmp_path / "plan.json", json.dumps(complete_plan(plan)))
    result = CliRunner(env=ENV).invoke(app, ["review", str(plan_path), str(record)])
    assert result.exit_code == 0, result.output
    report = review(plan, read_actuals(record))
    a, b = report.rows
    assert (a["actual_at"], a["over"], a["actual_units"]) == ("20:00", 1, 25.0)
    assert b["actual_start"] is None  # not marked: not aired or not recorded


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_dump_actuals_round_trips_through_read_actuals(tmp_path):
    """What lqplan live --record writes (dump_actuals) reads back as it was, a line a fact."""
    from lqplan.live.actuals import dump_actuals

    data = {
        "plan": "Small | show",
        "views": 5000,
        "viewer_log": [{"at": "20:00", "viewers": 900}, {"at": "20:01:30", "viewers": 950}],
        "sales": [{"at": "20:02:07", "sku": "A", "units": 1, "gmv": 10.0}],
        "pulled": ["B"],
        "segments": [
            {"number": 1, "sku": "A", "start": "20:00", "end": "20:11", "note": "x" * 120},
        ],
    }
    text = dump_actuals(data)
    assert len(text.splitlines()) == 12  # the header, then a line a field or a list entry
    actuals = read_actuals(write_text(tmp_path / "a.yaml", text)).actuals
    assert (
        actuals.model_dump()
        == read_actuals(write_text(tmp_path / "b.json", json.dumps(data))).actuals.model_dump()
    )
