"""The one Jinja2 environment factory, and rendering with time, size and memory limits.

Every template, built-in or a team's own, runs in Jinja2's immutable sandbox with
StrictUndefined: a template cannot reach `__class__`, the environment or the file system, cannot
mutate the plan, and a misspelt variable is an error rather than an empty string. A folder of
.j2 files given by `--templates` (or `templates:` in show.yaml) overrides built-ins by name.
HTML autoescapes; in a Markdown document everything a `{{ … }}` prints is escaped as Markdown
(markdown.py), so a show's texts never become HTML or links. Errors name the template file and
line.

A user's folder is read the way show.yaml's `files:` are: a template (or a file it includes,
extends or imports) that is a symbolic link out of the folder's repository (else the folder)
is an error, and only regular files of at most TEMPLATE_BYTES are read, so a link to
/etc/passwd or /dev/zero or a named pipe never reaches a document. While a user's folder is in
play every document renders in a child process (sandbox.py) that is killed after WALL_LIMIT
seconds, since one C-level call (`sum` over a huge list) cannot be interrupted from inside;
within it a time limit (a trace function on the user's template lines), an output size limit,
a memory limit (the address-space rlimit) and checked `*` and `**` turn a hostile template into
an error at its line. The built-in templates render in-process.
"""

from __future__ import annotations

import os
import stat
import sys
import time
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lqplan.errors import Diagnostic, InputError, display_path
from lqplan.io.resources import resource_dir
from lqplan.render import markdown, sandbox
from lqplan.show.load import boundary

TIME_LIMIT = 2.0  # seconds per template; the marathon's documents all render in 0.4 s, traced
WALL_LIMIT = 2 * TIME_LIMIT  # seconds before the child process rendering a document is killed
SIZE_LIMIT = 20 * 1024 * 1024  # characters per document
NUMBER_BITS = 100_000  # the largest integer `*` and `**` may make in a template (~30,000 digits)
MEMORY_LIMIT = 512 * 1024 * 1024  # bytes a user's templates may allocate beyond what lqplan holds
TEMPLATE_BYTES = 1024 * 1024  # the largest template file read from a user's folder
_LIMITS = ("TIME_LIMIT", "SIZE_LIMIT", "NUMBER_BITS", "MEMORY_LIMIT", "TEMPLATE_BYTES")


class RenderLimit(Exception):
    """A template ran too long or wrote too much: (message[, template line])."""


class TemplateOutside(jinja2.TemplateError):
    """A user's template that may not be read: a link out of its repository, not a regular
    file, too large or not UTF-8. Not a TemplateNotFound, so no built-in stands in for it."""


