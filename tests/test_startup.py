"""What `lqplan --help` and `lqplan validate` load: start-up stays small because the heavy parts
(OR-Tools, numpy, statsmodels, the paperwork's Jinja2, Babel and spreadsheet writers) are imported
by the commands that use them, not by the command line itself (issue 13: --help <= 0.3 s,
validate on 10,000 SKUs <= 1 s). Each run is a fresh interpreter, so that sys.modules shows what
the command itself imported; what is asserted is which modules load, not how long they take."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Packages only planning, rendering, learning, importing sheets or the live record need.
HEAVY = frozenset(
    {
        "ortools",
        "numpy",
        "scipy",
        "statsmodels",
        "highspy",
        "jinja2",
        "markupsafe",
        "babel",
        "openpyxl",
        "xlsxwriter",
        "ruamel",
    }
)
# --help and the bare import build no data model and read no YAML.
MODELS = frozenset({"pydantic", "pydantic_core", "yaml"})

# Runs the command line in process, then writes the top-level packages loaded to stderr (the
# command's own output goes to stdout and stderr before it).
_PROBE = """
import json, sys
from lqplan.cli import app
argv = json.loads(sys.argv[1])
code = 0
if argv is not None:
    try:
        app(argv, prog_name="lqplan")
    except SystemExit as exc:
        code = exc.code or 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\\nLOADED " + json.dumps({"exit": code, "loaded": loaded}) + "\\n")
"""


def _loaded(argv: list[str] | None) -> tuple[int, set[str]]:
    """Exit code and top-level packages loaded by `lqplan ARGV` (None: by the import alone)."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    line = next(
        (ln for ln in run.stderr.splitlines() if ln.startswith("LOADED ")),
        None,
    )
    assert line is not None, run.stderr
    report = json.loads(line.removeprefix("LOADED "))
    return report["exit"], set(report["loaded"])


@pytest.mark.parametrize(
    ("argv", "forbidden"),
    [
        # the import of the command line alone
        (None, HEAVY | MODELS),
        # the usage text and the version
        (["--help"], HEAVY | MODELS),
        (["--version"], HEAVY | MODELS),
        # a command's usage text (typer checks the top-level options with pydantic first)
        (["plan", "--help"], HEAVY),
        # validate reads YAML and builds the models, and needs nothing heavier
        (["validate", "samples/minimal"], HEAVY),
        # the sample with every rule family and promotion kind
        (["validate", "samples/double11-marathon"], HEAVY),
        (["validate", "samples/home-tiktok", "--format", "json"], HEAVY),
    ],
)
def test_the_command_line_loads_only_what_the_command_needs(argv, forbidden):
    code, loaded = _loaded(argv)
    assert code == 0
    assert not loaded & forbidden, f"lqplan {argv} loaded {sorted(loaded & forbidden)}"


def test_the_probe_sees_what_a_command_imports():
    """The probe can fail: `schema model` imports lqplan.learning for the MODEL file's model,
    and that package loads numpy (its regression) with it; the run is seen to load both."""
    code, loaded = _loaded(["schema", "model"])
    assert code == 0
    assert {"numpy", "pydantic"} <= loaded


def test_commands_annotations_are_objects_not_strings():
    """typer reads every command's annotations at each start, --help included; one written as a
    string (`from __future__ import annotations`) it compiles and evaluates, which tripled the
    time of building the commands (lqplan/cli/app.py)."""
    from lqplan.cli import app

    callbacks = [c.callback for c in app.registered_commands]
    callbacks.append(app.registered_callback.callback)  # the top-level options
    assert len(callbacks) > 10
    for callback in callbacks:
        assert callback is not None
        written_as_text = {
            name: hint
            for name, hint in inspect.get_annotations(callback).items()
            if isinstance(hint, str)
        }
        assert not written_as_text, f"{callback.__name__}: {written_as_text}"
