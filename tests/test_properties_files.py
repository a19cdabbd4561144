"""Property: every command that reads what lqplan wrote (plan.json, the ACTUALS file, the output
folder's manifest) ends in a clean exit on a mutated copy of it, never a crash or a hang: values
dropped, doubled, retyped or replaced, values nested 100,000 deep, numbers of 5,000 digits,
Infinity and NaN, lines cut or doubled (mutations.py). fuzz.py runs the same property for as long
as you like (`--kind files`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from mutations import FileCase, mutated_files, run_file_commands

# A modest share of CI: each case runs up to seven commands on one small file.
EXAMPLES = 8


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_files())
def test_every_command_on_a_mutated_plan_actuals_or_manifest_ends_cleanly(case: FileCase):
    with tempfile.TemporaryDirectory() as tmp:
        event(run_file_commands(case, Path(tmp)))
