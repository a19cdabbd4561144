"""The hostile-input corpus (issue 7): every case gives a clean error, never a crash or a hang.

Each folder under tests/hostile/ is samples/minimal with one hostile change. The big cases (an
alias bomb, 10,000-level nesting, a 50 MB file) are generated into tmp_path at test time. Every
case is run as a user runs it, `lqplan validate CASE` and `lqplan plan CASE -o OUT` in a
subprocess, and must exit 1 (2 for usage errors) with a one-line error naming the file (and the
line where there is one), no traceback, no output folder, and return well before the timeout.
The subprocesses run concurrently (a module fixture) to keep the file fast; wall times are
printed (`pytest -s`), not asserted: timing belongs to the benchmarks. Hostile output folders
(links, pipes, locks, interrupted writes) are the corpus in tests/io/test_write_hostile.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import resource
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SAMPLES

HOSTILE = Path(__file__).resolve().parent / "hostile"
# A hang, not a slow run: a plan of the tiny hostile shows takes a second or two on a quiet
# machine, and took over 20 s on a shared one at load 10–15, failing cases that were not hangs.
TIMEOUT = 60.0

# case -> (file named in the error, its line or None when the problem has no line, a fragment of
# the message). Committed cases are folders under tests/hostile/; GENERATED ones are built below.
CASES: dict[str, tuple[str, int | None, str]] = {
    "yaml-syntax": ("show.yaml", 12, "invalid YAML"),
    "alias-bomb": ("audience.yaml", 6, "alias bomb"),
    "deep-nesting": ("catalog.yaml", 1, "nesting deeper than"),
    "file-50mb": ("stock.yaml", None, "the limit is"),
    "gbk": ("catalog.yaml", 70, "not UTF-8"),
    "latin1": ("catalog.yaml", 92, "not UTF-8"),
    "utf16": ("audience.yaml", 1, "UTF-16"),
    "utf16-no-bom": ("audience.yaml", 1, "NUL byte"),
    "nul-byte": ("stock.yaml", 5, "NUL byte"),
    "tabs": ("show.yaml", 15, "not tabs"),
    "empty-file": ("catalog.yaml", 1, "file is empty"),
    "comments-only": ("stock.yaml", 1, "file is empty"),
    "list-for-mapping": ("show.yaml", 17, "team"),
    "top-level-list": ("catalog.yaml", 1, "got a list"),
    "number-as-string": ("show.yaml", 6, "duration_minutes"),
    "string-as-number": ("show.yaml", 9, "currency"),
    "price-as-string": ("catalog.yaml", 23, "live_price"),
    "negative": ("stock.yaml", 6, "units"),
    "zero": ("show.yaml", 7, "slot_minutes"),
    "nan": ("catalog.yaml", 24, "finite"),
    "infinite": ("catalog.yaml", 61, "finite"),
    "digits-400": ("stock.yaml", 7, "400 digits"),
    "time-25-00": ("show.yaml", 5, "25:00"),
    "time-20-60": ("show.yaml", 26, "20:60"),
    "date-feb-30": ("show.yaml", 4, "not a real date"),
    "sku-dotdot": ("catalog.yaml", 80, "sku"),
    "sku-slash": ("catalog.yaml", 80, "sku"),
    "sku-space": ("catalog.yaml", 80, "sku"),
    "sku-fullwidth": ("stock.yaml", 9, "not in the catalog"),
    "sku-fullwidth-space": ("catalog.yaml", 80, "sku"),
    "sku-200-chars": ("catalog.yaml", 80, "sku is 200 characters long; at most 64"),
    "rich-markup-field": ("show.yaml", 12, "unknown field '[bold]extra[/]'"),
    "csv-formula-units": ("stock.csv", 9, "units"),
    "csv-formula-sku": ("stock.csv", 10, "sku"),
    "csv-missing-column": ("stock.csv", 1, "missing column 'units'"),
    "csv-short-row": ("stock.csv", 9, "row has 2 cells"),
    "csv-extra-cells": ("stock.csv", 9, "row has 5 cells"),
    "csv-extra-rows": ("stock.csv", 11, "not in the catalog"),
    "missing-file": ("show.yaml", 13, "catalog file not found"),
    "files-dotdot": (
        "show.yaml",
        13,
        "audience file ../../../../../../../../../etc/passwd is "
        "outside the show's folder: /etc/passwd",
    ),
    "files-absolute": ("show.yaml", 14, "stock file /etc/passwd is outside the show's folder"),
    "files-symlink": ("catalog.yaml", None, "outside the show's folder through a symbolic link"),
    "templates-outside": (
        "show.yaml",
        13,
        "templates folder ../../../../../../../../../tmp is outside the show's folder",
    ),
    # 10,000 pins on a show of 12 slots: refused at the second pin of a slot, not solved for
    # a minute past --time-limit.
    "pins-10000": ("show.yaml", 35, "TEA-GIFT is pinned at 20:40 already (rules.pins[0])"),
    # A 6 GB sparse file: judged by its size, never read (under a 1 GiB memory limit).
    "file-6gb-sparse": ("catalog.yaml", None, "file is 6442 MB; the limit is 32 MiB"),
}
GENERATED = (
    "alias-bomb",
    "deep-nesting",
    "file-50mb",
    "files-symlink",
    "pins-10000",
    "file-6gb-sparse",
)
# Cases run under a memory limit (bytes of address space): reading the file whole would fail.
MEMORY_LIMITED = {"file-6gb-sparse"}
MEMORY_LIMIT = 1024**3
VALID = "rich-markup"  # a product named with rich markup: planned, and printed literally
MARKUP = "[bold]Oolong[/] [red]x"
MISSING = "no-such-show"  # a usage error: exit 2


def _generate(folder: Path, case: str) -> None:
    shutil.copytree(SAMPLES / "minimal", folder)
    if case == "alias-bomb":  # ten levels of ten aliases each: 10^10 values if expanded
        lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
        for i in range(1, 10):
            lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
        (folder / "audience.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    elif case == "deep-nesting":
        (folder / "catalog.yaml").write_text(f"products: {'[' * 10_000}{']' * 10_000}\n", "utf-8")
    elif case == "files-symlink":  # catalog.yaml is a link to a file outside the show
        (folder / "catalog.yaml").unlink()
        (folder / "catalog.yaml").symlink_to("/etc/passwd")
    elif case == "pins-10000":  # TEA-GIFT's pin at 20:40, then 10,000 more round the clock
        text = (folder / "show.yaml").read_text("utf-8")
        pins = "".join(
            f'    - {{sku: TEA-OOLONG, at: "20:{5 * (i % 12):02d}"}}\n' for i in range(10_000)
        )
        marker = '    - {id: pin-gift-set, sku: TEA-GIFT, at: "20:40"}\n'
        (folder / "show.yaml").write_text(text.replace(marker, marker + pins), "utf-8")
    elif case == "file-6gb-sparse":  # sparse: no disk used, but 6 GB to read
        with (folder / "catalog.yaml").open("r+b") as f:
            f.truncate(6 * 1000**3 + 442 * 1000**2)
    elif case == "file-50mb":  # a real stock file, then 50 MiB of comment lines
        with (folder / "stock.yaml").open("a", encoding="utf-8") as f:
            line = "# " + "x" * 1021 + "\n"
            for _ in range(50 * 1024):
                f.write(line)


@dataclass
class Run:
    args: list[str]
    code: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    seconds: float
    output: Path


def _run(work: Path, command: str, case: str) -> Run:
    output = work / f"out-{command}-{case}"
    args = [command, case] + (["-o", str(output)] if command == "plan" else [])
    return run_lqplan(work, args, output, memory=MEMORY_LIMIT if case in MEMORY_LIMITED else None)


def _limit_memory(limit: int) -> Callable[[], None]:
    """A subprocess preexec that caps its address space at `limit` bytes."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_lqplan(work: Path, args: list[str], output: Path, memory: int | None = None) -> Run:
    """`lqplan ARGS` in a subprocess in `work`, as a user runs it; killed at TIMEOUT; with
    `memory`, its address space capped at that many bytes."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lqplan", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
            preexec_fn=None if memory is None else _limit_memory(memory),
        )
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code, stdout, stderr = None, str(exc.stdout or ""), str(exc.stderr or "")
    return Run(args, code, stdout, stderr, time.perf_counter() - start, output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], Run]:
    work = tmp_path_factory.mktemp("hostile")
    for case in (*CASES, VALID):
        if case in GENERATED:
            _generate(work / case, case)
        else:
            shutil.copytree(HOSTILE / case, work / case)
    jobs = [(c, case) for case in (*CASES, VALID, MISSING) for c in ("validate", "plan")]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = pool.map(lambda job: _run(work, *job), jobs)
        table = dict(zip(jobs, results, strict=True))
    for (command, case), run in table.items():
        print(f"{run.seconds:6.2f} s  exit {run.code}  lqplan {command} {case}")
    assert not (work / "out").exists(), "a command wrote to the default output folder"
    return table


def test_every_case_has_a_folder_or_a_generator():
    committed = {p.name for p in HOSTILE.iterdir() if p.is_dir()}
    assert committed == (set(CASES) - set(GENERATED)) | {VALID}


def assert_clean(run: Run) -> None:
    assert run.code is not None, f"lqplan {' '.join(run.args)} did not return in {TIMEOUT} s"
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    assert run.stdout == "", "stdout carries data only"
    assert not run.output.exists(), "an output folder was created"


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_is_a_clean_error(runs, case: str, command: str):
    run = runs[(command, case)]
    assert_clean(run)
    assert run.code == 1, run.stderr
    file, line, fragment = CASES[case]
    where = f"{case}/{file}" + (f":{line}:" if line else ": error:")
    named = [text for text in run.stderr.splitlines() if text.startswith(where)]
    assert named, f"no error at {where!r} in:\n{run.stderr}"
    assert any(fragment in text and "error" in text for text in named), run.stderr


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_missing_show_is_a_usage_error(runs, command: str):
    run = runs[(command, MISSING)]
    assert_clean(run)
    assert run.code == 2, run.stderr
    assert f"{MISSING}: no such file or folder" in run.stderr


def test_rich_markup_in_a_product_name_is_printed_literally(runs):
    assert runs[("validate", VALID)].code == 0, runs[("validate", VALID)].stderr
    run = runs[("plan", VALID)]
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert MARKUP in run.stderr  # the summary's timeline names the product as written
    assert (run.output / "plan.json").is_file()


def _shared_catalog_layout(root: Path) -> Path:
    """root/shows/evening/ names root/shared/catalog.yaml: two folders up, one down."""
    show = root / "shows" / "evening"
    shutil.copytree(SAMPLES / "minimal", show)
    (root / "shared").mkdir()
    (show / "catalog.yaml").rename(root / "shared" / "catalog.yaml")
    text = (show / "show.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "objective: profit\n", "objective: profit\nfiles:\n  catalog: ../../shared/catalog.yaml\n"
    )
    (show / "show.yaml").write_text(text, encoding="utf-8")
    return show


def test_a_shared_catalog_inside_the_repository_loads(tmp_path):
    from lqplan.pipeline import load_and_validate

    (tmp_path / ".git").mkdir()  # the nearest folder above the show with a .git is its boundary
    inputs = load_and_validate(_shared_catalog_layout(tmp_path))
    assert len(inputs.catalog.products) == 8


def test_a_shared_catalog_outside_any_repository_is_refused(tmp_path):
    from lqplan.errors import InputError
    from lqplan.pipeline import load_and_validate

    with pytest.raises(InputError) as info:
        load_and_validate(_shared_catalog_layout(tmp_path))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.path == "files.catalog" and diagnostic.line == 14
    assert "is outside the show's folder" in diagnostic.message


# --- plan.json, actuals and the output folder's manifest --------------------------------------
#
# What lqplan wrote, edited or replaced by someone else: each case is a file of a real plan of
# samples/minimal (and its simulated actuals) made hostile, run through every command that reads
# it. Each must end in one clean error naming the file (and the place), exit 1, in time.

PLAN_COMMANDS: dict[str, list[str]] = {
    "check": ["check", "{plan}", "show"],
    "render": ["render", "{plan}", "-o", "{out}"],
    "diff": ["diff", "good.json", "{plan}"],
    "review": ["review", "{plan}", "{actuals}", "-o", "{out}"],
    "replan": ["replan", "{plan}", "--actuals", "{actuals}", "--show", "show", "-o", "{out}"],
    "explain": ["explain", "{plan}", "show"],
    "live": ["live", "{plan}", "--at", "20:00", "--speed", "3600"],
}
ACTUALS_COMMANDS = ("review", "replan")


def _nest(text: str, key: str, depth: int) -> str:
    """`key`'s value replaced by an array nested `depth` deep."""
    return text.replace(f'"{key}": ', f'"{key}": {"[" * depth}{"]" * depth}, "_was": ', 1)


