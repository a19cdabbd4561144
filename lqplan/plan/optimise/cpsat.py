"""The CP-SAT model of a show: time-indexed 0/1 options (docs/model.md says why this form).

One boolean per Option (product, airing, mode, start slot, length) and one per lucky-bag drop;
every rule is linear in them. The model's own rows (occupancy, airings, stock, hosts' stretches)
are methods here; each rule family adds its rows from its module in lqplan/rules/ through the
public methods below (`lit`, `require`, `sum_of`, `options_where`, `ordered`). When
`explain` is set, each rule group is guarded by an enforcement literal so that an infeasible show
can be explained by the smallest set of rules CP-SAT finds in conflict.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from ortools.sat.python import cp_model

from lqplan.plan.demand import Demand, Option
from lqplan.plan.result import SolveSettings
from lqplan.rules import families


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
        # interleave_search with two (also reproducible, but weaker): beauty-douyin optimal in
        # 1 s against a 0.8% gap. The wall-clock cap is only a safety valve.
        params.max_deterministic_time = settings.time_limit
        params.max_time_in_seconds = settings.time_limit * 20
    else:
        params.max_time_in_seconds = settings.time_limit


# A model variable or a sum of them: CP-SAT's IntVar and LinearExpr, or model_builder's in the
# LP adapter (lp.py). The two libraries' types share no base, and the rows only need + * and
# comparisons of them, so they are Any here.
Var = Any
Expr = Any


class Row(Protocol):
    """What ShowModel does with an added constraint: enforce it by a rule's literal."""

    def OnlyEnforceIf(self, *literals: Any) -> None:
        """Keep the constraint only when the literals are true (explain's rule groups)."""


class Rows(Protocol):
    """The model methods ShowModel builds with: CP-SAT's CpModel, or the LP adapter (lp.py)."""

    def new_bool_var(self, name: str) -> Var:
        """A new 0/1 variable."""

    def add(self, ct: Any, /) -> Row:
        """Add a linear comparison of variables as a row."""

    def add_at_most_one(self, literals: Iterable[Var], /) -> Row:
        """At most one of the variables is 1."""

    def add_exactly_one(self, literals: Iterable[Var], /) -> Row:
        """Exactly one of the variables is 1."""

    def add_hint(self, var: Var, value: bool, /) -> None:
        """Suggest the variable's value to the search."""

    def maximize(self, obj: Expr, /) -> None:
        """Set the objective."""


# Ordered option sets up to this many pairs get a row per clashing pair instead of running sums.
PAIRWISE = 256


