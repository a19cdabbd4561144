"""The `lqplan` command: a thin shell over the library. Each command is a docstring and a call.

Data goes to stdout (a JSON plan, a schema, diagnostics); messages and progress go to stderr.
Exit codes: 0 ok, 1 bad input, 2 usage, 3 no feasible plan, 4 refused to overwrite or --check
found differences, 130 interrupted. Every LqplanError is mapped to its code in `_guard`.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lqplan import __version__
from lqplan.errors import Diagnostic, InputError, LqplanError, display_path

app = typer.Typer(
    name="lqplan",
    help="Plan live-commerce shows: validate show files, optimise the run-of-show, write the "
    "paperwork.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
_state = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Map lqplan's exceptions to messages on stderr and exit codes; no traceback unless --debug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            if _state["debug"]:
                raise
            for diagnostic in exc.diagnostics:
                _print_diagnostic(diagnostic)
            raise typer.Exit(exc.exit_code) from None
        except LqplanError as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            for line in getattr(exc, "conflicts", []):
                err.print(f"  • {escape(line)}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _print_diagnostic(d: Diagnostic) -> None:
    colour = "red" if d.severity == "error" else "yellow"
    text = escape(d.format())
    err.print(text.replace(f": {d.severity}:", f": [{colour}]{d.severity}[/{colour}]:", 1))


def _version(value: bool) -> None:
    if value:
        out.print(f"lqplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Plan live-commerce shows from YAML files."""
    _state["debug"] = debug


ShowArg = Annotated[
    Path, typer.Argument(help="The show's folder, or its show.yaml.", show_default=False)
]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


@app.command()
@_guard
def validate(
    show: ShowArg,
    format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="text, json or github (Actions annotations)."),
    ] = ReportFormat.text,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Check a show's files and report every problem as file:line:column."""
    from lqplan.validate import check_show

    diagnostics = check_show(show)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if format is ReportFormat.json:
        payload = {
            "show": display_path(Path(show)),
            "valid": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.__dict__ for d in diagnostics],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    elif format is ReportFormat.github:
        for d in diagnostics:
            sys.stdout.write(_github_annotation(d) + "\n")
    else:
        for d in diagnostics:
            _print_diagnostic(d)
    failed = errors > 0 or (strict and warnings > 0)
    if format is ReportFormat.text:
        verdict = "[red]invalid[/red]" if failed else "[green]valid[/green]"
        err.print(
            f"{escape(display_path(Path(show)))}: {verdict} "
            f"({errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)})"
        )
    if failed:
        raise typer.Exit(1)


def _github_annotation(d: Diagnostic) -> str:
    def clean(text: str) -> str:  # the workflow-command escapes
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    place = f"file={clean(d.file)}"
    if d.line:
        place += f",line={d.line},col={d.column or 1}"
    subject = f"{d.path}: " if d.path else ""
    return f"::{d.severity} {place}::{clean(subject + d.message)}"


class SchemaKind(StrEnum):
    show = "show"
    catalog = "catalog"
    audience = "audience"
    stock = "stock"


@app.command()
@_guard
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which file's schema.")] = SchemaKind.show,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Write all four schemas into this folder instead.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
) -> None:
    """Print the JSON Schema (draft-07) of a show file, for editors and CI."""
    from lqplan.schema import schema_files, schema_text

    if directory is None:
        sys.stdout.write(schema_text(kind.value))
        return
    from lqplan.write import write_files

    for path in write_files(schema_files(), directory, force=force):
        err.print(f"wrote {escape(display_path(path))}")


class Lang(StrEnum):
    zh = "zh"
    en = "en"


@app.command()
@_guard
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the show in.")],
    sample: Annotated[str | None, typer.Option(help="Sample to start from (see samples/).")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of the show's paperwork.")] = None,
) -> None:
    """Start a new show folder from a bundled sample; never overwrites existing files."""
    from lqplan.scaffold import init_show

    written = init_show(directory, sample, lang.value if lang else None)
    for path in written:
        err.print(f"wrote {escape(display_path(path))}")
    err.print(f"next: lqplan validate {escape(display_path(directory))}")


def main() -> None:
    """Console entry point."""
    app()
