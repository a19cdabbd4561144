"""An output folder as a trust boundary: what lqplan reads and writes inside it, and nothing else.

Anyone who can write to the folder may have left a symbolic link (`checklists -> ../elsewhere`,
`run_sheet.md -> /dev/zero`), a named pipe or a huge file in it. So every name inside it is
reached from the folder's own descriptor one component at a time, and a link is never followed:
a linked subfolder is an error, a linked or special file is "not lqplan's". Only regular files
are read, and only up to a size no output of lqplan reaches. The folder named by `-o` itself is
the user's choice and may be a link.

While lqplan writes, it holds an advisory lock on the folder's descriptor (flock), so that two
runs cannot interleave their renames; the second one stops at once and says so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lqplan.errors import Diagnostic, InputError, LqplanError, display_path

try:  # POSIX; elsewhere two runs into one folder are not kept apart (there is no flock)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

# Larger than anything lqplan writes (the marathon's run sheet is a few MiB; templates are capped
# at 20 MiB of output): a larger file in the folder is not lqplan's, and is not read to find out.
READ_LIMIT = 64 * 1024 * 1024
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NO_LINK = os.O_NOFOLLOW | os.O_CLOEXEC
_TMP_SUFFIX = ".tmp"
_TMP_MARK = ".lqplan-"


class FolderError(InputError):
    """Something in the output folder that lqplan will not write through (exit 1)."""

    def __init__(self, where: str, message: str):
        super().__init__([Diagnostic(where, message=message)])


def temporary_name(name: str) -> str:
    """The name a new file is staged under beside `name`: hidden, lqplan's mark, random."""
    return f".{name}{_TMP_MARK}{secrets.token_hex(8)}{_TMP_SUFFIX}"


def is_temporary_name(tmp: str, name: str) -> bool:
    """Whether `tmp` is a name temporary_name(name) can give (a journal is checked with it)."""
    prefix, suffix = f".{name}{_TMP_MARK}", _TMP_SUFFIX
    token = tmp[len(prefix) : -len(suffix)] if tmp.startswith(prefix) else ""
    return tmp.endswith(suffix) and len(token) == 16 and all(c in "0123456789abcdef" for c in token)


@dataclass(frozen=True)
class Found:
    """What is at a name in the folder: its bytes, or why it was not read (`kind`)."""

    kind: str  # "file", "missing", "folder", "symbolic link", "special file", "too large"
    data: bytes = b""


