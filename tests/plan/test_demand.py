"""The demand model (lqplan/plan/demand.py, docs/model.md section 1), checked by hand.

Every show is a `tiny_show` folder: one audience segment with neutral affinities, base
conversion 0.002, no decay, no price response, role factors 1, and 100 viewers a minute unless a
test says otherwise; a test changes only what it is about. Every expected number is worked out in
the test itself, by hand, from the inputs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import tiny_show

from lqplan.pipeline import load_and_validate
from lqplan.plan.demand import (
    Mode,
    bag_value,
    cents,
    demand_context,
    product_conversion,
    segment_outcome,
)
from lqplan.plan.options import build_demand

ROLES = ("traffic", "welfare", "bridge", "hero", "profit", "image", "test")
# tiny_show's demand settings; a test passing `demand=` must repeat them (show.yaml's `demand:`
# is replaced as a whole).
NEUTRAL = {
    "decay": 1.0,
    "price_elasticity": 0.0,
    "traffic_viewer_lift": 0.0,
    "lucky_bag_viewer_lift": 0.0,
    "role_conversion": dict.fromkeys(ROLES, 1.0),
}


def settings(**changes: Any) -> dict[str, Any]:
    return {**NEUTRAL, **changes}


def load(folder: Path, audience: dict[str, Any] | None = None):
    """Validated inputs of `folder`, after merging `audience` into its audience.yaml."""
    if audience:
        path = folder / "audience.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc.update(audience)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_and_validate(folder)


def mode_of(demand, sku: str, kind: str) -> Mode:
    return next(m for m in demand.modes[sku] if m.kind == kind)


def outcome(demand, sku: str, kind: str, start: int, minutes: int, airing: int = 1):
    return segment_outcome(demand, sku, mode_of(demand, sku, kind), start, minutes, airing)


# --- viewers ----------------------------------------------------------------------------------


def test_viewer_minutes_interpolate_between_curve_points(tmp_path):
    """100 at 20:00, 200 at 20:10, 50 at 20:15: +10 a minute, then −30 a minute."""
    inputs = load(
        tiny_show(tmp_path, [{"sku": "A"}], slots=3),
        {
            "viewer_curve": [
                {"at": "20:00", "viewers": 100},
                {"at": "20:10", "viewers": 200},
                {"at": "20:15", "viewers": 50},
            ]
        },
    )
    viewers = demand_context(inputs).viewers
    # one value per minute 0..15 (the show's end included, for interpolation)
    assert len(viewers) == 16
    assert viewers[5] == pytest.approx(150)  # 100 + (200 − 100) × 5/10
    assert viewers[:11] == pytest.approx([100 + 10 * m for m in range(11)])
    assert viewers[11:] == pytest.approx([170, 140, 110, 80, 50])  # 200 − 30 × (m − 10)


def test_tiny_show_viewers_are_constant_within_a_slot(tmp_path):
    """tiny_show's curve: viewers[i] for all five minutes of slot i, and the last at the end."""
    inputs = load(tiny_show(tmp_path, [{"sku": "A"}], viewers=[100, 200, 300]))
    assert demand_context(inputs).viewers == pytest.approx([100] * 5 + [200] * 5 + [300] * 6)


# --- conversion --------------------------------------------------------------------------------


def test_conversion_neutral(tmp_path):
    """One segment, no affinities, role factor 1: just the base conversion, 0.002."""
    inputs = load(tiny_show(tmp_path, [{"sku": "A"}]))
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.002)


def test_conversion_category_affinity(tmp_path):
    """Category x has affinity 1.5 (category y 3 does not apply): 0.002 × 1.5 = 0.003."""
    inputs = load(
        tiny_show(tmp_path, [{"sku": "A"}]),
        {"segments": [{"name": "all", "share": 1.0, "affinity": {"x": 1.5, "y": 3}}]},
    )
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.003)


def test_conversion_tag_affinities_multiply(tmp_path):
    """Tags t1 (×2) and t2 (×1.25) on category x (×1.5); t3 (×10) is not A's tag:
    0.002 × 1.5 × 2 × 1.25 = 0.0075."""
    inputs = load(
        tiny_show(tmp_path, [{"sku": "A", "extra": {"tags": ["t1", "t2"]}}]),
        {
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "affinity": {"x": 1.5},
                    "tag_affinity": {"t1": 2, "t2": 1.25, "t3": 10},
                }
            ]
        },
    )
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.0075)


