"""The last stage, write: the one place lqplan puts files on disk.

Every file is staged beside its target and renamed into place only when all are staged, so a
reader never sees half a file and an interrupted run leaves the old files intact. lqplan keeps a
manifest of what it wrote in each output folder and refuses to overwrite any other file unless
told to (`force`): a run sheet someone edited by hand is not silently lost. The folder is a trust
boundary (folder.py): no link inside it is followed, only regular files are read, and one lqplan
at a time writes there.

Before it stages anything, lqplan writes a journal (JOURNAL) naming the temporary files it is
about to create and the renames and removals it will make; it marks the journal when the renames
begin and removes it when they are done. A run killed outright (kill -9, a power cut) thus leaves
a folder the next run recognises as its own half-finished write: it undoes it (removes the
temporaries) if the renames had not begun, and completes them if they had.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lqplan.errors import Diagnostic, InputError, RefusedError, display_path
from lqplan.io.folder import Folder, FolderError, is_temporary_name, opened, temporary_name
from lqplan.io.jsonio import parse_json

MANIFEST = ".lqplan-manifest.json"
JOURNAL = ".lqplan-journal.json"
# The manifest and the journal are small (a line per file); a larger one is not lqplan's.
_RECORD_LIMIT = 8 * 1024 * 1024


def safe_name(text: str, *, max_length: int = 80) -> str:
    """A file-name part built from user text (a SKU): Chinese kept, no path escape, no controls."""
    cleaned = []
    for char in unicodedata.normalize("NFKC", text):
        if char in '/\\:*?"<>|' or unicodedata.category(char)[0] == "C" or char.isspace():
            cleaned.append("_")
        else:
            cleaned.append(char)
    name = "".join(cleaned).strip("._") or "_"
    return name[:max_length]


def _check_relative(name: str) -> PurePosixPath:
    """`name` as a path inside the output folder; a ValueError for one that would leave it."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"refusing to write outside the output folder: {name!r}")
    return path


def _inside(name: object) -> PurePosixPath | None:
    """A name read from the folder's own records as a path inside it; None for any other."""
    try:
        return _check_relative(name) if isinstance(name, str) and name else None
    except ValueError:
        return None


def _digest(data: bytes) -> str:
    """The fingerprint the manifest keeps, to tell a file lqplan wrote from one edited since."""
    return hashlib.sha256(data).hexdigest()


def _read_record(folder: Folder, name: str) -> dict[str, Any] | None:
    """The JSON object in lqplan's record file `name` (manifest, journal); None when it is
    missing, not a regular file, too large or not a JSON object."""
    found = folder.read(PurePosixPath(name), limit=_RECORD_LIMIT)
    if found.kind != "file":
        return None
    try:
        # Bounded like plan.json: a record nested 100,000 deep or holding a 5,000-digit number
        # is not lqplan's, and is refused before the stdlib's parser would recurse on it.
        data = parse_json(found.data.decode("utf-8"), name)
    except (UnicodeDecodeError, InputError):
        return None
    return data if isinstance(data, dict) else None


def _read_manifest(folder: Folder) -> dict[PurePosixPath, str]:
    """{relative path: digest} of what lqplan last wrote here; entries that would lead outside
    the folder are dropped (a planted manifest earns nothing)."""
    data = _read_record(folder, MANIFEST) or {}
    files = data.get("files")
    recorded = {}
    for name, digest in files.items() if isinstance(files, dict) else ():
        rel = _inside(name)
        if rel is not None and isinstance(digest, str):
            recorded[rel] = digest
    return recorded


def _is_ours(folder: Folder, rel: PurePosixPath, digest: str | None) -> bool:
    """Whether the file at `rel` is the regular file lqplan recorded with `digest`."""
    if digest is None:
        return False
    found = folder.read(rel)
    return found.kind == "file" and _digest(found.data) == digest


@dataclass
class _Write:
    """One write's plan, as the journal records it: the temporaries to rename into place (the
    manifest last) and lqplan's own files that this write no longer makes, to remove."""

    renames: list[tuple[PurePosixPath, PurePosixPath]] = field(default_factory=list)
    removals: dict[PurePosixPath, str] = field(default_factory=dict)  # path -> digest

    def record(self, state: str) -> bytes:
        """The journal's text in `state` ("staging" or "renaming")."""
        body = {
            "written_by": "lqplan",
            "state": state,
            "renames": [[str(tmp), str(target)] for tmp, target in self.renames],
            "removals": {str(rel): digest for rel, digest in self.removals.items()},
        }
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _journal(folder: Folder, write: _Write, state: str) -> None:
    """Write the journal atomically: a reader finds the previous state or this one."""
    tmp = PurePosixPath(temporary_name(JOURNAL))
    try:
        folder.create(tmp, write.record(state))
        folder.rename(tmp, PurePosixPath(JOURNAL))
    except BaseException:
        folder.remove(tmp)
        raise
    folder.sync()


