"""Back-to-back airings are one pitch: the decay runs on, so splitting an airing never pays.

The tiny show sells 0.2 units a minute at 100 viewers before decay and earns $10 a unit; with
a decay of 0.9 a minute, a 5-minute pitch sells 0.2 × (1 + 0.9 + … + 0.9⁴) = 0.819 units, the
next 5 minutes of the same pitch 0.9⁵ times that, and a fresh encore (repeat factor 0.6) 0.6
times that.
"""

from __future__ import annotations

import copy

import pytest

from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.baseline import greedy_plan
from lqplan.plan.demand import pitches
from lqplan.plan.options import build_demand
from lqplan.plan.result import SolveSettings
from lqplan.render.documents import render_documents
from lqplan.verify.checker import check_plan
from tests.conftest import tiny_show

DECAY = 0.9
FIVE = sum(DECAY**k for k in range(5))  # decayed minutes of a 5-minute pitch


def cents_of(units: float) -> int:
    """Profit in cents of `units` at $10 a unit."""
    return round(units * 10 * 100)


def one_product(tmp_path, *, slots=2, lengths=(5, 5), gap=0, airings=2):
    low, high = lengths
    return load_and_validate(
        tiny_show(
            tmp_path,
            [{"sku": "A", "margin": 10}],
            slots=slots,
            rules={
                "segment_minutes": {"default": low, "min": low, "max": high},
                "repeats": [{"sku": "A", "max_airings": airings, "min_gap_minutes": gap}],
            },
            demand={
                "decay": DECAY,
                "price_elasticity": 0.0,
                "traffic_viewer_lift": 0.0,
                "lucky_bag_viewer_lift": 0.0,
                "role_conversion": dict.fromkeys(
                    ("traffic", "welfare", "bridge", "hero", "profit", "image", "test"), 1.0
                ),
            },
        )
    )


def test_an_airing_that_goes_on_with_a_pitch_continues_its_decay(tmp_path):
    demand = build_demand(one_product(tmp_path), shortlist=False)
    by = {(o.airing, o.start, o.lead): o for o in demand.options}
    assert by[(1, 0, 0)].value_cents == cents_of(0.2 * FIVE)  # 819
    assert by[(2, 1, 0)].value_cents == cents_of(0.6 * 0.2 * FIVE)  # a fresh encore: 491
    going_on = by[(2, 1, 1)]  # the encore right after a 5-minute first airing
    assert (going_on.pitch, going_on.value_cents) == (1, cents_of(0.2 * DECAY**5 * FIVE))  # 484


def test_splitting_a_pitch_never_pays(tmp_path):
    """Ten minutes of one product: two airings back to back earn what one 10-minute pitch
    earns (the split used to restart the decay and pay), and never a fresh encore's 0.819 +
    0.491 that the old model would have chosen."""
    inputs = one_product(tmp_path)
    result = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True))
    segments = result.plan["segments"]
    assert [(s["airing"], s["start_minute"], s.get("continues")) for s in segments] == [
        (1, 0, None),
        (2, 5, 1),
    ]
    ten = sum(DECAY**k for k in range(10))
    assert result.plan["totals"]["profit"] == pytest.approx(0.2 * ten * 10, abs=0.02)
    assert result.plan["totals"]["profit"] < (0.2 * FIVE + 0.6 * 0.2 * FIVE) * 10 - 0.05


def test_one_long_airing_and_the_same_span_in_pieces_are_worth_the_same(tmp_path):
    """Segments of 5 or 10 minutes: the solver may take one 10-minute airing or two pieces;
    either way the plan is worth one 10-minute pitch."""
    inputs = one_product(tmp_path, lengths=(5, 10))
    result = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True))
    ten = sum(DECAY**k for k in range(10))
    assert result.plan["totals"]["profit"] == pytest.approx(0.2 * ten * 10, abs=0.02)


def test_the_greedy_goes_on_with_the_pitch_too(tmp_path):
    demand = build_demand(one_product(tmp_path, slots=4, airings=4), shortlist=False)
    plan = greedy_plan(demand)
    chosen = sorted((demand.options[i] for i in plan.options), key=lambda o: o.start)
    assert [(o.airing, o.start, o.lead, o.pitch) for o in chosen] == [
        (1, 0, 0, 0),
        (2, 1, 1, 1),
        (3, 2, 2, 1),
        (4, 3, 3, 1),
    ]


