"""The one Jinja2 environment factory, and rendering with a time and size limit.

Every template, built-in or a team's own, runs in Jinja2's immutable sandbox with
StrictUndefined: a template cannot reach `__class__`, the environment or the file system, cannot
mutate the plan, and a misspelt variable is an error rather than an empty string. A folder of
.j2 files given by `--templates` (or `templates:` in show.yaml) overrides built-ins by name.
HTML autoescapes. Errors name the template file and line.
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
from lqplan.resources import resource_dir

TIME_LIMIT = 10.0  # seconds per template; the marathon's run sheet renders in well under 1 s
SIZE_LIMIT = 20 * 1024 * 1024  # characters per document


class RenderLimit(Exception):
    """A template ran too long or wrote too much."""


def make_environment(
    user_dir: Path | None = None, filters: Mapping[str, Callable[..., Any]] | None = None
) -> jinja2.Environment:
    """Sandboxed environment: the user's folder first, then the built-in templates."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_dir.resolve())))
    loaders.append(jinja2.FileSystemLoader(str(resource_dir("templates"))))
    env = ImmutableSandboxedEnvironment(
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


def _small_range(*args: int) -> range:
    """range() for templates, capped so a loop cannot run away."""
    r = range(*args)
    if len(r) > 100_000:
        raise RenderLimit("range() longer than 100,000 in a template")
    return r


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; InputError naming the template file and line on any failure."""
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise _error(exc.filename or name, exc.lineno, f"template syntax: {exc.message}") from None
    except jinja2.TemplateNotFound:
        raise _error(name, 0, "template not found") from None
    try:
        with _deadline(getattr(env, "user_dir", None)):
            parts: list[str] = []
            size = 0
            for chunk in template.generate(**context):
                size += len(chunk)
                if size > SIZE_LIMIT:
                    raise RenderLimit(f"output larger than {SIZE_LIMIT // (1024 * 1024)} MiB")
                parts.append(chunk)
    except RenderLimit as exc:
        where = _template_line(exc.__traceback__, template.filename)
        raise _error(template.filename or name, where, str(exc)) from None
    except jinja2.TemplateError as exc:
        where = getattr(exc, "lineno", None) or _template_line(exc.__traceback__, template.filename)
        message = getattr(exc, "message", None) or str(exc)
        raise _error(
            getattr(exc, "filename", None) or template.filename or name, where, _short(message)
        ) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        where = _template_line(exc.__traceback__, template.filename)
        raise _error(
            template.filename or name, where, f"{type(exc).__name__}: {_short(str(exc))}"
        ) from None
    return "".join(parts)


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

    def __enter__(self) -> None:
        if self.folder is None:
            return
        self.end = time.monotonic() + TIME_LIMIT
        self.previous = sys.gettrace()
        sys.settrace(self._global)

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            sys.settrace(self.previous)

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Only the user's template code is traced line by line; everything else runs untraced.
        if frame.f_code.co_filename.startswith(self.folder or "\0"):
            return self._local
        if time.monotonic() > self.end:
            raise RenderLimit(f"template ran longer than {TIME_LIMIT:g} s")
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > self.end:
            raise RenderLimit(f"template ran longer than {TIME_LIMIT:g} s")
        return self._local