def _read_journal(folder: Folder) -> tuple[str, _Write] | None:
    """The journal a killed lqplan left here, its entries checked; None when there is none."""
    data = _read_record(folder, JOURNAL)
    if data is None or data.get("written_by") != "lqplan":
        return None
    write = _Write()
    renames = data.get("renames")
    for pair in renames if isinstance(renames, list) else ():
        well_formed = isinstance(pair, list) and len(pair) == 2
        tmp, target = (_inside(part) for part in pair) if well_formed else (None, None)
        # Only lqplan's own temporaries, each beside its target: a planted journal moves nothing.
        if (
            tmp
            and target
            and tmp.parent == target.parent
            and is_temporary_name(tmp.name, target.name)
        ):
            write.renames.append((tmp, target))
    removals = data.get("removals")
    for name, digest in removals.items() if isinstance(removals, dict) else ():
        rel = _inside(name)
        if rel is not None and isinstance(digest, str):
            write.removals[rel] = digest
    return str(data.get("state")), write


def _recover(folder: Folder) -> None:
    """Finish the write a killed lqplan left half done here (its renames had begun), or undo it
    (they had not): afterwards the folder holds one run's files and no temporary."""
    for name in folder.names():  # a journal's own temporary, from a run killed writing it
        if is_temporary_name(name, JOURNAL):
            folder.remove(PurePosixPath(name))
    found = _read_journal(folder)
    if found is None:
        folder.remove(PurePosixPath(JOURNAL))  # not lqplan's, or empty: it only blocks the name
        return
    state, write = found
    for tmp, target in write.renames:
        if state == "renaming" and folder.look(tmp).kind == "file":
            folder.rename(tmp, target)
        else:
            folder.remove(tmp)
    if state == "renaming":
        _remove_unchanged(folder, write.removals)
    folder.remove(PurePosixPath(JOURNAL))
    folder.sync()


def _remove_unchanged(folder: Folder, removals: Mapping[PurePosixPath, str]) -> None:
    """Remove lqplan's own files that a write no longer makes, each only if still as written."""
    for rel, digest in removals.items():
        if _is_ours(folder, rel, digest):
            folder.remove(rel)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the renames run, then deliver them: the folder ends
    complete, never half old and half new. Python runs its signal handlers in the main thread
    whichever thread the system hands a signal to (the solver's, a progress spinner's), so the
    handlers are swapped rather than the signal mask, which holds a signal for one thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield  # the main thread takes the interrupt; this thread's renames go on
        return
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
        if signal.getsignal(sig) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)  # the handler that was in place acts on it now


def _check_places(folder: Folder, encoded: Mapping[PurePosixPath, bytes]) -> None:
    """FolderError, before anything is staged, for a link or a file on the way to a target or a
    folder in a file's place: what --force does not overcome."""
    for rel in encoded:
        if folder.look(rel).kind == "folder":
            raise FolderError(folder.show(rel), "is a folder, where lqplan writes a file")


def _refused(
    folder: Folder, encoded: Mapping[PurePosixPath, bytes], recorded: Mapping[PurePosixPath, str]
) -> list[str]:
    """The targets lqplan may not overwrite without --force: files it did not write or that
    changed since (a link or a pipe in a target's place is never lqplan's)."""
    return [
        folder.show(rel)
        for rel in encoded
        if folder.look(rel).kind != "missing" and not _is_ours(folder, rel, recorded.get(rel))
    ]


def _leftovers(
    folder: Folder, encoded: Mapping[PurePosixPath, bytes], recorded: Mapping[PurePosixPath, str]
) -> dict[PurePosixPath, str]:
    """lqplan's own files, unchanged since it wrote them, that a write of `encoded` no longer
    makes (the checklist of a team removed from the show)."""
    leftovers = {}
    for rel, digest in recorded.items():
        with contextlib.suppress(InputError):  # behind a link now: not lqplan's to remove
            if (
                rel not in encoded
                and rel != PurePosixPath(MANIFEST)
                and _is_ours(folder, rel, digest)
            ):
                leftovers[rel] = digest
    return leftovers


def _encode(files: Mapping[str, str | bytes], out_dir: Path) -> dict[PurePosixPath, bytes]:
    """{checked relative path: bytes}; InputError for two names one disk may take as one."""
    encoded: dict[PurePosixPath, bytes] = {}
    folded: dict[str, str] = {}
    for name, content in files.items():
        rel = _check_relative(name)
        key = str(rel).casefold()  # two SKUs that differ only in case collide on some disks
        if key in folded:
            raise InputError(
                [
                    Diagnostic(
                        display_path(out_dir),
                        message=(
                            "two outputs would have the same file name: "
                            f"{folded[key]!r} and {name!r}"
                        ),
                    )
                ]
            )
        folded[key] = name
        encoded[rel] = content.encode("utf-8") if isinstance(content, str) else content
    return encoded


def _failed(exc: OSError, out_dir: Path, doing: str = "cannot write") -> InputError:
    """An OSError while writing (or reading) the folder as one clean line naming the path."""
    where = display_path(Path(os.fsdecode(exc.filename))) if exc.filename else display_path(out_dir)
    return InputError([Diagnostic(where, message=f"{doing}: {exc.strerror}")])