# case -> (the hostile file: "plan" or the actuals file's name, how to make it from the good
# plan, the line of the error or None, a fragment of its message).
FILE_CASES: dict[str, tuple[str, Callable[[Path, Path], None], int | None, str]] = {
    # 100,000 levels: a RecursionError traceback in every command before.
    "plan-nesting-100000": (
        "plan",
        lambda good, bad: bad.write_text(_nest(good.read_text("utf-8"), "generator", 100_000)),
        3,
        "nesting deeper than 64 levels",
    ),
    # A 5,000-digit integer: a ValueError (Python's int-string limit) before.
    "plan-digits-5000": (
        "plan",
        lambda good, bad: bad.write_text(
            good.read_text("utf-8").replace('"minutes": 60', '"minutes": ' + "9" * 5000, 1)
        ),
        9,
        "number with 5000 digits is out of range",
    ),
    # Infinity and 1e400 (which Python reads as infinity): not JSON numbers.
    "plan-infinity": (
        "plan",
        lambda good, bad: bad.write_text(
            good.read_text("utf-8").replace('"stock_reserve": 0.1', '"stock_reserve": Infinity')
        ),
        17,
        "Infinity is not a JSON number",
    ),
    "plan-1e400": (
        "plan",
        lambda good, bad: bad.write_text(
            good.read_text("utf-8").replace('"stock_reserve": 0.1', '"stock_reserve": 1e400')
        ),
        17,
        "number 1e400 is out of range",
    ),
    # More segments than a day has minutes: refused by size before any loop runs on them.
    "plan-segments-2000": (
        "plan",
        lambda good, bad: bad.write_text(_many_segments(good.read_text("utf-8"), 2000)),
        None,
        "segments: ",
    ),
    # 6 GB, sparse: judged by its size, never read (under a 1 GiB memory limit).
    "plan-6gb-sparse": ("plan", lambda good, bad: _sparse(bad), None, "the limit is 32 MiB"),
    "actuals-6gb-sparse": (
        "actuals.csv",
        lambda good, bad: _sparse(bad),
        None,
        "the limit is 32 MiB",
    ),
    # 20,000 segments: each would be tallied minute by minute; a show has at most 1,441.
    "actuals-segments-20000": (
        "actuals.yaml",
        lambda good, bad: bad.write_text(
            "segments:\n" + "  - {sku: HONEY-JAR, start: '20:00', minutes: 60}\n" * 20_000
        ),
        2,
        "segments has 20000 items; at most 1441",
    ),
}


