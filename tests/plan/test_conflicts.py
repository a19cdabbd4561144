"""Impossible shows the pre-checks cannot see, explained in seconds (issue 16): the LP
relaxation's proof skips the greedy and the search, the rule groups' search looks for
feasibility only, a search that finds nothing still names rules, and the greedy's repair has a
budget of its own."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import SAMPLES, tiny_show

import lqplan.pipeline as pipeline
import lqplan.plan.optimise as optimise
import lqplan.plan.repair as repair
from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.baseline import Greedy, greedy_plan
from lqplan.plan.options import build_demand
from lqplan.plan.result import Solution, SolveSettings, SolveStatus

PRODUCTS = [{"sku": "A", "role": "hero"}, *({"sku": s} for s in "BCD")]
# The only hero pinned at the start, before the first-hero window (20:05–20:10): no plan, and
# no pre-check says so (the pin fits, the window has options); the LP relaxation proves it.
HERO_TOO_SOON = {
    "first_hero": {"from_minute": 5, "to_minute": 10},
    "pins": [{"id": "hero-at-start", "sku": "A", "at": "20:00"}],
}


def _hero_too_soon(tmp_path):
    return load_and_validate(tiny_show(tmp_path, PRODUCTS, slots=4, rules=HERO_TOO_SOON))


def test_the_lp_proves_it_and_the_greedy_never_runs(tmp_path, monkeypatch):
    def greedy(demand, *_):
        raise AssertionError("the greedy ran on a show the LP proved impossible")

    monkeypatch.setattr(pipeline, "greedy_plan", greedy)
    with pytest.raises(InfeasibleError) as info:
        plan_show(_hero_too_soon(tmp_path), SolveSettings(time_limit=10))
    assert "these rules conflict" in str(info.value)
    assert {c.split(":")[0] for c in info.value.conflicts} == {"first_hero", "hero-at-start"}


def _no_search(monkeypatch):
    """No LP, no greedy plan and a search that ends without one: only the diagnosis is left."""
    monkeypatch.setattr(optimise, "lp_guided_plan", lambda demand, seconds: None)
    monkeypatch.setattr(
        pipeline, "greedy_plan", lambda demand, *_: Solution(SolveStatus.NO_SOLUTION)
    )
    monkeypatch.setattr(optimise, "solve", lambda *a, **k: Solution(SolveStatus.NO_SOLUTION))


def test_a_search_that_finds_nothing_still_names_the_rules(tmp_path, monkeypatch):
    _no_search(monkeypatch)
    with pytest.raises(InfeasibleError) as info:
        plan_show(_hero_too_soon(tmp_path), SolveSettings(time_limit=10))
    assert "these rules conflict" in str(info.value)
    assert {c.split(":")[0] for c in info.value.conflicts} == {"first_hero", "hero-at-start"}


def test_a_show_with_a_plan_the_search_missed_names_the_likeliest(tmp_path, monkeypatch):
    """Feasible, but nothing found in time: the message says so and still names rule groups."""
    _no_search(monkeypatch)
    folder = tiny_show(
        tmp_path, PRODUCTS, slots=4, rules={"first_hero": HERO_TOO_SOON["first_hero"]}
    )
    with pytest.raises(InfeasibleError) as info:
        plan_show(load_and_validate(folder), SolveSettings(time_limit=10))
    assert "raise --time-limit or relax the rules" in str(info.value)
    assert info.value.conflicts


def test_the_rule_groups_are_minimised_on_a_real_sample(tmp_path):
    """Two lipsticks pinned 21:05 and 21:10 beside the collab lipstick at 21:00, with no same
    category back to back: the explanation names that rule and two of the pins, nothing else
    (it named six before the search for the core ignored the objective: each check of a needed
    rule then spent its time limit proving a plan optimal)."""
    folder = tmp_path / "beauty"
    shutil.copytree(SAMPLES / "beauty-douyin", folder)
    path = folder / "show.yaml"
    show = yaml.safe_load(path.read_text(encoding="utf-8"))
    show["rules"]["pins"] += [
        {"id": "pin-lip-1", "sku": "LIP-001", "at": "21:05"},
        {"id": "pin-lip-2", "sku": "LIP-002", "at": "21:10"},
    ]
    path.write_text(yaml.safe_dump(show, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proven, named = optimise.diagnose(build_demand(load_and_validate(folder)), time_limit=5)
    rules = {c.split(":")[0] for c in named}
    assert proven
    assert "no_back_to_back" in rules and len(rules) == 3
    assert rules <= {"no_back_to_back", "pin-collab-lipstick", "pin-lip-1", "pin-lip-2"}


def test_the_repair_spends_no_more_than_its_pool(tmp_path, monkeypatch):
    """A show no plan fits: the repair's fills together take at most REPAIR_POOL steps."""
    monkeypatch.setattr(repair, "REPAIR_POOL", 40)
    used: list[int] = []
    fill = Greedy.fill

    def counted(self, budget=400, branch=4, heroes_due=False):
        ok = fill(self, budget, branch, heroes_due)
        if heroes_due:  # the repair's fills (the strategies' own do not look for heroes due)
            used.append(budget - max(0, self.budget))
        return ok

    monkeypatch.setattr(Greedy, "fill", counted)
    # Four products of one category and one of another, no category back to back, four slots:
    # x y x needs a fourth of the other category (every fill leaves a hole to repair).
    products = [{"sku": s, "category": "x"} for s in "ABCD"] + [{"sku": "E", "category": "y"}]
    folder = tiny_show(tmp_path, products, slots=4, rules={"no_back_to_back": {"category": True}})
    plan = greedy_plan(build_demand(load_and_validate(folder)))
    assert plan.status != SolveStatus.FEASIBLE
    assert used and sum(used) <= 40
