"""The baseline's repair: what a careful planner does when the sheet will not close.

The greedy strategies (baseline.py) fill a show in one pass with a little backtracking. On a
tight show (1-minute slots under a lucky-bag cadence, one product airing again and again, pinned
slots and a collab window close together) every pass can end with a hole nobody fits into. A person
with the sheet in front of them does not start again from nothing, and does not solve the show
exactly either: they keep what they agreed first (the pinned slots and the collab's window, as
the rule families seeded them), rub out the segments next to the first hole, and redo that
stretch by hand, trying more products and lengths in each place than on the first pass, the hero
first whenever a hero window is open without one; when the stretch still will not close, they
rub out a wider one, and at last everything but the agreed slots. Rubbing out a product's airing
rubs out its later airings too: airings are numbered in time order, and a hand-made sheet says
"second airing" only after the first.

That is the repair: the same greedy tests, the same value-per-minute order, more alternatives
per step, a fixed count of steps (never a clock, so that the baseline is the same on every
machine), and every result judged by the independent checker (keeps_rules) before it counts.
Plain Python, like the rest of the baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lqplan.plan.result import Solution, SolveStatus

if TYPE_CHECKING:
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option

# Steps of one repair fill, and alternatives tried per step (the strategies' fill tries 4 in
# 400 steps). Measured on the held-out shows of tests/plan/baseline_shows: each closes within a few
# hundred steps; the budget bounds the time a hopeless show costs (several widths × strategies).
REPAIR_STEPS = 3000
REPAIR_BRANCH = 12
# Steps of all the repair's fills together: a show no plan fits (the solver will say why) must
# not cost the repair every fill's full budget first (measured: 5 drafts × 5 widths took 21.7 s
# on an impossible copy of the beauty sample; the held-out shows close within the first few).
REPAIR_POOL = 12_000
# How far each attempt rubs out around the first hole, in the show's longest segments; None is
# everything but the agreed slots.
WIDTHS: tuple[int | None, ...] = (0, 1, 2, 4, None)


def _first_hole(g: Greedy) -> tuple[int, int] | None:
    """The first stretch of free slots on air, as [start, end), or None if the sheet is full."""
    d = g.d
    t = 0
    while t < d.slots and (t in g.occupied or t in d.blocked):
        t += 1
    if t >= d.slots:
        return None
    end = t
    while end < d.slots and end not in g.occupied and end not in d.blocked:
        end += 1
    return t, end


def _kept(g: Greedy, hole: tuple[int, int], width: int | None, agreed: set[int]) -> list[Option]:
    """What stays on the sheet: the agreed segments, and those outside the rubbed-out stretch
    whose product has no rubbed-out earlier airing."""
    reach = None if width is None else width * g.layout.longest_segment
    rubbed: dict[str, int] = {}  # product -> start of its first rubbed-out airing
    for o in sorted(g.chosen, key=lambda c: c.start):
        if o.index in agreed:
            continue
        near = reach is None or (o.end > hole[0] - reach and o.start < hole[1] + reach)
        if near or o.sku in rubbed:
            rubbed.setdefault(o.sku, o.start)
    return [
        o
        for o in g.chosen
        if o.index in agreed or not (o.sku in rubbed and o.start >= rubbed[o.sku])
    ]


def repair(drafts: list[Greedy], agreed: set[int]) -> Solution | None:
    """The best checked plan the repair makes of the strategies' unfinished sheets (`drafts`),
    or None. `agreed` holds the options the rule families seeded (never rubbed out)."""
    best: Solution | None = None
    pool = REPAIR_POOL
    for draft in drafts:
        hole = _first_hole(draft)
        if hole is None:
            continue  # full but refused by the checker: no hole to work from
        for width in WIDTHS:
            if pool <= 0:
                return best
            g = type(draft)(draft.d, draft.layout)
            for o in sorted(_kept(draft, hole, width, agreed), key=lambda c: c.start):
                g.place(o)
            steps = min(REPAIR_STEPS, pool)
            plan = g.solution(g.fill(steps, REPAIR_BRANCH, heroes_due=True))
            pool -= steps - max(0, g.budget)
            if plan.status == SolveStatus.FEASIBLE:
                # The first width that closes the sheet is the one a person stops at.
                if best is None or (plan.objective or 0) > (best.objective or 0):
                    best = plan
                break
    return best
