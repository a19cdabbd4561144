"""The independent checker catches every kind of broken plan.

Each row of the tables below applies ONE mutation to a plan that passes the checker and asserts
the checker names the broken rule. The plans are a real solve of samples/minimal, a real solve of
samples/beauty-douyin (it has a break at 21:30) and hand-built plans for `tiny_show` instances
where a rule is easiest to break on its own.

Most mutations move segments around; `refresh` then rewrites the plan's figures (per segment,
per lucky bag, totals and solver objective) with the demand model, as a careful hand editor
would, so that the only violations left are the ones the mutation is about. `expected` is the
rule the row is about; `others` lists the rules the same mutation breaks by necessity (a segment
the checker cannot read leaves its minutes off air and the totals short, for example). Anything
outside expected + others fails the row, so the checker must be precise as well as thorough.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SAMPLES, tiny_show
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.pipeline import load_and_validate, plan_json, plan_show
from lqplan.plan.assemble import plan_totals
from lqplan.plan.demand import bag_value, demand_context, pitches, preference, segment_outcome
from lqplan.plan.result import SolveSettings
from lqplan.show.model import LuckyBag
from lqplan.verify.checker import check_plan

ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}


# --- helpers -------------------------------------------------------------------------------


def refresh(inputs, plan: dict[str, Any]) -> dict[str, Any]:
    """Rewrite every figure of `plan` from the demand model (a consistent hand edit).

    Segments the checker could not value (unknown SKU or mode, outside the show) are left as
    they are; the totals then count only what could be valued, as the checker does.
    """
    d = demand_context(inputs)
    show = inputs.show
    value = pref = 0
    spans = [
        (s["sku"], s["start_minute"], s["minutes"], s.get("airing", 1)) for s in plan["segments"]
    ]
    for seg, (began, lead) in zip(plan["segments"], pitches(spans), strict=True):
        modes = d.modes.get(seg["sku"], [])
        mode = next(
            (
                m
                for m in modes
                if m.kind == seg.get("mode", "normal") and m.promotion == seg.get("promotion")
            ),
            None,
        )
        start, minutes = seg["start_minute"], seg["minutes"]
        if mode is None or start < 0 or start + minutes > show.minutes:
            continue
        out = segment_outcome(d, seg["sku"], mode, start, minutes, began, lead)
        money = out.profit_cents if show.objective == "profit" else out.gmv_cents
        seg.setdefault("expected", {}).update(
            {
                "units": round(out.units, 2),
                "promotion_units": round(out.promo_units, 2),
                "gmv": round(out.gmv_cents / 100, 2),
                "profit": round(out.profit_cents / 100, 2),
                "value_cents": money + out.pull_cents,
            }
        )
        if "pull_value" in seg["expected"]:  # a real plan's row: its every figure and price
            seg["expected"]["pull_value"] = round(out.pull_cents / 100, 2)
            seg["expected"]["preference_cents"] = preference(d, seg["sku"], start)
            promo = round(mode.price_cents / 100, 2)
            seg["price"]["flash_sale"] = promo if mode.kind == "flash_sale" else None
            seg["price"]["after_coupon"] = promo if mode.kind == "coupon" else None
            flash = mode.kind == "flash_sale" and mode.promo_minutes
            seg["promotion_minutes"] = min(minutes, mode.promo_minutes) if flash else None
        value += money + out.pull_cents
        pref += preference(d, seg["sku"], start)
    bags = {p.id: p for p in show.promotions if isinstance(p, LuckyBag)}
    for bag in plan.get("lucky_bags", []):
        retention, prize = bag_value(d, bags[bag["id"]], bag["minute"])
        bag["value_cents"] = retention - (prize if show.objective == "profit" else 0)
        if "retention_value" in bag:  # a real plan's drop: its figures and times
            bag["retention_value"] = round(retention / 100, 2)
            bag["prize_cost"] = round(prize / 100, 2)
            bag["at"] = show.clock(bag["minute"])
            bag["draw_at"] = show.clock(bag["minute"] + bag["countdown_minutes"])
        value += bag["value_cents"]
    plan.setdefault("totals", {})["value_cents"] = value
    plan.setdefault("solver", {})["objective_cents"] = value + pref
    if "stock_use" in plan:  # a real plan: its totals and stock follow its rows
        _refresh_sums(plan, d)
    return plan


def _refresh_sums(plan: dict[str, Any], d) -> None:
    """A real plan's totals, stock before and after each segment, and stock use, from its rows
    (segments the checker cannot read are left out, as it leaves them out)."""
    readable = [s for s in plan["segments"] if "units" in s.get("expected", {})]
    # The checker's own value (refresh) stays: the sums are of the rows as the plan holds them.
    kept = {k: plan["totals"][k] for k in ("band", "value_cents") if k in plan["totals"]}
    plan["totals"] = {**plan_totals(readable, plan.get("lucky_bags", [])), **kept}
    plan["totals"]["segments"] = len(plan["segments"])
    sold: dict[str, float] = {}
    for seg in sorted(readable, key=lambda s: s["start_minute"]):
        if "stock" in seg and seg["sku"] in d.available:
            before = d.available[seg["sku"]] - sold.get(seg["sku"], 0.0)
            seg["stock"] = {
                "available": d.available[seg["sku"]],
                "before": round(before, 2),
                "after": round(before - seg["expected"]["units"], 2),
            }
        sold[seg["sku"]] = sold.get(seg["sku"], 0.0) + seg["expected"]["units"]
    old = {u["sku"]: u for u in plan["stock_use"]}
    plan["stock_use"] = [
        {
            **old.get(sku, {"sku": sku, "units": 0}),
            "available": d.available.get(sku, 0),
            "planned_units": round(units, 2),
            "remaining": round(d.available.get(sku, 0) - units, 2),
        }
        for sku, units in sorted(sold.items())
    ]


def build_plan(inputs, segments: list[tuple], bags: list[tuple[str, int]] = ()) -> dict[str, Any]:
    """A plan dict by hand: segments (sku, start_minute[, airing[, mode[, promotion]]]) of 5
    minutes each, lucky bags (id, minute); figures filled in by `refresh`."""
    rows = []
    for sku, start, *rest in segments:
        airing, mode, promotion = [*rest, *(1, "normal", None)[len(rest) :]]
        rows.append(
            {
                "sku": sku,
                "start_minute": start,
                "minutes": 5,
                "airing": airing,
                "mode": mode,
                "promotion": promotion,
            }
        )
    plan = {
        "schema": "lqplan.plan/1",
        "segments": rows,
        "lucky_bags": [{"id": b, "minute": m} for b, m in bags],
        "totals": {},
        "solver": {},
    }
    return refresh(inputs, plan)


def seg(plan: dict[str, Any], sku: str, airing: int = 1) -> dict[str, Any]:
    """The plan's segment of `sku` (its `airing`-th airing)."""
    return next(s for s in plan["segments"] if s["sku"] == sku and s.get("airing", 1) == airing)


