"""The hostile-output-folder corpus (issue 15): the output folder is a trust boundary.

Each row prepares a folder as someone with write access to it might have left it (a linked
subfolder, a named pipe, a link to /dev/zero, a planted manifest, a lock held), or stops lqplan
where it hurts (a signal during the final renames, kill -9 while staging or renaming), then runs
lqplan as a user does, in a subprocess, and checks the exit code, the one-line message and what
is on disk afterwards. Nothing may be written outside `-o`, nothing may hang or grow without
bound (each run has a 2 GiB address-space limit and a timeout), no temporary file may remain,
and no traceback may be printed. The rows run concurrently in a module fixture.

Interruptions are produced by a small wrapper (WRAPPER) that starts lqplan's console entry point
with os.replace and os.fsync instrumented and a second thread running, as the solver's is in a
real `plan`: the system may hand a process-directed signal to any thread.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import SAMPLES

MINIMAL = SAMPLES / "minimal"
TIMEOUT = 40.0
MEMORY = 2 << 30  # bytes of address space for each run: a read without a bound hits it
MANIFEST = ".lqplan-manifest.json"
DETERMINISTIC = ["--deterministic", "-q"]

# lqplan's entry point with the renames and flushes instrumented (argv: mode, marker, args...).
# The marker file appears at the first rename of a document; "slow" makes each rename take
# 0.5 s (time for a signal or a second lqplan to arrive), "kill-rename" kills the process at
# its third document rename and "kill-fsync" at its fourth flush to disk (while staging).
WRAPPER = """
import os, signal, sys, threading, time
mode, marker = sys.argv[1], sys.argv[2]
replace, fsync, count = os.replace, os.fsync, {"replace": 0, "fsync": 0}
def instrumented_replace(src, dst, **kwargs):
    if "journal" not in str(dst):
        count["replace"] += 1
        open(marker, "a").close()
        if mode == "kill-rename" and count["replace"] == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "slow":
            time.sleep(0.5)
    return replace(src, dst, **kwargs)
def instrumented_fsync(fd):
    count["fsync"] += 1
    if mode == "kill-fsync" and count["fsync"] == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return fsync(fd)
os.replace, os.fsync = instrumented_replace, instrumented_fsync
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
from lqplan.cli import main
sys.argv = ["lqplan", *sys.argv[3:]]
main()
"""


def files_in(folder: Path) -> dict[str, bytes]:
    """Every regular file below `folder` (hidden ones included), by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary files and journals lqplan left anywhere below `folder`."""
    return [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or "journal" in p.name]


def record(out: Path, name: str, data: bytes) -> None:
    """Add `name` to the manifest in `out` as lqplan's own, with the digest of `data`."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][name] = hashlib.sha256(data).hexdigest()
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


# --- what each row prepares (in `work`: show/, plan.json, reference-en/, reference-zh/) --------


def english(work: Path) -> Path:
    """out/ as `lqplan plan show -o out --deterministic` left it."""
    shutil.copytree(work / "reference-en", work / "out")
    return work / "out"


def linked_checklists(work: Path) -> None:
    """out/checklists is a link to a folder outside out (empty)."""
    out = english(work)
    shutil.rmtree(out / "checklists")
    (work / "elsewhere").mkdir()
    (out / "checklists").symlink_to("../elsewhere")


NOTES = b"the host's own notes, not lqplan's\n"


def linked_checklists_planted(work: Path) -> None:
    """out/checklists links outside, to a file the manifest claims as lqplan's host.md."""
    linked_checklists(work)
    (work / "elsewhere" / "host.md").write_bytes(NOTES)
    record(work / "out", "checklists/host.md", NOTES)


def fifo_at(name: str) -> Callable[[Path], None]:
    """out/NAME is a named pipe (nobody writes to it)."""

    def setup(work: Path) -> None:
        out = english(work)
        (out / name).unlink()
        os.mkfifo(out / name)

    return setup


def dev_zero_at(name: str) -> Callable[[Path], None]:
    """out/NAME is a link to /dev/zero, and the manifest still lists NAME."""

    def setup(work: Path) -> None:
        out = english(work)
        (out / name).unlink()
        (out / name).symlink_to("/dev/zero")

    return setup


def linked_sparse(name: str) -> Callable[[Path], None]:
    """out/NAME is a link to a 6 GB sparse file outside out."""

    def setup(work: Path) -> None:
        out = english(work)
        with (work / "big").open("wb") as handle:
            handle.truncate(6 << 30)
        (out / name).unlink()
        (out / name).symlink_to("../big")

    return setup


