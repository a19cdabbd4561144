"""The greedy baseline (baseline.py): the hand-made plan uplift is measured against.

Hand-checkable cases for what makes it fill a show: it never strands a gap no segment length can
fill, and it places a co-branded item inside its window before anything crowds the window out.
"""

from __future__ import annotations

from conftest import tiny_show

from lqplan.pipeline import load_and_validate
from lqplan.plan.baseline import Greedy, _Layout, greedy_plan
from lqplan.plan.options import build_demand
from lqplan.plan.result import SolveStatus


def test_fillable_lengths_are_the_sums_of_segment_lengths(tmp_path):
    """10-minute segments on 5-minute slots take 2 slots: only even stretches can be filled
    (stretches longer than 4 of the longest segment are taken as fillable without a search)."""
    folder = tiny_show(
        tmp_path,
        [{"sku": f"P{i}", "margin": i} for i in range(1, 9)],
        slots=12,
        rules={"segment_minutes": {"default": 10, "min": 10, "max": 10}},
    )
    layout = _Layout(build_demand(load_and_validate(folder)))
    assert [layout.tileable(0, n) for n in range(7)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert not layout.tileable(3, 6)
    assert layout.tileable(1, 12)


def test_value_first_never_strands_an_odd_gap(tmp_path):
    """Eight slots, 2-slot segments, viewers peaking in slots 3 and 4. Placed where it earns
    most, the best product would take slots 3–4 and leave 3 free slots on each side, which
    2-slot segments cannot fill; the baseline places it elsewhere and fills the show."""
    folder = tiny_show(
        tmp_path,
        [{"sku": f"P{i}", "margin": 10 * i} for i in range(1, 5)],
        slots=8,
        viewers=[100, 100, 100, 900, 900, 100, 100, 100],
        rules={"segment_minutes": {"default": 10, "min": 10, "max": 10}},
    )
    demand = build_demand(load_and_validate(folder))
    g = Greedy(demand)
    g.by_value()
    assert all(o.start % 2 == 0 for o in g.chosen)
    assert g.fill()
    assert greedy_plan(demand).status == SolveStatus.FEASIBLE


def test_a_collab_airs_inside_its_window(tmp_path):
    """C is the least valuable product but a collab that must air between 20:20 and 20:35; the
    baseline places it there first, and the plan is complete."""
    folder = tiny_show(
        tmp_path,
        [{"sku": s, "margin": m} for s, m in (("A", 50), ("B", 40), ("D", 30), ("E", 20))]
        + [{"sku": "C", "margin": 1}],
        slots=8,
        promotions=[
            {
                "id": "collab-c",
                "type": "collab",
                "sku": "C",
                "partner": "Partner",
                "window": {"from": "20:20", "to": "20:35"},
            }
        ],
        allow_gaps=True,
    )
    demand = build_demand(load_and_validate(folder))
    g = Greedy(demand)
    g.seed()
    assert g.chosen and g.chosen[0].sku == "C"
    assert g.chosen[0].start >= 4 and g.chosen[0].end <= 7
    plan = greedy_plan(demand)
    assert plan.status == SolveStatus.FEASIBLE
    assert "C" in {demand.options[i].sku for i in plan.options}


def test_pins_leave_the_gap_between_them_fillable(tmp_path):
    """A is pinned at 20:00 and B at 20:15 on 5-minute slots, segments of 10 or 15 minutes.
    A's 10-minute segment earns more per minute (slot 2 has few viewers) but would leave one
    slot before B that nothing fills: the baseline gives A 15 minutes and fills the show."""
    folder = tiny_show(
        tmp_path,
        [{"sku": s, "margin": 10} for s in ("A", "B", "C", "D")],
        slots=8,
        viewers=[100, 100, 10, 100, 100, 100, 100, 100],
        rules={
            "segment_minutes": {"default": 10, "min": 10, "max": 15},
            "pins": [{"sku": "A", "at": "20:00"}, {"sku": "B", "at": "20:15"}],
        },
    )
    demand = build_demand(load_and_validate(folder))
    plan = greedy_plan(demand)
    assert plan.status == SolveStatus.FEASIBLE
    chosen = {demand.options[i].sku: demand.options[i] for i in plan.options}
    assert (chosen["A"].start, chosen["A"].slots) == (0, 3)
    assert chosen["B"].start == 3


def _greedy(folder):
    """The baseline of a tiny show: (demand, solution), the solution checked and complete."""
    demand = build_demand(load_and_validate(folder))
    plan = greedy_plan(demand)
    assert plan.status == SolveStatus.FEASIBLE
    return demand, plan


def test_bags_skip_an_uncovered_break(tmp_path):
    """A bag at most every 15 minutes: the baseline drops at the latest slot the cadence allows,
    20:10, which is inside the break, and 20:05 is drawn as the break starts; nobody covers the
    break, so it steps back to 20:00, then 20:15."""
    folder = tiny_show(
        tmp_path,
        [{"sku": s, "category": s} for s in "ABC"],
        slots=4,
        breaks=[{"at": "20:10", "minutes": 5}],
        promotions=[{"id": "bag", "type": "lucky_bag", "prize": "cup", "count": 2}],
        rules={"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 15}},
    )
    demand, plan = _greedy(folder)
    assert [demand.drops[i].start * 5 for i in plan.drops] == [0, 15]


def test_bags_are_not_drawn_as_a_flash_sale_starts(tmp_path):
    """A's flash sale (worth most in the busiest slot) starts at 20:10. A bag at most every 10
    minutes would drop at 20:05 and be drawn then; the baseline drops at 20:00 and 20:10."""
    folder = tiny_show(
        tmp_path,
        [{"sku": "A", "margin": 30, "live": 40}, {"sku": "B", "margin": 20}, {"sku": "C"}],
        viewers=[100, 200, 300],
        promotions=[
            {"id": "fs", "type": "flash_sale", "sku": "A", "price": 30, "units": 100},
            {"id": "bag", "type": "lucky_bag", "prize": "cup", "count": 2},
        ],
        demand={"flash_sale_lift": 2.0, "decay": 1.0, "price_elasticity": 0.0},
        rules={"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 10}},
    )
    demand, plan = _greedy(folder)
    flash = [
        demand.options[i].start * 5
        for i in plan.options
        if demand.options[i].mode.kind == "flash_sale"
    ]
    assert flash == [10]
    assert [demand.drops[i].start * 5 for i in plan.drops] == [0, 10]


def test_opening_first_puts_the_opener_first(tmp_path):
    """Falling viewers: A would earn most at 20:00, but `first` asks for the traffic item T
    there: the opening's greedy test refuses A at the first slot, and the baseline opens with T."""
    products = [
        {"sku": "A", "margin": 30},
        {"sku": "B", "margin": 20},
        {"sku": "T", "margin": -5, "role": "traffic"},
    ]
    folder = tiny_show(
        tmp_path,
        products,
        viewers=[300, 200, 100],
        rules={"opening": {"roles": ["traffic"], "first": True}},
    )
    demand, plan = _greedy(folder)
    starts = sorted((demand.options[i].start, demand.options[i].sku) for i in plan.options)
    assert [sku for _, sku in starts] == ["T", "A", "B"]
    g = Greedy(demand)
    a_first = next(o for o in demand.options if o.sku == "A" and o.start == 0)
    a_later = next(o for o in demand.options if o.sku == "A" and o.start == 1)
    assert not g.allowed(a_first)
    assert g.allowed(a_later)


def test_bags_plan_ahead_across_a_break_no_bag_may_cross(tmp_path):
    """A bag every 10 to 15 minutes, and a break at 20:25 that nobody covers (no drop inside it,
    none drawn as it starts). Dropping at the latest slot (20:10) leaves the next drop nowhere to
    go: 20:20 is drawn as the break starts, 20:25 is inside it, and 20:15 is too soon. The
    baseline looks ahead: 20:05, 20:15, then 20:30 as the break ends."""
    folder = tiny_show(
        tmp_path,
        [{"sku": s, "category": s} for s in "ABCDEFG"],
        slots=8,
        breaks=[{"at": "20:25", "minutes": 5}],
        promotions=[{"id": "bag", "type": "lucky_bag", "prize": "cup", "count": 4}],
        rules={"lucky_bag_cadence": {"min_gap_minutes": 10, "max_gap_minutes": 15}},
    )
    demand, plan = _greedy(folder)
    assert [demand.drops[i].start * 5 for i in plan.drops] == [5, 15, 30]
