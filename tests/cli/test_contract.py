"""The contract (README, "The contract"): one test per row, named in CONTRACT.

Every promise is checked as a script or a CI job meets it: `python -m lqplan` in a subprocess,
its exit code, its stdout and stderr as bytes, and the files it leaves. Where a condition cannot
be produced for real (a full disk; a read-only folder when the tests run as root, who may write
anywhere) the failure is injected in-process where lqplan writes, with `CliRunner`.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.io import write

# README row -> the test that keeps the promise.
CONTRACT = {
    "exit 0": "test_exit_0",
    "exit 1": "test_exit_1",
    "exit 2": "test_exit_2",
    "exit 3": "test_exit_3",
    "exit 4": "test_exit_4",
    "exit 130": "test_exit_130",
    "stdout is data": "test_stdout_is_data",
    "plain text": "test_plain_text",
    "interrupts leave nothing": "test_interrupts_leave_nothing",
    "unwritable output": "test_unwritable_output",
    "output folder links": "test_output_folder_links",
    "locks": "test_locks",
    "bounded reads": "test_bounded_reads",
    "bounded inputs": "test_bounded_inputs",
    "control characters": "test_control_characters",
    "escaped paperwork": "test_escaped_paperwork",
    "user templates": "test_user_templates",
    "stale outputs": "test_stale_outputs",
    "permissions": "test_permissions",
    "LANG=C": "test_lang_c",
    "byte-identical": "test_byte_identical",
}
MINIMAL = SAMPLES / "minimal"
BEAUTY = SAMPLES / "beauty-douyin"
ANSI = re.compile(rb"\x1b[\[\]()#;?]*[0-9;?]*[A-Za-z]")


def readme_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The contract", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")]
    return [row for row in rows if row not in ("promise",)]


def test_readme_rows_are_the_tests_rows():
    assert readme_rows() == list(CONTRACT)
    for name in CONTRACT.values():
        assert callable(globals().get(name)), f"{name} is named in CONTRACT but not defined"


def lqplan(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    """Run `python -m lqplan ARGS`; stdout and stderr as bytes, as a script receives them."""
    return subprocess.run(
        [sys.executable, "-m", "lqplan", *map(str, args)],
        cwd=cwd,
        env=env or {**os.environ, "COLUMNS": "120"},
        capture_output=True,
        timeout=timeout,
    )


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones included), by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# --- exit codes --------------------------------------------------------------------------------


def test_exit_0(tmp_path):
    assert lqplan("validate", MINIMAL, cwd=tmp_path).returncode == 0
    done = lqplan("plan", MINIMAL, "-o", "out", "--time-limit", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "out" / "plan.json").is_file()


def test_exit_1(tmp_path):
    done = lqplan("validate", ROOT / "tests" / "hostile" / "nan", cwd=ROOT)
    assert done.returncode == 1
    assert b"tests/hostile/nan/catalog.yaml:24:16: error: products[1].unit_cost:" in done.stderr
    # check: a plan edited by hand so that a product airs twice in a row
    lqplan("plan", MINIMAL, "-o", "out", "--time-limit", "2", "-q", cwd=tmp_path)
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    plan["segments"][1]["sku"] = plan["segments"][0]["sku"]
    (tmp_path / "edited.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    done = lqplan("check", "edited.json", MINIMAL, cwd=tmp_path)
    assert done.returncode == 1
    assert b"no_back_to_back" in done.stderr
    # a plan that does not match its schema: each problem at its line and column, no traceback
    del plan["show"]["language"]
    (tmp_path / "edited.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
    done = lqplan("render", "edited.json", "-o", "rendered", cwd=tmp_path)
    assert done.returncode == 1 and not (tmp_path / "rendered").exists()
    assert done.stderr == (
        b"edited.json:4:11: error: show.language: missing required field 'language'\n"
    )


def test_exit_2(tmp_path):
    for args in (["plan", MINIMAL, "--no-such-option"], ["validate", "no-such-show"]):
        done = lqplan(*args, cwd=tmp_path)
        assert done.returncode == 2, args
        assert b"Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_exit_3(tmp_path):
    """The README's example: the minimal show with its gift box pinned at 20:00 instead."""
    show = tmp_path / "show"
    shutil.copytree(MINIMAL, show)
    text = (show / "show.yaml").read_text(encoding="utf-8")
    (show / "show.yaml").write_text(text.replace('at: "20:40"', 'at: "20:00"'), encoding="utf-8")
    done = lqplan("plan", show, "-o", "out", cwd=tmp_path)
    assert done.returncode == 3
    assert b"no plan satisfies every rule" in done.stderr
    assert b"pin-gift-set" in done.stderr and b"opening" in done.stderr
    assert not (tmp_path / "out").exists()