def sparse_run_sheet(work: Path) -> None:
    """out/run_sheet.html is a 6 GB sparse file (no disk used)."""
    with (english(work) / "run_sheet.html").open("r+b") as handle:
        handle.truncate(6 << 30)


def deep_manifest(work: Path) -> None:
    """The manifest nests 100,000 lists deep."""
    (english(work) / MANIFEST).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


TECH = b"# tech checklist of a team no longer in the show\n"


def stale_checklist(work: Path) -> None:
    """out/checklists/tech.md from an earlier run, when the show had a tech team."""
    out = english(work)
    (out / "checklists" / "tech.md").write_bytes(TECH)
    record(out, "checklists/tech.md", TECH)


def stale_checklist_edited(work: Path) -> None:
    """The same, edited by hand since lqplan wrote it."""
    stale_checklist(work)
    (work / "out" / "checklists" / "tech.md").write_bytes(TECH + b"- bring the spare mic\n")


def loop(work: Path) -> None:
    """`loop` is a symbolic link to itself."""
    (work / "loop").symlink_to("loop")


LOCKS: list[int] = []  # descriptors held open (locked) while the rows run


def locked(work: Path) -> None:
    """Another lqplan holds the lock on out/ while this one runs."""
    fd = os.open(english(work), os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    LOCKS.append(fd)


# --- what each row checks afterwards -----------------------------------------------------------


def nothing_elsewhere(work: Path) -> None:
    assert os.listdir(work / "elsewhere") == [], "lqplan wrote outside its output folder"


def notes_kept(work: Path) -> None:
    assert os.listdir(work / "elsewhere") == ["host.md"]
    assert (work / "elsewhere" / "host.md").read_bytes() == NOTES


def still(name: str, kind: Callable[[os.stat_result], bool]) -> Callable[[Path], None]:
    """out/NAME is still what the row planted there (a pipe, a link, a big file)."""

    def check(work: Path) -> None:
        assert kind(os.lstat(work / "out" / name)), f"out/{name} was replaced"

    return check


def is_fifo(info: os.stat_result) -> bool:
    return (info.st_mode & 0o170000) == 0o010000


def is_link(info: os.stat_result) -> bool:
    return (info.st_mode & 0o170000) == 0o120000


def is_big(info: os.stat_result) -> bool:
    return info.st_size == 6 << 30


def same_as(reference: str) -> Callable[[Path], None]:
    """out/ holds exactly the files of reference-REF (the manifest's digests included)."""

    def check(work: Path) -> None:
        assert files_in(work / "out") == files_in(work / reference)

    return check


def unchanged(work: Path) -> None:
    assert files_in(work / "out") == files_in(work / "reference-en")


def stale_removed(work: Path) -> None:
    unchanged(work)  # tech.md gone from the folder and from the manifest, the rest as before


def edited_kept(work: Path) -> None:
    out = work / "out"
    assert (out / "checklists" / "tech.md").read_bytes().startswith(TECH)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert "checklists/tech.md" not in manifest["files"], "an edited file is no longer lqplan's"


def modes(mode: int) -> Callable[[Path], None]:
    """Every file in out/ has `mode`, every folder `mode` with the search bits."""

    def check(work: Path) -> None:
        for path in [work / "out", *(work / "out").rglob("*")]:
            expected = mode | (mode & 0o444) >> 2 if path.is_dir() else mode
            assert path.stat().st_mode & 0o777 == expected, f"{path}: {oct(path.stat().st_mode)}"

    return check


@dataclass(frozen=True)
class Row:
    """One hostile case: prepare `work`, run lqplan ARGS (in `wrapper` mode when set; sending
    `signum` or running `during` once its renames begin), expect `code` and `message` on
    stderr, then run `then` (expecting exit 0) and check `after`."""

    args: list[str]
    code: int
    message: str = ""
    setup: Callable[[Path], None] | None = english
    after: Callable[[Path], None] | None = None
    wrapper: str = ""
    signum: int = 0
    during: list[str] = field(default_factory=list)
    during_message: str = ""
    then: list[str] = field(default_factory=list)
    stdout: str = ""
    umask: int = 0o022


RENDER_ZH = ["render", "plan.json", "-o", "out", "--lang", "zh"]
PLAN_CHECK = ["plan", "show", "-o", "out", "--check", *DETERMINISTIC]
REFUSED = "refusing to overwrite files lqplan did not write"

ROWS: dict[str, Row] = {
    # A subfolder linked outside -o: nothing is written through it, --force or not.
    "linked-subfolder": Row(
        RENDER_ZH, 1, "out/checklists: error: is a symbolic link", linked_checklists,
        nothing_elsewhere,
    ),
    # ... and a manifest entry planted for the file behind the link earns nothing.
    "linked-subfolder-planted-manifest": Row(
        RENDER_ZH, 1, "is a symbolic link inside the output folder", linked_checklists_planted,
        notes_kept,
    ),
    "linked-subfolder-force": Row(
        [*RENDER_ZH, "--force"], 1, "is a symbolic link", linked_checklists_planted, notes_kept
    ),
    # A named pipe where plan.json goes is not read (it would block): not lqplan's, refused.
    "fifo-target": Row(RENDER_ZH, 4, REFUSED, fifo_at("plan.json"), still("plan.json", is_fifo)),
    # ... also for plan, which would start from the plan.json in its folder (not a pipe's).
    "plan-fifo-target": Row(
        ["plan", "show", "-o", "out", "--time-limit", "2", "-q"], 4, REFUSED, fifo_at("plan.json"),
        still("plan.json", is_fifo),
    ),
    # A link to /dev/zero where the run sheet goes is not followed (memory would grow forever).
    "dev-zero-target": Row(
        RENDER_ZH, 4, "out/run_sheet.md", dev_zero_at("run_sheet.md"),
        still("run_sheet.md", is_link),
    ),
    # A 6 GB file is judged by its size, not read whole.
    "sparse-6gb-target": Row(
        RENDER_ZH, 4, "out/run_sheet.html", sparse_run_sheet, still("run_sheet.html", is_big)
    ),
    # The manifest itself a pipe, or nested 100,000 deep: no manifest, every file refused.
    "fifo-manifest": Row(RENDER_ZH, 4, REFUSED, fifo_at(MANIFEST), still(MANIFEST, is_fifo)),
    "deep-manifest": Row(RENDER_ZH, 4, REFUSED, deep_manifest),
    # plan --check reads only regular files inside the folder: a pipe, or a link to a 6 GB file
    # outside, is stale at once.
    "check-fifo": Row(PLAN_CHECK, 4, "stale against its inputs: plan.json", fifo_at("plan.json")),
    "check-linked-6gb": Row(PLAN_CHECK, 4, "run_sheet.md", linked_sparse("run_sheet.md")),
    # Another lqplan holds the folder: say so at once and touch nothing.
    "locked": Row(RENDER_ZH, 1, "error: another lqplan is writing out", locked, unchanged),
    # A team removed from the show: its old checklist (lqplan's, unchanged) goes...
    "stale-checklist": Row(
        ["render", "plan.json", "-o", "out"], 0, "", stale_checklist, stale_removed
    ),
    # ... one edited by hand stays, but is no longer counted as lqplan's ...
    "stale-checklist-edited": Row(
        ["render", "plan.json", "-o", "out"], 0, "", stale_checklist_edited, edited_kept
    ),
    # ... and plan --check reports it.
    "check-stale-checklist": Row(
        PLAN_CHECK, 4, "checklists/tech.md (no longer written)", stale_checklist
    ),
    # -o that cannot be a folder: one clean line.
    "long-output-name": Row(
        ["render", "plan.json", "-o", "a" * 300], 1, "error: cannot write: File name too long", None
    ),
    "plan-long-output-name": Row(
        ["plan", "show", "-o", "a" * 300, "--time-limit", "2", "-q"], 1,
        "error: cannot write: File name too long", None,
    ),
    "output-link-loop": Row(
        ["render", "plan.json", "-o", "loop"], 1,
        "loop: error: cannot write: Too many levels of symbolic links", loop,
    ),
    # stdout on a full device: one clean line, exit 1.
    "stdout-full": Row(
        ["plan", "show", "--json", *DETERMINISTIC], 1,
        "error: cannot write to stdout: No space left on device", None, stdout="/dev/full",
    ),
    # Files get the usual permissions: 0666 less the umask.
    "umask-022": Row(["render", "plan.json", "-o", "out"], 0, "", None, modes(0o644)),
    "umask-027": Row(["render", "plan.json", "-o", "out"], 0, "", None, modes(0o640), umask=0o027),
    # SIGTERM or Ctrl-C during the final renames, with a second thread running: the renames
    # complete (the folder is the new one, whole), then lqplan exits 130.
    "sigterm-in-renames": Row(
        RENDER_ZH, 130, "interrupted", english, same_as("reference-zh"), "slow", signal.SIGTERM
    ),
    "sigint-in-renames": Row(
        RENDER_ZH, 130, "interrupted", english, same_as("reference-zh"), "slow", signal.SIGINT
    ),
    # kill -9 after two renames: the next run recognises its own half-finished write.
    "kill-in-renames": Row(
        RENDER_ZH, -9, "", english, same_as("reference-zh"), "kill-rename", then=RENDER_ZH
    ),
    # kill -9 while staging: the next run removes the temporaries.
    "kill-in-staging": Row(
        RENDER_ZH, -9, "", english, same_as("reference-en"), "kill-fsync",
        then=["render", "plan.json", "-o", "out"],
    ),
    # Two runs into one folder: the second stops at once; the first's files stand whole.
    "two-writers": Row(
        RENDER_ZH, 0, "", english, same_as("reference-zh"), "slow",
        during=["render", "plan.json", "-o", "out"],
        during_message="error: another lqplan is writing out",
    ),
}  # fmt: skip


@dataclass
class Result:
    code: int | None  # None: killed at the timeout
    stderr: str
    during: tuple[int | None, str] | None = None
    then: tuple[int | None, str] | None = None


def _limits(umask: int) -> Callable[[], None]:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        os.umask(umask)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C as at a terminal (see test_contract)

    return preexec


def _start(work: Path, args: list[str], row: Row, wrapper: str = "") -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "lqplan", *args]
    if wrapper:
        command = [sys.executable, "-c", WRAPPER, wrapper, str(work / "renaming"), *args]
    stdout = os.open(row.stdout, os.O_WRONLY) if row.stdout else subprocess.PIPE
    try:
        return subprocess.Popen(
            command,
            cwd=work,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=_limits(row.umask),
        )
    finally:
        if row.stdout:
            os.close(stdout)


