"""The LP relaxation of the show model, solved with GLOP, to guide a strong first plan.

This model's LP bound lies within about 1% of the best plans found (measured up to 300 products
× 240 slots, docs/model.md). Its fractional
solution says which options belong in a good plan; the baseline's placement machinery then
rounds it into a complete plan that keeps every rule, which seeds CP-SAT far above the greedy
hint (on the marathon sample CP-SAT alone needs ~20 s on 2 cores to get there).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Literal, NamedTuple

from ortools.linear_solver.python import model_builder as mb

from lqplan.io.collector import collector_paused
from lqplan.plan.demand import Demand

# GLOP's dual simplex, measured on this machine: 300 products × 240 slots (144k–152k options)
# 10.1 → 6.1 s and 10.6 → 8.4 s; the marathon sample (38k) 0.86 → 1.30 s. So: above this size.
DUAL_SIMPLEX_FROM = 100_000


class _Constraint:
    """What ShowModel may call on a constraint; enforcement literals do not exist in the LP."""

    def OnlyEnforceIf(self, *_: Any) -> None:
        """Nothing: the LP is built without explain's rule literals."""
        return None


class LpAdapter:
    """The subset of CpModel's interface that ShowModel uses (cpsat.Rows), over a model_builder
    LP: the same rows, with 0/1 variables relaxed to [0, 1]."""

    linear_expr = mb.LinearExpr

    def __init__(self, cancelled: threading.Event | None = None) -> None:
        self.model = mb.Model()  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        self.helper = self.model.helper
        self.infeasible = False
        # Set from another thread (LpJob.stop): the build stops at its next row.
        self.cancelled = cancelled

    def new_bool_var(self, name: str) -> mb.Variable:
        """A variable in [0, 1] in place of a 0/1 one, unnamed: GLOP reads no names, and 390k
        of them on the XL rung were memory for nothing."""
        del name
        # As new_num_var(0, 1, None) makes it, without its two Python calls (0.15 s on L).
        return mb.Variable(self.helper, 0.0, 1.0, False)

    def add(self, constraint: Any, /) -> _Constraint:
        """Add a row; a comparison that folded to a constant marks the LP infeasible if false."""
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled
        if isinstance(constraint, bool):  # an empty sum compared with a constant
            self.infeasible |= not constraint
        else:
            self.model.add(constraint)
        return _Constraint()

    def add_at_most_one(self, variables: Iterable[Any], /) -> _Constraint:
        """Σ variables <= 1."""
        return self._unit_row(variables, -math.inf)

    def add_exactly_one(self, variables: Iterable[Any], /) -> _Constraint:
        """Σ variables == 1."""
        return self._unit_row(variables, 1.0)

    def _unit_row(self, variables: Iterable[Any], lower: float) -> _Constraint:
        """lower <= Σ variables <= 1, written straight into the model: summing the expression
        first cost 5 of the 13 s of XL's LP build. The terms go in by variable index, as a
        summed expression's do (a repeated one counted as often), so the model is the same to
        the bit."""
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled
        listed = list(variables)
        indices = [v.index for v in listed]
        if all(a < b for a, b in itertools.pairwise(indices)):
            # Each variable once, in index order already (a slot's or an airing's options, as
            # ShowModel lists them): the terms as they are, without merging (a third of the
            # LP's build on 300 × 240).
            ordered = listed
            coefficients = [1.0] * len(listed)
        else:
            terms: dict[int, tuple[Any, float]] = {}
            for v in listed:
                terms[v.index] = (v, terms[v.index][1] + 1.0 if v.index in terms else 1.0)
            ordered = [terms[i][0] for i in sorted(terms)]
            coefficients = [terms[i][1] for i in sorted(terms)]
        if not ordered:
            self.infeasible |= lower > 0
            return _Constraint()
        helper = self.helper
        row = helper.add_linear_constraint()
        helper.add_terms_to_constraint(row, ordered, coefficients)
        helper.set_constraint_lower_bound(row, lower)
        helper.set_constraint_upper_bound(row, 1.0)
        return _Constraint()

    def add_hint(self, var: Any, value: bool, /) -> None:
        """Nothing: GLOP takes no hint (ShowModel.add_hint is for CP-SAT's solves)."""

    def maximize(self, expression: Any, /) -> None:
        """Set the objective."""
        self.model.maximize(expression)

    def maximize_terms(self, variables: Sequence[mb.Variable], coefficients: Sequence[int]) -> None:
        """Maximise Σ coefficient × variable (each variable once), written straight into the
        model: the same objective as maximize(weighted_sum) sets, in a quarter of its time on L."""
        helper = self.helper
        helper.clear_objective()
        helper.set_maximize(True)
        helper.set_objective_offset(0.0)  # as maximize() writes it: the model's bytes are the same
        helper.set_objective_coefficients(
            [v.index for v in variables], [float(c) for c in coefficients]
        )


class Cancelled(Exception):
    """The LP's build was stopped from another thread: its result is no longer wanted."""


class Relaxed(NamedTuple):
    """The LP relaxation's optimum: each option's value, the optimum (an upper bound on any
    plan over these options, in cents) and each option's reduced cost."""

    weights: list[float]
    optimum: float
    reduced: list[float]


def lp_weights(
    demand: Demand,
    time_limit: float,
    solvers: list[mb.Solver] | None = None,
    cancelled: threading.Event | None = None,
) -> Relaxed | Literal["infeasible"] | None:
    """The LP relaxation's optimum (Relaxed); "infeasible" when GLOP proves there is no
    fractional plan (so no plan at all over these options); None if the LP fails in time.
    GLOP's solver is appended to `solvers` before it starts, so that another thread can stop
    it (LpJob)."""
    from lqplan.plan.optimise.cpsat import ShowModel

    adapter = LpAdapter(cancelled)
    try:
        # The model's indices and rows hold no cycles: the collector's passes over a heap the
        # size of the demand were 4 % of XL's build (one full pass, 0.26 s).
        with collector_paused():
            x = ShowModel(demand, adapter).x
    except Cancelled:
        return None
    # Only the option variables are read after the solve: the model's indices (slot covers,
    # running sums) are freed before GLOP copies the LP, the step that sets the peak memory.
    if adapter.infeasible:
        return "infeasible"
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(max(0.1, time_limit))
    if len(demand.options) > DUAL_SIMPLEX_FROM:
        solver.set_solver_specific_parameters("use_dual_simplex: true")
    if solvers is not None:
        solvers.append(solver)
    if cancelled is not None and cancelled.is_set():
        return None
    status = solver.solve(adapter.model)
    if status == mb.SolveStatus.INFEASIBLE:
        return "infeasible"
    if status != mb.SolveStatus.OPTIMAL:
        return None
    return Relaxed(
        [float(v) for v in solver.values(x)],
        float(solver.objective_value),
        [float(v) for v in solver.reduced_costs(x)],
    )


def lp_bound(demand: Demand, time_limit: float) -> float | None:
    """The LP relaxation's optimum (cents): an upper bound on any plan over these options."""
    relaxed = lp_weights(demand, time_limit)
    return None if relaxed is None or relaxed == "infeasible" else relaxed.optimum
