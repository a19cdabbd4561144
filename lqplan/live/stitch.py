"""Stitch a replanned show: the frozen past and the newly planned rest in one plan.json.

Past segments carry what they actually sold in `expected` and `"frozen": true`; the rest comes
from the plan of the rest of the show, moved to the show's minutes. The rules that span the cut,
which neither half's checker can see, are checked by verify/seams.py.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

from lqplan.live.past import Past, PastSegment
from lqplan.plan.assemble import (
    breaks_data,
    demand_provenance,
    money,
    plan_totals,
    product_facts,
    promotions_data,
)
from lqplan.plan.demand import Demand, bag_value, demand_context
from lqplan.show.model import LuckyBag, format_clock
from lqplan.show.validate import ShowInputs


def stitch(inputs: ShowInputs, past: Past, new: dict[str, Any]) -> dict[str, Any]:
    """One plan: the frozen past (actual figures) then the rest as planned, numbered in order."""
    show, cut = inputs.show, past.cut
    context = demand_context(inputs)
    segments: list[dict[str, Any]] = []
    sold: dict[str, float] = defaultdict(float)
    for aired in past.segments:
        segments.append(_frozen_segment(inputs, context, aired, sold[aired.sku]))
        sold[aired.sku] += aired.units
    done = Counter(s.sku for s in past.segments)
    for seg in new["segments"]:
        seg = {
            **seg,
            "start_minute": seg["start_minute"] + cut,
            "airing": seg["airing"] + done[seg["sku"]],
        }
        seg["actions"] = [{**a, "minute": a["minute"] + cut} for a in seg["actions"]]
        seg["frozen"] = False
        if seg.get("continues") is not None:  # the rest's numbers follow the past's now
            seg["continues"] += len(past.segments)
        segments.append(seg)
    for n, seg in enumerate(segments, start=1):
        seg["number"] = n
        seg["phase"] = (
            segments[n - 2]["phase"]  # it goes on with that segment's pitch
            if seg.get("continues") is not None
            else "opening"
            if n == 1
            else "encore"
            if seg["airing"] > 1
            else "closing"
            if n == len(segments)
            else "segment"
        )
    bags = [_frozen_bag(inputs, past, bag, minute) for bag, minute in past.drops]
    bags += [{**b, "minute": b["minute"] + cut, "frozen": False} for b in new["lucky_bags"]]
    rest_available = {u["sku"]: u["available"] for u in new["stock_use"]}
    reserve = show.stock_reserve
    planned: dict[str, float] = defaultdict(float)
    for seg in segments:
        planned[seg["sku"]] += seg["expected"]["units"]
    stock_use = []
    for sku in sorted(planned):
        now = rest_available.get(sku, math.floor(round(past.stock_left[sku] * (1 - reserve), 6)))
        available = round(past.sold.get(sku, 0.0)) + now
        item = inputs.stock_by_sku.get(sku)
        stock_use.append(
            {
                "sku": sku,
                "units": item.units if item else 0,
                "available": available,
                "planned_units": round(planned[sku], 2),
                "remaining": round(available - planned[sku], 2),
            }
        )
    meta = {
        **new["show"],
        "start": format_clock(show.start),
        "end": show.clock(show.minutes),
        "minutes": show.minutes,
        "hosts": [{"name": h.name, "role": h.role} for h in show.hosts],
    }
    totals = plan_totals(segments, bags)
    band = new["totals"].get("band")
    if band is not None:
        # The past is as sold, so the whole show's band is the rest's moved by what sold.
        past_money = {
            key: sum(s["expected"][key] for s in segments if s.get("frozen"))
            for key in ("gmv", "profit")
        }
        totals["band"] = {
            **band,
            **{
                key: {q: round(v + past_money[key], 2) for q, v in band[key].items()}
                for key in ("gmv", "profit")
            },
        }
    return {
        "schema": new["schema"],
        "generator": new["generator"],
        "show": meta,
        "segments": segments,
        "breaks": breaks_data(show),
        "lucky_bags": bags,
        "totals": totals,
        "stock_use": stock_use,
        "solver": new["solver"],
        "baseline": new["baseline"],
        "products": product_facts(inputs, sorted({s["sku"] for s in segments})),
        "promotions": promotions_data(show),
        # The rest's unused promotions, less those the past already used (one that aired
        # before the cut is not "left out", even when the rest could run it again).
        "unused_promotions": [
            entry
            for entry in new.get("unused_promotions", [])
            if entry["id"] not in {s.get("promotion") for s in segments}
            and entry["id"] not in {b["id"] for b in bags}
        ],
        "viewer_curve": [
            {"minute": m, "viewers": round(past.viewers[m])}
            for m in range(0, show.minutes + 1, show.slot_minutes)
        ],
        "compliance": new.get("compliance", []),
        "demand": demand_provenance(inputs, sorted({s["sku"] for s in segments})),
    }


def _frozen_segment(
    inputs: ShowInputs, context: Demand, seg: PastSegment, sold_before: float
) -> dict[str, Any]:
    """A past segment in plan.json's shape, with what it actually sold in `expected`."""
    show = inputs.show
    product = inputs.products[seg.sku]
    mode = seg.mode
    promo_price = money(mode.price_cents) if mode.kind != "normal" else None
    available = context.available.get(seg.sku, 0)
    value = seg.profit_cents if show.objective == "profit" else seg.gmv_cents
    hosts = show.hosts_at(seg.start)
    return {
        "number": 0,
        "start": show.clock(seg.start),
        "end": show.clock(seg.end),
        "start_minute": seg.start,
        "minutes": seg.minutes,
        "phase": "segment",
        "sku": seg.sku,
        "name": product.name,
        "brand": product.brand,
        "category": product.category,
        "role": product.role,
        "cart_link": product.cart_link,
        "hosts": hosts,
        "airing": seg.airing,
        "mode": mode.kind,
        "promotion": mode.promotion,
        "promotion_minutes": (
            min(seg.minutes, mode.promo_minutes)
            if mode.kind == "flash_sale" and mode.promo_minutes
            else None
        ),
        "price": {
            "list": product.list_price,
            "live": product.live_price,
            "flash_sale": promo_price if mode.kind == "flash_sale" else None,
            "after_coupon": promo_price if mode.kind == "coupon" else None,
        },
        "expected": {
            "units": round(seg.units, 2),
            "promotion_units": round(seg.promo_units, 2),
            "gmv": money(seg.gmv_cents),
            "profit": money(seg.profit_cents),
            "pull_value": 0.0,
            "value_cents": value,
            "preference_cents": 0,
        },
        "stock": {
            "available": available,
            "before": round(available - sold_before, 2),
            "after": round(available - sold_before - seg.units, 2),
        },
        "actions": [],  # done: the control room acts on what is still to come
        "frozen": True,
    }


def _frozen_bag(inputs: ShowInputs, past: Past, bag_id: str, minute: int) -> dict[str, Any]:
    show = inputs.show
    bag = next(p for p in show.promotions if p.id == bag_id)
    assert isinstance(bag, LuckyBag)
    context = replace(demand_context(inputs), viewers=past.viewers)
    retention, prize = bag_value(context, bag, minute)
    return {
        "id": bag.id,
        "prize": bag.prize,
        "winners": bag.winners,
        "entry": bag.entry,
        "at": show.clock(minute),
        "minute": minute,
        "countdown_minutes": bag.countdown_minutes,
        "draw_at": show.clock(minute + bag.countdown_minutes),
        "retention_value": money(retention),
        "prize_cost": money(prize),
        "value_cents": retention - (prize if show.objective == "profit" else 0),
        "frozen": True,
    }


__all__ = ["stitch"]
