"""The lighter options and LP build of issue 13 (XL within 1 GiB): the same model, less memory.

The LP adapter writes its one-per-slot and one-per-airing rows straight into the model; they
must be the rows a summed expression gives (same terms, same order, same bounds), or GLOP's
answer, and so every plan, could move. Options and outcomes are slotted: copies and renumbering
must still work on them.
"""

from __future__ import annotations

import copy
import pickle
import tracemalloc
from typing import Any

import pytest
from conftest import SAMPLES
from ortools.linear_solver.python import model_builder as mb

from lqplan.pipeline import load_and_validate
from lqplan.plan.optimise.cpsat import ShowModel
from lqplan.plan.optimise.lp import LpAdapter
from lqplan.plan.options import build_demand, renumbered


class _SummedRows(LpAdapter):
    """The adapter as it was before issue 13: each unit row and the objective a summed
    expression."""

    def maximize_terms(self, variables: Any, coefficients: Any) -> None:
        """The objective as one weighted sum."""
        self.maximize(mb.LinearExpr.weighted_sum(variables, coefficients))

    def add_at_most_one(self, variables: Any, /) -> Any:
        """Σ variables <= 1, summed first."""
        return self.add(sum(list(variables)) <= 1)

    def add_exactly_one(self, variables: Any, /) -> Any:
        """Σ variables == 1, summed first."""
        return self.add(sum(list(variables)) == 1)


def _rows(adapter: LpAdapter) -> list[tuple[list[int], list[float], float, float]]:
    """Every row of the adapter's model: its variable indices, coefficients and bounds."""
    proto = adapter.model.export_to_proto()
    return [
        (list(c.var_index), list(c.coefficient), c.lower_bound, c.upper_bound)
        for c in proto.constraint
    ]


@pytest.mark.parametrize("sample", ["minimal", "beauty-douyin", "home-tiktok"])
def test_unit_rows_are_the_summed_rows(sample: str) -> None:
    """On each sample the LP has the same rows, to the coefficient, as with summed rows, and the
    same model to the byte (the objective written straight in included)."""
    demand = build_demand(load_and_validate(SAMPLES / sample))
    direct, summed = LpAdapter(), _SummedRows()
    ShowModel(demand, direct)
    ShowModel(demand, summed)
    assert _rows(direct) == _rows(summed)
    assert direct.model.num_variables == summed.model.num_variables
    assert direct.infeasible == summed.infeasible
    assert (
        direct.model.export_to_proto().SerializeToString()
        == summed.model.export_to_proto().SerializeToString()
    )


def test_unit_row_counts_a_repeated_variable_and_sorts_by_index() -> None:
    """A variable named twice gets coefficient 2, and terms go in by index, as summing does."""
    adapter = LpAdapter()
    a, b, c = (adapter.new_bool_var(name) for name in "abc")
    adapter.add_at_most_one([c, a, c])
    adapter.add_exactly_one([b, a])
    assert _rows(adapter) == [
        ([0, 2], [1.0, 2.0], -float("inf"), 1.0),
        ([0, 1], [1.0, 1.0], 1.0, 1.0),
    ]


def test_empty_unit_rows() -> None:
    """No variable at all: "at most one" holds and adds nothing; "exactly one" cannot hold."""
    adapter = LpAdapter()
    adapter.add_at_most_one([])
    assert not adapter.infeasible and adapter.model.num_constraints == 0
    adapter.add_exactly_one([])
    assert adapter.infeasible and adapter.model.num_constraints == 0


def test_lp_variables_carry_no_names() -> None:
    """GLOP reads no names: the LP's variables have none (390k strings on the XL rung)."""
    adapter = LpAdapter()
    var = adapter.new_bool_var("o1")
    assert (var.lower_bound, var.upper_bound) == (0.0, 1.0)
    assert adapter.model.export_to_proto().variable[0].name == ""
    assert isinstance(var, mb.Variable)


def test_slotted_options_copy_renumber_and_pickle() -> None:
    """Options keep working as values without a __dict__: copied, renumbered, pickled."""
    demand = build_demand(load_and_validate(SAMPLES / "minimal"))
    option = demand.options[5]
    moved = renumbered(option, 0)
    assert moved.index == 0 and option.index == 5
    assert (moved.sku, moved.start, moved.outcome) == (option.sku, option.start, option.outcome)
    assert copy.copy(option) == option
    assert pickle.loads(pickle.dumps(option)) == option
    with pytest.raises(AttributeError):
        option.__dict__  # noqa: B018  # slotted: no per-object dictionary


def test_options_memory_per_option() -> None:
    """An option with its outcome and numbers stays under 460 bytes of Python heap (measured on
    the marathon sample: 415 slotted, 503 with a __dict__ each; XL holds 315k of them)."""
    inputs = load_and_validate(SAMPLES / "double11-marathon")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        demand = build_demand(inputs)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert (after - before) / len(demand.options) < 460
