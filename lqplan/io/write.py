"""The last stage, write: the one place lqplan puts files on disk.

Every file is written atomically (a temporary file in the same folder, then a rename), so a
reader never sees half a file and an interrupted run leaves the old file intact. lqplan keeps a
manifest of what it wrote in each output folder and refuses to overwrite any other file unless
told to (`force`): a run sheet someone edited by hand is not silently lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from lqplan.errors import Diagnostic, InputError, RefusedError, display_path

MANIFEST = ".lqplan-manifest.json"


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


def _digest(data: bytes) -> str:
    """The fingerprint the manifest keeps, to tell a file lqplan wrote from one edited since."""
    return hashlib.sha256(data).hexdigest()


def _read_manifest(out_dir: Path) -> dict[str, str]:
    """{relative path: digest} of what lqplan last wrote here; empty when there is no manifest."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard([tmp])
        raise


def _stage(path: Path, data: bytes) -> str:
    """Write `data` to a new temporary file beside `path`, flushed to disk; return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        # Interrupted or failed (a full disk): no temporary left behind.
        _discard([tmp])
        raise
    return tmp


def _discard(names: list[str]) -> None:
    """Remove temporary files, whichever of them exist."""
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few milliseconds that the renames take, so that an
    interrupt leaves a folder as it was or complete, never half old and half new."""
    held = {signal.SIGINT, signal.SIGTERM}
    can = (
        hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    )
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held) if can else None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove_empty(folders: set[Path]) -> None:
    """Remove the folders this run created, deepest first, where nothing else came to be."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def write_files(
    files: Mapping[str, str | bytes], out_dir: Path, *, force: bool = False, manifest: bool = True
) -> list[Path]:
    """Write {relative path: content} under `out_dir`; return the paths written, in order.

    Refuses (RefusedError, exit 4) before writing anything when a file exists that lqplan did not
    write there, or that changed since it did, unless `force`. Without `manifest` (scaffolding a
    show folder) every existing file is refused.
    """
    out_dir = Path(out_dir)
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
    recorded = _read_manifest(out_dir) if manifest else {}
    refused = []
    for rel, _data in encoded.items():
        target = out_dir / rel
        if target.exists() and not force:
            ours = recorded.get(str(rel))
            try:
                current = _digest(target.read_bytes())
            except OSError:
                current = None
            if ours is None or ours != current:
                refused.append(display_path(target))
    if refused:
        shown = ", ".join(refused[:5]) + (
            f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        )
        raise RefusedError(
            f"refusing to overwrite files lqplan did not write (or that were "
            f"edited since): {shown}; use --force to overwrite"
        )
    # Stage every file as a temporary beside its target, then rename them all into place: an
    # interrupt or a full disk while staging leaves the folder exactly as it was.
    created = {
        folder for rel in encoded for folder in (out_dir / rel).parents if not folder.exists()
    }
    staged: list[tuple[str, Path]] = []
    try:
        written = []
        for rel, data in encoded.items():
            staged.append((_stage(out_dir / rel, data), out_dir / rel))
            recorded[str(rel)] = _digest(data)
            written.append(out_dir / rel)
        if manifest:
            body = json.dumps(
                {"written_by": "lqplan", "files": dict(sorted(recorded.items()))},
                indent=2,
                ensure_ascii=False,
            )
            staged.append(
                (_stage(out_dir / MANIFEST, (body + "\n").encode("utf-8")), out_dir / MANIFEST)
            )
        with _signals_held():
            for tmp, target in staged:
                os.replace(tmp, target)
    except BaseException as exc:
        _discard([tmp for tmp, _ in staged])
        _remove_empty(created)
        if not isinstance(exc, OSError):
            raise
        where = display_path(Path(exc.filename)) if exc.filename else display_path(out_dir)
        raise InputError([Diagnostic(where, message=f"cannot write: {exc.strerror}")]) from None
    return written
