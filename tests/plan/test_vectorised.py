"""The options built with arrays (lqplan/plan/demand_arrays.py) against the scalar formula.

`reference_options` below is how build_demand made its options before issue 13: one
`segment_outcome` call per option, in the loops' order. The array build must give the same
options in the same order, every float to the bit (compared by repr, which also tells 1 from
1.0 and a numpy scalar from a Python one), on the samples, the baseline shows, a generated M
instance and shows made to reach every branch of the formula.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES, tiny_show

from benchmarks.generate import write_show
from lqplan.pipeline import load_and_validate
from lqplan.plan.calibration import Calibration
from lqplan.plan.demand import (
    Demand,
    Option,
    demand_context,
    option_value,
    preference,
    segment_outcome,
)
from lqplan.plan.demand_arrays import mode_table, preferences, segment_outcomes
from lqplan.plan.options import (
    _leads,
    _start_grid,
    build_demand,
    flash_min_minutes,
    in_window,
)
from lqplan.show.validate import ShowInputs

BASELINE_SHOWS = Path(__file__).parent / "baseline_shows"


def reference_options(demand: Demand) -> list[Option]:
    """The options of `demand`'s products (those its shortlist kept) valued one at a time."""
    inputs, show = demand.inputs, demand.inputs.show
    kept = set(demand.modes) - set(demand.left_out)
    starts, ends = _start_grid(demand)
    collabs = {
        p.sku: (show.offset(p.window.from_), show.offset(p.window.to) or show.minutes)
        for p in show.promotions
        if p.type == "collab"
    }
    required = {p.id for p in show.promotions if p.type != "collab" and p.required}
    out: list[Option] = []
    for product in inputs.catalog.products:
        if product.sku not in kept:
            continue
        lengths = [m // demand.slot for m in inputs.segment_lengths(product)]
        back_to_back = show.rules.back_to_back(product.sku)
        for airing in range(1, demand.max_airings[product.sku] + 1):
            for length in lengths:
                for start in range(demand.slots - length + 1):
                    if start not in starts or start + length not in ends:
                        continue
                    leads = _leads(demand, airing, max(lengths), start) if back_to_back else []
                    if any(s in demand.blocked for s in range(start, start + length)):
                        continue
                    begin, minutes = start * demand.slot, length * demand.slot
                    collab = collabs.get(product.sku)
                    if collab and (begin < collab[0] or begin + minutes > collab[1]):
                        continue
                    for pitch, lead in [(0, 0), *leads]:
                        live_value = None
                        for mode in demand.modes[product.sku]:
                            if mode.kind == "flash_sale" and (
                                airing > 1 or minutes < flash_min_minutes(demand, mode)
                            ):
                                continue
                            if not in_window(mode, begin, minutes):
                                continue
                            outcome = segment_outcome(
                                demand,
                                product.sku,
                                mode,
                                begin,
                                minutes,
                                pitch or airing,
                                lead * demand.slot,
                            )
                            value = option_value(demand, outcome)
                            if live_value is None:
                                live_value = value
                            elif value <= live_value and mode.promotion not in required:
                                continue
                            out.append(
                                Option(  # by name: the build passes them by position
                                    index=len(out),
                                    sku=product.sku,
                                    airing=airing,
                                    mode=mode,
                                    start=start,
                                    slots=length,
                                    outcome=outcome,
                                    value_cents=value,
                                    preference_cents=preference(demand, product.sku, begin),
                                    lead=lead,
                                    pitch=pitch,
                                )
                            )
    return out


def assert_same_options(demand: Demand) -> None:
    """demand.options are reference_options(demand), in order, to the bit."""
    built = [repr(o) for o in demand.options]
    expected = [repr(o) for o in reference_options(demand)]
    for i, (got, want) in enumerate(zip(built, expected, strict=False)):
        assert got == want, f"option {i} differs"
    assert len(built) == len(expected)


def everything_show(folder: Path, **show: Any) -> Path:
    """A show that reaches every branch of the formula: decay, price response, traffic pull,
    encores, soft preferences; a flash sale whose units cap binds and one with a window and a
    minimum length, gifts (one required, so kept where it earns less, one worth just the live
    price), coupons capped by count and by budget, a product whose stock binds, a collab window,
    a back-to-back repeat (pitches with a lead), a break and a lucky bag."""
    products = [
        {"sku": "A", "role": "hero", "live": 199, "list": 299, "margin": 80, "category": "c1"},
        {"sku": "B", "role": "traffic", "live": 9.9, "list": 29.9, "margin": 1, "category": "c2"},
        {"sku": "C", "role": "image", "live": 599, "list": 799, "margin": 250, "category": "c1"},
        {"sku": "D", "role": "welfare", "live": 49, "list": 69, "margin": 10, "category": "c3"},
        {"sku": "E", "role": "profit", "live": 129, "margin": 60, "category": "c2"},
        {"sku": "F", "role": "bridge", "live": 159, "list": 199, "margin": 40, "category": "c3"},
    ]
    promotions = [
        {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 149, "units": 40,
         "min_minutes": 10, "max_minutes": 10, "window": {"from": "20:10", "to": "21:00"}},
        {"id": "fs-e", "type": "flash_sale", "sku": "E", "price": 99, "units": 3,
         "max_minutes": 10},
        {"id": "gift-c", "type": "gift", "sku": "C", "item": "bag", "units": 2, "unit_cost": 20,
         "window": {"from": "20:30", "to": "21:40"}},
        {"id": "gift-d", "type": "gift", "sku": "D", "item": "pen", "units": 5, "unit_cost": 30,
         "required": True},
        {"id": "cp-budget", "type": "coupon", "threshold": 100, "amount": 20, "budget": 90},
        {"id": "cp-count", "type": "coupon", "threshold": 40, "amount": 5, "count": 3,
         "skus": ["D", "E"], "window": {"from": "20:00", "to": "21:20"}},
        # A free gift and no gift lift: worth just the live price, so dominated everywhere.
        {"id": "gift-level", "type": "gift", "sku": "B", "item": "air", "units": 50,
         "unit_cost": 0},
        {"id": "collab-f", "type": "collab", "sku": "F", "partner": "P",
         "window": {"from": "20:30", "to": "21:10"}},
        {"id": "bag", "type": "lucky_bag", "prize": "x", "prize_value": 10, "winners": 3,
         "count": 8, "countdown_minutes": 5},
    ]  # fmt: skip
    rules = {
        "price_ladder": {"enabled": True, "weight": 1.0},
        "role_pacing": {"enabled": True, "weight": 0.7},
        "segment_minutes": {"default": 5, "min": 5, "max": 15},
        "repeats": [
            {"sku": "E", "max_airings": 4, "min_gap_minutes": 0},
            {"sku": "A", "max_airings": 2, "min_gap_minutes": 30},
        ],
    }
    demand = {
        "decay": 0.93,
        "price_elasticity": 1.2,
        "traffic_viewer_lift": 0.05,
        "traffic_lift_minutes": 10,
        "lucky_bag_viewer_lift": 0.1,
        "repeat_factor": 0.7,
        "gift_lift": 1.0,
    }
    viewers = [80 + (37 * i) % 150 for i in range(24)]
    return tiny_show(
        folder,
        products,
        slots=24,
        viewers=viewers,
        rules=rules,
        promotions=promotions,
        stock={"D": 7, "B": 900},
        breaks=[{"at": "20:50", "minutes": 10}],
        demand=demand,
        **show,
    )


def calibrated(inputs: ShowInputs) -> ShowInputs:
    """`inputs` under a fitted model: per-product factors, a discount slope and sales weights
    that change with time into the show (a replan's offset included)."""
    factors = {p.sku: 0.7 + 0.1 * (i % 7) for i, p in enumerate(inputs.catalog.products)}
    model = Calibration(
        "m", "m.json", "x", factors, discount_slope=0.4, time_slope=-0.13, offset_minutes=25
    )
    return dataclasses.replace(inputs, calibration=model)


@pytest.mark.parametrize(
    "folder",
    [SAMPLES / name for name in ("minimal", "home-tiktok", "beauty-douyin", "double11-marathon")]
    + sorted(BASELINE_SHOWS.iterdir()),
    ids=lambda p: p.name,
)
def test_sample_and_baseline_shows(folder: Path) -> None:
    inputs = load_and_validate(folder)
    assert_same_options(build_demand(inputs))
    assert_same_options(build_demand(inputs, shortlist=False, stride=1))


def test_generated_m_instance(tmp_path: Path) -> None:
    """A benchmark M show: 100 products, a shortlist, the start stride."""
    demand = build_demand(load_and_validate(write_show(tmp_path / "m", "M", 0)))
    assert demand.left_out and len(demand.options) > 30_000
    assert_same_options(demand)


@pytest.mark.parametrize("objective", ["profit", "gmv"])
def test_every_branch(tmp_path: Path, objective: str) -> None:
    inputs = load_and_validate(everything_show(tmp_path / "show", objective=objective))
    for stride in (1, 2):
        demand = build_demand(inputs, stride=stride)
        assert_same_options(demand)
    options = build_demand(inputs, stride=1).options
    kinds = {o.mode.kind for o in options}
    assert kinds == {"normal", "flash_sale", "gift", "coupon"}
    assert not any(o.mode.promotion == "gift-level" for o in options)
    # The branches this show is made to reach are reached: caps that bind, pitches with a
    # lead, a required gift kept below the live price, traffic pull, soft preferences.
    assert any(o.mode.units_cap and o.outcome.promo_units == o.mode.units_cap for o in options)
    assert any(o.sku == "D" and o.outcome.units == 7 for o in options)
    assert {(o.pitch, o.lead > 0) for o in options if o.sku == "E"} >= {(1, True), (2, True)}
    live = {
        (o.sku, o.start, o.slots, o.airing): o.value_cents
        for o in options
        if o.mode.kind == "normal"
    }
    assert any(
        o.mode.promotion == "gift-d" and o.value_cents <= live[(o.sku, o.start, o.slots, o.airing)]
        for o in options
    )
    assert any(o.outcome.pull_cents > 0 for o in options)
    assert len({o.preference_cents for o in options}) > 10
    assert {o.sku for o in options if o.sku == "F"} and all(
        o.start * 5 >= 30 and o.end * 5 <= 70 for o in options if o.sku == "F"
    )


@pytest.mark.parametrize("show", ["everything", "double11-marathon"])
def test_calibrated_shows(tmp_path: Path, show: str) -> None:
    """A fitted model's factors and sales weights (demand.sales_weights) go through the arrays
    as through the formula."""
    folder = everything_show(tmp_path / "show") if show == "everything" else SAMPLES / show
    demand = build_demand(calibrated(load_and_validate(folder)))
    assert demand.sales_weights is not None
    assert_same_options(demand)


def test_arrays_equal_formula_on_random_segments() -> None:
    """segment_outcomes and preferences against segment_outcome and preference on segments the
    build never makes (any start minute, any length, leads, encores, every mode), with and
    without sales weights."""
    inputs = load_and_validate(SAMPLES / "double11-marathon")
    rng = random.Random(13)
    for case in (inputs, calibrated(inputs)):
        demand = demand_context(case)
        pairs = [(sku, mode) for sku, modes in demand.modes.items() for mode in modes]
        table = mode_table(demand, pairs)
        rows = []
        for _ in range(3000):
            minutes = rng.randint(1, 40)
            rows.append(
                (
                    rng.randrange(len(pairs)),
                    rng.randint(0, case.show.minutes - minutes),
                    minutes,
                    rng.randint(1, 3),
                    rng.choice([0, 0, 5, 10, 35]),
                )
            )
        mode, start, minutes, airing, lead = (
            np.array(c, dtype=np.int64) for c in zip(*rows, strict=True)
        )
        got = segment_outcomes(demand, table, mode, start, minutes, airing, lead)
        values = got.values(demand).tolist()
        skus = sorted(demand.modes)
        product = np.array([skus.index(pairs[m][0]) for m in mode.tolist()], dtype=np.int64)
        liked = preferences(demand, skus, product, start).tolist()
        for i, (m, s, d, a, ahead) in enumerate(rows):
            sku, chosen = pairs[m]
            want = segment_outcome(demand, sku, chosen, s, d, a, ahead)
            have = (
                got.units[i].item(),
                got.promo_units[i].item(),
                int(got.gmv_cents[i]),
                int(got.profit_cents[i]),
                int(got.pull_cents[i]),
            )
            assert repr(have) == repr(dataclasses.astuple(want)), (sku, chosen, s, d, a, ahead)
            assert values[i] == option_value(demand, want)
            assert liked[i] == preference(demand, sku, s)
