"""Unit tests of lqplan.io.write and lqplan.io.folder: the journal, pruning, the lock, deferred
signals and the bounded reader, called as the commands call them (the CLI cases are in
test_write_hostile.py)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from lqplan.errors import InputError, LqplanError
from lqplan.io import write
from lqplan.io.folder import temporary_name
from lqplan.io.write import JOURNAL, MANIFEST, atomic_write, read_outputs, write_files


def files_in(folder: Path) -> dict[str, bytes]:
    """Every regular file below `folder`, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def written(out: Path, files: dict[str, str]) -> dict[str, bytes]:
    """`files` written into `out` by lqplan, and the folder's files afterwards."""
    write_files(files, out)
    return files_in(out)


def test_prune_removes_only_unchanged_own_files_and_only_when_asked(tmp_path):
    out = tmp_path / "out"
    write_files({"a.md": "a\n", "old.md": "old\n", "edited.md": "e\n"}, out)
    (out / "edited.md").write_text("edited by hand\n", encoding="utf-8")
    write_files({"a.md": "a2\n"}, out)  # another command's subset: nothing removed
    assert sorted(files_in(out)) == [MANIFEST, "a.md", "edited.md", "old.md"]
    write_files({"a.md": "a3\n"}, out, prune=True)
    assert sorted(files_in(out)) == [MANIFEST, "a.md", "edited.md"]
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest["files"]) == ["a.md"]  # the edited file is no longer lqplan's
    write_files({"a.md": "a4\n"}, out, prune=True)  # and is left alone from now on
    assert (out / "edited.md").read_text(encoding="utf-8") == "edited by hand\n"


def _journal(out: Path, state: str, renames: list[list[str]], removals=None) -> None:
    body = {"written_by": "lqplan", "state": state, "renames": renames,
            "removals": removals or {}}  # fmt: skip
    (out / JOURNAL).write_text(json.dumps(body), encoding="utf-8")


def test_a_journal_while_renaming_is_completed(tmp_path):
    """A run killed after renaming plan.md: the next one renames notes.md and the manifest too."""
    out = tmp_path / "out"
    write_files({"plan.md": "old\n", "notes.md": "old\n"}, out)
    new = {"plan.md": "new\n", "notes.md": "new\n"}
    expected = written(tmp_path / "fresh", new)
    tmps = {name: temporary_name(name) for name in (*new, MANIFEST)}
    for name, tmp in tmps.items():  # every temporary staged, then plan.md renamed: killed
        (out / tmp).write_bytes(expected[name])
    os.replace(out / tmps["plan.md"], out / "plan.md")
    _journal(out, "renaming", [[tmps[n], n] for n in (*new, MANIFEST)])
    write_files(new, out)  # not refused: its own half-finished write, finished first
    assert files_in(out) == expected


def test_a_journal_while_staging_is_undone(tmp_path):
    out = tmp_path / "out"
    before = written(out, {"plan.md": "old\n"})
    tmp = temporary_name("plan.md")
    (out / tmp).write_bytes(b"half")
    _journal(out, "staging", [[tmp, "plan.md"], [temporary_name(MANIFEST), MANIFEST]])
    listing = read_outputs(out, ["plan.md"])
    assert listing.interrupted and listing.contents == {"plan.md": b"old\n"}
    write_files({"plan.md": "old\n"}, out)
    assert files_in(out) == before


# A journal planted in the folder moves, removes and creates nothing but lqplan's own
# temporaries, beside their targets and inside the folder.
PLANTED = {
    "outside-source": [["../victim.tmp", "plan.md"]],
    "outside-target": [[".x.lqplan-0123456789abcdef.tmp", "../x"]],
    "not-a-temporary": [["notes.md", "plan.md"]],
    "another-folder": [["sub/.plan.md.lqplan-0123456789abcdef.tmp", "plan.md"]],
    "not-a-list": "plan.md",
    "three-names": [[".plan.md.lqplan-0123456789abcdef.tmp", "plan.md", "notes.md"]],
}


@pytest.mark.parametrize("case", list(PLANTED))
def test_a_planted_journal_moves_nothing(tmp_path, case):
    out = tmp_path / "out"
    write_files({"plan.md": "old\n"}, out)
    (out / "notes.md").write_text("the team's notes\n", encoding="utf-8")
    (tmp_path / "victim.tmp").write_text("outside\n", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / ".plan.md.lqplan-0123456789abcdef.tmp").write_text("sub\n", encoding="utf-8")
    _journal(out, "renaming", PLANTED[case])  # type: ignore[arg-type]
    write_files({"plan.md": "new\n"}, out)
    assert (out / "plan.md").read_text(encoding="utf-8") == "new\n"
    assert (out / "notes.md").read_text(encoding="utf-8") == "the team's notes\n"
    assert (tmp_path / "victim.tmp").read_text(encoding="utf-8") == "outside\n"
    assert not (tmp_path / "x").exists() and not (out / JOURNAL).exists()


