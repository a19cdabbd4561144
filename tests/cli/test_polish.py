"""The command line's manners: summaries in `lqplan --help` that are whole sentences, shell
completion, flags without a `--no-…` twin, one argument style (and the older one still working),
numbers checked before any work, and no control character of the user's data sent raw to the
terminal by any command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.cli.app import summary

ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}
MINIMAL = SAMPLES / "minimal"


def run(*args: str | Path, env: dict[str, str | None] | None = None, **kwargs):
    """`lqplan ARGS` in-process, stdout and stderr apart."""
    return CliRunner(env={**ENV, **(env or {})}).invoke(app, [str(a) for a in args], **kwargs)


COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def _help_of(name: str) -> str:
    info = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == name)
    return info.callback.__doc__ or ""


# --- one-line summaries ------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_opens_with_one_short_sentence(name):
    """What `lqplan --help` shows is the docstring's first paragraph: one sentence that fits the
    summary column of an 80-column terminal."""
    first = summary(_help_of(name))
    assert first.endswith("."), first
    assert first.count(". ") == 0, f"one sentence: {first}"
    assert len(first) <= 60, f"{name}: {len(first)} characters: {first}"


@pytest.mark.parametrize("columns", ["200", "80", "50"])
def test_top_level_help_lists_whole_summaries(columns):
    result = run("--help", env={"COLUMNS": columns})
    assert result.exit_code == 0
    listing = result.stdout.split("Commands:", 1)[1]
    assert "..." not in listing and "…" not in listing  # nothing cut at the terminal's width
    flat = " ".join(listing.split())
    for name in COMMANDS:
        assert f"{name} {summary(_help_of(name))}" in flat


# --- shell completion --------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script(shell, monkeypatch):
    """`--show-completion` is for the shell typer detects from the process tree (shellingham),
    which a test run started without one (a detached job) does not have: the detection is set
    here, so the test checks lqplan's script for each shell wherever it runs."""
    import typer.completion

    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: shell)
    result = run("--show-completion")
    assert result.exit_code == 0, result.output
    assert "_LQPLAN_COMPLETE" in result.stdout
    assert {"bash": "complete -o", "zsh": "compdef", "fish": "complete --command"}[shell] in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("lqplan pl", "plan"),  # a command
        ("lqplan plan --determ", "--deterministic"),  # an option
        ("lqplan replan --for", "--force"),
    ],
)
def test_completion_completes(words, expected):
    """What the installed bash script asks the program for, and its answer."""
    env = {"_LQPLAN_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split()) - 1)
    result = run(env=env, prog_name="lqplan")
    assert expected in result.stdout.split()


def test_completion_is_documented():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "--install-completion" in readme and "--show-completion" in readme


# --- flags -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_no_flag_has_a_no_twin(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "--no-" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["plan", MINIMAL, "--no-force"],
        ["plan", MINIMAL, "--no-deterministic"],
        ["plan", MINIMAL, "--no-robust"],
        ["validate", MINIMAL, "--no-strict"],
        ["learn", MINIMAL, "--no-strict"],
        ["schema", "--no-force"],
    ],
)
def test_a_no_twin_is_an_unknown_option(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "No such option" in result.stderr


# --- one argument style, the older spelling kept ------------------------------------------------


@pytest.fixture(scope="module")
def minimal_plan(tmp_path_factory) -> Path:
    """samples/minimal planned deterministically into a folder of its own."""
    folder = tmp_path_factory.mktemp("plan")
    result = run("plan", MINIMAL, "-o", folder, "--deterministic", "-q", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    return folder / "plan.json"


@pytest.fixture(scope="module")
def half_show(minimal_plan, tmp_path_factory) -> Path:
    """The minimal show's first half as a market played it (seed 1), in the new spelling."""
    out = tmp_path_factory.mktemp("actuals") / "actuals.yaml"
    result = run("simulate", minimal_plan, MINIMAL, "-o", out, "--at", "20:30", "--seed", "1")
    assert result.exit_code == 0, result.output
    return out


def test_simulate_takes_the_market_as_an_argument_or_as_the_older_option(
    minimal_plan, half_show, tmp_path
):
    old = tmp_path / "old.yaml"
    result = run(
        "simulate", minimal_plan, "--market", MINIMAL, "-o", old, "--at", "20:30", "--seed", "1"
    )
    assert result.exit_code == 0, result.output
    assert old.read_bytes() == half_show.read_bytes()


def test_replan_takes_show_and_actuals_as_arguments_or_as_the_older_options(
    minimal_plan, half_show, tmp_path
):
    common = ["--deterministic", "--time-limit", "1", "-q"]
    new = run("replan", minimal_plan, MINIMAL, half_show, "-o", tmp_path / "new", *common)
    assert new.exit_code == 0, new.output
    old = run(
        "replan", minimal_plan, "--actuals", half_show, "--show", MINIMAL,
        "-o", tmp_path / "old", *common,
    )  # fmt: skip
    assert old.exit_code == 0, old.output
    mixed = run(
        "replan", minimal_plan, MINIMAL, "--actuals", half_show, "-o", tmp_path / "mixed", *common
    )
    assert mixed.exit_code == 0, mixed.output
    plans = {name: (tmp_path / name / "plan.json").read_bytes() for name in ("new", "old", "mixed")}
    assert plans["new"] == plans["old"] == plans["mixed"]
    assert json.loads(plans["new"])["replan"]["at"] == "20:30"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # given twice: the argument and the older option
        (["SHOW", "ACTUALS", "--show", "SHOW"], "give SHOW once"),
        (["SHOW", "ACTUALS", "--actuals", "ACTUALS"], "give ACTUALS once"),
        # not given at all
        ([], "missing SHOW"),
        (["SHOW"], "missing ACTUALS"),
    ],
)
def test_replan_inputs_once_each(minimal_plan, half_show, extra, message):
    values = {"SHOW": str(MINIMAL), "ACTUALS": str(half_show)}
    result = run("replan", minimal_plan, *(values.get(a, a) for a in extra))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_simulate_market_once(minimal_plan, tmp_path):
    out = tmp_path / "a.yaml"
    twice = run("simulate", minimal_plan, MINIMAL, "--market", MINIMAL, "-o", out)
    assert (twice.exit_code, "give MARKET once" in twice.stderr) == (2, True)
    none = run("simulate", minimal_plan, "-o", out)
    assert (none.exit_code, "missing MARKET" in none.stderr) == (2, True)
    assert not out.exists()