def test_with_a_gap_the_encore_begins_a_pitch_of_its_own(tmp_path):
    """min_gap_minutes 5: no option goes on with a pitch; the encore waits a slot."""
    demand = build_demand(one_product(tmp_path, slots=3, gap=5), shortlist=False)
    assert all(o.lead == 0 for o in demand.options)


def test_the_checker_recomputes_a_back_to_back_airing_as_one_pitch(tmp_path):
    inputs = one_product(tmp_path)
    plan = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True)).plan
    assert check_plan(inputs, plan).ok
    claimed = copy.deepcopy(plan)
    second = claimed["segments"][1]["expected"]
    fresh = 0.6 * 0.2 * FIVE  # what the second airing would sell as a pitch of its own
    second.update(units=round(fresh, 2), gmv=round(fresh * 100, 2), profit=round(fresh * 10, 2))
    second["value_cents"] = cents_of(fresh)
    report = check_plan(inputs, claimed)
    assert not report.ok
    assert {v.rule for v in report.violations} >= {"figures"}


def test_paperwork_shows_a_pitch_as_one_row(tmp_path):
    inputs = one_product(tmp_path)
    plan = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True)).plan
    files = render_documents(plan)
    rows = [line for line in str(files["run_sheet.md"]).splitlines() if line.startswith("| 1")]
    assert len(rows) == 1 and rows[0].startswith("| 1–2 | 20:00 | 10 min |")
    assert "| 2 |" not in str(files["run_sheet.md"])
    script = str(files["host_script.md"])
    assert "1–2. 20:00–20:10" in script
    # The cart link stays up between the two airings: listed once, taken down once.
    actions = [a["action"] for s in plan["segments"] for a in s["actions"]]
    assert actions.count("list_product") == 1 and actions.count("delist_product") == 1


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        ([("A", 0, 5, 1), ("A", 5, 5, 2)], [(1, 0), (1, 5)]),  # one pitch
        ([("A", 0, 5, 1), ("A", 5, 5, 2), ("A", 10, 3, 3)], [(1, 0), (1, 5), (1, 10)]),
        ([("A", 0, 5, 1), ("B", 5, 5, 1), ("A", 10, 5, 2)], [(1, 0), (1, 0), (2, 0)]),
        ([("A", 0, 5, 1), ("A", 6, 5, 2)], [(1, 0), (2, 0)]),  # a minute apart: two pitches
        ([("A", 5, 5, 2), ("A", 0, 5, 1)], [(1, 5), (1, 0)]),  # in any order
        ([("B", 0, 5, 1), ("A", 5, 5, 1), ("A", 10, 5, 2)], [(1, 0), (1, 0), (1, 5)]),
    ],
)
def test_pitches(segments, expected):
    assert pitches(segments) == expected


def test_a_replanned_pitch_keeps_its_numbers_and_phase(tmp_path):
    """One product for 20 minutes, replanned at 20:05 after one airing: the rest's airings that
    go on from one another name their new numbers, keep the pitch's phase, and the plan checks."""
    import yaml

    from lqplan.live.actuals import check_actuals, read_actuals
    from lqplan.live.replan import replan

    inputs = one_product(tmp_path / "show", slots=4, airings=4)
    settings = SolveSettings(time_limit=5, deterministic=True)
    old = plan_show(inputs, settings).plan
    path = tmp_path / "actuals.yaml"
    aired = {"segments": [{"sku": "A", "start": "20:00", "minutes": 5, "units": 1}]}
    path.write_text(yaml.safe_dump(aired), encoding="utf-8")
    file = read_actuals(path)
    check_actuals(file, inputs, 5)
    segments = replan(old, inputs, file, 5, settings).plan["segments"]
    going_on = [s for s in segments if s.get("continues") is not None]
    assert going_on, segments
    for seg in going_on:
        before = segments[seg["continues"] - 1]
        assert before["number"] == seg["number"] - 1
        assert before["start_minute"] + before["minutes"] == seg["start_minute"]
        assert seg["phase"] == before["phase"]
