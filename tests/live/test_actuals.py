"""ACTUALS (docs/actuals.md): per-minute sales and viewer readings as platforms export them,
order times, segment figures derived from the sales, the checks against a plan.json, and one
reader for review and replan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import place, small_plan, tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import InputError
from lqplan.live.actuals import (
    check_actuals_against_plan,
    plan_minute,
    read_actuals,
    segment_sales,
)

SALES_YAML = """\
plan: Small | show
segments:
  - {sku: A, start: "20:00", end: "20:05"}
  - {sku: B, start: "20:05", minutes: 5, units: 4}
  - {sku: A, start: "20:10", end: "20:15", gmv: 99}
sales:
  - {at: "20:00", sku: A, units: 2, gmv: 20, orders: 2}
  - {at: "20:00:59", sku: A, units: 1, gmv: 10, orders: 1}
  - {at: 20:04:30, sku: A, units: 3, gmv: 30, orders: 2}
  - {at: "20:05", sku: A, units: 5, gmv: 50}
  - {at: "20:06", sku: B, units: 7, gmv: 210}
  - {at: "20:12:05", sku: A, units: 1}
"""

# The same facts as one CSV: a `sale` row a minute or an order.
SALES_CSV = """\
record,sku,at,end,minutes,units,gmv,orders
segment,A,20:00,20:05,,,,
segment,B,20:05,,5,4,,
segment,A,20:10,20:15,,,99,
sale,A,20:00,,,2,20,2
sale,A,20:00:59,,,1,10,1
sale,A,20:04:30,,,3,30,2
sale,A,20:05,,,5,50,
sale,B,20:06,,,7,210,
sale,A,20:12:05,,,1,,
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Messages name files relative to the working folder: `actuals.yaml:3:5: error: ...`."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_actuals(path)
    return [d.format() for d in caught.value.diagnostics]


# --- per-minute sales ---------------------------------------------------------------------------


def test_sales_are_read_and_summed_per_segment(tmp_path):
    actuals = read_actuals(write(tmp_path, "actuals.yaml", SALES_YAML)).actuals
    # an order time counts in its minute: the seconds are dropped (an unquoted one too)
    assert [s.at for s in actuals.sales[:3]] == [20 * 60, 20 * 60, 20 * 60 + 4]
    assert actuals.sales[0].units == 2.0 and actuals.sales[0].gmv == 20.0
    first, b, second = (actuals.segment_figures(s) for s in actuals.segments)
    # A 20:00–20:05: the three sales in [20:00, 20:05), two of them in the same minute
    assert first == (6.0, 60.0, 5.0)
    # B gives its own units: they stand (its sale at 20:06 counts in `sold`)
    assert b == (4.0, None, None)
    # A 20:10–20:15: one sale without GMV; the segment's own GMV stands
    assert second == (1.0, 99.0, None)
    assert segment_sales(actuals, "A", 20 * 60, 20 * 60 + 5) == (6.0, 60.0)
    assert segment_sales(actuals, "A", 20 * 60, 20 * 60 + 15) == (12.0, None)  # one has no GMV
    assert segment_sales(actuals, "B", 20 * 60, 20 * 60 + 5) == (0.0, 0.0)
    # without `sold`, the sales give it: every sale of the SKU, on air or not
    assert actuals.sold_by_sku() == {"A": 12.0, "B": 7.0}
    with_sold = actuals.model_copy(update={"sold": {"A": 20}})
    assert with_sold.sold_by_sku() == {"A": 20.0, "B": 7.0}


def test_sales_across_midnight(tmp_path):
    text = "sales:\n  - {at: '23:59:30', sku: A, units: 1}\n  - {at: '00:00', sku: A, units: 2}\n"
    actuals = read_actuals(write(tmp_path, "a.yaml", text)).actuals
    assert segment_sales(actuals, "A", 23 * 60 + 58, 1) == (3.0, None)  # no GMV given


def test_csv_sales_read_as_the_yaml(tmp_path):
    from_csv = read_actuals(write(tmp_path, "actuals.csv", SALES_CSV)).actuals
    from_yaml = read_actuals(write(tmp_path, "actuals.yaml", SALES_YAML)).actuals
    assert from_csv == from_yaml.model_copy(update={"plan": None})
    assert from_csv.segment_figures(from_csv.segments[0]) == (6.0, 60.0, 5.0)