def test_a_journal_cut_off_while_written_leaves_no_temporary(tmp_path):
    out = tmp_path / "out"
    before = written(out, {"plan.md": "old\n"})
    (out / temporary_name(JOURNAL)).write_text('{"written_by": "lqp', encoding="utf-8")
    write_files({"plan.md": "old\n"}, out)
    assert files_in(out) == before


def test_a_rename_that_fails_midway_is_completed_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_files({"a.md": "1\n", "b.md": "1\n", "c.md": "1\n"}, out)
    new = {"a.md": "2\n", "b.md": "2\n", "c.md": "2\n"}
    replace, renames = os.replace, []

    def failing(src, dst, **kwargs):
        if dst != JOURNAL:
            renames.append(dst)
            if len(renames) == 2:
                raise OSError(30, "Read-only file system")
        replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(InputError) as info:
        write_files(new, out)
    monkeypatch.undo()
    assert "cannot write: Read-only file system" in str(info.value)
    assert (out / JOURNAL).exists()  # the record of what is left to do
    write_files(new, out)
    assert files_in(out) == written(tmp_path / "fresh", new)


def test_an_interrupt_right_after_a_temporary_is_created_leaves_none(tmp_path, monkeypatch):
    """Ctrl-C between the system creating a temporary and lqplan holding its descriptor."""
    out = tmp_path / "out"
    before = written(out, {"plan.md": "old\n"})
    real_open = os.open

    def interrupted(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT and str(path).startswith(".plan.md"):
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(os, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_files({"plan.md": "new\n"}, out)
    monkeypatch.undo()
    assert files_in(out) == before


def test_signals_during_the_renames_wait_for_them_in_any_thread(tmp_path, monkeypatch):
    """SIGINT sent to the process while another thread runs (as the solver's does): the system
    may hand it to that thread; the renames still all happen before KeyboardInterrupt."""
    out = tmp_path / "out"
    write_files({"a.md": "1\n", "b.md": "1\n", "c.md": "1\n"}, out)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    replace, sent = os.replace, []

    def signalled(src, dst, **kwargs):
        if dst == "a.md" and not sent:
            sent.append(signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here, between two renames
        replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", signalled)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_files({"a.md": "2\n", "b.md": "2\n", "c.md": "2\n"}, out)
    finally:
        signal.signal(signal.SIGINT, previous)
        stop.set()
    monkeypatch.undo()
    assert sent and files_in(out) == written(tmp_path / "fresh", {f"{k}.md": "2\n" for k in "abc"})


def test_a_locked_folder_is_an_error_at_once(tmp_path):
    out = tmp_path / "out"
    before = written(out, {"plan.md": "old\n"})
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for attempt in (lambda: write_files({"plan.md": "new\n"}, out),
                        lambda: read_outputs(out, ["plan.md"])):  # fmt: skip
            with pytest.raises(LqplanError, match="another lqplan is writing"):
                attempt()
    finally:
        os.close(fd)
    assert files_in(out) == before


def test_read_outputs_reads_only_regular_files(tmp_path):
    out = tmp_path / "out"
    assert read_outputs(out, ["plan.md"]).contents == {"plan.md": None}  # no folder yet
    write_files({"plan.md": "p\n", "gone.md": "g\n", "sub/x.md": "x\n"}, out)
    (out / "plan.md").unlink()
    os.mkfifo(out / "plan.md")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.md").write_text("x\n", encoding="utf-8")
    (out / "sub" / "x.md").unlink()
    (out / "sub").rmdir()
    (out / "sub").symlink_to("../sub")
    listing = read_outputs(out, ["plan.md", "sub/x.md"])
    assert listing.contents == {"plan.md": None, "sub/x.md": None}
    assert listing.leftovers == ["gone.md"] and not listing.interrupted


def test_atomic_write_replaces_a_link_and_not_its_target(tmp_path):
    (tmp_path / "show.yaml").write_text("the show\n", encoding="utf-8")
    (tmp_path / "actuals.yaml").symlink_to("show.yaml")
    previous = os.umask(0o022)
    try:
        atomic_write(tmp_path / "actuals.yaml", b"segments: []\n")
    finally:
        os.umask(previous)
    assert (tmp_path / "show.yaml").read_text(encoding="utf-8") == "the show\n"
    assert not (tmp_path / "actuals.yaml").is_symlink()
    assert (tmp_path / "actuals.yaml").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actuals.yaml", "show.yaml"]


def test_a_folder_in_a_files_place_is_refused_even_with_force(tmp_path):
    out = tmp_path / "out"
    (out / "plan.md").mkdir(parents=True)
    with pytest.raises(InputError, match="is a folder, where lqplan writes a file"):
        write_files({"a.md": "a\n", "plan.md": "p\n"}, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["plan.md"]
    assert write.JOURNAL not in os.listdir(out)