def at(plan: dict[str, Any], minute: int) -> dict[str, Any]:
    return next(s for s in plan["segments"] if s["start_minute"] == minute)


def swap(plan: dict[str, Any], a: int, b: int) -> None:
    """Swap the products of the 5-minute segments starting at minutes a and b."""
    sa, sb = at(plan, a), at(plan, b)
    sa["start_minute"], sb["start_minute"] = b, a


def drop(plan: dict[str, Any], sku: str, airing: int = 1) -> None:
    plan["segments"].remove(seg(plan, sku, airing))


def edit(target: Callable[[dict], dict], **changes: Any) -> Callable[[dict], None]:
    """A mutation setting fields of the segment `target(plan)` returns."""
    return lambda plan: target(plan).update(changes)


def rules_of(report) -> set[str]:
    return {v.rule for v in report.violations}


# --- base plans -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def minimal():
    inputs = load_and_validate(SAMPLES / "minimal")
    result = plan_show(inputs, SolveSettings(time_limit=10, deterministic=True, workers=1))
    assert result.check.ok, result.check.violations
    # The mutations below name this plan's segments; the deterministic solve is stable:
    # HONEY-JAR 0-5, TEA-GREEN 5-15, POT-GLASS 15-20, TEA-OOLONG (flash) 20-30, CUP-SET 30-40,
    # TEA-GIFT (coupon, pinned) 40-50, TRAY-BAMBOO 50-55, TEA-OOLONG encore 55-60; bags
    # 20/35/50 (a bag at 15 would be drawn at 20:20, as the flash sale starts).
    assert [(s["start_minute"], s["sku"]) for s in result.plan["segments"]] == [
        (0, "HONEY-JAR"),
        (5, "TEA-GREEN"),
        (15, "POT-GLASS"),
        (20, "TEA-OOLONG"),
        (30, "CUP-SET"),
        (40, "TEA-GIFT"),
        (50, "TRAY-BAMBOO"),
        (55, "TEA-OOLONG"),
    ]
    assert [b["minute"] for b in result.plan["lucky_bags"]] == [20, 35, 50]
    return inputs, result.plan


@pytest.fixture(scope="module")
def beauty():
    inputs = load_and_validate(SAMPLES / "beauty-douyin")
    result = plan_show(inputs, SolveSettings(time_limit=2, deterministic=True, workers=1))
    assert result.check.ok, result.check.violations
    return inputs, result.plan