# --- numbers are checked before any work -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        # CP-SAT's seed and thread count are 32-bit: a huge value overflowed inside the solve
        (["plan", MINIMAL, "--seed", str(10**29)], "--seed"),
        (["plan", MINIMAL, "--seed", "-1"], "--seed"),
        (["plan", MINIMAL, "--workers", str(10**12)], "--workers"),
        (["plan", MINIMAL, "--workers", "-1"], "--workers"),
        # inf would be written into plan.json as `Infinity`, which is not JSON
        (["plan", MINIMAL, "--time-limit", "inf"], "--time-limit"),
        (["plan", MINIMAL, "--time-limit", "nan"], "--time-limit"),
        (["plan", MINIMAL, "--time-limit", "0"], "--time-limit"),
        (["replan", "p.json", "--seed", str(10**29)], "--seed"),
        (["replan", "p.json", "--time-limit", "-inf"], "--time-limit"),
        # numpy's generator refuses a negative seed with a traceback
        (["simulate", "p.json", MINIMAL, "-o", "a.yaml", "--seed", "-1"], "--seed"),
        (["simulate", "p.json", MINIMAL, "-o", "a.yaml", "--seed", str(10**29)], "--seed"),
        # a clock at infinite speed is at infinity at once: an OverflowError in the view
        (["live", "p.json", "--speed", "inf"], "--speed"),
        (["live", "p.json", "--speed", "nan"], "--speed"),
        (["live", "p.json", "--speed", "-1"], "--speed"),
        (["live", "p.json", "--speed", "0"], "--speed"),
        (["live", "p.json", "--seed", str(10**29)], "--seed"),
    ],
)
def test_numbers_out_of_range_are_one_line_usage_errors(args, option, tmp_path):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"Invalid value for '{option}'" in lines[0]
    assert "-h'" in lines[0]  # where to read more
    assert "Traceback" not in result.output


def test_usage_errors_are_one_line():
    for args in (["plan"], ["plan", MINIMAL, "--no-such-option"], ["no-such-command"]):
        result = run(*args)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- control characters ------------------------------------------------------------------------

