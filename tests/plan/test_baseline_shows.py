"""The baseline fills every show that has a plan (issue 16): held-out kinds of shows.

Each folder under baseline_shows/ (here) is a small show written from docs/formats.md alone, of a
kind the strategies of plan/baseline.py could not fill before the repair (plan/repair.py):
  farm-1min      Douyin farm produce on 1-minute slots, a lucky bag every 5–7 minutes
  whatnot-cards  a Whatnot card break: welfare opener, chase box with an encore, an exclusion
  midnight       23:20–00:40 with a covered break at 00:00 and a pin after midnight
  one-product    one skillet for the whole show, airing again back to back
and one they could (tight-pins: two pins and a collab window on a 2-minute grid, 4–6 minute
segments), kept so that the repair never replaces a plan the strategies make.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE_NAMES, SAMPLES

from lqplan.pipeline import load_and_validate
from lqplan.plan import baseline
from lqplan.plan.baseline import greedy_plan, keeps_rules
from lqplan.plan.options import build_demand
from lqplan.plan.result import SolveStatus
from lqplan.plan.summary import totals_text

SHOWS = Path(__file__).resolve().parent / "baseline_shows"
HELD_OUT = sorted(p.name for p in SHOWS.iterdir() if (p / "show.yaml").is_file())
# What the strategies alone made of each show before the repair (measured on the branch that
# added it): the repair must be what fills these, and must leave the others as they were.
UNFILLED_BEFORE = {"farm-1min", "whatnot-cards", "midnight", "one-product"}


def _demand(folder: Path):  # type: ignore[no-untyped-def]
    return build_demand(load_and_validate(folder))


def _strategies_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline as it was before the repair: the strategies, nothing after them."""
    monkeypatch.setattr(baseline, "repair", lambda drafts, agreed: None)


def test_the_fixture_set_is_the_one_the_docstring_names():
    assert set(HELD_OUT) == UNFILLED_BEFORE | {"tight-pins"}


@pytest.mark.parametrize("name", HELD_OUT)
def test_the_baseline_fills_every_held_out_show_and_the_checker_agrees(name):
    demand = _demand(SHOWS / name)
    plan = greedy_plan(demand)
    assert plan.status == SolveStatus.FEASIBLE
    assert keeps_rules(demand, plan)


@pytest.mark.parametrize("name", HELD_OUT)
def test_the_strategies_alone_fail_where_the_repair_is_needed(name, monkeypatch):
    demand = _demand(SHOWS / name)
    _strategies_only(monkeypatch)
    filled = greedy_plan(demand).status == SolveStatus.FEASIBLE
    assert filled == (name not in UNFILLED_BEFORE)


@pytest.mark.parametrize("name", HELD_OUT)
def test_the_repaired_baseline_is_deterministic(name):
    """A count, not a clock: the same plan on every run (and so on every machine)."""
    first, second = greedy_plan(_demand(SHOWS / name)), greedy_plan(_demand(SHOWS / name))
    assert (first.options, first.drops, first.objective) == (
        second.options,
        second.drops,
        second.objective,
    )


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_samples_baselines_are_the_strategies_own(name, monkeypatch):
    """The repair runs only when no strategy fills the show: every sample's baseline (and so
    its uplift in tests/golden) is what it was."""
    demand = _demand(SAMPLES / name)
    repaired = greedy_plan(demand)
    _strategies_only(monkeypatch)
    before = greedy_plan(demand)
    assert before.status == SolveStatus.FEASIBLE
    assert (repaired.options, repaired.drops, repaired.objective) == (
        before.options,
        before.drops,
        before.objective,
    )


def test_the_one_product_show_airs_its_hero_in_both_windows():
    """Every airing is the skillet; the repair backs up from a full sheet whose last airing
    starts before the closing window (20:30) until one starts inside it."""
    demand = _demand(SHOWS / "one-product")
    plan = greedy_plan(demand)
    starts = sorted(demand.options[i].start * demand.slot for i in plan.options)
    assert starts[0] == 0 and starts[-1] >= 30


def _plan(baseline_part):  # type: ignore[no-untyped-def]
    """The smallest plan.json that totals_text reads, with `baseline_part` as its baseline."""
    return {
        "show": {"currency": "USD", "objective": "profit"},
        "totals": {"segments": 1, "units": 1, "gmv": 10.0, "profit": 5.0},
        "lucky_bags": [],
        "solver": {
            "status": "optimal",
            "seconds": None,
            "gap_percent": 0.0,
            "model": {"options": 1},
            "uplift_percent": None,
        },
        "baseline": baseline_part,
    }


@pytest.mark.parametrize(
    ("baseline_part", "says"),
    [
        # Not even the repair filled the show: say so, and print no figure.
        (
            {"feasible": False, "value_cents": None},
            "could not fill the show, even after repairing it by hand (no uplift to report)",
        ),
        # Filled, but worth nothing: a percentage of zero would be a fake figure.
        ({"feasible": True, "value_cents": -1250}, "uplift over the greedy hand-made plan: n/a"),
    ],
)
def test_the_summary_says_why_there_is_no_uplift(baseline_part, says):
    text = totals_text(_plan(baseline_part)).plain
    assert says in text
    assert "%" not in text.split("solver:")[1].split("\n", 1)[1]
