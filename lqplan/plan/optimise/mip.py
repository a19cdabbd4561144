"""The show model as a mixed-integer program for SCIP or HiGHS: the benchmark's yardstick.

The rows are ShowModel's (cpsat.py), built through the LP relaxation's adapter (lp.py) with the
variables declared 0/1 again: exactly the CP-SAT model. SCIP runs from the ortools wheel
(model_builder). HiGHS runs through highspy: the wheel's HiGHS (model_builder and pywraplp
alike) reports "unknown status" at a time limit and drops the incumbent and the bound that
HiGHS's own log shows, so a timed solve would always read "no plan". `python -m benchmarks
run --compare scip,highs` and `python -m benchmarks optima` use this module to put lqplan's
plans beside other solvers' and to prove the ladder's optima; planning never calls it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.linear_solver.python import model_builder as mb

from lqplan.plan.demand import Demand
from lqplan.plan.optimise.lp import LpAdapter
from lqplan.plan.result import Solution, SolveStatus

# The solvers solve_mip drives: SCIP, HiGHS, and HiGHS with its presolve off (measured on M:
# the presolve alone can outlast a 30 s budget).
MIP_SOLVERS = ("scip", "highs", "highs-nopresolve")


class MipAdapter(LpAdapter):
    """The LP adapter with its variables 0/1 again, and hints passed on to the solver."""

    def new_bool_var(self, name: str) -> mb.Variable:
        """A 0/1 variable."""
        return self.model.new_bool_var(name)

    def add_hint(self, var: Any, value: bool, /) -> None:
        """Suggest a start value (SCIP tries the hinted plan as a first solution)."""
        self.model.add_hint(var, float(value))


@dataclass(frozen=True)
class _Outcome:
    """What a MIP solver said: proven optimal or not, the variables' values if it has a plan,
    its best bound if it has one, and its own wall seconds."""

    status: SolveStatus
    values: list[float] | None
    bound: float | None
    seconds: float


def _scip(adapter: MipAdapter, time_limit: float) -> _Outcome:
    """SCIP from the ortools wheel, stopping only at a gap of 0."""
    engine = mb.Solver("scip")
    engine.set_time_limit_in_seconds(time_limit)
    engine.set_solver_specific_parameters("limits/gap = 0\n")
    status = engine.solve(adapter.model)
    raw = engine.best_objective_bound  # pandas' NA when SCIP has none (stopped in presolve)
    bound = float(raw) if isinstance(raw, float | int) else None
    seconds = float(engine.wall_time)
    if status == mb.SolveStatus.INFEASIBLE:
        return _Outcome(SolveStatus.INFEASIBLE, None, None, seconds)
    if status not in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
        return _Outcome(SolveStatus.NO_SOLUTION, None, bound, seconds)
    values = [float(v) for v in engine.values(adapter.model.get_variables())]
    proven = status == mb.SolveStatus.OPTIMAL
    return _Outcome(SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE, values, bound, seconds)


def _highs(adapter: MipAdapter, time_limit: float, presolve: bool) -> _Outcome:
    """HiGHS through highspy, given the model's rows as a row-wise sparse matrix."""
    import highspy

    proto = adapter.model.export_to_proto()
    lp = highspy.HighsLp()
    lp.num_col_ = len(proto.variable)
    lp.num_row_ = len(proto.constraint)
    lp.col_cost_ = [v.objective_coefficient for v in proto.variable]
    lp.col_lower_ = [v.lower_bound for v in proto.variable]
    lp.col_upper_ = [v.upper_bound for v in proto.variable]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    lp.sense_ = highspy.ObjSense.kMaximize if proto.maximize else highspy.ObjSense.kMinimize
    lp.offset_ = proto.objective_offset
    lp.row_lower_ = [c.lower_bound for c in proto.constraint]
    lp.row_upper_ = [c.upper_bound for c in proto.constraint]
    starts, indices, coefficients = [0], [], []
    for c in proto.constraint:
        indices.extend(c.var_index)
        coefficients.extend(c.coefficient)
        starts.append(len(indices))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = starts, indices, coefficients
    engine = highspy.Highs()  # type: ignore[no-untyped-call]  # unannotated in highspy
    engine.setOptionValue("output_flag", False)
    engine.setOptionValue("time_limit", time_limit)
    engine.setOptionValue("mip_rel_gap", 0.0)  # its default 1e-4 would call a near plan optimal
    engine.setOptionValue("presolve", "on" if presolve else "off")
    engine.passModel(lp)
    hint = proto.solution_hint
    if hint.var_index:  # ShowModel.add_hint gives every variable a value: a complete start
        start = [0.0] * lp.num_col_
        for index, value in zip(hint.var_index, hint.var_value, strict=True):
            start[index] = value
        plan = highspy.HighsSolution()
        plan.col_value = start
        plan.value_valid = True
        engine.setSolution(plan)
    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    status = engine.getModelStatus()
    info = engine.getInfo()
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    if status == highspy.HighsModelStatus.kInfeasible:
        return _Outcome(SolveStatus.INFEASIBLE, None, None, seconds)
    if info.primal_solution_status != 2:  # 2: a feasible plan (kSolutionStatusFeasible)
        return _Outcome(SolveStatus.NO_SOLUTION, None, bound, seconds)
    values = list(engine.getSolution().col_value)
    proven = status == highspy.HighsModelStatus.kOptimal
    return _Outcome(SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE, values, bound, seconds)