def test_a_segment_without_sales_of_its_sku_sold_nothing(tmp_path):
    """The sales are taken to be all of the show's: a segment of a SKU they never name counts 0
    units, with a warning."""
    text = "segments:\n  - {sku: B, start: '20:10', end: '20:20'}\nsales:\n"
    text += "  - {at: '20:11', sku: A, units: 1}\n"
    file = read_actuals(write(tmp_path, "a.yaml", text))
    assert file.actuals.segment_figures(file.actuals.segments[0]) == (0.0, 0.0, 0.0)
    (warning,) = check_actuals_against_plan(file, small_plan())
    assert warning.format() == (
        f"{file.name}:2:5: warning: segments[0]: no units and no sales of B: "
        "counted as 0 units sold"
    )


def test_per_minute_viewer_readings_and_order_times(tmp_path):
    """One reading a minute for an 8-hour show: 480 readings, HH:MM or HH:MM:SS."""
    lines = ["viewer_log:"]
    for m in range(480):
        clock = f"{(12 * 60 + m) // 60:02d}:{m % 60:02d}"
        lines.append(f"  - {{at: '{clock}:{m % 60:02d}', viewers: {1000 + m}}}")
    actuals = read_actuals(write(tmp_path, "a.yaml", "\n".join(lines) + "\n")).actuals
    assert len(actuals.viewer_log) == 480
    assert [r.at for r in actuals.viewer_log[-2:]] == [12 * 60 + 478, 12 * 60 + 479]
    csv = "record,at,viewers\nviewers,20:00:15,900\nviewers,20:01,950\n"
    readings = read_actuals(write(tmp_path, "a.csv", csv)).actuals.viewer_log
    assert [(r.at, r.viewers) for r in readings] == [(1200, 900.0), (1201, 950.0)]


# --- errors, at file:line:column ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle", "message"),
    [
        ("sales:\n  - {at: '20:00', sku: A, units: -1}\n", "-1", "greater than or equal to 0"),
        ("sales:\n  - {at: '20:00', sku: A, units: 1, gmv: .nan}\n", ".nan", "finite"),
        ("sales:\n  - {at: '20:00', sku: A, units: 1, orders: .inf}\n", ".inf", "finite"),
        ("sales:\n  - {at: '20:00', sku: A, unit: 1}\n", "unit:",
         "unknown field 'unit' (did you mean 'units'?)"),
        ("sales:\n  - {at: '20:00', sku: A}\n", "{at", "missing required field 'units'"),
        ("sales:\n  - {at: '20:61:00', sku: A, units: 1}\n", "'20:61", "'HH:MM' or 'HH:MM:SS'"),
        ("sales:\n  - {at: 1230, sku: A, units: 1}\n", "1230", "got the number 1230"),
        ("viewer_log:\n  - {at: '24:00:00', viewers: 5}\n", "'24:", "'HH:MM' or 'HH:MM:SS'"),
        ("viewer_log:\n  - {at: '20:00', viewers: -5}\n", "-5", "greater than or equal to 0"),
        # a segment's start stays HH:MM: seconds mean nothing there
        ("segments:\n  - {sku: A, start: '20:00:10', minutes: 5}\n", "'20:00:10'",
         "expected a clock time 'HH:MM' (00:00 to 23:59)"),
    ],
)  # fmt: skip
def test_bad_figures_are_errors_at_their_place(tmp_path, text, needle, message):
    path = write(tmp_path, "actuals.yaml", text)
    formatted = errors_of(path)
    assert any(f"actuals.yaml:{place(text, needle)}: error:" in f and message in f
               for f in formatted), formatted  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "message"),
    [("-2", "greater than or equal to 0"), ("nan", "finite"), ("inf", "finite"), ("x", "number")],
)
def test_bad_csv_sales_are_errors_at_their_cell(tmp_path, cell, message):
    text = f"record,sku,at,units,gmv\nsale,A,20:00:05,1,10\nsale,A,20:01,3,{cell}\n"
    (error,) = errors_of(write(tmp_path, "actuals.csv", text))
    assert error.startswith(f"actuals.csv:3:{text.splitlines()[2].index(cell) + 1}: error: ")
    assert "sales[1].gmv" in error and message in error


def test_every_error_is_listed_in_reading_order(tmp_path):
    text = "views: -3\nsegments:\n  - {sku: A, start: '25:00', end: '20:10', units: x}\n"
    text += "sales:\n  - {at: '20:00', sku: A, units: .nan}\n"
    formatted = errors_of(write(tmp_path, "a.yaml", text))
    assert [f.split(": ")[2] for f in formatted] == [
        "views",
        "segments[0].start",
        "segments[0].units",
        "sales[0].units",
    ]


# --- against the plan ---------------------------------------------------------------------------


