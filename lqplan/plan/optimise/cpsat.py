"""The CP-SAT model of a show: time-indexed 0/1 options (see ../shared/SOLVER_NOTES.md).

One boolean per Option (product, airing, mode, start slot, length) and one per lucky-bag drop;
every rule is linear in them. Each rule family is one method with a one-line docstring. When
`explain` is set, each rule group is guarded by an enforcement literal so that an infeasible show
can be explained by the smallest set of rules CP-SAT finds in conflict.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from ortools.sat.python import cp_model

from lqplan.plan.demand import Demand, Option
from lqplan.plan.result import SolveSettings
from lqplan.show.model import format_clock


def _centi(units: float) -> int:
    """Units in hundredths, rounded up: a cap the solver keeps is then kept exactly too."""
    return math.ceil(units * 100 - 1e-9)


def solver_parameters(solver: cp_model.CpSolver, settings: SolveSettings) -> None:
    """CP-SAT's parameters for a solve of `settings.time_limit` (the full model or a window)."""
    params = solver.parameters
    params.num_workers = settings.worker_count
    params.catch_sigint_signal = False  # Python's handler stops the search (solve(), lns.py)
    params.random_seed = settings.seed
    params.cp_model_presolve = False  # measured: presolve's probing costs more than it gives here
    params.relative_gap_limit = settings.relative_gap_limit
    if settings.deterministic:
        # Reproducible to the byte on any machine: one worker (worker_count) and a budget in
        # deterministic time, not wall time. Measured here, one LP-guided worker beat
        # interleave_search with two (SOLVER_NOTES.md's suggestion): beauty-douyin optimal in
        # 1 s against a 0.8% gap. The wall-clock cap is only a safety valve.
        params.max_deterministic_time = settings.time_limit
        params.max_time_in_seconds = settings.time_limit * 20
    else:
        params.max_time_in_seconds = settings.time_limit


# Ordered option sets up to this many pairs get a row per clashing pair instead of running sums.
PAIRWISE = 256


