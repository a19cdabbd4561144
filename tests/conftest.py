"""Shared fixtures: the samples, and a builder for tiny hand-checkable shows."""

from __future__ import annotations

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
    from lqplan.result import SolveSettings

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
