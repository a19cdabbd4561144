"""Shared fixtures: the samples, and a builder for tiny hand-checkable shows."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir() if (p / "show.yaml").is_file())


def tiny_show(folder: Path, products: list[dict[str, Any]], **options: Any) -> Path:
    """Write the files of `tiny_show_files` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in tiny_show_files(products, **options).items():
        (folder / name).write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


def tiny_show_files(
    products: list[dict[str, Any]],
    *,
    slots: int = 3,
    viewers: list[int] | None = None,
    rules: dict[str, Any] | None = None,
    promotions: list[dict[str, Any]] | None = None,
    stock: dict[str, int] | None = None,
    **show: Any,
) -> dict[str, Any]:
    """The files of a show whose figures can be checked by hand, as {file name: data}.

    5-minute slots and 5-minute segments; viewers are constant within each slot (`viewers[i]`
    for slot i, default 100 everywhere); one audience segment with neutral affinities; no price
    response, decay, role factors, traffic pull or soft preferences; base conversion 0.002, so a
    segment sells viewers/100 units and is worth units × (live price − unit cost).
    Products need only sku, margin (live − cost); category and role default to 'x' / 'profit'.
    """
    viewers = viewers or [100] * slots
    minutes = slots * 5
    curve = []
    for i, v in enumerate(viewers):
        curve.append({"at": _clock(i * 5), "viewers": v})
        curve.append({"at": _clock(i * 5 + 4), "viewers": v})
    curve.append({"at": _clock(minutes), "viewers": viewers[-1]})
    off = {"enabled": False}
    base_rules: dict[str, Any] = {
        "opening": off,
        "first_hero": off,
        "hero_encore": off,
        "price_ladder": off,
        "role_pacing": off,
        "no_back_to_back": {"category": False},
        "segment_minutes": {"default": 5, "min": 5, "max": 5},
        "flash_sale_spacing": {"min_gap_minutes": 0},
    }
    base_rules.update(rules or {})
    doc = {
        "title": "tiny",
        "date": "2027-01-01",
        "start": "20:00",
        "duration_minutes": minutes,
        "slot_minutes": 5,
        "language": "en",
        "currency": "USD",
        "objective": "profit",
        "stock_reserve": 0.0,
        "hosts": [{"name": "H"}],
        "rules": base_rules,
        "promotions": promotions or [],
        "demand": {
            "decay": 1.0,
            "price_elasticity": 0.0,
            "traffic_viewer_lift": 0.0,
            "lucky_bag_viewer_lift": 0.0,
            "role_conversion": dict.fromkeys(
                ("traffic", "welfare", "bridge", "hero", "profit", "image", "test"), 1.0
            ),
        },
    }
    doc.update(show)
    catalog = []
    for i, p in enumerate(products, start=1):
        margin = p.get("margin", 10)
        live = p.get("live", 100)
        catalog.append(
            {
                "sku": p["sku"],
                "name": p.get("name", p["sku"]),
                "category": p.get("category", "x"),
                "role": p.get("role", "profit"),
                "list_price": p.get("list", live),
                "live_price": live,
                "unit_cost": live - margin,
                "cart_link": i,
                "selling_points": [{"point": "p"}],
                **p.get("extra", {}),
            }
        )
    audience = {
        "base_conversion": 0.002,
        "segments": [{"name": "all", "share": 1.0}],
        "viewer_curve": curve,
    }
    stock = stock or {}
    stock_rows = [{"sku": p["sku"], "units": stock.get(p["sku"], 10_000)} for p in products]
    return {
        "show.yaml": doc,
        "catalog.yaml": {"products": catalog},
        "audience.yaml": audience,
        "stock.yaml": {"stock": stock_rows},
    }


def _clock(minute: int) -> str:
    minute += 20 * 60
    return f"{minute // 60:02d}:{minute % 60:02d}"


@pytest.fixture
def sample_path():
    def get(name: str) -> Path:
        return SAMPLES / name

    return get


# Deterministic solves (one worker, a deterministic-time budget) give the same plan on every
# machine, so documents rendered from them can be compared with golden files.
GOLDEN_LIMITS = {"double11-marathon": 3.0}


@pytest.fixture(scope="session")
def sample_plans() -> dict[str, dict[str, Any]]:
    """plan.json data for every sample, solved once per test session."""
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings

    plans = {}
    for name in SAMPLE_NAMES:
        settings = SolveSettings(time_limit=GOLDEN_LIMITS.get(name, 2.0), deterministic=True)
        plans[name] = plan_show(load_and_validate(SAMPLES / name), settings).plan
    return plans