def test_conversion_price_response(tmp_path):
    """List 200, live 150: discount 1 − 150/200 = 0.25. Elasticity 1.2 × sensitivity 0.5 ×
    0.25 = 0.15, so 0.002 × 1.15 = 0.0023 at the live price; at the list price (and above it)
    no discount: 0.002; at 100, discount 0.5: 0.002 × (1 + 1.2 × 0.5 × 0.5) = 0.0026."""
    inputs = load(
        tiny_show(
            tmp_path,
            [{"sku": "A", "live": 150, "list": 200}],
            demand=settings(price_elasticity=1.2),
        ),
        {"segments": [{"name": "all", "share": 1.0, "price_sensitivity": 0.5}]},
    )
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.0023)
    product = inputs.products["A"]
    assert product_conversion(inputs, product, 200) == pytest.approx(0.002)
    assert product_conversion(inputs, product, 250) == pytest.approx(0.002)
    assert product_conversion(inputs, product, 100) == pytest.approx(0.0026)


def test_conversion_role_factor(tmp_path):
    """A hero with role factor 1.3: 0.002 × 1.3 = 0.0026; a profit item (1.0) keeps 0.002."""
    inputs = load(
        tiny_show(
            tmp_path,
            [{"sku": "H", "role": "hero"}, {"sku": "P"}],
            demand=settings(role_conversion={**dict.fromkeys(ROLES, 1.0), "hero": 1.3}),
        )
    )
    conversion = demand_context(inputs).conversion
    assert conversion["H"] == pytest.approx(0.0026)
    assert conversion["P"] == pytest.approx(0.002)


def test_conversion_normalises_shares(tmp_path):
    """Shares 0.3 and 0.1 (sum 0.4) weigh 0.75 and 0.25; affinities 2 and 1:
    0.002 × (0.75 × 2 + 0.25 × 1) = 0.002 × 1.75 = 0.0035."""
    inputs = load(
        tiny_show(tmp_path, [{"sku": "A"}]),
        {
            "segments": [
                {"name": "fans", "share": 0.3, "affinity": {"x": 2}},
                {"name": "others", "share": 0.1},
            ]
        },
    )
    assert inputs.share_weights() == pytest.approx([0.75, 0.25])
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.0035)


def test_conversion_mixes_segments(tmp_path):
    """Everything at once. List 100, live 80: discount 0.2; elasticity 1; role image 0.5.
    fans  (0.6): affinity x 2 × tag t 1.5 = 3; response 1 + 1 × 2 × 0.2 = 1.4 → 0.6 × 3 × 1.4 = 2.52
    others(0.4): affinity 1 × tag 1 = 1;      response 1 + 1 × 0 × 0.2 = 1   → 0.4 × 1 × 1   = 0.4
    0.002 × 0.5 × (2.52 + 0.4) = 0.001 × 2.92 = 0.00292."""
    inputs = load(
        tiny_show(
            tmp_path,
            [{"sku": "A", "live": 80, "list": 100, "role": "image", "extra": {"tags": ["t"]}}],
            demand=settings(
                price_elasticity=1.0,
                role_conversion={**dict.fromkeys(ROLES, 1.0), "image": 0.5},
            ),
        ),
        {
            "segments": [
                {
                    "name": "fans",
                    "share": 0.6,
                    "affinity": {"x": 2},
                    "tag_affinity": {"t": 1.5},
                    "price_sensitivity": 2,
                },
                {"name": "others", "share": 0.4, "price_sensitivity": 0},
            ]
        },
    )
    assert demand_context(inputs).conversion["A"] == pytest.approx(0.00292)


# --- one segment ---------------------------------------------------------------------------


def test_segment_units_and_money(tmp_path):
    """5 minutes at 100 viewers × 0.002 = 1 unit; live 100, cost 90: GMV 100, profit 10."""
    demand = demand_context(load(tiny_show(tmp_path, [{"sku": "A", "margin": 10}])))
    out = outcome(demand, "A", "normal", 0, 5)
    assert out.units == pytest.approx(1.0)
    assert out.promo_units == 0
    assert (out.gmv_cents, out.profit_cents, out.pull_cents) == (10_000, 1_000, 0)