def _many_segments(text: str, count: int) -> str:
    data = json.loads(text)
    data["segments"] = [data["segments"][0]] * count
    return json.dumps(data, indent=2)


def _sparse(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(6 * 1000**3 + 442 * 1000**2)


@pytest.fixture(scope="module")
def plan_runs(tmp_path_factory) -> dict[tuple[str, str], Run]:
    work = tmp_path_factory.mktemp("hostile-plans")
    shutil.copytree(SAMPLES / "minimal", work / "show")
    made = run_lqplan(work, ["plan", "show", "-o", "made", "--deterministic", "-q"], work / "x")
    assert made.code == 0, made.stderr
    good = work / "good.json"
    shutil.copy(work / "made" / "plan.json", good)
    run_lqplan(
        work,
        ["simulate", "good.json", "--market", "show", "--seed", "1", "-o", "actuals.yaml"],
        work / "x",
    )
    jobs = []
    for case, (kind, make, _, _) in FILE_CASES.items():
        folder = work / case
        folder.mkdir()
        plan, actuals = folder / "plan.json", folder / "actuals.yaml"
        shutil.copy(good, plan)
        shutil.copy(work / "actuals.yaml", actuals)
        actuals = actuals if kind == "plan" else folder / kind
        make(good, plan if kind == "plan" else actuals)
        names = {"plan": str(plan), "actuals": str(actuals)}
        commands = PLAN_COMMANDS if kind == "plan" else ACTUALS_COMMANDS
        for command in commands:
            out = folder / f"out-{command}"
            args = [a.format(**names, out=out) for a in PLAN_COMMANDS[command]]
            jobs.append(((case, command), args, out))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = pool.map(lambda job: run_lqplan(work, job[1], job[2], memory=MEMORY_LIMIT), jobs)
        table = {job[0]: run for job, run in zip(jobs, results, strict=True)}
    for (case, command), run in table.items():
        print(f"{run.seconds:6.2f} s  exit {run.code}  lqplan {command} {case}")
    return table


@pytest.mark.parametrize(
    ("case", "command"),
    [
        (case, command)
        for case, (kind, *_) in FILE_CASES.items()
        for command in (PLAN_COMMANDS if kind == "plan" else ACTUALS_COMMANDS)
    ],
)
def test_a_hostile_plan_or_actuals_file_is_a_clean_error(plan_runs, case: str, command: str):
    run = plan_runs[(case, command)]
    assert_clean(run)
    assert run.code == 1, run.stderr
    kind, _, line, fragment = FILE_CASES[case]
    file = "plan.json" if kind == "plan" else kind
    where = f"{case}/{file}" + (f":{line}:" if line else ":")
    named = [text for text in run.stderr.splitlines() if where in text]
    assert any(fragment in text and "error" in text for text in named), run.stderr


def test_live_on_a_plan_without_segments_ends_with_the_show(tmp_path):
    """`live` on a valid plan with no segments (nothing to air) used to run forever."""
    made = run_lqplan(
        tmp_path, ["plan", str(SAMPLES / "minimal"), "-o", "made", "--deterministic", "-q"],
        tmp_path / "x")  # fmt: skip
    assert made.code == 0, made.stderr
    plan = json.loads((tmp_path / "made" / "plan.json").read_text("utf-8"))
    plan["segments"], plan["totals"]["segments"] = [], 0
    (tmp_path / "empty.json").write_text(json.dumps(plan), "utf-8")
    # `live` draws on a terminal: a pseudo-terminal; at 3,600× the hour-long show takes a second.
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "lqplan", "live", "empty.json", "--at", "20:00", "--speed", "3600"],
        cwd=tmp_path, stdin=follower, stdout=follower, stderr=follower,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"},
    )  # fmt: skip
    os.close(follower)
    shown = b""
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):  # the terminal closed as the process ended
                    shown += os.read(leader, 65536)
        assert process.wait(timeout=5) == 0, shown[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    assert b"Traceback" not in shown


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param('{"files": ' + "[" * 100_000 + "]" * 100_000 + "}", id="nesting-100000"),
        pytest.param('{"files": {"plan.json": ' + "7" * 5000 + "}}", id="digits-5000"),
        pytest.param('{"files": {"plan.json": Infinity}}', id="infinity"),
    ],
)
def test_a_hostile_manifest_is_not_lqplans(tmp_path, manifest: str):
    """A manifest lqplan cannot have written earns nothing: `render` into the folder writes its
    files as into a fresh one (the manifest replaced), never a traceback."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lqplan-manifest.json").write_text(manifest, "utf-8")
    made = run_lqplan(
        tmp_path, ["plan", str(SAMPLES / "minimal"), "-o", "made", "--deterministic", "-q"],
        tmp_path / "x")  # fmt: skip
    assert made.code == 0, made.stderr
    run = run_lqplan(tmp_path, ["render", "made/plan.json", "-o", "out"], out)
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert json.loads((out / ".lqplan-manifest.json").read_text("utf-8"))["files"]
