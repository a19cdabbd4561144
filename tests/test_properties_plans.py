"""Property-based: random small shows either plan, and the plan passes the independent checker
and is never worse than the greedy baseline, or are infeasible with the conflicting rules named.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import tiny_show
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.result import SolveSettings, SolveStatus

ROLES = ["traffic", "welfare", "bridge", "hero", "profit", "image", "test"]


@st.composite
def shows(draw):
    slots = draw(st.integers(3, 8))
    count = min(9, slots // 2 + draw(st.integers(1, 5)))
    products = []
    for i in range(count):
        products.append(
            {
                "sku": f"P{i}",
                "margin": draw(st.integers(-5, 60)),
                "live": draw(st.sampled_from([60, 100, 150])),
                "category": draw(st.sampled_from(["a", "b", "c"])),
                "role": draw(st.sampled_from(ROLES)),
            }
        )
    viewers = draw(st.lists(st.integers(50, 2000), min_size=slots, max_size=slots))
    rules = {
        "segment_minutes": {"default": 5, "min": 5, "max": draw(st.sampled_from([5, 10]))},
        "no_back_to_back": {"category": draw(st.booleans())},
    }
    if draw(st.booleans()):
        rules["opening"] = {"roles": ["traffic", "welfare"], "within_minutes": 5}
    if draw(st.booleans()):
        rules["hero_encore"] = {"last_minutes": 10}
    if draw(st.booleans()):
        rules["repeats"] = [{"sku": "P0", "min_gap_minutes": draw(st.sampled_from([0, 5, 10]))}]
    if draw(st.booleans()) and count >= 2:
        rules["precedence"] = [{"before": "P1", "after": "P0"}]
    if draw(st.booleans()):
        rules["pins"] = [
            {
                "sku": f"P{draw(st.integers(0, count - 1))}",
                "at": f"20:{5 * draw(st.integers(0, slots - 1)):02d}",
            }
        ]
    promotions = []
    stock = {p["sku"]: draw(st.integers(1, 40)) for p in products}
    if draw(st.booleans()):
        promotions.append(
            {
                "id": "fs",
                "type": "flash_sale",
                "sku": "P0",
                "price": 50,
                "units": draw(st.integers(1, stock["P0"])),
            }
        )
    if draw(st.booleans()):
        promotions.append(
            {"id": "bag", "type": "lucky_bag", "prize": "cup", "prize_value": 2, "count": slots}
        )
        rules["lucky_bag_cadence"] = {"min_gap_minutes": 5, "max_gap_minutes": 15}
    allow_gaps = draw(st.booleans())
    return dict(
        products=products,
        slots=slots,
        viewers=viewers,
        rules=rules,
        promotions=promotions,
        stock=stock,
        allow_gaps=allow_gaps,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shows())
def test_random_shows_plan_correctly_or_name_the_conflict(spec):
    with tempfile.TemporaryDirectory() as tmp:
        folder = tiny_show(Path(tmp) / "show", **spec)
        try:
            inputs = load_and_validate(folder)
        except Exception as exc:  # a random show may be invalid: then only a clean InputError
            from lqplan.errors import InputError

            assert isinstance(exc, InputError), exc
            event("invalid show")
            return
        try:
            result = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True))
        except InfeasibleError as exc:
            assert exc.conflicts, "an infeasible show must name the rules in conflict"
            event("infeasible")
            return
        event("planned")
        assert result.check.ok, result.check.violations
        assert result.solution.objective == result.check.objective_cents
        if result.baseline.status == SolveStatus.FEASIBLE:
            assert result.solution.objective >= result.baseline.objective