def test_segment_decay_and_cents(tmp_path):
    """Decay 0.5 over 3 minutes: the first minute sells 100 × 0.002 = 0.2, the whole segment
    0.2 × (1 + 0.5 + 0.25) = 0.35 units. Live 12.34, cost 2.34: GMV 0.35 × 12.34 = 4.319 →
    432 cents; profit 4.319 − 0.35 × 2.34 = 4.319 − 0.819 = 3.5 → 350 cents."""
    demand = demand_context(
        load(
            tiny_show(
                tmp_path, [{"sku": "A", "live": 12.34, "margin": 10}], demand=settings(decay=0.5)
            )
        )
    )
    one = outcome(demand, "A", "normal", 0, 1)
    three = outcome(demand, "A", "normal", 0, 3)
    assert one.units == pytest.approx(0.2)
    assert three.units == pytest.approx(0.2 * (1 + 0.5 + 0.25))
    assert three.units == pytest.approx(0.35)
    assert (three.gmv_cents, three.profit_cents) == (432, 350)


def test_decay_restarts_at_every_segment(tmp_path):
    """Decay 0.5: a 1-minute segment at minute 2 sells as much as one at minute 0 (0.2)."""
    demand = demand_context(load(tiny_show(tmp_path, [{"sku": "A"}], demand=settings(decay=0.5))))
    assert outcome(demand, "A", "normal", 2, 1).units == pytest.approx(0.2)


def test_segment_follows_the_viewer_curve(tmp_path):
    """Viewers 100, 200, 300 by slot: a 10-minute segment from minute 5 sells
    (5 × 200 + 5 × 300) × 0.002 = 5 units; margin 10 → profit 50."""
    demand = demand_context(
        load(tiny_show(tmp_path, [{"sku": "A", "margin": 10}], viewers=[100, 200, 300]))
    )
    out = outcome(demand, "A", "normal", 5, 10)
    assert out.units == pytest.approx(5.0)
    assert (out.gmv_cents, out.profit_cents) == (50_000, 5_000)


def test_stock_cap_with_reserve(tmp_path):
    """Stock 7, reserve 0.3: floor(7 × 0.7) = floor(4.9) = 4 available. 1000 viewers sell
    5 × 1000 × 0.002 = 10 units raw: capped at 4. Live 100, cost 90: GMV 400, profit 40."""
    demand = demand_context(
        load(
            tiny_show(
                tmp_path, [{"sku": "A"}], viewers=[1000] * 3, stock={"A": 7}, stock_reserve=0.3
            )
        )
    )
    assert demand.available["A"] == 4
    out = outcome(demand, "A", "normal", 0, 5)
    assert out.units == 4
    assert (out.gmv_cents, out.profit_cents) == (40_000, 4_000)


@pytest.mark.parametrize(
    ("stock", "reserve", "available"),
    [
        (200, 0.10, 180),  # 200 × 0.9 = 180 (samples/minimal's TEA-OOLONG)
        (3, 1 / 3, 2),  # 3 × 2/3 = 2
        (90, 0.30, 63),  # 90 × 0.7 = 63 exactly
        (100, 0.90, 10),  # 100 × 0.1 = 10 exactly
        (500, 0.07, 465),  # 500 × 0.93 = 465 exactly
    ],
)
def test_available_is_the_exact_floor(tmp_path, stock, reserve, available):
    """available = floor(stock × (1 − reserve)) in exact arithmetic: a whole product is whole."""
    inputs = load(tiny_show(tmp_path, [{"sku": "A"}], stock={"A": stock}, stock_reserve=reserve))
    assert demand_context(inputs).available["A"] == available


def test_no_stock_means_no_modes(tmp_path):
    """A product with 0 units has nothing to sell: no modes, so it never airs."""
    demand = demand_context(load(tiny_show(tmp_path, [{"sku": "A"}, {"sku": "B"}], stock={"A": 0})))
    assert demand.available["A"] == 0
    assert "A" not in demand.modes and "B" in demand.modes