def test_exit_4(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "run_sheet.md").write_text("edited by hand\n", encoding="utf-8")
    done = lqplan("plan", MINIMAL, "-o", "out", "--time-limit", "2", cwd=tmp_path)
    assert done.returncode == 4 and b"--force" in done.stderr
    assert files_in(tmp_path / "out") == {"run_sheet.md": b"edited by hand\n"}
    # plan --check: stale after an input changes; diff --check: two plans differ
    show = tmp_path / "show"
    shutil.copytree(MINIMAL, show)
    deterministic = ["--deterministic", "-q"]
    assert lqplan("plan", show, "-o", "fresh", *deterministic, cwd=tmp_path).returncode == 0
    assert lqplan("plan", show, "-o", "fresh", "--check", cwd=tmp_path).returncode == 0
    text = (show / "show.yaml").read_text(encoding="utf-8")
    (show / "show.yaml").write_text(text.replace('at: "20:40"', 'at: "20:30"'), encoding="utf-8")
    assert lqplan("plan", show, "-o", "fresh", "--check", cwd=tmp_path).returncode == 4
    assert lqplan("plan", show, "-o", "moved", *deterministic, cwd=tmp_path).returncode == 0
    done = lqplan("diff", "fresh/plan.json", "moved/plan.json", "--check", cwd=tmp_path)
    assert done.returncode == 4


def _as_in_a_terminal() -> None:
    """Ctrl-C as a user at a terminal sends it: a CI runner may start the tests with SIGINT
    ignored (a background job), and a program started that way keeps ignoring it by design."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_a_solve(tmp_path: Path, signum: int):
    """Start planning the marathon with a long time limit, signal it mid-way, wait for it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lqplan", "plan", SAMPLES / "double11-marathon", "-o", "out",
         "--time-limit", "120", "-q"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_as_in_a_terminal,
    )  # fmt: skip
    time.sleep(4)  # loading, building or solving: each stage stops on the signal
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)  # far less than the 120 s limit
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the solve did not stop on the signal") from None
    return process.returncode, stderr.decode()


def test_exit_130(tmp_path):
    code, stderr = interrupt_a_solve(tmp_path, signal.SIGTERM)
    assert code == 130, stderr
    assert "Traceback" not in stderr


def test_exit_130_when_the_signal_lands_inside_an_extensions_import(monkeypatch):
    """Ctrl-C while OR-Tools' extension initialises arrives as ImportError("initialization
    failed") caused by KeyboardInterrupt (seen under a loaded CI): exit 130, no traceback."""
    import lqplan.pipeline

    def interrupted_import(*_args, **_kwargs):
        raise ImportError("initialization failed") from KeyboardInterrupt()

    monkeypatch.setattr(lqplan.pipeline, "plan_show", interrupted_import)
    result = CliRunner().invoke(app, ["plan", str(MINIMAL), "-o", "out", "-q"])
    assert result.exit_code == 130 and "interrupted" in result.output
    assert "Traceback" not in result.output


# --- streams -----------------------------------------------------------------------------------


