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
import tempfile
import unicodedata
from collections.abc import Mapping
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
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"refusing to write outside the output folder: {name!r}")
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Interrupted or failed: leave the old file as it was and no temporary behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
    keep_manifest = manifest
    manifest = _read_manifest(out_dir) if keep_manifest else {}
    refused = []
    for rel, _data in encoded.items():
        target = out_dir / rel
        if target.exists() and not force:
            ours = manifest.get(str(rel))
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
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for rel, data in encoded.items():
            atomic_write(out_dir / rel, data)
            manifest[str(rel)] = _digest(data)
            written.append(out_dir / rel)
        if not keep_manifest:
            return written
        body = (
            json.dumps(
                {"written_by": "lqplan", "files": dict(sorted(manifest.items()))},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
        atomic_write(out_dir / MANIFEST, body.encode("utf-8"))
    except OSError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else display_path(out_dir)
        raise InputError([Diagnostic(where, message=f"cannot write: {exc.strerror}")]) from None
    return written