# A window title, a clear screen, an 8-bit CSI and a right-to-left override, in a product name.
HOSTILE = "Longjing \x1b]0;owned\x07 \x1b[2J \x9b31m \u202egreen"
RAW = ("\x1b]0;", "\x1b[2J", "\x9b", "\u202e")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """The minimal show with TEA-GREEN named HOSTILE, its plan and a market's actuals; and a
    copy whose show.yaml has an unknown key holding the same escapes."""
    root = tmp_path_factory.mktemp("hostile")
    show = root / "show"
    shutil.copytree(MINIMAL, show)
    catalog = show / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    quoted = json.dumps(HOSTILE)  # a JSON string is a YAML double-quoted scalar
    text = text.replace("name: Longjing green tea, 50 g", f"name: {quoted}", 1)
    catalog.write_text(text, encoding="utf-8")
    bad = root / "bad"
    shutil.copytree(show, bad)
    shown = (bad / "show.yaml").read_text(encoding="utf-8")
    (bad / "show.yaml").write_text(f"{quoted}: 1\n" + shown, encoding="utf-8")
    out = root / "out"
    result = run("plan", show, "-o", out, "--deterministic", "-q", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    actuals = root / "actuals.yaml"
    result = run("simulate", out / "plan.json", show, "-o", actuals, "--seed", "1")
    assert result.exit_code == 0, result.output
    return {"show": show, "bad": bad, "plan": out / "plan.json", "actuals": actuals, "root": root}


# (arguments, what the output must show of the hostile text escaped); SHOW, BAD, PLAN, ACTUALS
# and ROOT stand for the fixture's paths.
COMMAND_TABLE = [
    # the plan's summary names every product on air
    (["plan", "SHOW", "-o", "ROOT/out2", "--deterministic", "--time-limit", "2"], "\\x1b]0;"),
    # an unknown key: the diagnostic's field path and message
    (["validate", "BAD"], "\\x1b[2J"),
    (["validate", "BAD", "--format", "github"], "\\x1b[2J"),
    (["validate", "BAD", "--format", "json"], "\\u001b[2J"),
    (["lint", "BAD"], "\\x1b[2J"),
    # the review's tables name the products
    (["review", "PLAN", "ACTUALS"], "\\x1b]0;"),
    (["explain", "PLAN", "SHOW", "TEA-GREEN"], "\\x1b]0;"),
    (["check", "PLAN", "SHOW"], None),
    (["plan", "SHOW", "--json", "-q", "--deterministic", "--time-limit", "2"], "\\u202e"),
    # a command-line mistake quotes what was typed
    (["schema", HOSTILE], "\\x1b]0;"),
    (["plan", "SHOW", f"--{HOSTILE}"], "\\x1b[2J"),
    (["validate", f"ROOT/{HOSTILE}"], "\\x1b[2J"),
]


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize(("args", "escaped"), COMMAND_TABLE, ids=lambda v: str(v)[:40])
def test_no_command_prints_a_control_character_raw(hostile, args, escaped, terminal):
    """Piped, and with rich writing for a terminal (FORCE_COLOR: its own colour codes, which are
    not the user's, are allowed)."""
    names = {"SHOW": "show", "BAD": "bad", "PLAN": "plan", "ACTUALS": "actuals", "ROOT": "root"}
    values = [
        str(hostile[names[a]]) if a in names else a.replace("ROOT", str(hostile["root"]))
        for a in args
    ]
    env = {"NO_COLOR": None, "FORCE_COLOR": "1", "TERM": "xterm-256color"} if terminal else {}
    result = run(*values, env=env)
    assert "Traceback" not in result.output
    shown = result.stdout + result.stderr
    for raw in RAW:
        assert raw not in shown, (raw, shown[:2000])
    if escaped is not None:
        assert escaped in shown


def test_a_diagnostic_is_one_line_whatever_its_field_path_holds():
    from lqplan.errors import Diagnostic

    d = Diagnostic("a\nb.yaml", 3, 1, "error", "products[0].x\n2:1: error: forged", HOSTILE)
    line = d.format()
    assert "\n" not in line and "\x1b" not in line
    assert line.startswith("a\\nb.yaml:3:1: error: products[0].x\\n2:1: error: forged: ")


# --- packaging ---------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pins() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


@pytest.mark.parametrize("group", ["dependencies", "test", "dev"])
def test_constraints_pin_every_dependency_inside_its_range(group):
    """CI installs with constraints.txt: each dependency has an exact version there, and that
    version is one its range in pyproject.toml admits."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = _pyproject()["project"]
    listed = (
        project["dependencies"]
        if group == "dependencies"
        else (project["optional-dependencies"][group])
    )
    pins = _pins()
    for text in listed:
        requirement = Requirement(text)
        if requirement.name == "lqplan":  # dev includes the test extra
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), (text, pins[name])


def test_ortools_is_a_compatible_range_and_the_license_is_there():
    from packaging.requirements import Requirement

    project = _pyproject()["project"]
    ortools = next(Requirement(d) for d in project["dependencies"] if d.startswith("ortools"))
    assert ortools.specifier.contains("9.15.9999") and not ortools.specifier.contains("9.16.0")
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_plan_json_records_the_ortools_version(minimal_plan):
    from importlib.metadata import version

    from lqplan.review.diff import plans_equal

    plan = json.loads(minimal_plan.read_text(encoding="utf-8"))
    assert plan["solver"]["ortools"] == version("ortools")
    # Another OR-Tools that made the same plan made the same plan (diff and plan --check).
    other = json.loads(json.dumps(plan))
    other["solver"]["ortools"] = "9.15.0"
    assert plans_equal(plan, other)