def test_actuals_that_cannot_belong_to_the_plan(tmp_path):
    text = """\
plan: Another show
segments:
  - {sku: A, start: "20:00", end: "20:10"}
  - {sku: ZZ, start: "20:10", end: "20:20"}
  - {sku: B, start: "23:00", end: "23:10"}
sales:
  - {at: "20:01:10", sku: Q, units: 1}
  - {at: "03:00", sku: A, units: 1}
viewer_log:
  - {at: "12:00", viewers: 5}
sold: {X: 1}
stock_left: {A: 3, Y: 2}
"""
    file = read_actuals(write(tmp_path, "actuals.yaml", text))
    with pytest.raises(InputError) as caught:
        check_actuals_against_plan(file, small_plan())
    got = [d.format() for d in caught.value.diagnostics if d.severity == "error"]
    at = lambda needle: f"actuals.yaml:{place(text, needle)}: error: "  # noqa: E731
    assert got == [
        at("Another") + "plan: these actuals follow a different show: 'Another show', "
        "not 'Small | show' (2027-01-01 20:00)",
        at("ZZ") + "segments[1].sku: SKU 'ZZ' is not on air in the plan",
        at('"23:00"') + "segments[2].start: 23:00 is outside the show (20:00–20:20)",
        at("Q,") + "sales[0].sku: SKU 'Q' is not on air in the plan",
        at('"03:00"') + "sales[1].at: 03:00 is outside the show (20:00–20:20)",
        at('"12:00"') + "viewer_log[0].at: 12:00 is outside the show (20:00–20:20)",
        at("1}\nstock") + "sold.X: SKU 'X' is not on air in the plan",
        at("2}") + "stock_left.Y: SKU 'Y' is not on air in the plan",
    ]


def test_a_show_that_opened_early_or_ran_late_is_warned_about(tmp_path):
    text = """\
plan: "Small |  show"
segments:
  - {sku: B, start: "20:15", end: "20:23"}
sales:
  - {at: "19:58:30", sku: A, units: 1}
  - {at: "20:20", sku: B, units: 1}
"""
    file = read_actuals(write(tmp_path, "actuals.yaml", text))
    warnings = [d.format() for d in check_actuals_against_plan(file, small_plan())]
    assert warnings == [
        f"actuals.yaml:{place(text, chr(34) + '20:15')}: warning: segments[0].start: runs until "
        "20:23, which is after the show's end (20:00–20:20): it ran late?",
        f"actuals.yaml:{place(text, chr(34) + '19:58')}: warning: sales[0].at: 19:58 is before "
        "the show starts (20:00–20:20)",
        f"actuals.yaml:{place(text, chr(34) + '20:20')}: warning: sales[1].at: 20:20 is after "
        "the show's end (20:00–20:20): it ran late?",
    ]
    assert plan_minute(small_plan(), 19 * 60 + 58) == -2
    assert plan_minute(small_plan(), 20 * 60 + 23) == 23


# --- one reader: review and replan --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny show (20:00–20:30, products A–F) and its plan.json."""
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings

    root = tmp_path_factory.mktemp("tiny")
    show = tiny_show(root / "show", [{"sku": s} for s in "ABCDEF"], slots=6)
    plan = plan_show(load_and_validate(show), SolveSettings(time_limit=2, deterministic=True)).plan
    path = root / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path, show


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=160)


def test_a_typo_is_reported_identically_by_review_and_replan(tmp_path, tiny_plan):
    plan, show = tiny_plan
    text = "segments:\n  - {sku: A, start: '20:00', minutes: 5, units: 3}\nstok_left: {A: 3}\n"
    actuals = write(tmp_path, "a.yaml", text)
    expected = (
        f"a.yaml:{place(text, 'stok_left')}: error: stok_left: unknown field 'stok_left' "
        "(did you mean 'stock_left'?)"
    )
    by_review = run("review", plan, actuals)
    by_replan = run("replan", plan, "--actuals", actuals, "--show", show, "--at", "20:10")
    assert by_review.exit_code == by_replan.exit_code == 1
    assert expected in by_review.stderr and expected in by_replan.stderr
    # fixed, both read it; review takes `minutes` as replan does (it used to require `end`)
    actuals.write_text(text.replace("stok_left", "stock_left"), encoding="utf-8")
    assert run("review", plan, actuals).exit_code == 0


def test_review_refuses_actuals_of_another_show(tmp_path, tiny_plan):
    plan, _ = tiny_plan
    text = "plan: a different evening\nsegments:\n  - {sku: A, start: '20:00', end: '20:05'}\n"
    result = run("review", plan, write(tmp_path, "a.yaml", text))
    assert result.exit_code == 1
    assert (
        "a.yaml:1:7: error: plan: these actuals follow a different show: "
        "'a different evening', not 'tiny' (2027-01-01 20:00)" in result.stderr
    )