def write_files(
    files: Mapping[str, str | bytes],
    out_dir: Path,
    *,
    force: bool = False,
    manifest: bool = True,
    prune: bool = False,
) -> list[Path]:
    """Write {relative path: content} under `out_dir`; return the paths written, in order.

    Refuses (RefusedError, exit 4) before writing anything when a file exists that lqplan did not
    write there, or that changed since it did, unless `force`. Without `manifest` (scaffolding a
    show folder) every existing file is refused. With `prune` (the whole set of a plan's
    documents), lqplan's own files that this write no longer makes are removed when unchanged
    since written, and forgotten by the manifest otherwise. Another lqplan writing the same
    folder is an error at once; a write a killed lqplan left half done is finished first.
    """
    out_dir = Path(out_dir)
    encoded = _encode(files, out_dir)
    try:
        with opened(out_dir, write=True) as folder:
            assert folder is not None
            try:
                _recover(folder)
                return _write(folder, encoded, force=force, manifest=manifest, prune=prune)
            except BaseException:
                folder.remove_created()
                raise
    except OSError as exc:
        raise _failed(exc, out_dir) from None


def _write(
    folder: Folder, encoded: dict[PurePosixPath, bytes], *, force: bool, manifest: bool, prune: bool
) -> list[Path]:
    """write_files() in a folder that is open, locked and recovered."""
    _check_places(folder, encoded)
    recorded = _read_manifest(folder) if manifest else {}
    refused = [] if force else _refused(folder, encoded, recorded)
    if refused:
        shown = ", ".join(refused[:5]) + (
            f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        )
        raise RefusedError(
            f"refusing to overwrite files lqplan did not write (or that were "
            f"edited since): {shown}; use --force to overwrite"
        )
    write = _Write()
    if prune and manifest:
        write.removals = _leftovers(folder, encoded, recorded)
        recorded = {rel: digest for rel, digest in recorded.items() if rel in encoded}
    contents = dict(encoded)
    if manifest:
        recorded.update((rel, _digest(data)) for rel, data in encoded.items())
        body = {"written_by": "lqplan", "files": {str(k): v for k, v in sorted(recorded.items())}}
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        contents[PurePosixPath(MANIFEST)] = text.encode("utf-8")  # renamed last: the commit
    # Each temporary's name is in the journal before the file exists: whatever stops this run,
    # this one or the next removes it.
    write.renames = [(rel.parent / temporary_name(rel.name), rel) for rel in contents]
    _journal(folder, write, "staging")
    renamed = 0
    try:
        for tmp, target in write.renames:
            folder.create(tmp, contents[target])
        with _signals_deferred():
            _journal(folder, write, "renaming")
            for tmp, target in write.renames:
                folder.rename(tmp, target)
                renamed += 1
            _remove_unchanged(folder, write.removals)
            folder.remove(PurePosixPath(JOURNAL))
            folder.sync()
    except BaseException:
        if not renamed:  # nothing in place yet: as if this run had not been
            for tmp, _target in write.renames:
                folder.remove(tmp)
            folder.remove(PurePosixPath(JOURNAL))
        # Else (a rename failed: a disk gone read-only) the journal stays for the next run,
        # which completes the renames.
        raise
    return [folder.path / rel for rel in encoded]


@dataclass(frozen=True)
class OnDisk:
    """What an output folder holds for `plan --check`: each expected file's bytes (None when
    missing, not a regular file or too large), lqplan's own files that the run would remove,
    and whether a write was cut off there."""

    contents: dict[str, bytes | None]
    leftovers: list[str]
    interrupted: bool


def read_outputs(out_dir: Path, names: list[str]) -> OnDisk:
    """Read what `out_dir` holds of `names` and of lqplan's manifest, under a shared lock (a
    run writing the folder makes this an error at once), never following a link, never blocking
    on a pipe; InputError for a folder that cannot be read."""
    expected = {name: _check_relative(name) for name in names}
    try:
        with opened(Path(out_dir), write=False) as folder:
            if folder is None:
                return OnDisk(dict.fromkeys(names), [], interrupted=False)
            contents: dict[str, bytes | None] = {}
            for name, rel in expected.items():
                with contextlib.suppress(InputError):  # behind a link: not what lqplan wrote
                    found = folder.read(rel)
                    contents[name] = found.data if found.kind == "file" else None
                contents.setdefault(name, None)
            wanted = dict.fromkeys(expected.values(), b"")
            leftovers = sorted(
                str(rel) for rel in _leftovers(folder, wanted, _read_manifest(folder))
            )
            interrupted = folder.look(PurePosixPath(JOURNAL)).kind != "missing"
            return OnDisk(contents, leftovers, interrupted)
    except OSError as exc:
        raise _failed(exc, out_dir, "cannot read") from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename (a link at
    `path` is replaced, not followed); OSError when that fails, with nothing left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Folder(path.parent, os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
    name = PurePosixPath(path.name)
    tmp = PurePosixPath(temporary_name(path.name))
    try:
        folder.create(tmp, data)
        folder.rename(tmp, name)
    except BaseException:
        folder.remove(tmp)
        raise
    finally:
        folder.close()