class ShowModel:
    """Variables, constraints and objective for one Demand."""

    def __init__(self, demand: Demand, *, explain: bool = False, model: Any = None):
        self.demand = demand
        self.inputs = demand.inputs
        self.show = demand.inputs.show
        self.rules = demand.inputs.show.rules
        self.products = demand.inputs.products
        self.explain = explain
        # `model` may be an LP adapter with the same methods (optimise/lp.py).
        self.model = model if model is not None else cp_model.CpModel()
        # Sums through LinearExpr.sum/weighted_sum: Python's sum() of 100k terms is much slower.
        self.linear = getattr(self.model, "linear_expr", cp_model.LinearExpr)
        self.x = [self.model.NewBoolVar(f"o{o.index}") for o in demand.options]
        self.z = [self.model.NewBoolVar(f"b{i}") for i in range(len(demand.drops))]
        # Auxiliary 0/1 variables, each the sum of earlier aux `previous` (or 0) plus options
        # `indices`: (variable, previous aux position or -1, indices). A hint sets them too.
        self.aux: list[tuple[Any, int, list[int]]] = []
        self.literals: dict[str, tuple[cp_model.IntVar, str]] = {}
        self._index()
        for name in (
            "_occupancy",
            "_airings",
            "_stock",
            "_opening",
            "_first_hero",
            "_hero_encore",
            "_no_back_to_back",
            "_pins",
            "_precedence",
            "_repeats",
            "_exclusions",
            "_collabs",
            "_promotion_use",
            "_flash_sale_spacing",
            "_lucky_bags",
            "_host_stretch",
        ):
            getattr(self, name)()
        self._objective()

    # --- bookkeeping ---
    def _index(self) -> None:
        d = self.demand
        self.cover: list[list[int]] = [[] for _ in range(d.slots)]
        self.by_airing: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.by_promotion: dict[str, list[int]] = defaultdict(list)
        for o in d.options:
            for t in range(o.start, o.end):
                self.cover[t].append(o.index)
            self.by_airing[(o.sku, o.airing)].append(o.index)
            if o.mode.promotion:
                self.by_promotion[o.mode.promotion].append(o.index)

    def _lit(self, rule_id: str, text: str) -> cp_model.IntVar | None:
        """The enforcement literal of a rule group (only when explaining infeasibility)."""
        if not self.explain:
            return None
        if rule_id not in self.literals:
            self.literals[rule_id] = (self.model.NewBoolVar(f"rule:{rule_id}"), text)
        return self.literals[rule_id][0]

    def _add(self, constraint: cp_model.Constraint, lit: cp_model.IntVar | None) -> None:
        if lit is not None:
            constraint.OnlyEnforceIf(lit)

    def _sum(self, indices: Iterable[int]) -> cp_model.LinearExprT:
        return self.linear.sum([self.x[i] for i in indices])

    def _options(self, predicate) -> list[int]:  # type: ignore[no-untyped-def]
        return [o.index for o in self.demand.options if predicate(o)]

    def _running(self, steps: Sequence[list[int]]) -> list[Any]:
        """0/1 variables r_k = Σ options in steps[0..k]: running sums, one row each, so that a
        rule over every prefix costs O(slots + options) nonzeros (the LP is unchanged)."""
        out: list[Any] = []
        for new in steps:
            var = self.model.NewBoolVar(f"run{len(self.aux)}")
            previous = len(self.aux) - 1 if out else -1
            rhs = [self.x[i] for i in new] + ([out[-1]] if out else [])
            self.model.Add(var == self.linear.sum(rhs))
            self.aux.append((var, previous, list(new)))
            out.append(var)
        return out

    def add_hint(self, options: set[int], drops: set[int]) -> None:
        """Hint a complete plan, given by its chosen option and bag-drop indices: every option,
        every drop and every auxiliary variable (each the running sum of earlier ones)."""
        for i, var in enumerate(self.x):
            self.model.AddHint(var, i in options)
        for i, var in enumerate(self.z):
            self.model.AddHint(var, i in drops)
        values: list[bool] = []
        for var, previous, indices in self.aux:
            value = (previous >= 0 and values[previous]) or any(i in options for i in indices)
            values.append(value)
            self.model.AddHint(var, value)

    def _role(self, option: Option) -> str:
        return self.products[option.sku].role

    # --- rules ---
    def _occupancy(self) -> None:
        """Segments never overlap; without allow_gaps every minute outside breaks is on air."""
        lit = (
            None
            if self.show.allow_gaps
            else self._lit(
                "no_dead_air", "every minute outside breaks is on air (allow_gaps is off)"
            )
        )
        for t, covering in enumerate(self.cover):
            if t in self.demand.blocked:
                continue
            if self.show.allow_gaps:
                self.model.AddAtMostOne(self.x[i] for i in covering)
            elif self.explain:
                self.model.AddAtMostOne(self.x[i] for i in covering)
                self._add(self.model.Add(self._sum(covering) >= 1), lit)
            else:
                self.model.AddExactlyOne(self.x[i] for i in covering)

    def _airings(self) -> None:
        """Each product airs at most once per airing number, and airing k+1 only after k."""
        for (sku, airing), indices in self.by_airing.items():
            self.model.AddAtMostOne(self.x[i] for i in indices)
            if airing > 1:
                self.model.Add(self._sum(indices) <= self._sum(self.by_airing[(sku, airing - 1)]))

    def _stock(self) -> None:
        """A product that airs more than once never sells more than its stock less the reserve."""
        for sku, count in self.demand.max_airings.items():
            if count < 2:
                continue
            indices = [i for a in range(1, count + 1) for i in self.by_airing[(sku, a)]]
            lit = self._lit(f"stock-{sku}", f"stock of {sku} with the reserve")
            units = [_centi(self.demand.options[i].outcome.units) for i in indices]
            self._add(
                self.model.Add(
                    self.linear.weighted_sum([self.x[i] for i in indices], units)
                    <= self.demand.available[sku] * 100
                ),
                lit,
            )

    def _opening(self) -> None:
        """An opening-role product starts within the first `within_minutes`."""
        rule = self.rules.opening
        if not rule.enabled:
            return
        slot = self.demand.slot
        roles = set(rule.roles)
        indices = self._options(
            lambda o: rule.opens_in_time(o.start * slot) and self._role(o) in roles
        )
        lit = self._lit(
            rule.id, f"a {'/'.join(rule.roles)} item must open within {rule.within_minutes} minutes"
        )
        self._add(self.model.Add(self._sum(indices) >= 1), lit)

    def _heroes(self) -> bool:
        return any(p.role == "hero" for p in self.products.values())

    def _first_hero(self) -> None:
        """The first hero starts inside its window; no hero starts before it."""
        rule = self.rules.first_hero
        if not rule.enabled or not self._heroes():
            return
        slot = self.demand.slot
        early = self._options(
            lambda o: self._role(o) == "hero" and o.start * slot < rule.from_minute
        )
        inside = self._options(
            lambda o: (
                self._role(o) == "hero" and rule.from_minute <= o.start * slot <= rule.to_minute
            )
        )
        lit = self._lit(
            rule.id,
            f"the first hero must start between minute {rule.from_minute} "
            f"and minute {rule.to_minute}",
        )
        self._add(self.model.Add(self._sum(inside) >= 1), lit)
        if early:
            self._add(self.model.Add(self._sum(early) == 0), lit)

    def _hero_encore(self) -> None:
        """A hero starts within the last `last_minutes` of the show."""
        rule = self.rules.hero_encore
        if not rule.enabled or not self._heroes():
            return
        slot, minutes = self.demand.slot, self.show.minutes
        late = self._options(
            lambda o: self._role(o) == "hero" and o.start * slot >= minutes - rule.last_minutes
        )
        lit = self._lit(rule.id, f"a hero must air in the last {rule.last_minutes} minutes")
        self._add(self.model.Add(self._sum(late) >= 1), lit)

    def _no_back_to_back(self) -> None:
        """Two products of the same category (or brand) never air back to back."""
        rule = self.rules.no_back_to_back
        keys = []
        if rule.category:
            keys.append(("category", lambda sku: self.products[sku].category))
        if rule.brand:
            keys.append(("brand", lambda sku: self.products[sku].brand))
        lit = self._lit(rule.id, "no same " + " or ".join(k for k, _ in keys) + " back to back")
        for _name, key in keys:
            ending: dict[tuple[int, object], list[int]] = defaultdict(list)
            starting: dict[tuple[int, object], list[int]] = defaultdict(list)
            for o in self.demand.options:
                value = key(o.sku)
                if value is None:
                    continue
                ending[(o.end, value)].append(o.index)
                starting[(o.start, value)].append(o.index)
            for boundary_key, ends in ending.items():
                starts = starting.get(boundary_key)
                if starts:
                    self._add(self.model.Add(self._sum(ends) + self._sum(starts) <= 1), lit)

    def _pins(self) -> None:
        """A pinned product starts exactly at its pinned time."""
        for pin in self.rules.pins:
            start = self.show.offset(pin.at) // self.demand.slot
            indices = self._options(lambda o, p=pin, s=start: o.sku == p.sku and o.start == s)
            lit = self._lit(pin.rule_id, f"pin {pin.sku} at {format_clock(pin.at)}")
            self._add(self.model.Add(self._sum(indices) == 1), lit)

    def _ordered(
        self,
        first: Sequence[int],
        second: Sequence[int],
        release: dict[int, int],
        lit: cp_model.IntVar | None,
    ) -> None:
        """No option of `second` starts before the release slot of a chosen option of `first`."""
        options = self.demand.options
        if not first or not second:
            return
        if len(first) * len(second) <= PAIRWISE:
            # Few options (a window of the window search, where most products are fixed): one
            # row per clashing pair is smaller than two running sums over the whole show.
            for i in first:
                for j in second:
                    if options[j].start < release[i]:
                        self._add(self.model.Add(self.x[i] + self.x[j] <= 1), lit)
            return
        lo = min(options[i].start for i in second)  # before lo, no `second` has started
        hi = min(self.demand.slots, max(release[i] for i in first)) - 1  # after hi, all released
        if lo > hi:
            return
        # started[t] = Σ `second` starting at or before t; pending[t] = Σ `first` released
        # after t; for every t, started[t] + pending[t] <= 1.
        starting: dict[int, list[int]] = defaultdict(list)
        for i in second:
            starting[max(lo, options[i].start)].append(i)
        releasing: dict[int, list[int]] = defaultdict(list)
        for i in first:
            releasing[min(hi, release[i] - 1)].append(i)
        started = self._running([starting.get(t, []) for t in range(lo, hi + 1)])
        pending = self._running([releasing.get(t, []) for t in range(hi, lo - 1, -1)])[::-1]
        for now, waiting in zip(started, pending, strict=True):
            self._add(self.model.Add(now + waiting <= 1), lit)

    def _precedence(self) -> None:
        """If both air, `before` starts before `after` (first airings)."""
        for rule in self.rules.precedence:
            first = self.by_airing.get((rule.before, 1), [])
            second = self.by_airing.get((rule.after, 1), [])
            release = {i: self.demand.options[i].start + 1 for i in first}
            lit = self._lit(rule.rule_id, f"{rule.before} must air before {rule.after}")
            self._ordered(first, second, release, lit)

    def _repeats(self) -> None:
        """An encore starts at least `min_gap_minutes` after the previous airing ends."""
        for rule in self.rules.repeats:
            gap = math.ceil(rule.min_gap_minutes / self.demand.slot)
            lit = self._lit(
                rule.rule_id, f"encores of {rule.sku} at least {rule.min_gap_minutes} minutes apart"
            )
            for airing in range(2, rule.max_airings + 1):
                first = self.by_airing.get((rule.sku, airing - 1), [])
                second = self.by_airing.get((rule.sku, airing), [])
                release = {i: self.demand.options[i].end + gap for i in first}
                self._ordered(first, second, release, lit)

    def _exclusions(self) -> None:
        """At most one product of an exclusion group airs."""
        for rule in self.rules.exclusions:
            indices = [i for sku in rule.skus for i in self.by_airing.get((sku, 1), [])]
            lit = self._lit(rule.rule_id, "only one of " + ", ".join(rule.skus) + " may air")
            self._add(self.model.Add(self._sum(indices) <= 1), lit)

    def _collabs(self) -> None:
        """A co-branded product airs, inside its contract window (options are pre-filtered)."""
        for promo in self.show.promotions:
            if promo.type != "collab":
                continue
            indices = self.by_airing.get((promo.sku, 1), [])
            lit = self._lit(
                promo.id,
                f"collab {promo.sku} with {promo.partner} must air "
                f"{format_clock(promo.window.from_)}–"
                f"{format_clock(promo.window.to)}",
            )
            self._add(self.model.Add(self._sum(indices) == 1), lit)

    def _promotion_use(self) -> None:
        """A flash sale runs once; gift units and coupon budgets are shared by every use."""
        for promotion, indices in self.by_promotion.items():
            mode = self.demand.options[indices[0]].mode
            if mode.kind == "flash_sale":
                self.model.AddAtMostOne(self.x[i] for i in indices)
            elif mode.units_cap is not None:
                lit = self._lit(promotion, f"{mode.kind} {promotion} units or budget")
                units = [_centi(self.demand.options[i].outcome.promo_units) for i in indices]
                self._add(
                    self.model.Add(
                        self.linear.weighted_sum([self.x[i] for i in indices], units)
                        <= mode.units_cap * 100
                    ),
                    lit,
                )

    def _flash_sale_spacing(self) -> None:
        """Flash sales start at least `min_gap_minutes` apart."""
        rule = self.rules.flash_sale_spacing
        width = math.ceil(rule.min_gap_minutes / self.demand.slot)
        flash = [o for o in self.demand.options if o.mode.kind == "flash_sale"]
        if width <= 1 or not flash:
            return
        lit = self._lit(rule.id, f"flash sales at least {rule.min_gap_minutes} minutes apart")
        for s in range(self.demand.slots):
            inside = [o.index for o in flash if s <= o.start < s + width]
            if len({self.demand.options[i].mode.promotion for i in inside}) > 1:
                self._add(self.model.Add(self._sum(inside) <= 1), lit)

    def _lucky_bags(self) -> None:
        """Lucky bags drop every min..max gap minutes, each kind at most `count` times."""
        drops = self.demand.drops
        if not drops:
            return
        rule = self.rules.lucky_bag_cadence
        slot, slots = self.demand.slot, self.demand.slots
        counts = {p.id: p.count for p in self.show.promotions if p.type == "lucky_bag"}
        for kind, count in counts.items():
            self.model.Add(
                sum(self.z[i] for i, d in enumerate(drops) if d.promotion == kind) <= count
            )
        lit = self._lit(
            rule.id,
            f"a lucky bag every {rule.min_gap_minutes}–"
            f"{rule.max_gap_minutes} minutes ({sum(counts.values())} "
            "drops in the lucky_bag promotions)",
        )
        at_start: dict[int, list[int]] = defaultdict(list)
        for i, drop in enumerate(drops):
            at_start[drop.start].append(i)
        low = max(1, math.ceil(rule.min_gap_minutes / slot))
        high = max(1, rule.max_gap_minutes // slot)
        for s in range(slots):
            window = [i for t in range(s, min(slots, s + low)) for i in at_start.get(t, [])]
            if len(window) > 1:
                self._add(self.model.Add(sum(self.z[i] for i in window) <= 1), lit)
        for s in range(0, max(0, slots - high) + 1):
            window = [i for t in range(s, s + high) for i in at_start.get(t, [])]
            self._add(self.model.Add(sum(self.z[i] for i in window) >= 1), lit)

    def _host_stretch(self) -> None:
        """No host is on air longer than max_stretch_minutes without a break or a pause."""
        slot = self.demand.slot
        for host in self.show.hosts:
            width = host.max_stretch_minutes // slot + 1  # slots that would be one too many
            windows = [
                (
                    self.show.offset(w.from_) // slot,
                    (self.show.offset(w.to) or self.show.minutes) // slot,
                )
                for w in host.shifts
            ] or [(0, self.demand.slots)]
            lit = self._lit(
                f"host-{host.name}",
                f"{host.name} on air at most {host.max_stretch_minutes} minutes at a stretch",
            )
            for lo, hi in windows:
                for s in range(lo, hi - width + 1):
                    span = range(s, s + width)
                    if any(t in self.demand.blocked for t in span):
                        continue  # a break inside the window is the pause
                    # Each option counts once per slot it covers in the window.
                    weights: dict[int, int] = defaultdict(int)
                    for t in span:
                        for i in self.cover[t]:
                            weights[i] += 1
                    self._add(
                        self.model.Add(sum(w * self.x[i] for i, w in weights.items()) <= width - 1),
                        lit,
                    )

    def _objective(self) -> None:
        """Maximise expected money (profit or GMV) plus the soft rules' small preferences."""
        coefficients = [o.value_cents + o.preference_cents for o in self.demand.options]
        coefficients += [d.value_cents for d in self.demand.drops]
        self.model.Maximize(self.linear.weighted_sum([*self.x, *self.z], coefficients))