def test_flash_sale_cap_and_split(tmp_path):
    """Flash sale at 80 for the first 2 minutes, lift 2, 5 units; 1000 viewers; live 100,
    cost 50. Flash minutes 0–1: 2 × 1000 × 0.002 × 2 = 8 units raw, capped at 5, at 80;
    minutes 2–4: 3 × 1000 × 0.002 = 6 units at 100. units 11;
    GMV 5 × 80 + 6 × 100 = 1000; profit 1000 − 11 × 50 = 450."""
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 80, "units": 5, "max_minutes": 2}
    ]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                viewers=[1000] * 3,
                promotions=promo,
                demand=settings(flash_sale_lift=2.0),
            )
        )
    )
    mode = mode_of(demand, "A", "flash_sale")
    assert (mode.promotion, mode.price_cents, mode.lift) == ("fs", 8_000, 2.0)
    assert (mode.promo_minutes, mode.units_cap) == (2, 5)
    out = segment_outcome(demand, "A", mode, 0, 5, 1)
    assert out.promo_units == 5
    assert out.units == pytest.approx(11)
    assert (out.gmv_cents, out.profit_cents) == (100_000, 45_000)


def test_flash_sale_under_its_cap_and_shorter_than_max_minutes(tmp_path):
    """Same sale with 100 units and max_minutes 10, 100 viewers, a 5-minute segment: all five
    minutes at 80: 5 × 100 × 0.002 × 2 = 2 units; GMV 160; profit 160 − 2 × 50 = 60."""
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 80, "units": 100, "max_minutes": 10}
    ]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                promotions=promo,
                demand=settings(flash_sale_lift=2.0),
            )
        )
    )
    out = outcome(demand, "A", "flash_sale", 0, 5)
    assert (out.units, out.promo_units) == (pytest.approx(2), pytest.approx(2))
    assert (out.gmv_cents, out.profit_cents) == (16_000, 6_000)


def test_promotion_price_enters_the_discount_too(tmp_path):
    """List = live = 100, elasticity 1, sensitivity 1; flash price 80: discount 0.2, so the
    flash conversion is 0.002 × 1.2 (response) × 2 (lift) = 0.0048: 5 × 100 × 0.0048 = 2.4
    units at 80: GMV 192; cost 50: profit 192 − 120 = 72."""
    promo = [{"id": "fs", "type": "flash_sale", "sku": "A", "price": 80, "units": 100}]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                promotions=promo,
                demand=settings(flash_sale_lift=2.0, price_elasticity=1.0),
            )
        )
    )
    assert demand.conversion["A"] == pytest.approx(0.002)  # no discount at the live price
    out = outcome(demand, "A", "flash_sale", 0, 5)
    assert out.units == pytest.approx(2.4)
    assert (out.gmv_cents, out.profit_cents) == (19_200, 7_200)


def test_promotion_units_capped_by_stock_first(tmp_path):
    """Stock 5, reserve 0.4: floor(5 × 0.6) = 3 available. The flash sale's 8 raw units (cap 5)
    stop at 3, and nothing is left for the live-price minutes: units 3, GMV 3 × 80 = 240,
    profit 240 − 3 × 50 = 90."""
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 80, "units": 5, "max_minutes": 2}
    ]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                viewers=[1000] * 3,
                promotions=promo,
                stock={"A": 5},
                stock_reserve=0.4,
                demand=settings(flash_sale_lift=2.0),
            )
        )
    )
    assert demand.available["A"] == 3
    out = outcome(demand, "A", "flash_sale", 0, 5)
    assert (out.units, out.promo_units) == (3, 3)
    assert (out.gmv_cents, out.profit_cents) == (24_000, 9_000)


def test_gift_extra_cost(tmp_path):
    """Gift lift 1.5, gift cost 5 per gifted unit; live 100, cost 50; 100 viewers, 5 minutes:
    5 × 100 × 0.002 × 1.5 = 1.5 units, all with the gift; GMV 150;
    profit 150 − 1.5 × 50 − 1.5 × 5 = 150 − 75 − 7.5 = 67.5."""
    promo = [{"id": "g", "type": "gift", "sku": "A", "item": "pouch", "units": 100, "unit_cost": 5}]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                promotions=promo,
                demand=settings(gift_lift=1.5),
            )
        )
    )
    mode = mode_of(demand, "A", "gift")
    assert (mode.price_cents, mode.extra_cost_cents, mode.units_cap) == (10_000, 500, 100)
    out = segment_outcome(demand, "A", mode, 0, 5, 1)
    assert (out.units, out.promo_units) == (pytest.approx(1.5), pytest.approx(1.5))
    assert (out.gmv_cents, out.profit_cents) == (15_000, 6_750)


