"""The one Jinja2 environment factory, and rendering with time, size and memory limits.

Every template, built-in or a team's own, runs in Jinja2's immutable sandbox with
StrictUndefined: a template cannot reach `__class__`, the environment or the file system, cannot
mutate the plan, and a misspelt variable is an error rather than an empty string. A folder of
.j2 files given by `--templates` (or `templates:` in show.yaml) overrides built-ins by name.
HTML autoescapes. Errors name the template file and line. While a user's templates compile and
render, a time limit (a trace function on their lines), an output size limit, a memory limit
(the address-space rlimit, where the platform has one) and checked `*` and `**` keep a hostile
template from hanging or exhausting the machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lqplan.errors import Diagnostic, InputError, display_path
from lqplan.io.resources import resource_dir

TIME_LIMIT = 2.0  # seconds per template; the marathon's documents all render in 0.4 s, traced
SIZE_LIMIT = 20 * 1024 * 1024  # characters per document
NUMBER_BITS = 100_000  # the largest integer `*` and `**` may make in a template (~30,000 digits)
MEMORY_LIMIT = 512 * 1024 * 1024  # bytes a user's templates may allocate beyond what lqplan holds


class RenderLimit(Exception):
    """A template ran too long or wrote too much: (message[, template line])."""


def make_environment(
    user_dir: Path | None = None, filters: Mapping[str, Callable[..., Any]] | None = None
) -> jinja2.Environment:
    """Sandboxed environment: the user's folder first, then the built-in templates."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_dir.resolve())))
    loaders.append(jinja2.FileSystemLoader(str(resource_dir("templates"))))
    env = _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "svg.j2"), default_for_string=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.clear()  # no range/lipsum/dict/cycler/joiner/namespace beyond what we give
    env.globals["range"] = _small_range
    env.filters.update(filters or {})
    env.user_dir = str(user_dir.resolve()) if user_dir else None  # type: ignore[attr-defined]
    return env


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

    Compiling runs under the limits too: Jinja folds constant expressions such as
    `'x'|center(10**9)` while it compiles."""
    filename = _source_file(env, name)
    try:
        with _deadline(getattr(env, "user_dir", None)):
            template = env.get_template(name)
            filename = template.filename or filename
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
        raise _error(filename, where, exc.args[0]) from None
    except MemoryError as exc:
        message = f"template needed more than {MEMORY_LIMIT // (1024 * 1024)} MiB of memory"
        raise _error(filename, _template_line(exc.__traceback__, filename), message) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        where = _template_line(exc.__traceback__, filename)
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
    if user_dir and (Path(user_dir) / name).is_file():
        return str(Path(user_dir) / name)
    return name


def _short(text: str) -> str:
    return text.splitlines()[0][:300] if text else "error"


def _error(filename: str, line: int | None, message: str) -> InputError:
    name = display_path(Path(filename)) if filename else "<template>"
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
    each line their code runs (templates compile to Python named after their files)."""

    def __init__(self, folder: str | None):
        self.folder = folder
        self.end = 0.0
        self.previous: Any = None
        self.memory: tuple[int, int] | None = None

    def __enter__(self) -> None:
        if self.folder is None:
            return
        self.end = time.monotonic() + TIME_LIMIT
        self.previous = sys.gettrace()
        self.memory = _cap_memory()
        sys.settrace(self._global)

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
        return self._local if self.end else None

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
