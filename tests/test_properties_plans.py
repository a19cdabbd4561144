"""Property-based: random small shows either plan, and the plan passes the independent checker
and is never worse than the greedy baseline, or are infeasible with the conflicting rules named.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import tiny_show
from hypothesis import HealthCheck, event, given, settings
from mutations import tiny_specs

from lqplan.errors import InfeasibleError
from lqplan.pipeline import load_and_validate, plan_show
from lqplan.plan.result import SolveSettings, SolveStatus


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_specs())
def test_random_shows_plan_correctly_or_name_the_conflict(spec):
    with tempfile.TemporaryDirectory() as tmp:
        folder = tiny_show(Path(tmp) / "show", **spec)
        try:
            inputs = load_and_validate(folder)
        except Exception as exc:  # a random show may be invalid: then only a clean InputError
            from lqplan.errors import InputError

            assert isinstance(exc, InputError), exc
            event("invalid show")
            return
        try:
            result = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True))
        except InfeasibleError as exc:
            assert exc.conflicts, "an infeasible show must name the rules in conflict"
            event("infeasible")
            return
        event("planned")
        assert result.check.ok, result.check.violations
        assert result.solution.objective == result.check.objective_cents
        if result.baseline.status == SolveStatus.FEASIBLE:
            assert result.solution.objective >= result.baseline.objective