def _kind(mode: int) -> str:
    """A file's type in words, for a message and for Found."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "special file"


@dataclass
class Folder:
    """An open output folder: its descriptor, those of the subfolders reached so far, and the
    subfolders this run created (removed again if the run writes nothing)."""

    path: Path
    fd: int
    subfolders: dict[PurePosixPath, int] = field(default_factory=dict)
    created: list[PurePosixPath] = field(default_factory=list)

    def show(self, rel: PurePosixPath) -> str:
        """`rel` as a message names it: under the folder as the user named it, no link resolved
        (a link's target is not where lqplan writes)."""
        return f"{display_path(self.path)}/{rel}"

    @contextlib.contextmanager
    def _at(self, rel: PurePosixPath) -> Iterator[None]:
        """Name `rel` (under the folder) in an OSError raised by a call relative to a descriptor,
        which knows only the last component, or nothing (a full disk when flushing)."""
        try:
            yield
        except OSError as exc:
            exc.filename = str(self.path / rel)
            raise

    def parent(self, rel: PurePosixPath, *, create: bool) -> int | None:
        """The descriptor of the folder holding `rel`, reached without following a link; None
        when a folder on the way is missing (and not `create`). FolderError for a link or a file
        on the way."""
        fd = self.fd
        for depth in range(1, len(rel.parts)):
            here = PurePosixPath(*rel.parts[:depth])
            if here in self.subfolders:
                fd = self.subfolders[here]
                continue
            with self._at(here):
                opened = self._open_subfolder(fd, here, create)
            if opened is None:
                return None
            self.subfolders[here] = fd = opened
        return fd

    def _open_subfolder(self, parent: int, here: PurePosixPath, create: bool) -> int | None:
        """Open (or create) one subfolder under `parent`, refusing a link or a file in its place."""
        try:
            return os.open(here.name, _DIRECTORY | _NO_LINK, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                return None
            os.mkdir(here.name, 0o777, dir_fd=parent)
            self.created.append(here)
            return os.open(here.name, _DIRECTORY | _NO_LINK, dir_fd=parent)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR):
                raise
            kind = _kind(os.stat(here.name, dir_fd=parent, follow_symlinks=False).st_mode)
            if kind == "symbolic link":
                raise FolderError(
                    self.show(here),
                    "is a symbolic link inside the output folder; lqplan writes only inside the "
                    "folder and follows no link there (remove the link or choose another -o)",
                ) from None
            raise FolderError(
                self.show(here), f"is a {kind}, where lqplan writes a folder"
            ) from None

    def names(self) -> list[str]:
        """The names in the folder itself (not in its subfolders)."""
        return os.listdir(self.fd)

    def look(self, rel: PurePosixPath) -> Found:
        """What is at `rel` without reading it: a file, nothing, or something lqplan won't read."""
        parent = self.parent(rel, create=False)
        if parent is None:
            return Found("missing")
        try:
            info = os.stat(rel.name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return Found("missing")
        return Found(_kind(info.st_mode))

    def read(self, rel: PurePosixPath, limit: int = READ_LIMIT) -> Found:
        """The bytes of the regular file at `rel` (kind "file"), read without following a link,
        without blocking on a pipe and only up to `limit`; else what stands there."""
        found = self.look(rel)
        if found.kind != "file":
            return found
        parent = self.parent(rel, create=False)
        assert parent is not None  # look() found the file
        try:
            fd = os.open(
                rel.name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | _NO_LINK, dir_fd=parent
            )
        except FileNotFoundError:
            return Found("missing")
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):  # replaced by a link since look()
                return Found("symbolic link")
            raise
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return Found(_kind(info.st_mode))
            if info.st_size > limit:  # checked before reading: a sparse 6 GB file costs nothing
                return Found("too large")
            data = handle.read(limit + 1)
        return Found("too large") if len(data) > limit else Found("file", data)

    def create(self, rel: PurePosixPath, data: bytes) -> None:
        """Write a new file at `rel` (its name must be free), flushed to disk; the usual
        permissions, 0666 less the umask (0644 for most users)."""
        parent = self.parent(rel, create=True)
        assert parent is not None
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK
        with (
            self._at(rel.parent),
            os.fdopen(os.open(rel.name, flags, 0o666, dir_fd=parent), "wb") as handle,
        ):
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def rename(self, source: PurePosixPath, target: PurePosixPath) -> None:
        """Rename `source` over `target` in the same subfolder; a link at `target` is replaced,
        never followed."""
        parent = self.parent(target, create=False)
        if parent is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(target.parent))
        with self._at(target):
            os.replace(source.name, target.name, src_dir_fd=parent, dst_dir_fd=parent)

    def remove(self, rel: PurePosixPath) -> None:
        """Remove the file (or link) at `rel`, if there is one; never what a link points to."""
        parent = self.parent(rel, create=False)
        if parent is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(rel.name, dir_fd=parent)

    def sync(self) -> None:
        """Flush the folder's own entries (the renames) to disk, where the system allows it."""
        with contextlib.suppress(OSError):
            os.fsync(self.fd)

    def remove_created(self) -> None:
        """Remove the subfolders this run created, deepest first, where nothing else came to be."""
        for rel in sorted(self.created, key=lambda p: len(p.parts), reverse=True):
            parent = self.parent(rel, create=False)
            if parent is not None:
                self.subfolders.pop(rel, None)
                with contextlib.suppress(OSError):
                    os.rmdir(rel.name, dir_fd=parent)

    def close(self) -> None:
        """Close every descriptor opened (the lock goes with the folder's own)."""
        for fd in (*self.subfolders.values(), self.fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.subfolders.clear()


def _lock(folder: Folder, exclusive: bool) -> None:
    """Take the folder's advisory lock at once, or say that another lqplan holds it."""
    if fcntl is None:
        return
    try:
        fcntl.flock(folder.fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        raise LqplanError(
            f"another lqplan is writing {display_path(folder.path)}; run again when it has finished"
        ) from None
    except OSError:
        # A file system without locks (some network mounts): write as before, unlocked.
        return


def _missing_folders(path: Path) -> list[Path]:
    """`path` and its ancestors that do not exist yet, nearest first."""
    missing = []
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


@contextlib.contextmanager
def opened(path: Path, *, write: bool) -> Iterator[Folder | None]:
    """The folder at `path`, opened and locked (exclusively to `write`, when it is created if
    need be; shared to read, when a missing folder gives None). A folder this run created is
    removed again if it is left empty. OSError for a path that cannot be a folder."""
    if not write and not os.path.lexists(path):
        yield None
        return
    missing = _missing_folders(path) if write else []
    folder = None
    try:
        if missing:
            path.mkdir(parents=True, exist_ok=True)
        folder = Folder(path, os.open(path, _DIRECTORY))
        _lock(folder, exclusive=write)
        yield folder
    finally:
        if folder is not None:
            folder.close()
        for created in missing:
            with contextlib.suppress(OSError):
                created.rmdir()