def make_environment(
    user_dir: Path | None = None, filters: Mapping[str, Callable[..., Any]] | None = None
) -> jinja2.Environment:
    """Sandboxed environment: the user's folder first, then the built-in templates. `filters`
    must be picklable (module-level functions or partials of them) when `user_dir` is given:
    the child process that renders the user's templates builds the same environment."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(_UserLoader(user_dir.resolve()))
    loaders.append(jinja2.FileSystemLoader(str(resource_dir("templates"))))
    env = _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "svg.j2"), default_for_string=False
        ),
        finalize=markdown.finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.clear()  # no range/lipsum/dict/cycler/joiner/namespace beyond what we give
    env.globals["range"] = _small_range
    env.filters["join"] = markdown.join  # keeps the run sheet's escaped cells as they are
    env.filters.update(filters or {})
    env.user_dir = str(user_dir.resolve()) if user_dir else None  # type: ignore[attr-defined]
    env.lqplan_filters = dict(filters or {})  # type: ignore[attr-defined]
    return env


class _UserLoader(jinja2.BaseLoader):
    """A user's template folder, read only inside its repository (or the folder) and only as
    regular files of bounded size (`..` is refused by Jinja's own path check)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.root = boundary(folder)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, its file (inside the folder) and an up-to-date check."""
        path = self.folder.joinpath(*split_template_path(template))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a link loop
            raise TemplateOutside(f"template {template} is a loop of symbolic links") from None
        if not target.is_relative_to(self.root):
            kind = "repository" if (self.root / ".git").exists() else "folder"
            raise TemplateOutside(
                f"template {template} is outside the templates' {kind} through a symbolic "
                f"link: {display_path(target)}"
            )
        try:
            info = os.stat(target)
        except OSError:
            raise jinja2.TemplateNotFound(template) from None
        if not stat.S_ISREG(info.st_mode):
            raise TemplateOutside(f"template {template} is not a regular file")
        if info.st_size > TEMPLATE_BYTES:
            raise TemplateOutside(
                f"template {template} is {info.st_size:,} bytes; the limit is {TEMPLATE_BYTES:,}"
            )
        # Should the file turn into a link or a pipe after the check, opening it fails or
        # returns at once rather than following the link or waiting for a writer.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            with os.fdopen(os.open(target, flags), "rb") as file:
                data = file.read(TEMPLATE_BYTES + 1)
        except OSError as exc:
            raise TemplateOutside(f"template {template} cannot be read: {exc.strerror}") from None
        if len(data) > TEMPLATE_BYTES:
            raise TemplateOutside(f"template {template} is larger than {TEMPLATE_BYTES:,} bytes")
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateOutside(f"template {template} is not UTF-8") from None
        mtime = info.st_mtime_ns
        return source, str(path), lambda: _mtime(target) == mtime


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox whose `*` and `**` cannot build a huge text, list or number in one
    step (a C-level operation that the time limit could not interrupt)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**` and `%` as Jinja would do them, refused first when the result would be huge."""
        if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1:
            if right * abs(left).bit_length() > NUMBER_BITS:
                raise RenderLimit(f"{left} ** {right} is too large a number")
        elif operator == "*":
            if (
                _is_int(left)
                and _is_int(right)
                and (left.bit_length() + right.bit_length() > NUMBER_BITS)
            ):
                raise RenderLimit("a product too large a number")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and _is_int(times):
                    size = len(seq) * times
                    if size > SIZE_LIMIT:
                        raise RenderLimit(
                            f"'*' would repeat a {type(seq).__name__} to {size:,} items"
                        )
        return super().call_binop(context, operator, left, right)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _small_range(*args: int) -> range:
    """range() for templates, capped so a loop cannot run away."""
    r = range(*args)
    if len(r) > 100_000:
        raise RenderLimit("range() longer than 100,000 in a template")
    return r


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; InputError naming the template file and line on any failure.
    With a user's folder in play, in the child process (killed after WALL_LIMIT seconds)."""
    if getattr(env, "user_dir", None):
        return _render_isolated(env, name, context)
    return render_here(env, name, context)


def _render_isolated(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """`render` in the environment's child process, started on first use and kept for the
    environment's other documents (one start per set of paperwork, not one per document)."""
    worker: sandbox.Worker | None = getattr(env, "lqplan_worker", None)
    if worker is None or not worker.alive():
        limits = {key: globals()[key] for key in _LIMITS}
        setup = (env.user_dir, env.lqplan_filters, limits)  # type: ignore[attr-defined]
        worker = sandbox.Worker(_child_environment, setup)
        env.lqplan_worker = worker  # type: ignore[attr-defined]
        weakref.finalize(env, worker.close)
    outcome = worker.call(_render_request, (name, dict(context)), WALL_LIMIT)
    if outcome.returned:
        kind, value = outcome.value
        if kind == "text":
            return str(value)
        raise InputError(value)
    filename = _source_file(env, name)
    if outcome.timed_out:
        message = f"template ran longer than {WALL_LIMIT:g} s and was stopped"
    else:
        message = f"the process rendering the template stopped: {outcome.failure}"
    raise _error(filename, outcome.line, message)


def _child_environment(
    user_dir: str, filters: Mapping[str, Callable[..., Any]], limits: Mapping[str, float]
) -> Any:
    """In the child process: the parent's environment, built again, under the parent's limits."""
    globals().update({key: limits[key] for key in _LIMITS})
    return make_environment(Path(user_dir), filters)


def _render_request(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> Any:
    """In the child process: ("text", the document) or ("error", its diagnostics)."""
    try:
        return ("text", render_here(env, name, context))
    except InputError as exc:
        return ("error", exc.diagnostics)


def render_here(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """`render` in this process, under the trace, size and memory limits when the environment
    has a user's folder. A Markdown document (`*.md.j2`) escapes what it prints as Markdown.

    Compiling runs under the limits too: Jinja folds constant expressions such as
    `'x'|center(10**9)` while it compiles."""
    token = markdown.IN_MARKDOWN.set(name.endswith(".md.j2"))
    try:
        return _render_limited(env, name, context)
    finally:
        markdown.IN_MARKDOWN.reset(token)


def _render_limited(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    filename = _source_file(env, name)
    deadline = _deadline(getattr(env, "user_dir", None))
    try:
        with deadline:
            template = env.get_template(name)
            filename = template.filename or filename
            deadline.document = filename
            parts: list[str] = []
            size = 0
            chunks = template.generate(**context)
            for chunk in chunks:
                size += len(chunk)
                if size > SIZE_LIMIT:
                    line = _suspended_line(chunks, template)
                    raise RenderLimit(f"output larger than {SIZE_LIMIT // (1024 * 1024)} MiB", line)
                parts.append(chunk)
    except jinja2.TemplateSyntaxError as exc:
        raise _error(
            exc.filename or filename, exc.lineno, f"template syntax: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        where = _template_line(exc.__traceback__, filename) if exc.name != name else 0
        raise _error(filename, where, f"template not found: {exc.name}") from None
    except jinja2.TemplateError as exc:
        where = getattr(exc, "lineno", None) or _template_line(exc.__traceback__, filename)
        message = getattr(exc, "message", None) or str(exc)
        raise _error(getattr(exc, "filename", None) or filename, where, _short(message)) from None
    except RenderLimit as exc:
        where = exc.args[1] if len(exc.args) > 1 else _template_line(exc.__traceback__, filename)
        raise _error(filename, where or deadline.line, exc.args[0]) from None
    except MemoryError as exc:
        message = f"template needed more than {MEMORY_LIMIT // (1024 * 1024)} MiB of memory"
        where = _template_line(exc.__traceback__, filename) or deadline.line
        raise _error(filename, where, message) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        where = _template_line(exc.__traceback__, filename) or deadline.line
        raise _error(filename, where, f"{type(exc).__name__}: {_short(str(exc))}") from None
    return "".join(parts)


def _suspended_line(chunks: Any, template: jinja2.Template) -> int:
    """The template line where rendering stands while its generator is paused on a chunk."""
    line = 0
    while chunks is not None and getattr(chunks, "gi_frame", None) is not None:
        if chunks.gi_frame.f_code.co_filename == template.filename:
            line = template.get_corresponding_lineno(chunks.gi_frame.f_lineno)
        chunks = chunks.gi_yieldfrom
    return line


def _source_file(env: jinja2.Environment, name: str) -> str:
    """The file a template name loads from, before it is compiled (for errors while compiling)."""
    user_dir = getattr(env, "user_dir", None)
    if user_dir and os.path.lexists(Path(user_dir) / name):  # a link or a pipe is named too
        return str(Path(user_dir) / name)
    return name


def _short(text: str) -> str:
    return text.splitlines()[0][:300] if text else "error"


def _error(filename: str, line: int | None, message: str) -> InputError:
    # The file as named in the folder: a template that is a link is named, not its target.
    path = Path(filename)
    name = str(Path(display_path(path.parent)) / path.name) if filename else "<template>"
    return InputError([Diagnostic(name, line or 0, 1 if line else 0, "error", "", message)])


def _template_line(tb: TracebackType | None, filename: str | None) -> int:
    """The template line of the deepest traceback frame that runs template code."""
    line = 0
    while tb is not None:
        code = tb.tb_frame.f_code
        if filename and code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class _deadline:
    """Abort rendering after TIME_LIMIT seconds when a user's templates are in play, checking on
    each line their code runs (templates compile to Python named after their files). The line
    of the document being run is reported to sandbox.py, so that the parent can name it when it
    has to kill a render stuck in one C-level call."""

    def __init__(self, folder: str | None):
        self.folder = folder
        self.document = ""  # the document's template file, once it is compiled
        self.end = 0.0
        self.previous: Any = None
        self.memory: tuple[int, int] | None = None
        self.lines: dict[int, int] = {}  # Python line of the document's code -> template line
        # The document's line last run: where a limit that strikes outside the template's own
        # code (in a filter, or as Jinja resumes the template) stopped it.
        self.line = 0

    def __enter__(self) -> _deadline:
        if self.folder is None:
            return self
        self.end = time.monotonic() + TIME_LIMIT
        self.previous = sys.gettrace()
        self.memory = _cap_memory()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            sys.settrace(self.previous)
            _restore_memory(self.memory)

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Only the user's template code is traced line by line; everything else runs untraced.
        if self.end and frame.f_code.co_filename.startswith(self.folder or "\0"):
            return self._local
        self._check()
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        self._check()
        if event == "line" and frame.f_code.co_filename == self.document:
            self.line = self._template_line(frame)
            sandbox.report_line(self.line)
        return self._local if self.end else None

    def _template_line(self, frame: FrameType) -> int:
        line = self.lines.get(frame.f_lineno)
        if line is None:
            template = frame.f_globals.get("__jinja_template__")
            line = template.get_corresponding_lineno(frame.f_lineno) if template else 0
            self.lines[frame.f_lineno] = line
        return line

    def _check(self) -> None:
        if self.end and time.monotonic() > self.end:
            self.end = 0.0  # once: Jinja's own error handling must run untroubled
            raise RenderLimit(f"template ran longer than {TIME_LIMIT:g} s")


def _cap_memory() -> tuple[int, int] | None:
    """Lower the process's address-space limit to what it uses now plus MEMORY_LIMIT, so that a
    template that builds a huge text (`s ~ s` in a recursive macro, `'x'|center(10**9)`) meets a
    MemoryError instead of the machine's swap. Returns the limits to restore (None where the
    platform has no such limit)."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    cap = in_use + MEMORY_LIMIT
    if soft != resource.RLIM_INFINITY and soft <= cap:
        return None  # already tighter than ours
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return soft, hard


def _restore_memory(limits: tuple[int, int] | None) -> None:
    if limits is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, limits)