def solve_mip(
    demand: Demand,
    solver: str,
    time_limit: float,
    hint: Solution | None = None,
    ready: Callable[[], None] | None = None,
) -> Solution:
    """Solve the show model with `solver` (one of MIP_SOLVERS) within `time_limit` seconds of
    the solver's own time (the model's build in Python comes first, in build_seconds).

    The objective is recomputed from the chosen options in plain Python (the solver's is a
    float); the bound is the solver's best, rounded up with a margin for its tolerances so that
    it stays an upper bound on every plan over these options, and kept also when the solver
    found no plan. Infeasible and out-of-time are statuses, as in solve(). `hint` (a complete
    plan) is the solver's first incumbent; `ready` is called once the model is built, just
    before the solver starts (the benchmark's watchdog counts from then).
    """
    from lqplan.plan.optimise.cpsat import ShowModel

    if solver not in MIP_SOLVERS:
        raise ValueError(f"unknown MIP solver {solver!r}; one of {', '.join(MIP_SOLVERS)}")
    started = time.perf_counter()
    adapter = MipAdapter()
    built = ShowModel(demand, adapter)
    if hint is not None and hint.options:
        built.add_hint(set(hint.options), set(hint.drops))
    build_seconds = time.perf_counter() - started
    size = {"options": len(demand.options), "bag_drops": len(demand.drops)}
    if adapter.infeasible:  # a rule folded to a false constant while the rows were built
        return Solution(SolveStatus.INFEASIBLE, build_seconds=build_seconds, model_size=size)
    limit = max(0.1, time_limit)
    if ready is not None:
        ready()
    if solver == "scip":
        out = _scip(adapter, limit)
    else:
        out = _highs(adapter, limit, presolve=solver == "highs")
    bound = None if out.bound is None else math.ceil(out.bound + 1e-9 * abs(out.bound))
    if out.values is None:
        return Solution(
            out.status,
            bound=bound,
            seconds=out.seconds,
            build_seconds=build_seconds,
            model_size=size,
        )
    # Both solvers give the values in the model's variable order (model_builder's indices).
    options = tuple(i for i, x in enumerate(built.x) if out.values[x.index] > 0.5)
    drops = tuple(i for i, z in enumerate(built.z) if out.values[z.index] > 0.5)
    objective = sum(
        demand.options[i].value_cents + demand.options[i].preference_cents for i in options
    ) + sum(demand.drops[i].value_cents for i in drops)
    proven = out.status == SolveStatus.OPTIMAL
    return Solution(
        status=out.status,
        options=options,
        drops=drops,
        objective=objective,
        bound=objective if proven else None if bound is None else max(bound, objective),
        seconds=out.seconds,
        build_seconds=build_seconds,
        model_size=size,
    )
