"""Promotions the plan leaves out are listed with their reason and figures (plan/unused.py),
on shows small enough to check by hand (tests/conftest.py's tiny_show: a 5-minute segment at
100 viewers sells 1 unit; a product's margin is live - cost)."""

from __future__ import annotations

from dataclasses import astuple

import pytest
from conftest import SAMPLES, tiny_show

from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings
from lqplan.render.actions import unused_promotion_text


def _plan(tmp_path, products, promotions, **options):
    options.setdefault("slots", len(products))  # every product airs once, the show is full
    folder = tiny_show(tmp_path / "show", products, promotions=promotions, **options)
    return plan_show(load_and_validate(folder), SolveSettings(time_limit=5, deterministic=True))


def test_a_flash_sale_below_cost_earns_less_than_the_live_price(tmp_path):
    # A: live 100, cost 90. At 80 with the default lift 1.6, a segment sells 1.6 units at -10
    # each: -16 against +10 at the live price, so the flash sale loses 26 (2,600 cents).
    flash = {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 80, "units": 50}
    result = _plan(tmp_path, [{"sku": "A"}], [flash])
    (entry,) = result.plan["unused_promotions"]
    assert entry["id"] == "fs-a" and entry["reason"] == "earns_less"
    assert entry["best"]["gain_cents"] == -2600 and entry["best"]["minutes"] == 5
    text = unused_promotion_text(entry, result.plan, "en")
    assert text.startswith("fs-a (flash sale A $80.00 × 50): not used: it earns -$26.00")
    assert "少赚 $26.00" in unused_promotion_text(entry, result.plan, "zh")


def test_a_gift_whose_window_holds_no_segment_of_the_grid_cannot_fit(tmp_path):
    # 20:02-20:08 is six minutes, longer than a 5-minute segment, but segments start at 20:00
    # and 20:05 on the slot grid: none lies inside the window.
    gift = {"id": "g-a", "type": "gift", "sku": "A", "item": "cup", "units": 5, "unit_cost": 1}
    gift["window"] = {"from": "20:02", "to": "20:08"}
    result = _plan(tmp_path, [{"sku": "A"}, {"sku": "B"}], [gift])
    (entry,) = result.plan["unused_promotions"]
    assert entry["reason"] == "cannot_fit"
    assert (entry["window_minutes"], entry["longest_minutes"]) == (6, 5)
    assert unused_promotion_text(entry, result.plan, "en").endswith(
        "cannot fit: its window has 6 minutes, outside the breaks"
    )


def test_a_coupon_for_a_product_without_stock_has_no_stock(tmp_path):
    coupon = {"id": "cp-b", "type": "coupon", "threshold": 50, "amount": 10, "count": 5}
    coupon["skus"] = ["B"]
    result = _plan(tmp_path, [{"sku": "A"}, {"sku": "B"}], [coupon], stock={"B": 0}, slots=1)
    (entry,) = result.plan["unused_promotions"]
    assert (entry["id"], entry["reason"]) == ("cp-b", "no_stock")
    assert unused_promotion_text(entry, result.plan, "en") == (
        "cp-b ($10.00 off $50.00): not used: B has no stock to sell"
    )


def test_a_used_promotion_is_not_listed(tmp_path):
    # At 95 (cost 90) the flash sale earns 1.6 × 5 = 8 against 10: still less; at a cost of 50
    # it earns 1.6 × 45 = 72 against 50, so the plan runs it.
    flash = {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 95, "units": 50}
    result = _plan(tmp_path, [{"sku": "A", "margin": 50}], [flash])
    assert result.plan["unused_promotions"] == []
    assert any(s.get("promotion") == "fs-a" for s in result.plan["segments"])


@pytest.mark.parametrize("sample", ["double11-marathon", "beauty-douyin", "home-tiktok"])
def test_best_places_are_the_ones_a_segment_by_segment_search_finds(sample):
    """best_place values every place at once; here each place is valued with segment_outcome
    on its own, in the same order (pair, length, start), and the first best one must agree to
    the cent for every promotion of the sample."""
    from lqplan.plan.demand import option_value, segment_outcome
    from lqplan.plan.options import build_demand, flash_min_minutes, in_window
    from lqplan.plan.unused import best_place

    demand = build_demand(load_and_validate(SAMPLES / sample))
    inputs, slot = demand.inputs, demand.slot
    checked = 0
    for promo in inputs.show.promotions:
        modes = [
            (s, m) for s, ms in sorted(demand.modes.items()) for m in ms if m.promotion == promo.id
        ]
        if not modes:
            continue
        best = None
        for sku, mode in modes:
            live = demand.modes[sku][0]
            for minutes in inputs.segment_lengths(inputs.products[sku]):
                if minutes < flash_min_minutes(demand, mode):
                    continue
                for begin in range(0, inputs.show.minutes - minutes + 1, slot):
                    span = range(begin // slot, (begin + minutes) // slot)
                    if any(t in demand.blocked for t in span) or not in_window(
                        mode, begin, minutes
                    ):
                        continue
                    gain = option_value(
                        demand, segment_outcome(demand, sku, mode, begin, minutes, 1)
                    ) - option_value(demand, segment_outcome(demand, sku, live, begin, minutes, 1))
                    if best is None or gain > best[3]:
                        best = (sku, begin, minutes, gain)
        found = best_place(demand, modes)
        assert (None if found is None else astuple(found)) == best, promo.id
        checked += 1
    assert checked >= 5
