"""Whole valid shows, their mutations, and every command run on them.

Shared by the property tests (test_properties_*.py, a modest share in CI) and the long fuzz run
(fuzz.py, by hand). A case is a valid show (a sample, or a random tiny show) with a few edits:
a field dropped, a list item duplicated, a value retyped or replaced by a hostile one, two files
swapped or show.yaml pointed at the wrong kind of file, a line of YAML text duplicated or cut.
`run_commands` runs validate, lint, plan, check, render and explain on it as a user would (and
check, render, explain and diff on its plan edited as if by hand), and fails unless each ends in
a plan that the independent checker accepts or a clean error.
"""

from __future__ import annotations

import functools
import json
import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from conftest import SAMPLES, tiny_show_files
from hypothesis import strategies as st

FILES = ("show.yaml", "catalog.yaml", "audience.yaml", "stock.yaml")
BASES = ("minimal", "home-tiktok")  # samples that plan in well under a second
ROLES = ["traffic", "welfare", "bridge", "hero", "profit", "image", "test"]


# --- valid shows -------------------------------------------------------------------------------


@st.composite
def tiny_specs(draw) -> dict[str, Any]:
    """Arguments for conftest.tiny_show: a random small show with random rules and promotions."""
    slots = draw(st.integers(3, 8))
    count = min(9, slots // 2 + draw(st.integers(1, 5)))
    products = []
    for i in range(count):
        products.append(
            {
                "sku": f"P{i}",
                "margin": draw(st.integers(-5, 60)),
                "live": draw(st.sampled_from([60, 100, 150])),
                "category": draw(st.sampled_from(["a", "b", "c"])),
                "role": draw(st.sampled_from(ROLES)),
            }
        )
    viewers = draw(st.lists(st.integers(50, 2000), min_size=slots, max_size=slots))
    rules: dict[str, Any] = {
        "segment_minutes": {"default": 5, "min": 5, "max": draw(st.sampled_from([5, 10]))},
        "no_back_to_back": {"category": draw(st.booleans())},
    }
    if draw(st.booleans()):
        rules["opening"] = {"roles": ["traffic", "welfare"], "within_minutes": 5}
    if draw(st.booleans()):
        rules["hero_encore"] = {"last_minutes": 10}
    if draw(st.booleans()):
        rules["repeats"] = [{"sku": "P0", "min_gap_minutes": draw(st.sampled_from([0, 5, 10]))}]
    if draw(st.booleans()) and count >= 2:
        rules["precedence"] = [{"before": "P1", "after": "P0"}]
    if draw(st.booleans()):
        rules["pins"] = [
            {
                "sku": f"P{draw(st.integers(0, count - 1))}",
                "at": f"20:{5 * draw(st.integers(0, slots - 1)):02d}",
            }
        ]
    promotions = []
    stock = {p["sku"]: draw(st.integers(1, 40)) for p in products}
    if draw(st.booleans()):
        promotions.append(
            {
                "id": "fs",
                "type": "flash_sale",
                "sku": "P0",
                "price": 50,
                "units": draw(st.integers(1, stock["P0"])),
            }
        )
    if draw(st.booleans()):
        promotions.append(
            {"id": "bag", "type": "lucky_bag", "prize": "cup", "prize_value": 2, "count": slots}
        )
        rules["lucky_bag_cadence"] = {"min_gap_minutes": 5, "max_gap_minutes": 15}
    return dict(
        products=products,
        slots=slots,
        viewers=viewers,
        rules=rules,
        promotions=promotions,
        stock=stock,
        allow_gaps=draw(st.booleans()),
    )


@functools.cache
def sample_files(name: str) -> dict[str, Any]:
    """A sample's four files as data (a stock.csv read into stock.yaml's shape)."""
    from lqplan.show.load import load_show

    raw = load_show(SAMPLES / name)
    return {f"{kind}.yaml": raw.documents[kind].data for kind in ("show", "catalog", "audience",
                                                                   "stock")}  # fmt: skip


def copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [copy(v) for v in node]
    return node


@st.composite
def valid_shows(draw) -> tuple[str, dict[str, Any]]:
    """(base, files): a sample by name, or a random tiny show ('tiny')."""
    if draw(st.booleans()):
        name = draw(st.sampled_from(BASES))
        return name, copy(sample_files(name))
    return "tiny", tiny_show_files(**draw(tiny_specs()))


# --- mutations ---------------------------------------------------------------------------------


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside `node` (not the root itself)."""
    out = []
    items: Any = ()
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    for key, child in items:
        out.append((*prefix, key))
        out.extend(paths(child, (*prefix, key)))
    return out


replacements = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["sku", "at", "x"]), st.integers(0, 9), max_size=2),
    st.just(math.nan),
    st.just(10**40),
    st.just(-(10**19)),
    st.sampled_from(["20:30", "25:00", "2026-02-30", "TEA-OOLONG", "", " ", "0123", "中文"]),
)


def retyped(value: Any) -> list[Any]:
    """Values of another type that a careless edit could leave in place of `value`."""
    if isinstance(value, bool):
        return ["yes", 1, None]
    if isinstance(value, int | float):
        return [str(value), [value], {"value": value}, value > 0]
    if isinstance(value, str):
        return [int(value) if value.isdigit() else len(value), [value], {value: value}, None]
    if isinstance(value, list):
        return [dict(enumerate(value)), value[0] if value else "", len(value)]
    if isinstance(value, dict):
        return [list(value.values()), list(value), str(value)]
    return [0, "", []]


def apply(data: dict[str, Any], name: str, path: tuple, op: str, value: Any) -> None:
    """Edit `data[name]` at `path`: drop, duplicate (a list item), or set to `value`."""
    parent = data[name]
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return  # an earlier mutation removed or replaced this branch
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        if op == "drop":
            del parent[last]
        elif op == "duplicate" and isinstance(parent[last], list) and parent[last]:
            parent[last].append(copy(parent[last][0]))
        elif op in ("replace", "retype"):
            parent[last] = value
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if op == "drop":
            del parent[last]
        elif op == "duplicate":
            parent.insert(last, copy(parent[last]))
        elif op in ("replace", "retype"):
            parent[last] = value


@dataclass
class Case:
    """A show to run every command on: files as data, then edits to their YAML text."""

    base: str
    files: dict[str, Any]
    edits: list[str] = field(default_factory=list)  # what was done, for the report
    text_edits: list[tuple[str, str, int]] = field(default_factory=list)
    # Edits to the plan lqplan makes, as if by hand: (which path, modulo their number; op; value)
    plan_edits: list[tuple[int, str, Any]] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
            for file, op, index in self.text_edits:
                if file == name:
                    text = edit_text(text, op, index)
            (folder / name).write_text(text, encoding="utf-8")
        return folder


def edit_text(text: str, op: str, index: int) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = index % len(lines)
    if op == "duplicate-line":  # a duplicate key, or a list item twice
        lines.insert(i, lines[i])
    elif op == "delete-line":
        del lines[i]
    elif op == "truncate":
        lines = lines[:i]
    return "".join(lines)


@st.composite
def mutated_shows(draw, max_edits: int = 3) -> Case:
    """A valid show with 0 to `max_edits` edits of any kind."""
    base, files = draw(valid_shows())
    case = Case(base, files)
    for _ in range(draw(st.integers(0, max_edits))):
        kind = draw(st.sampled_from(["drop", "duplicate", "retype", "replace", "swap", "text"]))
        name = draw(st.sampled_from(FILES))
        if kind == "swap":
            other = draw(st.sampled_from([f for f in FILES if f != name]))
            if draw(st.booleans()):  # two files trade contents
                files[name], files[other] = files[other], files[name]
                case.edits.append(f"swap {name} and {other}")
            elif isinstance(files["show.yaml"], dict):  # show.yaml names the wrong file
                kind_of = name.removesuffix(".yaml")
                if kind_of != "show":
                    files["show.yaml"]["files"] = {kind_of: other}
                    case.edits.append(f"files.{kind_of}: {other}")
            continue
        if kind == "text":
            op = draw(st.sampled_from(["duplicate-line", "delete-line", "truncate"]))
            case.text_edits.append((name, op, draw(st.integers(0, 10_000))))
            case.edits.append(f"{op} in {name}")
            continue
        where = paths(files[name])
        if not where:
            continue
        path = draw(st.sampled_from(where))
        value = None
        if kind == "retype":
            node = files[name]
            for key in path:
                node = node[key]
            value = draw(st.sampled_from(retyped(node)))
        elif kind == "replace":
            value = draw(replacements)
        apply(files, name, path, kind, value)
        case.edits.append(f"{kind} {name}:{'.'.join(map(str, path))}" + (
            f" = {value!r}" if kind in ("retype", "replace") else ""))  # fmt: skip
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["drop", "duplicate", "retype", "replace"]))
        value = draw(replacements) if op in ("retype", "replace") else None
        case.plan_edits.append((draw(st.integers(0, 10_000)), op, value))
    return case


def edit_plan(plan: dict[str, Any], edits: list[tuple[int, str, Any]]) -> dict[str, Any]:
    data = {"plan.json": copy(plan)}
    for index, op, value in edits:
        where = paths(data["plan.json"])
        if where:
            apply(data, "plan.json", where[index % len(where)], op, value)
    return data["plan.json"]


# --- every command -----------------------------------------------------------------------------

CLEAN = (0, 1, 2, 3)  # ok, bad input, usage, infeasible: anything else is a crash


@functools.cache
def base_plan(name: str) -> str:
    """plan.json of a sample, planned once per process (to check and explain mutated shows)."""
    from lqplan.pipeline import load_and_validate, plan_json, plan_show
    from lqplan.plan.result import SolveSettings

    settings = SolveSettings(time_limit=0.5, deterministic=True)
    return plan_json(plan_show(load_and_validate(SAMPLES / name), settings).plan)


def run_commands(case: Case, work: Path) -> str:
    """Run every command on `case` in `work`; return how planning ended ('planned',
    'invalid', 'usage' or 'infeasible'). AssertionError on a crash or a plan the checker
    rejects."""
    from typer.testing import CliRunner

    from lqplan.cli import app

    runner = CliRunner()
    show = case.write(work / "show")

    def run(*args: Any) -> int:
        argv = [str(a) for a in args]
        result = runner.invoke(app, argv)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            trace = "".join(traceback.format_exception(exc))
            raise AssertionError(f"lqplan {' '.join(argv)} crashed:\n{trace}")
        assert result.exit_code in CLEAN, f"lqplan {' '.join(argv)}: exit {result.exit_code}"
        assert "Traceback" not in result.output, result.output
        assert "a bug in lqplan" not in result.output, result.output
        return result.exit_code

    run("validate", show)
    run("lint", show)
    out = work / "out"
    code = run("plan", show, "-o", out, "--deterministic", "--time-limit", "0.3", "-q")
    if code == 0:
        plan = out / "plan.json"
        assert run("check", plan, show) == 0, "the independent checker rejects lqplan's plan"
        assert run("render", plan, "-o", work / "rendered") == 0
        assert run("explain", plan, show) == 0
        if case.plan_edits:  # the plan edited by hand, then used: a clean error at worst
            edited = work / "edited.json"
            data = edit_plan(json.loads(plan.read_text(encoding="utf-8")), case.plan_edits)
            edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            run("check", edited, show)
            run("render", edited, "-o", work / "edited")
            run("explain", edited, show)
            run("diff", plan, edited)
    if case.base != "tiny":  # the unmutated show's plan, checked and explained against this one
        other = work / "base.json"
        other.write_text(base_plan(case.base), encoding="utf-8")
        run("check", other, show)
        run("explain", other, show)
    return {0: "planned", 1: "invalid", 2: "usage", 3: "infeasible"}[code]


# --- what lqplan wrote: plan.json, actuals and the manifest, mutated ---------------------------

FILE_TARGETS = ("plan.json", "actuals.yaml", ".lqplan-manifest.json")
# Edits to a file's text that no data edit makes: values nested deep, numbers too long or not
# finite, lines cut or doubled.
TEXT_OPS = ("nest", "digits", "infinity", "nan", "1e400", "truncate", "duplicate-line",
            "delete-line", "empty")  # fmt: skip


@dataclass
class FileCase:
    """A sample's plan, its simulated actuals and its output folder, one file of them mutated:
    `data_edits` as plan_edits are (on the parsed file), then `text_edits` on its text."""

    base: str
    target: str
    data_edits: list[tuple[int, str, Any]] = field(default_factory=list)
    text_edits: list[tuple[str, int]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.base} {self.target}: data {self.data_edits}, text {self.text_edits}"


@st.composite
def mutated_files(draw, max_edits: int = 3) -> FileCase:
    """A plan.json, actuals or manifest with 1 to `max_edits` data or text edits."""
    case = FileCase(draw(st.sampled_from(BASES)), draw(st.sampled_from(FILE_TARGETS)))
    for _ in range(draw(st.integers(1, max_edits))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(["drop", "duplicate", "retype", "replace"]))
            value = draw(replacements) if op in ("retype", "replace") else None
            case.data_edits.append((draw(st.integers(0, 100_000)), op, value))
        else:
            case.text_edits.append((draw(st.sampled_from(TEXT_OPS)), draw(st.integers(0, 10**6))))
    return case


def edit_file_text(text: str, op: str, index: int) -> str:
    """One text edit of a JSON or YAML file at a place chosen by `index`."""
    import re

    numbers = [m.span() for m in re.finditer(r"(?<![\w.\"'])-?[0-9]+(\.[0-9]+)?(?![\w\"'])", text)]
    if op in ("digits", "infinity", "nan", "1e400") and numbers:
        start, end = numbers[index % len(numbers)]
        new = {"digits": text[start:end] + "7" * 5000, "infinity": "Infinity", "nan": "NaN",
               "1e400": "1e400"}[op]  # fmt: skip
        return text[:start] + new + text[end:]
    if op == "nest":
        depth = (1000, 100_000, 70)[index % 3]
        colons = [m.end() for m in re.finditer(r": ", text)] or [len(text)]
        at = colons[index % len(colons)]
        return text[:at] + "[" * depth + "1" + "]" * depth + ", " + text[at:]
    if op == "empty":
        return ""
    return edit_text(text, op, index)


@functools.cache
def base_files(name: str) -> dict[str, str]:
    """A sample's plan.json, its simulated actuals and the manifest of its output folder, as
    lqplan writes them (made once per process)."""
    import tempfile

    from typer.testing import CliRunner

    from lqplan.cli import app

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        out, show = Path(tmp) / "out", SAMPLES / name
        made = runner.invoke(app, ["plan", str(show), "-o", str(out), "--deterministic", "-q",
                                   "--time-limit", "0.5"])  # fmt: skip
        assert made.exit_code == 0, made.output
        actuals = Path(tmp) / "actuals.yaml"
        played = runner.invoke(app, ["simulate", str(out / "plan.json"), "--market", str(show),
                                     "--seed", "1", "-o", str(actuals)])  # fmt: skip
        assert played.exit_code == 0, played.output
        return {
            "plan.json": (out / "plan.json").read_text("utf-8"),
            "actuals.yaml": actuals.read_text("utf-8"),
            ".lqplan-manifest.json": (out / ".lqplan-manifest.json").read_text("utf-8"),
        }


def mutated_text(case: FileCase) -> str:
    """The target file of `case` with its edits made."""
    text = base_files(case.base)[case.target]
    if case.data_edits:
        data = yaml.safe_load(text) if case.target.endswith(".yaml") else json.loads(text)
        data = edit_plan(data, case.data_edits) if isinstance(data, dict) else data
        text = (
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
            if case.target.endswith(".yaml")
            else json.dumps(data, ensure_ascii=False, indent=2)
        )
    for op, index in case.text_edits:
        text = edit_file_text(text, op, index)
    return text


HANG_SECONDS = 60  # a command on one small file that runs longer than this hangs


def run_file_commands(case: FileCase, work: Path) -> str:
    """Run every command that reads `case`'s file on it, as a user would; returns how `check`
    (plan), `review` (actuals) or `render` (manifest) ended. AssertionError on a crash or a
    hang (a command past HANG_SECONDS)."""
    import signal

    from typer.testing import CliRunner

    from lqplan.cli import app

    runner = CliRunner()
    files = base_files(case.base)
    show = SAMPLES / case.base
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    good = work / "good.json"
    good.write_text(files["plan.json"], encoding="utf-8")
    target = work / case.target
    target.write_text(mutated_text(case), encoding="utf-8")
    plan, actuals = work / "plan.json", work / "actuals.yaml"
    start = json.loads(files["plan.json"])["show"]["start"]

    def hang(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer in {HANG_SECONDS} s")

    def run(*args: Any) -> int:
        argv = [str(a) for a in args]
        previous = signal.signal(signal.SIGALRM, hang)
        signal.alarm(HANG_SECONDS)
        try:
            result = runner.invoke(app, argv)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            trace = "".join(traceback.format_exception(exc))
            raise AssertionError(f"lqplan {' '.join(argv)} crashed on {case}:\n{trace}")
        assert result.exit_code in (*CLEAN, 4), f"lqplan {' '.join(argv)}: {result.exit_code}"
        assert "Traceback" not in result.output, result.output
        return result.exit_code

    if case.target == ".lqplan-manifest.json":  # the output folder lqplan finds on its rerun
        folder = work / "out"
        folder.mkdir()
        (folder / case.target).write_text(target.read_text("utf-8"), encoding="utf-8")
        code = run("render", good, "-o", folder)
        run("render", good, "-o", folder)
        return f"manifest: exit {code}"
    code = run("review", plan, actuals, "-o", work / "review", "--force")
    run("replan", plan, "--actuals", actuals, "--show", show, "--at", _later(start, 30),
        "-o", work / "replan", "--deterministic", "--time-limit", "0.3", "--force")  # fmt: skip
    if case.target == "actuals.yaml":
        return f"actuals: exit {code}"
    code = run("check", plan, show)
    run("render", plan, "-o", work / "rendered", "--force")
    run("diff", good, plan)
    run("explain", plan, show)
    run("live", plan, "--at", start, "--speed", "1000000")
    return f"plan: exit {code}"


def _later(clock: str, minutes: int) -> str:
    """HH:MM `minutes` later."""
    hours, mins = map(int, clock.split(":"))
    total = (hours * 60 + mins + minutes) % 1440
    return f"{total // 60:02d}:{total % 60:02d}"
