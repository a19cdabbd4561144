"""The LP relaxation of the show model, solved with GLOP, to guide a strong first plan.

SOLVER_NOTES.md measured this model's LP bound within about 1% of the best plans. Its fractional
solution says which options belong in a good plan; the baseline's placement machinery then
rounds it into a complete plan that keeps every rule, which seeds CP-SAT far above the greedy
hint (on the marathon sample CP-SAT alone needs ~20 s on 2 cores to get there).
"""

from __future__ import annotations

from typing import Any

from ortools.linear_solver.python import model_builder as mb

from lqplan.plan.demand import Demand

# GLOP's dual simplex, measured on this machine: 300 products × 240 slots (144k–152k options)
# 10.1 → 6.1 s and 10.6 → 8.4 s; the marathon sample (38k) 0.86 → 1.30 s. So: above this size.
DUAL_SIMPLEX_FROM = 100_000


class _Constraint:
    """What ShowModel may call on a constraint; enforcement literals do not exist in the LP."""

    def OnlyEnforceIf(self, *_: Any) -> None:
        return None


class LpAdapter:
    """The subset of CpModel's interface that ShowModel uses, over a model_builder LP."""

    linear_expr = mb.LinearExpr

    def __init__(self) -> None:
        self.model = mb.Model()
        self.infeasible = False

    def NewBoolVar(self, name: str) -> Any:
        return self.model.new_num_var(0.0, 1.0, name)

    def Add(self, constraint: Any) -> _Constraint:
        if isinstance(constraint, bool):  # an empty sum compared with a constant
            self.infeasible |= not constraint
        else:
            self.model.add(constraint)
        return _Constraint()

    def AddAtMostOne(self, variables: Any) -> _Constraint:
        return self.Add(sum(list(variables)) <= 1)

    def AddExactlyOne(self, variables: Any) -> _Constraint:
        return self.Add(sum(list(variables)) == 1)

    def Maximize(self, expression: Any) -> None:
        self.model.maximize(expression)


def lp_weights(demand: Demand, time_limit: float) -> tuple[list[float], float] | None:
    """Each option's value in the LP relaxation's optimum and the optimum itself (an upper
    bound on any plan over these options, in cents), or None if the LP fails in time."""
    from lqplan.plan.optimise.cpsat import ShowModel

    adapter = LpAdapter()
    built = ShowModel(demand, model=adapter)
    if adapter.infeasible:
        return None
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(max(0.1, time_limit))
    if len(demand.options) > DUAL_SIMPLEX_FROM:
        solver.set_solver_specific_parameters("use_dual_simplex: true")
    status = solver.solve(adapter.model)
    if status != mb.SolveStatus.OPTIMAL:
        return None
    return [float(v) for v in solver.values(built.x)], float(solver.objective_value)


def lp_bound(demand: Demand, time_limit: float) -> float | None:
    """The LP relaxation's optimum (cents): an upper bound on any plan over these options."""
    relaxed = lp_weights(demand, time_limit)
    return None if relaxed is None else relaxed[1]
