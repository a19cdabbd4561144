"""The greedy baseline: the plan a careful person makes by hand, and the solver's hint.

What the rules fix first (a pinned slot, a collab's window); a hero in the first-hero window, a
hero in the closing window and the other heroes at the highest-viewer minutes; then the show is
filled from the start, each gap taking the unused product of best value per minute that keeps
every rule (a traffic or welfare item first; each rule family's greedy test, lqplan/rules/).
Lucky bags drop every `max_gap_minutes`. Plain Python: it must not depend on the optimiser.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any

from lqplan.plan.demand import Demand, Option
from lqplan.plan.repair import repair
from lqplan.plan.result import Solution, SolveSettings, SolveStatus
from lqplan.rules import Family, families

# Backtracking steps per fill: measured on the benchmark ladder, a fill that succeeds needs a
# few hundred at most; one that has not succeeded by then rarely does (5,000 took 1 s to fail).
FILL_STEPS = 400


class _Layout:
    """What every strategy reads and none changes, computed once per demand."""

    def __init__(self, demand: Demand):
        show = demand.inputs.show
        self.by_start: dict[int, list[Option]] = defaultdict(list)
        for o in demand.options:
            self.by_start[o.start].append(o)
        for options in self.by_start.values():
            options.sort(key=lambda o: (-o.value_cents / o.slots, o.index))
        # The segment lengths that may start at each slot (a start grid allows only some).
        self.lengths_at: dict[int, tuple[int, ...]] = {
            t: tuple(sorted({o.slots for o in options})) for t, options in self.by_start.items()
        }
        self.longest_segment = max((o.slots for o in demand.options), default=1)
        # The first slot on air: where the show's first segment starts when gaps are not
        # allowed (the opening rule's `first` asks for an opener there).
        self.first_slot = next((t for t in range(demand.slots) if t not in demand.blocked), 0)
        self._tileable: dict[tuple[int, int], bool] = {}
        self.longest: dict[str, int] = defaultdict(int)
        self.best_value: dict[str, int] = defaultdict(int)
        for o in demand.options:
            self.longest[o.sku] = max(self.longest[o.sku], o.slots)
            self.best_value[o.sku] = max(self.best_value[o.sku], o.value_cents)
        # The latest first-airing start of each collab product (for _must_air_now).
        collabs = {p.sku for p in show.promotions if p.type == "collab"}
        self.collab_latest: dict[str, int] = {sku: -1 for sku in collabs}
        for o in demand.options:
            if o.sku in collabs and o.airing == 1:
                self.collab_latest[o.sku] = max(self.collab_latest[o.sku], o.start)
        # What a rule family indexes once per demand for its greedy test (by family name).
        self.memo: dict[str, Any] = {}

    def tileable(self, a: int, b: int) -> bool:
        """Can segments on the start grid fill the free slots [a, b) exactly? (A 5-slot gap
        cannot be filled by 4- and 6-slot segments, nor an odd one on a 2-slot grid.)"""
        if b - a > 4 * self.longest_segment:
            return True  # a long stretch always can: the grid reaches every break and the end
        if a == b:
            return True
        key = (a, b)
        if key not in self._tileable:
            self._tileable[key] = any(
                a + k <= b and self.tileable(a + k, b) for k in self.lengths_at.get(a, ())
            )
        return self._tileable[key]


class Greedy:
    """One greedy fill of a show: what is placed so far, and the tests a next option must pass."""

    def __init__(self, demand: Demand, layout: _Layout | None = None):
        layout = layout or _Layout(demand)
        self.d = demand
        self.show = demand.inputs.show
        self.rules = self.show.rules
        self.products = demand.inputs.products
        self.slot = demand.slot
        self.occupied: dict[int, Option] = {}  # slot -> option covering it
        self.chosen: list[Option] = []
        self.by_start = layout.by_start
        self.layout = layout
        self.first_slot = layout.first_slot
        self.longest = layout.longest
        self.best_value = layout.best_value
        self.promo_used: dict[str, float] = defaultdict(float)
        # Kept up to date by place/unplace, so that each check is O(1).
        self.by_sku: dict[str, list[Option]] = defaultdict(list)
        self.free_slots = demand.slots - len(demand.blocked)
        self.slack = 2 * max(self.longest.values(), default=0)
        self.capacity_left = sum(
            count * self.longest[sku] for sku, count in demand.max_airings.items()
        )
        self.units: dict[str, float] = defaultdict(float)
        self.collab_latest = layout.collab_latest
        # The fill's search: set again by each fill() (the repair searches deeper).
        self.budget, self.branch, self.heroes_due = FILL_STEPS, 4, False
        # The families' greedy tests (only those that have one: allowed() is the hot loop).
        self.tests = [
            f.greedy_allows for f in families() if type(f).greedy_allows is not Family.greedy_allows
        ]
        self.drop_tests = [
            f.greedy_allows_drop
            for f in families()
            if type(f).greedy_allows_drop is not Family.greedy_allows_drop
        ]

    # --- rule checks for one candidate ---
    def free(self, o: Option) -> bool:
        """Are all of `o`'s slots free of other segments and of breaks?"""
        return all(
            t not in self.occupied and t not in self.d.blocked for t in range(o.start, o.end)
        )

    def airings(self, sku: str) -> list[Option]:
        """The product's airings placed so far, in time order."""
        return self.by_sku[sku]

    def allowed(self, o: Option) -> bool:
        """May `o` be placed now: its airing is next, its slots are free, stock is left and
        every rule family's greedy test passes?"""
        previous = self.airings(o.sku)
        if o.airing != len(previous) + 1 or not self.free(o):
            return False
        if self.units[o.sku] + o.outcome.units > self.d.available[o.sku] + 1e-9:
            return False
        return all(test(self, o) for test in self.tests)

    def unplace(self, o: Option) -> None:
        """Take `o` back out, undoing place()'s bookkeeping."""
        self.by_sku[o.sku].remove(o)
        self._count(o, -1)
        self.chosen.remove(o)
        for t in range(o.start, o.end):
            del self.occupied[t]
        self.units[o.sku] -= o.outcome.units
        if o.mode.promotion:
            self.promo_used[o.mode.promotion] -= o.outcome.promo_units or 1

    def capacity_ok(self, o: Option) -> bool:
        """Enough airings remain to fill the free slots after this one (no dead air), with a
        margin: an encore counted in `capacity_left` may yet be kept off air by its repeat gap."""
        if self.show.allow_gaps:
            return True
        left = self.capacity_left
        if len(self.by_sku[o.sku]) < self.d.max_airings.get(o.sku, 0):
            left -= self.longest[o.sku]
        return left >= self.free_slots - o.slots + self.slack

    def _count(self, o: Option, sign: int) -> None:
        # Called before an append and after a remove: the count is the one without `o`.
        if len(self.by_sku[o.sku]) < self.d.max_airings.get(o.sku, 0):
            self.capacity_left -= sign * self.longest[o.sku]
        self.free_slots -= sign * o.slots

    def place(self, o: Option) -> None:
        """Put `o` in the plan, keeping occupancy, stock, promotions and capacity up to date."""
        self._count(o, 1)
        self.by_sku[o.sku].append(o)
        self.by_sku[o.sku].sort(key=lambda c: c.start)
        self.chosen.append(o)
        for t in range(o.start, o.end):
            self.occupied[t] = o
        self.units[o.sku] += o.outcome.units
        if o.mode.promotion:
            self.promo_used[o.mode.promotion] += o.outcome.promo_units or 1

    # --- building the plan ---
    def best(self, candidates: list[Option]) -> Option | None:
        """The allowed candidate of most value per slot (the lower index on a tie), or None."""
        allowed = [o for o in candidates if self.allowed(o)]
        return max(allowed, key=lambda o: (o.value_cents / o.slots, -o.index), default=None)

    def heroes(self) -> None:
        """Place the first hero in its window, a hero in the closing window, and the other heroes
        at the busiest minutes."""
        slot, minutes = self.slot, self.show.minutes
        heroes = [o for o in self.d.options if self.products[o.sku].role == "hero"]
        if not heroes:
            return
        first, encore = self.rules.first_hero, self.rules.hero_encore
        opening = (
            [
                o
                for o in heroes
                if o.airing == 1 and first.from_minute <= o.start * slot <= first.to_minute
            ]
            if first.enabled
            else []
        )
        closing = (
            [o for o in heroes if o.start * slot >= minutes - encore.last_minutes]
            if encore.enabled
            else []
        )
        # The best first hero that still leaves an encore possible (one hero with a repeat needs
        # its first airing early enough for the repeat gap).
        ranked_opening: list[Option | None] = [
            *sorted(
                (o for o in opening if self.allowed(o)),
                key=lambda o: (-o.value_cents / o.slots, o.index),
            )
        ] or [None]
        for pick in ranked_opening:
            if pick:
                self.place(pick)
            closer = self.best([o for o in closing if self.leaves_fillable(o)]) if closing else None
            if closer or not closing:
                if closer:
                    self.place(closer)
                break
            if pick:
                self.unplace(pick)
        # The remaining heroes go to the busiest minutes, best hero first.
        viewers = self.d.viewers
        aired = {o.sku for o in self.chosen}
        ranked = sorted(
            {o.sku for o in heroes} - aired,
            key=lambda sku: (-self.best_value[sku], sku),
        )
        firsts: dict[str, list[Option]] = defaultdict(list)
        for o in heroes:
            if o.airing == 1:
                firsts[o.sku].append(o)
        for sku in ranked:
            options = firsts[sku]
            options.sort(key=lambda o: (-viewers[o.start * slot], -o.value_cents, o.index))
            for o in options:
                if self.allowed(o) and self.leaves_fillable(o):
                    self.place(o)
                    break

    def opens(self, o: Option) -> bool:
        """Does `o` keep the opening rule: an opening role, starting at the first slot on air
        (`first`) or within `within_minutes`?"""
        rule = self.rules.opening
        return self.products[o.sku].role in rule.roles and rule.opens(
            o.start * self.slot, self.first_slot * self.slot
        )

    def opened(self) -> bool:
        """Is the opening rule kept by what is placed (or off)?"""
        return not self.rules.opening.enabled or any(self.opens(c) for c in self.chosen)

    def opener(self) -> None:
        """A traffic (or other opening-role) item opens the show, as the opening rule asks: the
        first segment with `first`, else one starting within `within_minutes`."""
        if self.opened():
            return
        candidates = [o for o in self.d.options if o.airing == 1 and self.opens(o)]
        candidates.sort(key=lambda o: (o.start, -o.value_cents / o.slots, o.index))
        for o in candidates:
            if self.allowed(o) and self.leaves_fillable(o):
                self.place(o)
                return

    def by_value(self, share: float = 1.0) -> None:
        """Products by value per minute, each at its default length in its most valuable free
        place, until `share` of the show is full: what a careful planner does with a
        spreadsheet (leaving the rest to be filled in order)."""
        inputs = self.d.inputs
        free = sum(
            1 for t in range(self.d.slots) if t not in self.occupied and t not in self.d.blocked
        )
        aired = {o.sku for o in self.chosen}
        firsts: dict[str, list[Option]] = defaultdict(list)
        for o in self.d.options:
            if o.airing == 1 and o.sku not in aired:
                firsts[o.sku].append(o)
        density = {
            sku: max(o.value_cents / o.slots for o in options) for sku, options in firsts.items()
        }
        keep_free = (1 - share) * free  # slots left for the fill
        for sku in sorted(firsts, key=lambda k: (-density[k], k)):
            if free <= keep_free or free <= 0:
                break
            default = inputs.segment_minutes(inputs.products[sku]).default // self.slot
            options = [
                o
                for o in firsts[sku]
                if o.slots <= free and self.allowed(o) and self.leaves_fillable(o)
            ]
            # The default length where enough airings remain to fill the show, else longer.
            pick = max(
                options,
                key=lambda o: (self.capacity_ok(o), o.slots == default, o.value_cents, -o.index),
                default=None,
            )
            if pick is not None:
                self.place(pick)
                free -= pick.slots

    def leaves_fillable(self, o: Option) -> bool:
        """Do not strand a free stretch that segments on the start grid cannot fill, on either
        side (a 5-slot gap when segments take 4 or 6 slots, as on a 2-minute start grid)."""
        if self.show.allow_gaps:
            return True
        # Scan no further than tileable() looks: a longer stretch counts as fillable.
        reach = 4 * self.layout.longest_segment + 1
        occupied, blocked = self.occupied, self.d.blocked
        first = o.start
        while (
            first > max(0, o.start - reach)
            and first - 1 not in occupied
            and first - 1 not in blocked
        ):
            first -= 1
        last = o.end
        end = min(self.d.slots, o.end + reach)
        while last < end and last not in occupied and last not in blocked:
            last += 1
        return self.layout.tileable(first, o.start) and self.layout.tileable(o.end, last)

    def fill(self, budget: int = FILL_STEPS, branch: int = 4, heroes_due: bool = False) -> bool:
        """Fill the free slots from the start; on a dead end, back up and try the next best
        choice (`branch` alternatives per step, within `budget` attempts). `heroes_due` (the
        repair's deeper fill) puts a hero first once a hero window is open and has none."""
        self.budget = budget
        self.branch = branch
        self.heroes_due = heroes_due
        return self._fill_from(0)

    def _fill_from(self, t: int) -> bool:
        while t < self.d.slots and (t in self.occupied or t in self.d.blocked):
            t += 1
        if t >= self.d.slots:
            # The repair's fill also backs up from a full sheet that misses a hero window.
            return not self.heroes_due or self._heroes_placed()
        self.budget -= 1
        if self.budget < 0:
            return False
        gap = 0
        while (
            t + gap < self.d.slots
            and t + gap not in self.occupied
            and t + gap not in self.d.blocked
        ):
            gap += 1
        # Only lengths that leave the rest of the gap fillable (no 2-slot remainder for 4-slot
        # segments, no slot off the start grid), unless gaps are allowed.
        candidates = [
            o
            for o in self.by_start.get(t, [])
            if o.slots <= gap
            and (self.show.allow_gaps or self.layout.tileable(t + o.slots, t + gap))
        ]
        if not self.opened():
            openers = [o for o in candidates if self.opens(o)]
            # With `first` an opener must take the first slot (the opening family's greedy
            # test refuses anything else there); within_minutes may still find one later.
            candidates = openers or ([] if self.rules.opening.first else candidates)
        must = self._must_air_now(t)
        if must:
            candidates = [o for o in candidates if o.sku in must] or candidates
        elif self.heroes_due and self._hero_due(t):
            candidates = [o for o in candidates if self._is_hero(o)] or candidates
        allowed = [o for o in candidates if self.allowed(o)]
        allowed.sort(key=lambda o: (not self.capacity_ok(o), -o.value_cents / o.slots, o.index))
        for pick in allowed[: self.branch]:
            self.place(pick)
            if self._fill_from(t + pick.slots):
                return True
            self.unplace(pick)
        if self.show.allow_gaps:
            return self._fill_from(t + 1)
        return False

    def _is_hero(self, o: Option) -> bool:
        return self.products[o.sku].role == "hero"

    def _hero_due(self, t: int) -> bool:
        """Is slot `t` inside the first-hero window with no hero yet, or inside the closing
        window with no hero starting there yet? (The strategies place heroes before the fill;
        a repair may have rubbed them out, and the fill alone does not know the windows.)"""
        minute = t * self.slot
        first, encore = self.rules.first_hero, self.rules.hero_encore
        heroes = [c for c in self.chosen if self._is_hero(c)]
        if first.enabled and not heroes and first.from_minute <= minute <= first.to_minute:
            return True
        closing = self.show.minutes - encore.last_minutes
        return (
            encore.enabled
            and minute >= closing
            and not any(c.start * self.slot >= closing for c in heroes)
        )

    def _heroes_placed(self) -> bool:
        """Do the placed heroes keep the first-hero and hero-encore windows (where the show has
        heroes)? The same reading as _hero_due's."""
        heroes = sorted(c.start * self.slot for c in self.chosen if self._is_hero(c))
        if not any(self._is_hero(o) for o in self.d.options):
            return True
        first, encore = self.rules.first_hero, self.rules.hero_encore
        if first.enabled and not (heroes and first.from_minute <= heroes[0] <= first.to_minute):
            return False
        closing = self.show.minutes - encore.last_minutes
        return not encore.enabled or any(m >= closing for m in heroes)

    def _must_air_now(self, t: int) -> set[str]:
        """Collab products whose window closes unless they start now."""
        return {
            sku
            for sku, latest in self.collab_latest.items()
            if not self.by_sku[sku] and t >= latest - 1
        }

    def seed(self) -> None:
        """What the rule families fix before anything else (a pinned slot, a collab's window)."""
        for family in families():
            family.greedy_seed(self)

    def solution(self, complete: bool) -> Solution:
        """The chosen segments and lucky-bag drops as a Solution, valued as the solver would."""
        drops = self.bags()
        options = tuple(sorted(o.index for o in self.chosen))
        value = sum(
            self.d.options[i].value_cents + self.d.options[i].preference_cents for i in options
        ) + sum(self.d.drops[i].value_cents for i in drops)
        plan = Solution(SolveStatus.NO_SOLUTION, options, tuple(drops), value)
        # "Feasible" only when the independent checker accepts it: filling every slot is not
        # enough (a window rule, a collab or the cadence may still be broken).
        if complete and keeps_rules(self.d, plan):
            return replace(plan, status=SolveStatus.FEASIBLE)
        return plan

    def bags(self) -> list[int]:
        """Lucky-bag drops every `max_gap_minutes`, each the most valuable bag left at the latest
        slot the cadence allows that every rule family's drop test passes (no drop in an
        uncovered break: those are not among the demand's drops at all)."""
        drops = self.d.drops
        if not drops:
            return []
        rule = self.rules.lucky_bag_cadence
        high = max(1, rule.max_gap_minutes // self.slot)
        low = max(1, math.ceil(rule.min_gap_minutes / self.slot))
        left = {p.id: p.count for p in self.show.promotions if p.type == "lucky_bag"}
        owed = {p.id for p in self.show.promotions if p.type == "lucky_bag" and p.required}
        by_start: dict[int, list[int]] = defaultdict(list)
        for i, drop in enumerate(drops):
            by_start[drop.start].append(i)
        # Slots from which a chain of drops, each low..high slots after the last, reaches the end
        # of the show through slots where some bag may drop: the latest slot is not always one
        # (a break where no bag may drop, right after it, leaves the cadence no way across).
        usable = {
            s
            for s, ids in by_start.items()
            if any(all(test(self, drops[i]) for test in self.drop_tests) for i in ids)
        }
        slots = self.d.slots
        reaches = [False] * (slots + high + 1)
        for s in range(slots - 1, -1, -1):
            if s in usable:
                ends = slots - s <= high
                reaches[s] = ends or any(
                    reaches[n] for n in range(s + low, min(s + high + 1, slots))
                )
        chosen: list[int] = []
        last = -high  # slot of the previous drop, as if one fell just before the show
        t = high - 1
        if self.d.bag_due is not None:  # the cadence began before the show (a replan's rest)
            last, t = self.d.bag_due - high, self.d.bag_due
        while t < self.d.slots:
            # The latest slot the next drop may take, then step back to one that has a bag left
            # and leads on to the end (any slot with a bag left, if none does).
            picked = None
            candidates = range(min(t, self.d.slots - 1), last + low - 1, -1)
            ordered = [s for s in candidates if reaches[s]] + [s for s in candidates]
            for s in ordered:
                options = [
                    i
                    for i in by_start.get(s, [])
                    if left[drops[i].promotion] > 0
                    and all(test(self, drops[i]) for test in self.drop_tests)
                ]
                if options:
                    # A required bag not yet drawn goes first (the team promised it).
                    picked = max(
                        options,
                        key=lambda i: (drops[i].promotion in owed, drops[i].value_cents, -i),
                    )
                    break
            if picked is None:
                break
            chosen.append(picked)
            left[drops[picked].promotion] -= 1
            owed.discard(drops[picked].promotion)
            last = drops[picked].start
            t = last + high
        return chosen


def keeps_rules(demand: Demand, solution: Solution) -> bool:
    """Does the independent checker accept this solution as a plan?"""
    from lqplan.plan.assemble import assemble
    from lqplan.verify.checker import check_plan

    plan = assemble(demand, solution, None, SolveSettings())
    return check_plan(demand.inputs, plan, demand).ok


# Ways a careful planner tries, best kept: the most valuable products placed first where they
# earn most (all of them, or only enough for part of the show, leaving more freedom to fill the
# rest), or the show filled in order from the start (with and without the opener first).
STRATEGIES: tuple[tuple[str, float], ...] = (
    ("by_value", 1.0),
    ("by_value", 0.6),
    ("by_value", 0.3),
    ("opener", 0.0),
    ("in_order", 0.0),
)


def greedy_plan(demand: Demand, deadline: float | None = None) -> Solution:
    """The hand-made baseline as a Solution (status FEASIBLE if it filled the show): the best
    complete plan of the STRATEGIES, each filling with a fixed budget of backtracking steps (a
    count, not a clock, so that the baseline is the same on any machine).

    With a `deadline` (a time.perf_counter() reading: a run under a wall clock), no further
    strategy is tried past it once one has filled the show."""
    best: Solution | None = None
    plan = Solution(SolveStatus.NO_SOLUTION)
    layout = _Layout(demand)
    drafts: list[Greedy] = []
    agreed: set[int] = set()
    for way, share in STRATEGIES:
        if best is not None and deadline is not None and time.perf_counter() > deadline:
            break
        g = Greedy(demand, layout)
        g.seed()
        agreed = {o.index for o in g.chosen}  # the same for every strategy
        if way != "in_order":
            g.opener()
        g.heroes()
        if way == "by_value":
            g.by_value(share)
        plan = g.solution(g.fill())
        drafts.append(g)
        # `or 0` only for the type: solution() always sets the objective.
        if plan.status == SolveStatus.FEASIBLE and (
            best is None or (plan.objective or 0) > (best.objective or 0)
        ):
            best = plan
    if best is None:
        # No strategy closed the sheet: repair the unfinished ones, as a person would
        # (lqplan/plan/repair.py); the strategies' plans are kept whenever one is complete.
        best = repair(drafts, agreed)
    return best or plan


def guided_plan(demand: Demand, weights: list[float]) -> Solution:
    """A complete plan that follows `weights` (an LP relaxation's values): options taken in
    order of weight, each if it keeps every rule, then the gaps filled as the baseline does."""
    g = Greedy(demand)
    g.seed()
    ranked = sorted(
        (o for o in demand.options if weights[o.index] > 0.05),
        key=lambda o: (-weights[o.index], -o.value_cents, o.index),
    )
    # An encore the LP ranks above its product's first airing is refused on the first pass
    # (airings are placed in order): passes go on while one places something, so that it
    # comes in once the first airing has (on large shows, the rounding's main loss).
    pending = ranked
    while pending:
        left = []
        for o in pending:
            if g.allowed(o) and g.leaves_fillable(o):
                g.place(o)
            else:
                left.append(o)
        if len(left) == len(pending):
            break
        pending = left
    g.opener()
    g.heroes()
    return g.solution(g.fill())