class ShowModel:
    """Variables, constraints and objective for one Demand, built into `model`: a CpModel the
    caller then solves, or the LP adapter (optimise/lp.py) for the relaxation."""

    def __init__(self, demand: Demand, model: Rows, *, explain: bool = False) -> None:
        self.demand = demand
        self.inputs = demand.inputs
        self.show = demand.inputs.show
        self.rules = demand.inputs.show.rules
        self.products = demand.inputs.products
        self.explain = explain
        self.model = model
        # Sums through LinearExpr.sum/weighted_sum: Python's sum() of 100k terms is much slower.
        self.linear = getattr(self.model, "linear_expr", cp_model.LinearExpr)
        self.x = [self.model.new_bool_var(f"o{o.index}") for o in demand.options]
        self.z = [self.model.new_bool_var(f"b{i}") for i in range(len(demand.drops))]
        # Auxiliary 0/1 variables, each the sum of earlier aux `previous` (or 0) plus options
        # `indices`: (variable, previous aux position or -1, indices). A hint sets them too.
        self.aux: list[tuple[Var, int, list[int]]] = []
        self.literals: dict[str, tuple[cp_model.IntVar, str]] = {}
        self._index()
        # The model's own rows first (one segment at a time, airings in order, stock), then
        # each rule family's (lqplan/rules/), then the hosts' stretches.
        self._occupancy()
        self._airings()
        self._stock()
        for family in families():
            family.constrain(self)
        self._host_stretch()
        self._objective()

    # --- bookkeeping ---
    def _index(self) -> None:
        d = self.demand
        self.cover: list[list[int]] = [[] for _ in range(d.slots)]
        by_airing: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.by_promotion: dict[str, list[int]] = defaultdict(list)
        # A loop, not numpy: numpy's lists would hold new int objects, not the options' own
        # indices (+32 MB on XL, whose slot covers hold 1.6M entries, for 0.1 s saved on L).
        for o in d.options:
            for t in range(o.start, o.end):
                self.cover[t].append(o.index)
            by_airing[(o.sku, o.airing)].append(o.index)
            if o.mode.promotion:
                self.by_promotion[o.mode.promotion].append(o.index)
        # A plain dict, read with .get: a subset of the options (a window's, or
        # restricted.windows_on_set's) may hold a product's encore without its first airing,
        # and a lookup must neither add a key (to the dict _airings walks) nor fail.
        self.by_airing: dict[tuple[str, int], list[int]] = dict(by_airing)

    def lit(self, rule_id: str, text: str) -> cp_model.IntVar | None:
        """The enforcement literal of a rule group (only when explaining infeasibility)."""
        if not self.explain:
            return None
        if rule_id not in self.literals:
            self.literals[rule_id] = (self.model.new_bool_var(f"rule:{rule_id}"), text)
        return self.literals[rule_id][0]

    def _add(self, constraint: Row, lit: cp_model.IntVar | None) -> None:
        if lit is not None:
            constraint.OnlyEnforceIf(lit)

    def require(self, condition: Expr, lit: cp_model.IntVar | None) -> None:
        """Add the linear `condition` as a row, enforced by the rule's literal when explaining."""
        self._add(self.model.add(condition), lit)

    def require_at_most_one(self, indices: list[int], lit: cp_model.IntVar | None) -> None:
        """Σ x[i] for i in `indices` <= 1, as a linear row: CP-SAT gets the same linear
        constraint as `require(sum_of(...) <= 1)` writes; the LP gets it straight into its matrix
        (LpAdapter.add_at_most_one, whose rows are linear), without building the sum as an
        expression first (most of the no-back-to-back family's time in an L show's LP build).
        CP-SAT's own at-most-one is another kind of constraint, so it keeps the linear row."""
        if lit is None and not isinstance(self.model, cp_model.CpModel):
            self.model.add_at_most_one([self.x[i] for i in indices])
        else:
            self.require(self.sum_of(indices) <= 1, lit)

    def has_heroes(self) -> bool:
        """Does the catalog have a hero product (the hero rules apply only then)?"""
        return any(p.role == "hero" for p in self.products.values())

    @staticmethod
    def centi(units: float) -> int:
        """Units in hundredths, rounded up (the unit of the solver's stock and budget rows)."""
        return _centi(units)

    def sum_of(self, indices: Iterable[int]) -> Expr:
        """The sum of the options `indices`' variables."""
        return self.linear.sum([self.x[i] for i in indices])

    def options_where(self, predicate: Callable[[Option], bool]) -> list[int]:
        """The indices of the options for which `predicate` holds."""
        return [o.index for o in self.demand.options if predicate(o)]

    def _running(self, steps: Sequence[list[int]]) -> list[Var]:
        """0/1 variables r_k = Σ options in steps[0..k]: running sums, one row each, so that a
        rule over every prefix costs O(slots + options) nonzeros (the LP is unchanged)."""
        out: list[Var] = []
        for new in steps:
            var = self.model.new_bool_var(f"run{len(self.aux)}")
            previous = len(self.aux) - 1 if out else -1
            rhs = [self.x[i] for i in new] + ([out[-1]] if out else [])
            self.model.add(var == self.linear.sum(rhs))
            self.aux.append((var, previous, list(new)))
            out.append(var)
        return out

    def add_hint(self, options: set[int], drops: set[int]) -> None:
        """Hint a complete plan, given by its chosen option and bag-drop indices: every option,
        every drop and every auxiliary variable (each the running sum of earlier ones)."""
        values = [i in options for i in range(len(self.x))]
        values += [i in drops for i in range(len(self.z))]
        aux: list[bool] = []
        for _var, previous, indices in self.aux:
            aux.append((previous >= 0 and aux[previous]) or any(i in options for i in indices))
        variables = [*self.x, *self.z, *(var for var, _, _ in self.aux)]
        values += aux
        if isinstance(self.model, cp_model.CpModel):
            # Into the model's proto in two calls: CpModel.add_hint appends one variable at a
            # time, 12 % of a window search's model building on 300 × 240. Every variable here
            # is a plain 0/1 one (a positive index), as add_hint would write it.
            hint = self.model.proto.solution_hint
            hint.vars.extend([var.index for var in variables])
            hint.values.extend([int(value) for value in values])
            return
        for var, value in zip(variables, values, strict=True):
            self.model.add_hint(var, value)

    def role(self, option: Option) -> str:
        """The role (traffic, hero...) of the option's product."""
        return self.products[option.sku].role

    # --- rules ---
    def _occupancy(self) -> None:
        """Segments never overlap; without allow_gaps every minute outside breaks is on air."""
        lit = (
            None
            if self.show.allow_gaps
            else self.lit(
                "no_dead_air", "every minute outside breaks is on air (allow_gaps is off)"
            )
        )
        for t, covering in enumerate(self.cover):
            if t in self.demand.blocked:
                continue
            if self.show.allow_gaps:
                self.model.add_at_most_one(self.x[i] for i in covering)
            elif self.explain:
                self.model.add_at_most_one(self.x[i] for i in covering)
                self._add(self.model.add(self.sum_of(covering) >= 1), lit)
            else:
                self.model.add_exactly_one(self.x[i] for i in covering)

    def _airings(self) -> None:
        """Each product airs at most once per airing number, and airing k+1 only after k."""
        for (sku, airing), indices in self.by_airing.items():
            self.model.add_at_most_one(self.x[i] for i in indices)
            if airing > 1:
                # No options for airing k-1 (a subset's): airing k cannot air.
                before = self.by_airing.get((sku, airing - 1), [])
                self.model.add(self.sum_of(indices) <= self.sum_of(before))

    def _stock(self) -> None:
        """A product that airs more than once never sells more than its stock less the reserve."""
        for sku, count in self.demand.max_airings.items():
            if count < 2:
                continue
            indices = [i for a in range(1, count + 1) for i in self.by_airing.get((sku, a), [])]
            lit = self.lit(f"stock-{sku}", f"stock of {sku} with the reserve")
            units = [_centi(self.demand.options[i].outcome.units) for i in indices]
            self._add(
                self.model.add(
                    self.linear.weighted_sum([self.x[i] for i in indices], units)
                    <= self.demand.available[sku] * 100
                ),
                lit,
            )

    def ordered(
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
                        self._add(self.model.add(self.x[i] + self.x[j] <= 1), lit)
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
            self._add(self.model.add(now + waiting <= 1), lit)

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
            lit = self.lit(
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
                        self.model.add(sum(w * self.x[i] for i, w in weights.items()) <= width - 1),
                        lit,
                    )

    def _objective(self) -> None:
        """Maximise expected money (profit or GMV) plus the soft rules' small preferences."""
        coefficients = [o.value_cents + o.preference_cents for o in self.demand.options]
        coefficients += [d.value_cents for d in self.demand.drops]
        variables = [*self.x, *self.z]
        if isinstance(self.model, cp_model.CpModel):
            # Written as CpModel.maximize writes it (negated, scaling -1), without its loop
            # over the terms in Python: 15 % of a window's model building on 300 × 240.
            objective = self.model.proto.objective
            objective.vars.extend([var.index for var in variables])
            objective.coeffs.extend([-c for c in coefficients])
            objective.scaling_factor = -1.0
            objective.offset = 0
            return
        # The LP adapter writes the terms straight in (lp.py; lp imports this module, so it is
        # not imported here to check its type).
        terms = getattr(self.model, "maximize_terms", None)
        if terms is not None:
            terms(variables, coefficients)
            return
        self.model.maximize(self.linear.weighted_sum(variables, coefficients))