def test_coupon_price(tmp_path):
    """Coupon 10 off from 50; lift 1.2; live 100, cost 50: 5 × 100 × 0.002 × 1.2 = 1.2 units
    at 100 − 10 = 90: GMV 108; profit 108 − 1.2 × 50 = 48. count 3 and budget 25 (floor(25 /
    10) = 2 coupons): 2 coupons."""
    promo = [
        {"id": "cp", "type": "coupon", "threshold": 50, "amount": 10, "count": 3, "budget": 25}
    ]
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}, {"sku": "CHEAP", "live": 40}],
                promotions=promo,
                demand=settings(coupon_lift=1.2),
            )
        )
    )
    mode = mode_of(demand, "A", "coupon")
    assert (mode.price_cents, mode.coupon_amount_cents, mode.units_cap) == (9_000, 1_000, 2)
    out = segment_outcome(demand, "A", mode, 0, 5, 1)
    assert (out.units, out.promo_units) == (pytest.approx(1.2), pytest.approx(1.2))
    assert (out.gmv_cents, out.profit_cents) == (10_800, 4_800)
    # CHEAP (live 40) is under the threshold of 50: no coupon mode
    assert [m.kind for m in demand.modes["CHEAP"]] == ["normal"]


def test_repeat_factor_on_encores(tmp_path):
    """repeat_factor 0.6 (the default): an encore sells 0.6 × 1 unit = 0.6; margin 10:
    GMV 60, profit 6. Airing 3 is an encore too."""
    demand = demand_context(load(tiny_show(tmp_path, [{"sku": "A", "margin": 10}])))
    first = outcome(demand, "A", "normal", 0, 5, airing=1)
    second = outcome(demand, "A", "normal", 0, 5, airing=2)
    third = outcome(demand, "A", "normal", 0, 5, airing=3)
    assert first.units == pytest.approx(1.0)
    assert second.units == pytest.approx(0.6)
    assert (second.gmv_cents, second.profit_cents) == (6_000, 600)
    assert third == second


def test_traffic_pull(tmp_path):
    """Products T (traffic, margin −5 → counts 0) and A (margin 30): R = (0 + 30 × 0.002 ×
    100) / 2 = 3 cents per viewer-minute. T airs 20:00–20:05; the pull lasts 5 minutes
    (5–9, 200 viewers each): round(0.1 × 1000 × 3) = 300 cents."""
    demand = demand_context(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "T", "role": "traffic", "margin": -5}, {"sku": "A", "margin": 30}],
                viewers=[100, 200, 300],
                demand=settings(traffic_viewer_lift=0.1, traffic_lift_minutes=5),
            )
        )
    )
    assert demand.reference_cents_per_viewer_minute == pytest.approx(3.0)
    t = outcome(demand, "T", "normal", 0, 5)
    assert t.pull_cents == 300
    assert t.profit_cents == -500  # 1 unit at margin −5
    assert outcome(demand, "A", "normal", 0, 5).pull_cents == 0  # not a traffic item


# --- options -------------------------------------------------------------------------------


def test_dominated_promotion_options_are_pruned(tmp_path):
    """One 5-minute slot, A: live 100, cost 50, 1 unit at the live price: value 5000 cents.
    - flash sale at 60, lift 1: 1 unit × 10 = 1000 ≤ 5000 → left out
    - gift costing 0, lift 1: 1 unit × 50 = 5000, equal → left out ("no more than")
    - coupon 10 off, lift 1.5: 1.5 units × (90 − 50) = 6000 > 5000 → kept"""
    promo = [
        {"id": "fs", "type": "flash_sale", "sku": "A", "price": 60, "units": 100},
        {"id": "g", "type": "gift", "sku": "A", "item": "card", "units": 100, "unit_cost": 0},
        {"id": "cp", "type": "coupon", "threshold": 50, "amount": 10},
    ]
    demand = build_demand(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 50}],
                slots=1,
                promotions=promo,
                demand=settings(flash_sale_lift=1.0, gift_lift=1.0, coupon_lift=1.5),
            )
        )
    )
    assert [m.kind for m in demand.modes["A"]] == ["normal", "flash_sale", "gift", "coupon"]
    options = [(o.mode.kind, o.start, o.slots, o.value_cents) for o in demand.options]
    assert options == [("normal", 0, 1, 5_000), ("coupon", 0, 1, 6_000)]