def _finish(process: subprocess.Popen[bytes], started: float) -> tuple[int | None, str]:
    try:
        _, stderr = process.communicate(timeout=max(1.0, TIMEOUT - (time.monotonic() - started)))
        return process.returncode, stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        return None, stderr.decode("utf-8", "replace")


def _run(work: Path, row: Row) -> Result:
    started = time.monotonic()
    process = _start(work, row.args, row, row.wrapper)
    during = None
    if row.signum or row.during:
        while not (work / "renaming").exists() and process.poll() is None:
            if time.monotonic() - started > TIMEOUT:
                break
            time.sleep(0.02)
        if row.signum:
            process.send_signal(row.signum)
        else:
            during = _finish(_start(work, row.during, row), time.monotonic())
    result = Result(*_finish(process, started), during=during)
    if row.then:
        result.then = _finish(_start(work, row.then, row), time.monotonic())
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, Result]]:
    base = tmp_path_factory.mktemp("hostile-output")
    shutil.copytree(MINIMAL, base / "show")
    lqplan = [sys.executable, "-m", "lqplan"]
    subprocess.run([*lqplan, "plan", "show", "-o", "reference-en", *DETERMINISTIC], cwd=base,
                   check=True)  # fmt: skip
    shutil.copy(base / "reference-en" / "plan.json", base / "plan.json")
    subprocess.run([*lqplan, "render", "plan.json", "-o", "reference-zh", "--lang", "zh"],
                   cwd=base, check=True, capture_output=True)  # fmt: skip
    works = {}
    for name, row in ROWS.items():
        work = works[name] = base / name
        work.mkdir()
        for item in ("show", "plan.json", "reference-en", "reference-zh"):
            (work / item).symlink_to(base / item)
        if row.setup is not None:
            row.setup(work)
    try:
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            results = dict(
                zip(ROWS, pool.map(lambda n: _run(works[n], ROWS[n]), ROWS), strict=True)
            )
    finally:
        for fd in LOCKS:
            os.close(fd)
    return {name: (works[name], result) for name, result in results.items()}


@pytest.mark.parametrize("name", list(ROWS))
def test_hostile_output_folder(runs, name: str):
    work, result = runs[name]
    row = ROWS[name]
    assert result.code is not None, f"lqplan {' '.join(row.args)} did not return in {TIMEOUT} s"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == row.code, result.stderr
    if row.message:
        errors = [line for line in result.stderr.splitlines() if row.message in line]
        assert errors, result.stderr
        if row.code not in (0, 130):
            assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # no cascade
    if row.during:
        assert result.during is not None and result.during[0] == 1, result.during
        assert row.during_message in result.during[1], result.during
    if row.then:
        assert result.then is not None and result.then[0] == 0, result.then
        assert "Traceback" not in result.then[1]
    if row.after is not None:
        row.after(work)
    assert leftovers(work) == [], "a temporary file or a journal was left behind"