def check_golden(path: Path, text: str | bytes) -> None:
    """Compare with tests/golden/...; LQPLAN_UPDATE_GOLDEN=1 rewrites the file instead."""
    import os

    data = text.encode("utf-8") if isinstance(text, str) else text
    if os.environ.get("LQPLAN_UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            raise AssertionError(
                f"golden file {path} is missing; run the tests with "
                "LQPLAN_UPDATE_GOLDEN=1 and commit it"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.read_bytes() == data, (
        f"{path} differs from the rendered document; if the change is intended, rerun with "
        "LQPLAN_UPDATE_GOLDEN=1 and review the diff"
    )


GOLDEN = ROOT / "tests" / "golden"


def complete_plan(skeleton: dict[str, Any]) -> dict[str, Any]:
    """A plan lqplan reads (plan/planfile.py) from a test's skeleton of one: every field the plan
    model requires and the skeleton leaves out, with a neutral value; what it gives is kept (an
    input's short stand-in hash becomes a SHA-256 of it)."""
    import copy
    import hashlib
    import re

    plan = copy.deepcopy(skeleton)
    show = plan.setdefault("show", {})
    segments = plan.setdefault("segments", [])
    hours, mins = map(int, show.setdefault("start", "20:00").split(":"))

    def clock(minute: int) -> str:
        total = (hours * 60 + mins + minute) % 1440
        return f"{total // 60:02d}:{total % 60:02d}"

    end = max((s["start_minute"] + s["minutes"] for s in segments), default=60)
    minutes = show.setdefault("minutes", end)
    show_defaults = {
        "title": "Test show", "date": "2027-01-01", "end": clock(minutes), "slot_minutes": 5,
        "language": "en", "currency": "USD", "platform": "tiktok", "room": None, "theme": None,
        "objective": "profit", "stock_reserve": 0.1, "hosts": [{"name": "Mia", "role": "host"}],
        "team": {}, "inputs": {},
        "kpi": {"watch_time_seconds": 60, "engagement": 0.05, "payment_conversion": 0.03,
                "gpm": 800},
    }  # fmt: skip
    for key, value in show_defaults.items():
        show.setdefault(key, value)
    for kind, given in show["inputs"].items():
        given.setdefault("file", f"{kind}.yaml")
        if not re.fullmatch(r"[0-9a-f]{64}", str(given.get("sha256", ""))):
            given["sha256"] = hashlib.sha256(str(given.get("sha256")).encode()).hexdigest()
    products = plan.setdefault("products", {})
    promotions = plan.setdefault("promotions", [])
    promotion_ids = {p["id"] for p in promotions}

    def promotion(kind: str, id_: str, sku: str) -> None:
        if id_ in promotion_ids:
            return
        promotion_ids.add(id_)
        fields = {
            "coupon": {"threshold": 0.0, "amount": 1.0},
            "flash_sale": {"sku": sku, "price": 5.0, "units": 100},
            "gift": {"sku": sku, "item": "gift", "units": 100, "unit_cost": 1.0},
            "lucky_bag": {"prize": "prize"},
        }[kind]
        promotions.append({"id": id_, "type": kind, **fields})

    for n, seg in enumerate(segments, start=1):
        start = seg["start_minute"]
        defaults = {
            "number": n, "start": clock(start), "end": clock(start + seg["minutes"]),
            "phase": "segment", "name": seg["sku"], "brand": None, "category": "goods",
            "role": "hero", "cart_link": None, "hosts": [], "airing": 1,
            "mode": "coupon" if seg.get("promotion") else "normal", "promotion": None,
            "promotion_minutes": None, "expected": {}, "actions": [],
            "price": {"list": 10.0, "live": 10.0, "flash_sale": None, "after_coupon": None},
            "stock": {"available": 100, "before": 100.0, "after": 100.0},
        }  # fmt: skip
        for key, value in defaults.items():
            seg.setdefault(key, value)
        for key in ("units", "promotion_units", "gmv", "profit", "pull_value"):
            seg["expected"].setdefault(key, 0.0)
        for key in ("value_cents", "preference_cents"):
            seg["expected"].setdefault(key, 0)
        if seg["promotion"]:
            promotion(seg["mode"], seg["promotion"], seg["sku"])
        facts = products.setdefault(seg["sku"], {})
        for key, value in {
            "sku": seg["sku"], "name": seg["name"], "category": seg["category"],
            "role": seg["role"], "list_price": facts.get("live_price", 10.0),
            "live_price": 10.0, "unit_cost": 1.0,
        }.items():  # fmt: skip
            facts.setdefault(key, value)
    for bag in plan.setdefault("lucky_bags", []):
        bag_defaults = {
            "prize": "prize", "winners": 1, "entry": "comment", "at": clock(bag["minute"]),
            "countdown_minutes": 5, "draw_at": clock(bag["minute"] + 5),
            "retention_value": 0.0, "prize_cost": 0.0, "value_cents": 0,
        }  # fmt: skip
        for key, value in bag_defaults.items():
            bag.setdefault(key, value)
        promotion("lucky_bag", bag["id"], "")
    totals = plan.setdefault("totals", {})
    for key in ("units", "gmv", "profit", "pull_value", "lucky_bag_retention_value",
                "lucky_bag_prize_cost"):  # fmt: skip
        totals.setdefault(key, 0.0)
    totals.setdefault("segments", len(segments))
    totals.setdefault("value_cents", 0)
    totals.setdefault("preference_cents", 0)
    solver = plan.setdefault("solver", {})
    solver_defaults = {
        "status": "optimal", "objective_cents": 0, "bound_cents": None, "gap_percent": None,
        "seconds": None, "build_seconds": None, "time_limit": 10.0, "seed": 0, "workers": 1,
        "deterministic": True, "model": {}, "returned_hint": False, "uplift_percent": None,
    }  # fmt: skip
    for key, value in solver_defaults.items():
        solver.setdefault(key, value)
    for key, value in {
        "schema": "lqplan.plan/1", "generator": "lqplan test", "breaks": [], "stock_use": [],
        "baseline": None,
        "viewer_curve": [{"minute": 0, "viewers": 1000}, {"minute": minutes, "viewers": 1000}],
    }.items():  # fmt: skip
        plan.setdefault(key, value)
    return plan


# --- helpers more than one test module uses ----------------------------------------------


def with_model(plan: dict[str, Any], model_id: str) -> dict[str, Any]:
    """`plan` as if planned with a fitted MODEL (rendering reads only these keys)."""
    plan = copy.deepcopy(plan)
    plan["totals"]["band"]["source"] = "model"
    plan["demand"]["source"] = "model"
    plan["demand"]["model"] = {"id": model_id, "file": "room.model.json", "sha256": "0" * 64}
    return plan


def without_bands(plan: dict[str, Any]) -> dict[str, Any]:
    """`plan` as an lqplan before forecast bands wrote it: no band keys, no demand section."""
    plan = copy.deepcopy(plan)
    del plan["totals"]["band"]
    del plan["demand"]
    for seg in plan["segments"]:
        del seg["expected"]["band"]
    return plan


def place(text: str, needle: str) -> str:
    at = text.index(needle)
    return f"{text.count(chr(10), 0, at) + 1}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def small_plan() -> dict:
    """20 minutes at a constant 1,000 viewers: A (tea, $10) 20:00–20:10 expecting 20 units and
    $200; B (ware, $30) 20:10–20:20 expecting 10 units and $300."""

    def seg(number, sku, start, category, units, gmv):
        return {
            "number": number,
            "sku": sku,
            "start": f"20:{start:02d}",
            "start_minute": start,
            "minutes": 10,
            "category": category,
            "expected": {"units": units, "gmv": gmv},
        }

    return {
        "schema": "lqplan.plan/1",
        "generator": "lqplan test",
        "show": {
            "title": "Small | show",
            "date": "2027-01-01",
            "start": "20:00",
            "end": "20:20",
            "minutes": 20,
            "language": "en",
            "currency": "USD",
            "kpi": {
                "watch_time_seconds": 60,
                "engagement": 0.05,
                "payment_conversion": 0.03,
                "gpm": 800,
            },
        },
        "segments": [seg(1, "A", 0, "tea", 20.0, 200.0), seg(2, "B", 10, "ware", 10.0, 300.0)],
        "products": {
            "A": {"name": "Tea A", "category": "tea", "live_price": 10},
            "B": {"name": "Pot B", "category": "ware", "live_price": 30},
        },
        "viewer_curve": [{"minute": 0, "viewers": 1000}, {"minute": 20, "viewers": 1000}],
    }
