"""Property: every command on a mutated show ends in a plan the independent checker accepts or a
clean error (exit 1 to 3), never a crash. The shows and mutations are in mutations.py; fuzz.py
runs the same property for as long as you like."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from mutations import Case, mutated_shows, run_commands

# A modest share of CI: most mutated shows are invalid and fast; the valid ones plan for 0.3 s.
EXAMPLES = 20


def check_case(case: Case) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        return run_commands(case, Path(tmp))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_shows())
def test_every_command_on_a_mutated_show_ends_cleanly(case):
    event(check_case(case))


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_shows(max_edits=0))
def test_every_command_on_a_valid_show_plans_or_names_the_conflict(case):
    assert check_case(case) in ("planned", "infeasible")