# Tiny shows (tests/conftest.py): 5-minute slots and segments, 100 viewers everywhere, every
# product margin 10 and role factor 1, so a segment's figures do not depend on where it airs.
TINY: dict[str, tuple[dict[str, Any], list[tuple], list[tuple[str, int]]]] = {
    # Role rules: T opens, H1 is the first hero at 20:05, H2 closes; A and D share a brand.
    "roles": (
        {
            "products": [
                {"sku": "T", "role": "traffic", "category": "t"},
                {"sku": "H1", "role": "hero", "category": "h"},
                {"sku": "A", "category": "a", "extra": {"brand": "Z"}},
                {"sku": "B", "category": "b"},
                {"sku": "H2", "role": "hero", "category": "h2"},
                {"sku": "C", "category": "a"},
                {"sku": "D", "category": "d", "extra": {"brand": "Z"}},
            ],
            "slots": 5,
            "rules": {
                "opening": {"roles": ["traffic"], "within_minutes": 5},
                "first_hero": {"from_minute": 5, "to_minute": 5},
                "hero_encore": {"id": "hero-close", "last_minutes": 5},
                "no_back_to_back": {"category": True, "brand": True},
            },
        },
        [("T", 0), ("H1", 5), ("A", 10), ("B", 15), ("H2", 20)],
        [],
    ),
    # Placement rules: C pinned at 20:10 (default id), A before B (default id), C or D,
    # collab E inside 20:10-20:20.
    "placement": (
        {
            "products": [{"sku": s} for s in "ABCDE"],
            "slots": 4,
            "rules": {
                "pins": [{"sku": "C", "at": "20:10"}],
                "precedence": [{"before": "A", "after": "B"}],
                "exclusions": [{"id": "c-or-d", "skus": ["C", "D"]}],
            },
            "promotions": [
                {
                    "id": "co",
                    "type": "collab",
                    "sku": "E",
                    "partner": "P",
                    "window": {"from": "20:10", "to": "20:20"},
                }
            ],
        },
        [("A", 0), ("B", 5), ("C", 10), ("E", 15)],
        [],
    ),
    # A may air twice with a 5-minute gap.
    "repeat": (
        {
            "products": [{"sku": s} for s in "ABC"],
            "slots": 4,
            "rules": {"repeats": [{"id": "enc-a", "sku": "A", "min_gap_minutes": 5}]},
        },
        [("A", 0, 1), ("B", 5), ("A", 10, 2), ("C", 15)],
        [],
    ),
    # A has 2 units and a 50 % reserve: 1 available, which one airing sells (100·5·0.002).
    "stock": (
        {
            "products": [{"sku": s} for s in "ABC"],
            "stock": {"A": 2},
            "stock_reserve": 0.5,
            "rules": {"repeats": [{"id": "enc-a", "sku": "A", "min_gap_minutes": 0}]},
        },
        [("A", 0), ("B", 5), ("C", 10)],
        [],
    ),
    # Promotions: flash sales on A (any time) and D (20:00-20:05 only), spaced 10 minutes;
    # a coupon for B and C whose budget pays for one coupon; A may air twice.
    "promos": (
        {
            "products": [{"sku": s} for s in "ABCD"],
            "slots": 4,
            "rules": {
                "repeats": [{"id": "enc-a", "sku": "A", "min_gap_minutes": 0}],
                "flash_sale_spacing": {"min_gap_minutes": 10},
            },
            "promotions": [
                {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 90, "units": 100},
                {
                    "id": "fs-d",
                    "type": "flash_sale",
                    "sku": "D",
                    "price": 90,
                    "units": 100,
                    "max_minutes": 5,
                    "window": {"from": "20:00", "to": "20:05"},
                },
                {
                    "id": "cp",
                    "type": "coupon",
                    "threshold": 50,
                    "amount": 10,
                    "budget": 10,
                    "skus": ["B", "C"],
                },
            ],
        },
        [
            ("D", 0, 1, "flash_sale", "fs-d"),
            ("A", 5, 1),
            ("B", 10, 1, "coupon", "cp"),
            ("A", 15, 2),
        ],
        [],
    ),
    # Lucky bags and who is on air: H on shift until 20:30, the co-host Co 20:10-20:20 (so
    # nobody 20:30-20:40); Co covers the break at 20:10, nobody the one at 20:25. The bag
    # drops at 20:10, counting down in the covered break; D's flash sale starts at 20:20.
    "bags": (
        {
            "products": [{"sku": s, "category": s} for s in "ABCDEF"],
            "slots": 8,
            "hosts": [
                {"name": "H", "shifts": [{"from": "20:00", "to": "20:30"}]},
                {"name": "Co", "role": "co_host", "shifts": [{"from": "20:10", "to": "20:20"}]},
            ],
            "breaks": [
                {"at": "20:10", "minutes": 5, "covered_by": ["Co"]},
                {"at": "20:25", "minutes": 5},
            ],
            "rules": {"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 40}},
            "promotions": [
                {"id": "bag", "type": "lucky_bag", "prize": "cup", "count": 5},
                {"id": "fs-d", "type": "flash_sale", "sku": "D", "price": 95, "units": 100},
            ],
        },
        [("A", 0), ("B", 5), ("C", 15), ("D", 20, 1, "flash_sale", "fs-d"), ("E", 30), ("F", 35)],
        [("bag", 10)],
    ),
    # The opening's `first`: the traffic item T is the first segment.
    "first": (
        {
            "products": [{"sku": "T", "role": "traffic"}, {"sku": "A"}, {"sku": "B"}],
            "rules": {"opening": {"roles": ["traffic"], "first": True}},
        },
        [("T", 0), ("A", 5), ("B", 10)],
        [],
    ),
    # The same with gaps allowed: the show starts at 20:05, with T.
    "first-gaps": (
        {
            "products": [{"sku": "T", "role": "traffic"}, {"sku": "A"}],
            "allow_gaps": True,
            "rules": {"opening": {"roles": ["traffic"], "first": True}},
        },
        [("T", 5), ("A", 10)],
        [],
    ),
}


@pytest.fixture(scope="module")
def bases(minimal, beauty, tmp_path_factory):
    out = {"minimal": minimal, "beauty": beauty}
    for name, (kwargs, segments, bags) in TINY.items():
        folder = tiny_show(tmp_path_factory.mktemp(name), **kwargs)
        inputs = load_and_validate(folder)
        out[name] = (inputs, build_plan(inputs, segments, bags))
    return out


@pytest.fixture
def base(bases, request):
    """A fresh deep copy of the named base plan, with its inputs."""
    inputs, plan = bases[request.param]
    return inputs, copy.deepcopy(plan)


# --- the good plans pass ------------------------------------------------------------------


@pytest.mark.parametrize("base", ["minimal", "beauty", *TINY], indirect=True)
def test_unmodified_plan_passes(base):
    inputs, plan = base
    report = check_plan(inputs, plan)
    assert report.ok, report.violations
    assert report.objective_cents == plan["solver"]["objective_cents"]
    assert report.value_cents == plan["totals"]["value_cents"]


# --- one mutation, one rule ---------------------------------------------------------------


def _set_bags(*minutes: int) -> Callable[[dict], None]:
    def mutate(plan: dict) -> None:
        template = plan["lucky_bags"][0]
        plan["lucky_bags"] = [{**template, "minute": m} for m in minutes]

    return mutate


def _grow_honey_replace_green(plan: dict) -> None:
    seg(plan, "HONEY-JAR").update(minutes=15)
    drop(plan, "TEA-GREEN")


def _replace(minute: int, sku: str, **changes: Any) -> Callable[[dict], None]:
    return lambda plan: at(plan, minute).update(sku=sku, **changes)


def _swap(a: int, b: int) -> Callable[[dict], None]:
    return lambda plan: swap(plan, a, b)


def _bump(field: str, by: float) -> Callable[[dict], None]:
    def mutate(plan: dict) -> None:
        seg(plan, "TEA-GREEN")["expected"][field] += by

    return mutate


def _both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(plan: dict) -> None:
        for m in mutations:
            m(plan)

    return mutate


def _encore(plan: dict) -> dict:
    return seg(plan, "TEA-OOLONG", 2)


NONE: frozenset[str] = frozenset()
UNREAD = frozenset({"no_dead_air", "figures"})  # a segment the checker drops leaves these

CASES = [
    # --- timeline ---
    # HONEY-JAR grows to 10 minutes and runs into TEA-GREEN at 20:05.
    pytest.param(
        "minimal",
        edit(lambda p: seg(p, "HONEY-JAR"), minutes=10),
        True,
        "overlap",
        NONE,
        id="overlap",
    ),
    # TRAY-BAMBOO removed: 20:50-20:55 is off air.
    pytest.param(
        "minimal", lambda p: drop(p, "TRAY-BAMBOO"), True, "no_dead_air", NONE, id="dead-air"
    ),
    # HONEY-JAR starts at 20:01 for 4 minutes: off the grid (and 20:00 empty, 4 min not allowed).
    pytest.param(
        "minimal",
        edit(lambda p: seg(p, "HONEY-JAR"), start_minute=1, minutes=4),
        True,
        "grid",
        frozenset({"segment_minutes", "no_dead_air"}),
        id="off-grid",
    ),
    # The closing encore runs 10 minutes, past the show's end at 21:00.
    pytest.param("minimal", edit(_encore, minutes=10), True, "grid", NONE, id="past-show-end"),
    # A segment starting at the show's very end (21:00), after the last one.
    pytest.param(
        "minimal",
        lambda p: p["segments"].append(
            {**copy.deepcopy(seg(p, "TRAY-BAMBOO")), "start_minute": 60}
        ),
        True,
        "grid",
        frozenset({"airings", "repeats"}),  # the copy is also a second airing of a one-off
        id="starts-at-show-end",
    ),
    # BASE-003 (20:25) grows to 10 minutes, into the 21:30 break.
    pytest.param(
        "beauty", edit(lambda p: at(p, 85), minutes=10), True, "breaks", NONE, id="into-break"
    ),
    # HONEY-JAR airs 15 minutes in TEA-GREEN's place; allowed are 5 and 10.
    pytest.param(
        "minimal", _grow_honey_replace_green, True, "segment_minutes", NONE, id="segment-length"
    ),
    # --- reading ---
    # TRAY-BAMBOO becomes an SKU the catalog does not have.
    pytest.param(
        "minimal",
        edit(lambda p: seg(p, "TRAY-BAMBOO"), sku="NOPE"),
        False,
        "plan",
        UNREAD,
        id="unknown-sku",
    ),
    # --- figures ---
    # TEA-GREEN claims one more unit / dollar of GMV / dollar of profit / cent of value.
    pytest.param("minimal", _bump("units", 1), False, "figures", NONE, id="units"),
    pytest.param("minimal", _bump("gmv", 1), False, "figures", NONE, id="gmv"),
    pytest.param("minimal", _bump("profit", 1), False, "figures", NONE, id="profit"),
    pytest.param("minimal", _bump("value_cents", 1), False, "figures", NONE, id="value-cents"),
    # The solver's objective is one cent off.
    pytest.param(
        "minimal",
        lambda p: p["solver"].update(objective_cents=p["solver"]["objective_cents"] + 1),
        False,
        "figures",
        NONE,
        id="objective",
    ),
    # The plan's total value is one cent off.
    pytest.param(
        "minimal",
        lambda p: p["totals"].update(value_cents=p["totals"]["value_cents"] + 1),
        False,
        "figures",
        NONE,
        id="total-value",
    ),
    # A lucky bag claims one cent more than its countdown is worth.
    pytest.param(
        "minimal",
        lambda p: p["lucky_bags"][1].update(value_cents=p["lucky_bags"][1]["value_cents"] + 1),
        False,
        "figures",
        NONE,
        id="bag-value",
    ),
    # --- stock and airings ---
    # A's encore replaces C: 1 + 0.6 units of A against 1 available (2 units, 50 % reserve).
    pytest.param("stock", _replace(10, "A", airing=2), True, "stock", NONE, id="stock"),
    # TEA-OOLONG's encore moves to 20:50: 20 minutes after the first airing, minimum 25.
    pytest.param("minimal", _swap(50, 55), True, "encore-oolong", NONE, id="encore-gap"),
    # A's encore right after its first airing (gap 0, minimum 5).
    pytest.param("repeat", _swap(5, 10), True, "enc-a", NONE, id="encore-gap-tiny"),
    # A third airing of A, whose repeat rule allows two.
    pytest.param("repeat", _replace(15, "A", airing=3), True, "enc-a", NONE, id="max-airings"),
    # B airs twice without a repeat rule.
    pytest.param(
        "repeat", _replace(15, "B", airing=2), True, "repeats", NONE, id="repeat-without-rule"
    ),
    # The encore is numbered 3.
    pytest.param("minimal", edit(_encore, airing=3), True, "airings", NONE, id="airing-number"),
    # A's airings numbered 2 then 1.
    pytest.param(
        "repeat",
        _both(edit(lambda p: at(p, 0), airing=2), edit(lambda p: at(p, 10), airing=1)),
        True,
        "airings",
        NONE,
        id="airings-reversed",
    ),
    # --- promotions ---
    # TEA-OOLONG's encore also runs fs-oolong: twice, on an encore, after its window (and at
    # 20:55, the draw of the 20:50 bag).
    pytest.param(
        "minimal",
        edit(_encore, mode="flash_sale", promotion="fs-oolong"),
        True,
        "fs-oolong",
        frozenset({"promotions", "lucky_bag_cadence"}),
        id="flash-twice",
    ),
    # A's encore runs fs-a (its first airing sold at the live price).
    pytest.param(
        "promos",
        edit(lambda p: at(p, 15), mode="flash_sale", promotion="fs-a"),
        True,
        "promotions",
        NONE,
        id="flash-on-encore",
    ),
    # fs-a on both airings of A (D at the live price, so no spacing issue).
    pytest.param(
        "promos",
        _both(
            edit(lambda p: at(p, 0), mode="normal", promotion=None),
            edit(lambda p: at(p, 5), mode="flash_sale", promotion="fs-a"),
            edit(lambda p: at(p, 15), mode="flash_sale", promotion="fs-a"),
        ),
        True,
        "fs-a",
        frozenset({"promotions"}),
        id="flash-twice-tiny",
    ),
    # D's flash sale (window 20:00-20:05) swapped to 20:10.
    pytest.param("promos", _swap(0, 10), True, "fs-d", NONE, id="flash-outside-window"),
    # fs-a at 20:05, 5 minutes after fs-d; spacing is 10.
    pytest.param(
        "promos",
        edit(lambda p: at(p, 5), mode="flash_sale", promotion="fs-a"),
        True,
        "flash_sale_spacing",
        NONE,
        id="flash-spacing",
    ),
    # C's coupon replaces A's encore: two coupons, the budget pays for one.
    pytest.param(
        "promos",
        _replace(15, "C", airing=1, mode="coupon", promotion="cp"),
        True,
        "cp",
        NONE,
        id="coupon-over-budget",
    ),
    # The coupon on D, which is not among its SKUs.
    pytest.param(
        "promos",
        edit(lambda p: at(p, 0), mode="coupon", promotion="cp"),
        False,
        "promotions",
        UNREAD,
        id="coupon-wrong-sku",
    ),
    # CUP-SET (live 26) with cp-25, whose threshold is 50.
    pytest.param(
        "minimal",
        edit(lambda p: seg(p, "CUP-SET"), mode="coupon", promotion="cp-25"),
        False,
        "promotions",
        UNREAD,
        id="coupon-under-threshold",
    ),
    # B's coupon segment names a promotion that does not exist.
    pytest.param(
        "promos",
        edit(lambda p: at(p, 10), promotion="nope"),
        False,
        "promotions",
        UNREAD,
        id="unknown-promotion",
    ),
    # B in mode gift with the coupon's id.
    pytest.param(
        "promos",
        edit(lambda p: at(p, 10), mode="gift"),
        False,
        "promotions",
        UNREAD,
        id="wrong-mode",
    ),
    # --- role rules ---
    # The traffic opener T swapped with B to 20:15.
    pytest.param("roles", _swap(0, 15), True, "opening", NONE, id="opening"),
    # The first hero H1 at 20:10 instead of 20:05.
    pytest.param("roles", _swap(5, 10), True, "first_hero", NONE, id="first-hero"),
    # No hero in the last 5 minutes (renamed rule id hero-close).
    pytest.param("roles", _swap(15, 20), True, "hero-close", NONE, id="hero-encore"),
    # C (category a) right after A (category a).
    pytest.param(
        "roles", _replace(15, "C"), True, "no_back_to_back", NONE, id="back-to-back-category"
    ),
    # D (brand Z) right after A (brand Z).
    pytest.param(
        "roles", _replace(15, "D"), True, "no_back_to_back", NONE, id="back-to-back-brand"
    ),
    # --- placement rules ---
    # C, pinned at 20:10, swapped with E to 20:15 (default id pin-SKU-HHMM).
    pytest.param("placement", _swap(10, 15), True, "pin-C-2010", NONE, id="pin-moved"),
    # B before A (default id precedence-A-B).
    pytest.param("placement", _swap(0, 5), True, "precedence-A-B", NONE, id="precedence"),
    # D replaces A: C and D both air.
    pytest.param("placement", _replace(0, "D"), True, "c-or-d", NONE, id="exclusion"),
    # Collab E at 20:05, before its window.
    pytest.param("placement", _swap(5, 15), True, "co", NONE, id="collab-window"),
    # --- lucky bags (bag-1: count 3; cadence 15-25 minutes) ---
    # Drops at 20:20 and 20:50 only: 30 minutes apart.
    pytest.param("minimal", _set_bags(20, 50), True, "lucky_bag_cadence", NONE, id="bags-too-far"),
    # Drops at 20:20, 20:30, 20:50: 10 minutes apart.
    pytest.param(
        "minimal", _set_bags(20, 30, 50), True, "lucky_bag_cadence", NONE, id="bags-too-close"
    ),
    # A fourth drop at 20:05: count is 3.
    pytest.param("minimal", _set_bags(5, 20, 35, 50), True, "bag-1", NONE, id="bags-over-count"),
    # The last drop at 21:00: its countdown ends after the show.
    pytest.param(
        "minimal",
        _set_bags(20, 35, 60),
        True,
        "bag-1",
        frozenset({"lucky_bag_cadence"}),
        id="bag-after-show",
    ),
    # The last drop at 20:51, off the slot grid.
    pytest.param("minimal", _set_bags(20, 35, 51), True, "bag-1", NONE, id="bag-off-grid"),
    # --- lucky bags and who is on air ---
    # The bag counts down in the uncovered break at 20:25.
    pytest.param("bags", _set_bags(25), True, "bag", NONE, id="bag-in-uncovered-break"),
    # The bag at 20:15 is drawn at 20:20, the minute D's flash sale starts.
    pytest.param("bags", _set_bags(15), True, "lucky_bag_cadence", NONE, id="bag-draw-at-flash"),
    # The bag at 20:20 is drawn at 20:25, as the uncovered break starts.
    pytest.param("bags", _set_bags(20), True, "bag", NONE, id="bag-drawn-in-break"),
    # The bag at 20:30: H's shift has ended and Co's too: nobody on shift.
    pytest.param("bags", _set_bags(30), True, "bag", NONE, id="bag-no-host-on-shift"),
    # --- the opening's `first` ---
    # A before T.
    pytest.param("first", _swap(0, 5), True, "opening", NONE, id="opening-first"),
    # With gaps: A at 20:05 and T after it.
    pytest.param("first-gaps", _swap(5, 10), True, "opening", NONE, id="opening-first-gaps"),
]


@pytest.mark.parametrize(
    ("base", "mutate", "do_refresh", "expected", "others"), CASES, indirect=["base"]
)
def test_checker_names_the_broken_rule(base, mutate, do_refresh, expected, others):
    inputs, plan = base
    before = copy.deepcopy(plan)
    mutate(plan)
    assert plan != before, "the mutation changed nothing"
    if do_refresh:
        refresh(inputs, plan)
    report = check_plan(inputs, plan)
    rules = rules_of(report)
    assert expected in rules, report.violations
    assert rules <= {expected} | others, report.violations
    assert not report.ok


def test_a_flash_sale_at_a_draw_passes_when_the_rule_allows_it(tmp_path):
    """`no_flash_sale_at_draw: false`: the bag drawn at 20:20 as D's flash sale starts is fine."""
    kwargs, segments, _ = TINY["bags"]
    rules = {"lucky_bag_cadence": {**kwargs["rules"]["lucky_bag_cadence"]}}
    rules["lucky_bag_cadence"]["no_flash_sale_at_draw"] = False
    inputs = load_and_validate(tiny_show(tmp_path, **{**kwargs, "rules": rules}))
    report = check_plan(inputs, build_plan(inputs, segments, [("bag", 15)]))
    assert report.ok, report.violations


# --- malformed input: a "plan" violation, never an exception --------------------------------


def _first(plan: dict) -> dict:
    return plan["segments"][0]


MALFORMED = [
    # segments is a mapping, not a list.
    pytest.param(lambda p: p.update(segments={"1": p["segments"][0]}), id="segments-not-list"),
    # no segments at all.
    pytest.param(lambda p: p.pop("segments"), id="segments-missing"),
    # a segment that is a string.
    pytest.param(
        lambda p: p["segments"].__setitem__(0, "HONEY-JAR 20:00"), id="segment-not-mapping"
    ),
    # a segment that is null.
    pytest.param(lambda p: p["segments"].__setitem__(0, None), id="segment-null"),
    # minutes as text.
    pytest.param(edit(_first, minutes="5"), id="minutes-text"),
    # minutes as a float.
    pytest.param(edit(_first, minutes=5.0), id="minutes-float"),
    # start_minute missing.
    pytest.param(lambda p: _first(p).pop("start_minute"), id="start-missing"),
    # airing as a boolean.
    pytest.param(edit(_first, airing=True), id="airing-bool"),
    # the SKU is a list (unhashable).
    pytest.param(edit(_first, sku=["HONEY-JAR"]), id="sku-list"),
    # expected figures that are not a mapping.
    pytest.param(edit(_first, expected=[8.85, 70.81]), id="expected-not-mapping"),
    # lucky_bags is a string.
    pytest.param(lambda p: p.update(lucky_bags="bag-1"), id="bags-not-list"),
    # a lucky bag with an id the show does not have.
    pytest.param(lambda p: p["lucky_bags"][0].update(id="bag-9"), id="bag-unknown-id"),
    # a lucky bag without a minute.
    pytest.param(lambda p: p["lucky_bags"][0].pop("minute"), id="bag-no-minute"),
    # a lucky bag whose id is a list (unhashable).
    pytest.param(lambda p: p["lucky_bags"][0].update(id=["bag-1"]), id="bag-id-list"),
    # totals is a list.
    pytest.param(lambda p: p.update(totals=[1]), id="totals-not-mapping"),
    # solver is a string.
    pytest.param(lambda p: p.update(solver="cp-sat"), id="solver-not-mapping"),
]


@pytest.mark.parametrize("mutate", MALFORMED)
@pytest.mark.parametrize("base", ["minimal"], indirect=True)
def test_malformed_plan_is_a_plan_violation(base, mutate):
    inputs, plan = base
    mutate(plan)
    report = check_plan(inputs, plan)  # must not raise
    assert "plan" in rules_of(report), report.violations


# --- lqplan check ---------------------------------------------------------------------------


def test_cli_check_good_and_tampered(minimal, tmp_path):
    _, plan = minimal
    good = tmp_path / "plan.json"
    good.write_text(plan_json(plan), encoding="utf-8")
    show = str(SAMPLES / "minimal")
    runner = CliRunner(env=ENV)

    result = runner.invoke(app, ["check", str(good), show])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["check", str(good), show, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True and payload["violations"] == []
    assert payload["objective_cents"] == plan["solver"]["objective_cents"]

    tampered_plan = copy.deepcopy(plan)
    seg(tampered_plan, "TEA-GREEN")["expected"]["units"] += 1
    tampered = tmp_path / "tampered.json"
    tampered.write_text(plan_json(tampered_plan), encoding="utf-8")
    result = runner.invoke(app, ["check", str(tampered), show])
    assert result.exit_code == 1, result.output
    result = runner.invoke(app, ["check", str(tampered), show, "--json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert [v["rule"] for v in payload["violations"]] == ["figures"]
    assert "TEA-GREEN" in payload["violations"][0]["message"]


def moved_by_hand(plan: dict[str, Any]) -> dict[str, Any]:
    """What a hand edit that moves segments must also do for lqplan to read the plan: keep the
    segments in time order, numbered, and their clock times agreeing with `start_minute`."""
    from lqplan.show.model import format_clock, parse_clock

    start = parse_clock(plan["show"]["start"])
    plan["segments"].sort(key=lambda s: s["start_minute"])
    for n, s in enumerate(plan["segments"], start=1):
        s["number"] = n
        s["start"] = format_clock(start + s["start_minute"])
        s["end"] = format_clock(start + s["start_minute"] + s["minutes"])
    return plan


def test_cli_check_reports_a_broken_rule(minimal, tmp_path):
    """A hand edit that moves the pinned gift set, figures updated: exit 1 naming the pin."""
    inputs, plan = minimal
    edited = copy.deepcopy(plan)
    # Swap TEA-GIFT (pinned at 20:40) and CUP-SET, both 10 minutes; then CUP-SET (teaware) is
    # next to TRAY-BAMBOO (teaware) too.
    seg(edited, "TEA-GIFT")["start_minute"], seg(edited, "CUP-SET")["start_minute"] = 30, 40
    refresh(inputs, moved_by_hand(edited))
    path = tmp_path / "edited.json"
    path.write_text(plan_json(edited), encoding="utf-8")
    result = CliRunner(env=ENV).invoke(
        app, ["check", str(path), str(SAMPLES / "minimal"), "--json"]
    )
    assert result.exit_code == 1, result.output
    rules = {v["rule"] for v in json.loads(result.stdout)["violations"]}
    assert rules == {"pin-gift-set", "no_back_to_back"}


def test_check_does_not_modify_the_plan(minimal):
    inputs, plan = minimal
    before = copy.deepcopy(plan)
    check_plan(inputs, plan)
    assert plan == before


def test_given_demand_context_gives_the_same_verdict(minimal):
    """check_plan builds its own demand context when none is given: the same verdict."""
    inputs, plan = minimal
    assert check_plan(inputs, plan, demand_context(inputs)).ok
    assert check_plan(inputs, plan).ok


def test_a_plan_without_a_required_promotion_is_refused(tmp_path):
    """The solver's plan runs the required flash sale; the same show with that segment sold at
    the live price instead (figures refreshed) breaks only the promotion's own rule."""
    flash = {"id": "fs-a", "type": "flash_sale", "sku": "A", "price": 99, "units": 50}
    folder = tiny_show(tmp_path, [{"sku": "A", "margin": 50}], slots=1, promotions=[flash])
    inputs = load_and_validate(folder)
    plan = plan_show(inputs, SolveSettings(time_limit=5)).plan
    assert plan["segments"][0]["promotion"] == "fs-a"
    show = folder / "show.yaml"
    show.write_text(show.read_text().replace("units: 50", "units: 50\n  required: true"))
    inputs = load_and_validate(folder)
    plan["promotions"][0]["required"] = True  # the plan's copy of show.yaml's promotions
    assert check_plan(inputs, plan).ok
    edited = copy.deepcopy(plan)
    edited["segments"][0].update(mode="normal", promotion=None)
    # ...and its control room no longer starts the flash sale (an action says it at its price).
    actions = edited["segments"][0]["actions"]
    actions[:] = [a for a in actions if a["action"] not in ("start_flash_sale", "end_flash_sale")]
    report = check_plan(inputs, refresh(inputs, edited))
    assert [v.rule for v in report.violations] == ["fs-a"], report.violations
    assert "required flash sale fs-a never runs" in report.violations[0].message