def test_options_cover_starts_lengths_and_airings(tmp_path):
    """3 slots, lengths 5 or 10 minutes, A may air twice: per airing 3 one-slot starts and
    2 two-slot starts = 5 options, × 2 airings = 10; values 1 unit per 5 minutes × 10 margin,
    × 0.6 on the encore."""
    demand = build_demand(
        load(
            tiny_show(
                tmp_path,
                [{"sku": "A", "margin": 10}],
                rules={
                    "segment_minutes": {"default": 5, "min": 5, "max": 10},
                    "repeats": [{"sku": "A", "min_gap_minutes": 0}],
                },
            )
        )
    )
    got = sorted((o.airing, o.start, o.slots, o.value_cents, o.lead) for o in demand.options)
    expected = sorted(
        [(1, s, 1, 1_000, 0) for s in range(3)]
        + [(1, s, 2, 2_000, 0) for s in range(2)]
        + [(2, s, 1, 600, 0) for s in range(3)]
        + [(2, s, 2, 1_200, 0) for s in range(2)]
        # The gap of 0: the encore may go on with the first airing's pitch, after a first airing
        # of the longest length (2 slots), at its factor (1, not the encore's 0.6).
        + [(2, 2, 1, 1_000, 2)]
    )
    assert got == expected


# --- lucky bags and rounding ---------------------------------------------------------------


def test_bag_value(tmp_path):
    """A margin 10, B margin 30, C margin −5 (counts 0), conversion 0.002 each:
    R = (10 × 0.002 × 100 + 30 × 0.002 × 100 + 0) / 3 = (2 + 6 + 0) / 3 = 8/3 cents.
    A bag dropping at 20:05 counts down minutes 5–9 at 200 viewers: 1000 viewer-minutes;
    retention = round(0.15 × 1000 × 8/3) = 400 cents; prize 12.50 × 2 winners = 2500 cents."""
    bag = {
        "id": "bag",
        "type": "lucky_bag",
        "prize": "cup",
        "prize_value": 12.5,
        "winners": 2,
        "countdown_minutes": 5,
    }
    inputs = load(
        tiny_show(
            tmp_path,
            [{"sku": "A", "margin": 10}, {"sku": "B", "margin": 30}, {"sku": "C", "margin": -5}],
            viewers=[100, 200, 300],
            promotions=[bag],
            demand=settings(lucky_bag_viewer_lift=0.15),
        )
    )
    demand = build_demand(inputs)
    assert demand.reference_cents_per_viewer_minute == pytest.approx(8 / 3)
    promo = inputs.show.promotions[0]
    assert bag_value(demand, promo, 5) == (400, 2_500)
    # The drops the optimiser may choose: one per slot whose countdown fits (0, 5, 10), each
    # worth retention − prize: 0.15 × 500 × 8/3 = 200, 400, 0.15 × 1500 × 8/3 = 600.
    drops = [(d.start, d.retention_cents, d.prize_cents, d.value_cents) for d in demand.drops]
    assert drops == [(0, 200, 2_500, -2_300), (1, 400, 2_500, -2_100), (2, 600, 2_500, -1_900)]


def test_reference_value_under_gmv(tmp_path):
    """Objective gmv: R averages live × conversion × 100: (100 + 40) × 0.002 × 100 / 2 = 14."""
    inputs = load(
        tiny_show(tmp_path, [{"sku": "A", "live": 100}, {"sku": "B", "live": 40}], objective="gmv")
    )
    assert demand_context(inputs).reference_cents_per_viewer_minute == pytest.approx(14.0)


def test_cents_rounding():
    """round(amount × 100), Python's round: halves go to the even cent."""
    assert cents(12.344) == 1234
    assert cents(12.346) == 1235
    assert cents(0.125) == 12  # 12.5 → 12
    assert cents(0.375) == 38  # 37.5 → 38
    assert cents(-1.5) == -150
    assert cents(0) == 0
    assert math.isclose(cents(19.9), 1990)
