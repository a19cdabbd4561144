"""One exception hierarchy for lqplan; the CLI maps each class to an exit code in one place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


# What a terminal would act on rather than show: C0 controls but tab and newline (ESC starts the
# sequences that retitle a window, clear the screen or move the cursor), DEL, the C1 controls
# (0x9b is a one-byte CSI on some terminals) and the bidirectional overrides and isolates, which
# reorder what is shown. Show texts, file names and keys are the user's data and may hold any.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\t]")


def printable(text: str, *, one_line: bool = False, allow: str = "") -> str:
    """`text` with every control character written out as its Python escape (`\\x1b`), so that
    a terminal shows it instead of obeying it; with `one_line`, newlines and tabs too. The
    characters in `allow` are left for the caller to escape its own way."""
    if one_line:
        text = _LINE_BREAKS.sub(_escaped, text)
    if allow:
        return _CONTROL.sub(lambda m: m.group() if m.group() in allow else _escaped(m), text)
    return _CONTROL.sub(_escaped, text)


_SHORT = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the inputs, located as precisely as the source allows."""

    file: str
    line: int = 0  # 1-based; 0 when the problem has no place inside the file
    column: int = 0  # 1-based
    severity: Severity = "error"
    path: str = ""  # dotted path to the field, e.g. products[3].list_price
    message: str = ""

    def format(self) -> str:
        """The line a user reads: `file:line:column: severity: path: message`, control characters
        escaped (the file and the field path on one line)."""
        where = printable(self.file, one_line=True)
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        subject = f"{printable(self.path, one_line=True)}: " if self.path else ""
        return f"{where}: {self.severity}: {subject}{printable(self.message)}"


@dataclass(frozen=True)
class Place:
    """A file and a 1-based line and column inside it."""

    file: str
    line: int = 0
    column: int = 0

    def diagnostic(self, message: str, path: str = "", severity: Severity = "error") -> Diagnostic:
        """A problem at this place."""
        return Diagnostic(self.file, self.line, self.column, severity, path, message)


class LqplanError(Exception):
    """Base of every error lqplan reports to a user; `exit_code` is the process exit code."""

    exit_code = 1


class InputError(LqplanError):
    """The show's files are unreadable or invalid; carries every problem found."""

    exit_code = 1

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0].format() if errors else "invalid input"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)


class UsageError(LqplanError):
    """The command line itself is wrong (a missing path, an unknown name)."""

    exit_code = 2


class InfeasibleError(LqplanError):
    """No plan satisfies the hard rules; `conflicts` names them in words."""

    exit_code = 3

    def __init__(self, message: str, conflicts: Sequence[str] = ()):
        self.conflicts = list(conflicts)
        super().__init__(message)


class RefusedError(LqplanError):
    """lqplan refused to overwrite a file it did not create, or `--check` found differences."""

    exit_code = 4


@dataclass
class DiagnosticList:
    """Collects diagnostics while a stage runs, so that every problem is reported at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        """Collect one problem."""
        self.items.append(diagnostic)

    def extend(self, diagnostics: Sequence[Diagnostic]) -> None:
        """Collect every problem of another stage or file."""
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        """The problems that stop the stage (warnings do not)."""
        return [d for d in self.items if d.severity == "error"]

    def raise_if_errors(self) -> None:
        """Raise InputError with every problem collected, in reading order, if any is an error."""
        if self.errors:
            raise InputError(sorted(set(self.items), key=_reading_order))


def _reading_order(d: Diagnostic) -> tuple[str, int, int, str]:
    """The order a reader scans the files in: by file, line, column, then message."""
    return (d.file, d.line, d.column, d.message)


def sort_diagnostics(items: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Deduplicate and order diagnostics as a reader scans the files: by file, line, column."""
    return sorted(set(items), key=_reading_order)


def display_path(path: Path) -> str:
    """A path as a user should see it in messages: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # outside; a name too long; a link loop
        return str(path)


# --- GitHub Actions annotations ------------------------------------------------------------------


def github_annotation(d: Diagnostic, root: Path | None = None) -> str:
    """`d` as a GitHub Actions workflow command, `::error file=F,line=L,col=C::message`, escaped
    as the runner parses it. The file is relative to `root`, by default to the repository that
    holds it (the nearest folder with a .git), since the runner places an annotation by the path
    in the repository whatever folder lqplan ran in; with neither, it is the path as given."""
    properties = {"file": printable(repository_path(d.file, root), allow="\r")}
    if d.line:
        properties |= {"line": str(d.line), "col": str(d.column or 1)}
    fields = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    subject = f"{d.path}: " if d.path else ""
    # The runner's log shows the message as a terminal would (colours and all): escaped first,
    # but for CR and LF, which the runner's own escapes carry.
    message = printable(subject + d.message, allow="\r")
    return f"::{d.severity} {fields}::{_escape_data(message)}"


def repository_path(file: str, root: Path | None = None) -> str:
    """`file` (relative to the working folder, or absolute) relative to `root`, else to the
    repository holding it; as given when it is in neither."""
    try:
        path = (Path.cwd() / file).resolve()
    except (OSError, ValueError):  # not a path this system can hold (a NUL, a lone surrogate)
        return file
    base = root.resolve() if root is not None else _repository_root(path.parent)
    if base is None or not path.is_relative_to(base):
        return file
    return path.relative_to(base).as_posix()


def _repository_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds .git (a folder, or the file a git
    worktree has)."""
    return next((f for f in (folder, *folder.parents) if (f / ".git").exists()), None)


# The runner (actions/runner, ActionCommand.cs) reads a command's message up to the line's end and
# unescapes %0D, %0A and %25; a property ends at `,` and the properties at `::`, so a property
# also escapes `:` and `,` (%3A, %2C). `%` goes first, so that the others' % is not escaped again.
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
