"""lqplan diff: segment classification on hand-made plan pairs, plans_equal, --check exit codes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conftest import complete_plan
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.review.diff import diff_plans, plans_equal


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), terminal_width=120)


def seg(sku: str, start: int, minutes: int = 5, *, airing: int = 1, promotion: str | None = None,
        mode: str | None = None, value: int = 1000) -> dict[str, Any]:  # fmt: skip
    """A segment with the fields diff reads (start_minute from 20:00)."""
    return {
        "number": 0,
        "start": f"20:{start:02d}",
        "start_minute": start,
        "minutes": minutes,
        "sku": sku,
        "airing": airing,
        "mode": mode or ("coupon" if promotion else "normal"),
        "promotion": promotion,
        "expected": {"value_cents": value},
    }


def plan(*segments: dict[str, Any], bags: tuple[tuple[str, int], ...] = ()) -> dict[str, Any]:
    segs = sorted(segments, key=lambda s: s["start_minute"])
    for n, s in enumerate(segs, start=1):
        s["number"] = n
    return {
        "schema": "lqplan.plan/1",
        "generator": "lqplan 0.1.0",
        "show": {"currency": "USD", "inputs": {"catalog": {"sha256": "aa"}}},
        "segments": segs,
        "lucky_bags": [{"id": b, "minute": m, "at": f"20:{m:02d}"} for b, m in bags],
        "totals": {
            "value_cents": sum(s["expected"]["value_cents"] for s in segs),
            "gmv": 100.0,
            "profit": 50.0,
            "units": 10.0,
        },
        "solver": {"seconds": 1.23, "build_seconds": 0.4, "workers": 8, "objective_cents": 1},
    }


def test_identical_plans_but_for_wall_clock_fields_are_equal():
    a = plan(seg("A", 0), seg("B", 5))
    b = copy.deepcopy(a)
    b["solver"].update(seconds=9.9, build_seconds=2.0, workers=1)
    b["generator"] = "lqplan 0.2.0"
    assert plans_equal(a, b)
    d = diff_plans(a, b)
    assert d.equal and not d.segments and not d.fields


def test_each_kind_of_change_is_classified():
    a = plan(
        seg("A", 0),  # stays
        seg("B", 5),  # moves to 20:10
        seg("C", 10, 10),  # shortened to 5 min
        seg("D", 20),  # dropped
        seg("E", 25, promotion="cp"),  # loses its coupon
        seg("A", 30, airing=2),  # the encore moves and changes promotion
    )
    b = plan(
        seg("A", 0),
        seg("C", 5, 5, value=600),
        seg("B", 10),
        seg("F", 15, value=700),  # added
        seg("E", 25),
        seg("A", 35, airing=2, promotion="gift-a", mode="gift"),
    )
    d = diff_plans(a, b)
    kinds = {(c.sku, c.airing): c.kinds for c in d.segments}
    assert kinds == {
        ("C", 1): ("moved", "length_changed"),
        ("B", 1): ("moved",),
        ("F", 1): ("added",),
        ("D", 1): ("dropped",),
        ("E", 1): ("promotion_changed",),
        ("A", 2): ("moved", "promotion_changed"),
    }
    changes = {(c.sku, c.airing): c for c in d.segments}
    assert changes[("C", 1)].value_change_cents == -400
    assert changes[("D", 1)].value_change_cents == -1000 and changes[("D", 1)].b is None
    assert changes[("F", 1)].value_change_cents == 700 and changes[("F", 1)].a is None
    assert d.counts() == {"moved": 3, "length_changed": 1, "added": 1, "dropped": 1,
                          "promotion_changed": 2}  # fmt: skip
    assert (
        d.totals["value_cents"]["change"] == b["totals"]["value_cents"] - a["totals"]["value_cents"]
    )
    promotions = {p.promotion: (p.kind, p.a, p.b) for p in d.promotions}
    assert promotions == {
        "cp": ("dropped", ("E@20:25",), ()),
        "gift-a": ("added", (), ("A@20:35",)),
    }
    assert not d.equal


def test_lucky_bags_and_other_fields():
    a = plan(seg("A", 0), bags=(("bag", 0), ("bag", 15)))
    b = plan(seg("A", 0), bags=(("bag", 0), ("bag", 20)))
    d = diff_plans(a, b)
    assert [(c.kind, c.at) for c in d.lucky_bags] == [("dropped", "20:15"), ("added", "20:20")]
    c = copy.deepcopy(a)
    c["show"]["inputs"]["catalog"]["sha256"] = "bb"  # the segments are the same, the inputs not
    d = diff_plans(a, c)
    assert not d.equal and not d.segments
    assert d.fields == ("show.inputs.catalog.sha256",)


def test_diff_check_exit_codes(tmp_path: Path):
    a = plan(seg("A", 0), seg("B", 5))
    same = copy.deepcopy(a)
    same["solver"]["seconds"] = 7.0
    moved = plan(seg("B", 0), seg("A", 5))
    paths = {}
    for name, data in (("a", a), ("same", same), ("moved", moved)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(complete_plan(data)), "utf-8")
    equal = run("diff", str(paths["a"]), str(paths["same"]), "--check")
    assert equal.exit_code == 0, equal.output
    assert "equal" in equal.stderr
    differ = run("diff", str(paths["a"]), str(paths["moved"]), "--check")
    assert differ.exit_code == 4, differ.output
    assert "moved" in differ.stderr and "differ" in differ.stderr
    assert run("diff", str(paths["a"]), str(paths["moved"])).exit_code == 0  # no --check
    as_json = run("diff", str(paths["a"]), str(paths["moved"]), "--json")
    data = json.loads(as_json.stdout)
    assert data["equal"] is False
    assert {(s["sku"], tuple(s["kinds"])) for s in data["segments"]} == {
        ("A", ("moved",)),
        ("B", ("moved",)),
    }


def test_diff_refuses_what_is_not_a_plan(tmp_path: Path):
    good = tmp_path / "a.json"
    good.write_text(json.dumps(complete_plan(plan(seg("A", 0)))), "utf-8")
    bad = tmp_path / "b.json"
    bad.write_text("{}", "utf-8")
    assert run("diff", str(good), str(bad)).exit_code == 1
    assert run("diff", str(good), str(tmp_path / "missing.json")).exit_code == 2


def test_a_rerun_of_a_sample_equals_the_plan(sample_plans):
    """What `lqplan plan --check` relies on: a deterministic plan equals itself re-read."""
    a = sample_plans["minimal"]
    b = json.loads(json.dumps(a))
    assert plans_equal(a, b)