def test_stdout_is_data(tmp_path):
    done = lqplan("plan", MINIMAL, "-o", "out", "--time-limit", "2", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == b""  # the timeline, the summary and "wrote …" are messages
    assert b"wrote out/plan.json" in done.stderr
    done = lqplan("plan", MINIMAL, "--json", "-q", "--deterministic", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == b""
    assert json.loads(done.stdout)["schema"].startswith("lqplan.plan/")
    assert not (tmp_path / "out" / "minimal").exists()  # --json without -o writes no files
    for args in (
        ["validate", MINIMAL, "--format", "json"],
        ["lint", MINIMAL, "--format", "json"],
        ["check", "out/plan.json", MINIMAL, "--json"],
        ["schema", "catalog"],
    ):
        done = lqplan(*args, cwd=tmp_path)
        assert done.returncode == 0 and done.stderr == b"", args
        json.loads(done.stdout)
    done = lqplan("validate", ROOT / "tests" / "hostile" / "nan", "--format", "github", cwd=ROOT)
    assert done.stdout.startswith(b"::error file=tests/hostile/nan/catalog.yaml,line=24")
    assert done.stderr == b""


def in_a_terminal(args: list[str | Path], cwd: Path, **env: str) -> tuple[int, bytes]:
    """Run lqplan with stdin, stdout and stderr on a pseudo-terminal; its exit code and output."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment |= {"COLUMNS": "120", "TERM": "xterm-256color", **env}
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "lqplan", *map(str, args)],
        cwd=cwd, env=environment, stdin=follower, stdout=follower, stderr=follower,
    )  # fmt: skip
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal closed when the process ended
            chunk = b""
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return process.wait(timeout=60), output


def test_plain_text(tmp_path):
    hostile = ROOT / "tests" / "hostile" / "nan"  # an error and a warning: red and yellow
    plan = ["plan", MINIMAL, "-o", "out", "--time-limit", "2", "--force"]
    # Not a terminal: plain text.
    for args in (["validate", hostile], plan):
        done = lqplan(*args, cwd=tmp_path)
        assert not ANSI.search(done.stdout + done.stderr), (args, done.stderr[:300])
    # A terminal colours it (so that the check below can fail) ...
    code, output = in_a_terminal(["validate", hostile], tmp_path)
    assert code == 1 and ANSI.search(output)
    # ... and NO_COLOR makes it plain: no colours, styles, spinner or cursor movements.
    for args in (["validate", hostile], plan):
        code, output = in_a_terminal(args, tmp_path, NO_COLOR="1")
        assert code in (0, 1), output[-500:]
        assert not ANSI.search(output), ANSI.findall(output)[:10]
    assert b"wrote out/plan.json" in output


def rendered_once(tmp_path: Path, out: Path) -> tuple[CliRunner, Path, dict[str, bytes]]:
    """The minimal show's plan rendered into `out` in-process, for a test that then makes the
    next render fail: the runner, the plan file, and the files in `out`."""
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(lqplan("plan", MINIMAL, "--json", "-q", cwd=tmp_path).stdout)
    runner = CliRunner()
    assert runner.invoke(app, ["render", str(plan_file), "-o", str(out)]).exit_code == 0
    return runner, plan_file, files_in(out)


def test_interrupts_leave_nothing(tmp_path, monkeypatch):
    # A signal during a solve: no output folder and no temporary file anywhere.
    code, stderr = interrupt_a_solve(tmp_path, signal.SIGINT)
    assert code == 130, stderr
    assert not (tmp_path / "out").exists()
    assert temporaries(tmp_path) == []
    # Ctrl-C while the files are being written: the folder stays as the last run left it.
    out = tmp_path / "rendered"
    runner, plan_file, before = rendered_once(tmp_path, out)
    staged: list[Path] = []
    create = write.Folder.create

    def interrupted(folder: write.Folder, rel, data: bytes) -> None:
        if not rel.name.startswith(f".{write.JOURNAL}"):  # a document's temporary
            if len(staged) == 5:  # five files staged, the sixth interrupted
                raise KeyboardInterrupt
            staged.append(folder.path / rel)
        create(folder, rel, data)

    monkeypatch.setattr(write.Folder, "create", interrupted)
    result = runner.invoke(app, ["render", str(plan_file), "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 130
    assert len(staged) == 5 and not any(Path(name).exists() for name in staged)
    assert files_in(out) == before  # the English documents, not half Chinese
    # ... and a folder that did not exist before is not left behind, not even empty.
    staged.clear()
    result = runner.invoke(app, ["render", str(plan_file), "-o", str(tmp_path / "new" / "deep")])
    assert result.exit_code == 130
    assert not (tmp_path / "new").exists()
    assert temporaries(tmp_path) == []


def test_unwritable_output(tmp_path, monkeypatch):
    # -o under a regular file: a real failure on any machine, root or not.
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    done = lqplan("plan", MINIMAL, "-o", "a-file/out", "--time-limit", "2", "-q", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == b"a-file/out: error: cannot write: Not a directory\n"
    out = tmp_path / "out"
    runner, plan_file, before = rendered_once(tmp_path, out)
    render = ["render", str(plan_file), "-o", str(out), "--lang", "zh"]

    # A read-only folder: chmod where that binds, the same refusal injected when running as root.
    if os.geteuid() != 0:
        for folder in (out, out / "checklists"):
            folder.chmod(0o555)
        try:
            result = runner.invoke(app, render)
        finally:
            for folder in (out, out / "checklists"):
                folder.chmod(0o755)
    else:
        create = write.Folder.create

        def read_only(folder: write.Folder, rel, data: bytes) -> None:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder.path))

        monkeypatch.setattr(write.Folder, "create", read_only)
        result = runner.invoke(app, render)
        monkeypatch.setattr(write.Folder, "create", create)
    assert result.exit_code == 1
    assert "cannot write: Permission denied" in result.output
    assert files_in(out) == before and temporaries(tmp_path) == []

    # A full disk: the kernel's ENOSPC when the data is flushed, half-way through the files.
    fsync, calls = os.fsync, []

    def full(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr(write.os, "fsync", full)
    result = runner.invoke(app, render)
    assert result.exit_code == 1
    assert "cannot write: No space left on device" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert files_in(out) == before and temporaries(tmp_path) == []

    # A name too long, a link loop, a full stdout: one clean line each.
    (tmp_path / "loop").symlink_to("loop")
    for name, message in (("a" * 300, b"File name too long"), ("loop", b"symbolic links")):
        done = lqplan("render", plan_file, "-o", name, cwd=tmp_path)
        assert done.returncode == 1 and done.stderr.count(b"\n") == 1, done.stderr
        assert b": error: cannot write: " in done.stderr and message in done.stderr
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "lqplan", "schema"], stdout=full,
                              stderr=subprocess.PIPE, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == b"error: cannot write to stdout: No space left on device\n"


# --- the output folder -------------------------------------------------------------------------


def test_output_folder_links(tmp_path):
    out = tmp_path / "out"
    _, plan_file, before = rendered_once(tmp_path, out)
    shutil.rmtree(out / "checklists")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "host.md").write_text("not lqplan's\n", encoding="utf-8")
    (out / "checklists").symlink_to("../elsewhere")
    manifest = json.loads((out / write.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["checklists/host.md"] = hashlib.sha256(b"not lqplan's\n").hexdigest()
    (out / write.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    for force in ([], ["--force"]):
        done = lqplan("render", plan_file, "-o", "out", *force, cwd=tmp_path)
        assert done.returncode == 1
        assert done.stderr.startswith(b"out/checklists: error: is a symbolic link inside the ")
    assert files_in(tmp_path / "elsewhere") == {"host.md": b"not lqplan's\n"}
    # A link where a file goes: refused; with --force the link is replaced, not followed.
    (out / "checklists").unlink()
    (out / "run_sheet.md").unlink()
    (out / "run_sheet.md").symlink_to("../elsewhere/host.md")
    assert lqplan("render", plan_file, "-o", "out", cwd=tmp_path).returncode == 4
    assert lqplan("render", plan_file, "-o", "out", "--force", cwd=tmp_path).returncode == 0
    assert not (out / "run_sheet.md").is_symlink()
    assert files_in(out) == before
    assert files_in(tmp_path / "elsewhere") == {"host.md": b"not lqplan's\n"}


def test_locks(tmp_path):
    out = tmp_path / "out"
    _, plan_file, before = rendered_once(tmp_path, out)
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running lqplan holds it
        done = lqplan("render", plan_file, "-o", "out", "--lang", "zh", cwd=tmp_path, timeout=30)
    finally:
        os.close(fd)
    assert done.returncode == 1
    assert done.stderr == b"error: another lqplan is writing out; run again when it has finished\n"
    assert files_in(out) == before
    assert lqplan("render", plan_file, "-o", "out", "--lang", "zh", cwd=tmp_path).returncode == 0


def test_bounded_reads(tmp_path):
    out = tmp_path / "out"
    _, plan_file, _ = rendered_once(tmp_path, out)
    (out / "plan.json").unlink()
    os.mkfifo(out / "plan.json")  # nobody writes to it: a read would block forever
    with (tmp_path / "big").open("wb") as big:
        big.truncate(6 << 30)  # sparse: no disk used
    (out / "run_sheet.md").unlink()
    (out / "run_sheet.md").symlink_to("../big")
    start = time.monotonic()
    done = lqplan("render", plan_file, "-o", "out", cwd=tmp_path, timeout=30)
    assert done.returncode == 4, done.stderr
    assert b"out/plan.json, out/run_sheet.md" in done.stderr
    assert time.monotonic() - start < 25


def test_bounded_inputs(tmp_path):
    """A plan.json nested 100,000 deep and a 6 GB sparse ACTUALS file: one line each, with the
    place, exit 1, at once (the cases of every command are in tests/test_hostile.py)."""
    out = tmp_path / "out"
    _, plan_file, _ = rendered_once(tmp_path, out)
    text = plan_file.read_text(encoding="utf-8")
    deep = tmp_path / "deep.json"
    deep.write_text(text.replace('"generator": ', '"x": ' + "[" * 100_000 + "]" * 100_000 + ", "
                                 '"generator": ', 1), encoding="utf-8")  # fmt: skip
    done = lqplan("check", deep, MINIMAL, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert b"deep.json:3:71: error: nesting deeper than 64 levels" in done.stderr, done.stderr
    with (tmp_path / "actuals.csv").open("wb") as big:
        big.truncate(6 << 30)  # sparse: no disk used
    start = time.monotonic()
    done = lqplan("review", plan_file, "actuals.csv", "-o", "rv", cwd=tmp_path, timeout=30)
    assert done.returncode == 1, done.stderr
    assert b"actuals.csv: error: file is 6442 MB; the limit is 32 MiB" in done.stderr
    assert b"Traceback" not in done.stderr and time.monotonic() - start < 25


# --- what lqplan prints and writes -------------------------------------------------------------


def show_with_name(tmp_path: Path, name: str) -> Path:
    """The minimal show with its first product called `name` (a JSON string is YAML)."""
    show = tmp_path / "show"
    shutil.copytree(MINIMAL, show)
    catalog = show / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("name: Longjing green tea, 50 g", f"name: {json.dumps(name)}",
                                    1), encoding="utf-8")  # fmt: skip
    return show


def test_control_characters(tmp_path):
    """The summary, a diagnostic (as text and as a GitHub annotation) and --json, piped; every
    command and the terminal case are in tests/cli/test_polish.py."""
    show = show_with_name(tmp_path, "Longjing \x1b]0;owned\x07 \x1b[2J \x9b31m \u202egreen")
    done = lqplan("plan", show, "-o", "out", "--deterministic", "--time-limit", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"Longjing \\x1b]0;owned" in done.stderr
    original = (MINIMAL / "show.yaml").read_text(encoding="utf-8")
    (show / "show.yaml").write_text(json.dumps("\x1b[2Jkey") + ": 1\n" + original, "utf-8")
    for format_ in ("text", "github"):
        done = lqplan("validate", show, "--format", format_, cwd=tmp_path)
        assert done.returncode == 1 and b"\\x1b[2Jkey" in done.stdout + done.stderr
    (show / "show.yaml").write_text(original, encoding="utf-8")
    done = lqplan("plan", show, "--json", "-q", "--deterministic", "--time-limit", "2",
                  cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0 and b"\\u202egreen" in done.stdout and done.stderr == b""
    for shown in (done.stdout, done.stderr):
        assert not any(raw in shown for raw in (b"\x1b", "\x9b".encode(), "\u202e".encode()))


def test_escaped_paperwork(tmp_path):
    name = '<img src=x onerror="alert(1)"> Longjing & [tea](javascript:alert(1))'
    show = show_with_name(tmp_path, name)
    done = lqplan("plan", show, "-o", "out", "--deterministic", "--time-limit", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    viewer = MarkdownIt("commonmark").enable("table")  # raw HTML on, as GitHub's or an editor's
    for document in ("run_sheet.md", "host_script.md", "checklists/host.md",
                     "checklists/control_room.md"):  # fmt: skip
        shown = viewer.render((out / document).read_text(encoding="utf-8"))
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Longjing &amp; [tea]" in shown
        assert "<img" not in shown and "<a href" not in shown, document
    html = (out / "run_sheet.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Longjing &amp; [tea]" in html
    assert "<img" not in html


def test_user_templates(tmp_path):
    """One C-level call that would run for hours, and a template linked to a file outside: each
    one line naming the template, exit 1, nothing written (every case: tests/hostile_templates)."""
    (tmp_path / ".git").mkdir()  # the templates' repository
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "run_sheet.md.j2").write_text(
        "# {{ show.title }}\n{{ ([[0]] * 20000000) | sum(start=[]) }}\n", encoding="utf-8"
    )
    outside = tmp_path.parent / f"{tmp_path.name}-secret.j2"
    outside.write_text("secret\n", encoding="utf-8")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "run_sheet.md.j2").symlink_to(outside)
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(lqplan("plan", MINIMAL, "--json", "-q", cwd=tmp_path).stdout)
    start = time.monotonic()
    done = lqplan("render", plan_file, "-o", "out", "--templates", "slow", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count(b"\n") == 1 and b"slow/run_sheet.md.j2:2:" in done.stderr
    assert b"was stopped" in done.stderr and time.monotonic() - start < 60
    done = lqplan("render", plan_file, "-o", "out", "--templates", "linked", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert b"is outside the templates' repository through a symbolic link" in done.stderr
    assert not (tmp_path / "out").exists()


def test_stale_outputs(tmp_path):
    out = tmp_path / "out"
    _, plan_file, before = rendered_once(tmp_path, out)
    manifest = json.loads((out / write.MANIFEST).read_text(encoding="utf-8"))
    for name, text in (("tech.md", b"lqplan's\n"), ("supply_chain.md", b"edited by hand\n")):
        (out / "checklists" / name).write_bytes(text)
        manifest["files"][f"checklists/{name}"] = hashlib.sha256(b"lqplan's\n").hexdigest()
    (out / write.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert lqplan("render", plan_file, "-o", "out", cwd=tmp_path).returncode == 0
    left = files_in(out)
    assert left.pop("checklists/supply_chain.md") == b"edited by hand\n"  # no longer lqplan's
    assert left == before  # tech.md removed, the manifest as lqplan writes it


def test_permissions(tmp_path):
    previous = os.umask(0o027)
    try:
        rendered_once(tmp_path, tmp_path / "out")
    finally:
        os.umask(previous)
    for path in [tmp_path / "out", *(tmp_path / "out").rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o750 if path.is_dir() else 0o640), path


# --- locale and determinism --------------------------------------------------------------------


def c_locale(coerce: bool) -> dict[str, str]:
    """LANG=C LC_ALL=C with no PYTHONIOENCODING; without `coerce`, also Python's own rescue off
    (PEP 538 locale coercion and PEP 540 UTF-8 mode), so that its streams are really ASCII."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    env |= {"LANG": "C", "LC_ALL": "C", "COLUMNS": "120"}
    if not coerce:
        env |= {"PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    return env


@pytest.mark.parametrize("coerce", [True, False], ids=["python-default", "ascii-streams"])
def test_lang_c(tmp_path, coerce):
    env = c_locale(coerce)
    show = tmp_path / "美妆专场"
    shutil.copytree(BEAUTY, show)
    done = lqplan("validate", "美妆专场", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode("utf-8") == "美妆专场: valid (0 errors, 0 warnings)\n"
    done = lqplan("plan", "美妆专场", "-o", "输出", "--json", "--time-limit", "2", cwd=tmp_path,
                  env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout.decode("utf-8"))
    assert plan["show"]["title"] == "春日焕新 美妆专场"
    assert "wrote 输出/plan.json" in done.stderr.decode("utf-8")
    written = files_in(tmp_path / "输出")
    assert written["plan.json"] == done.stdout
    assert "主播" in written["host_script.md"].decode("utf-8")
    names = [product["name"] for product in plan["products"].values()]
    assert all(name in written["run_sheet.md"].decode("utf-8") for name in names[:3]), names
    done = lqplan("render", "输出/plan.json", "-o", "再次", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert {k: v for k, v in files_in(tmp_path / "再次").items() if k != "plan.json"} == {
        k: v for k, v in written.items() if k != "plan.json"
    }
    done = lqplan("lint", "美妆专场", cwd=tmp_path, env=env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    # A Chinese error message, on an ASCII locale's stderr
    with (show / "catalog.yaml").open("a", encoding="utf-8") as catalog:
        catalog.write("备注: 未确认\n")
    done = lqplan("validate", "美妆专场", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "美妆专场/catalog.yaml" in done.stderr.decode("utf-8")
    assert "catalog.yaml:858:1: error: 备注: unknown field '备注'" in done.stderr.decode("utf-8")


def test_byte_identical(tmp_path):
    """Two runs, in different working folders, output folders and locales: every byte equal."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    shutil.copytree(BEAUTY, tmp_path / "b" / "deeper" / "show")
    runs = [
        (tmp_path / "a", [BEAUTY, "-o", "first"], None),
        (tmp_path / "b", ["deeper/show", "-o", tmp_path / "second"], c_locale(coerce=False)),
    ]
    options = ["--deterministic", "--time-limit", "2", "-q"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda r: lqplan("plan", *r[1], *options, cwd=r[0], env=r[2]), runs))
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    first, second = files_in(tmp_path / "a" / "first"), files_in(tmp_path / "second")
    assert "plan.json" in first and ".lqplan-manifest.json" in first
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between the two runs"
