"""The `lqplan` command: a thin shell over the library. Each command is a docstring and a call.

Data goes to stdout (a JSON plan, a schema, diagnostics); messages and progress go to stderr.
Exit codes: 0 ok, 1 bad input, 2 usage, 3 no feasible plan, 4 refused to overwrite or --check
found differences, 130 interrupted. Every LqplanError is mapped to its code in `_guard`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lqplan import __version__
from lqplan.errors import (
    Diagnostic,
    InputError,
    LqplanError,
    RefusedError,
    UsageError,
    display_path,
)

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


def plain_text() -> bool:
    """NO_COLOR (https://no-color.org): no colours, no styles, no animated progress."""
    return bool(os.environ.get("NO_COLOR"))


def make_console(*, stderr: bool, soft_wrap: bool = True) -> Console:
    """A console that writes plain text under NO_COLOR; rich itself writes plain text when the
    stream is not a terminal."""
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=soft_wrap,
        color_system=None if plain_text() else "auto",
    )


err = make_console(stderr=True)
out = make_console(stderr=False)
_state: dict[str, Any] = {"debug": False}

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


def read_plan_file(path: Path) -> dict[str, Any]:
    """Read a PLAN.json argument through the plan model (lqplan.planfile): a plan edited by hand
    beyond what lqplan can use is refused there, every problem as file:line:column."""
    from lqplan.pipeline import read_plan

    if not path.is_file():
        raise UsageError(f"{display_path(path)}: no such file")
    return read_plan(path)


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


TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates", help="Folder of .j2 templates that override the built-ins by name."
    ),
]
ShowArg = Annotated[
    Path, typer.Argument(help="The show's folder, or its show.yaml.", show_default=False)
]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


FormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="text, json or github (Actions annotations).")
]
StrictOption = Annotated[bool, typer.Option(help="Fail on warnings too.")]


@app.command()
@_guard
def validate(
    show: ShowArg,
    format: FormatOption = ReportFormat.text,
    strict: StrictOption = False,
) -> None:
    """Check a show's files and report every problem as file:line:column."""
    from lqplan.validate import check_show

    _report(show, check_show(show), format, strict)


def _report(show: Path, diagnostics: list[Diagnostic], format: ReportFormat, strict: bool) -> None:
    """Print diagnostics in the chosen format; exit 1 on errors (or on warnings if strict)."""
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
    model = "model"
    plan = "plan"


@app.command()
@_guard
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which file's schema.")] = SchemaKind.show,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Write every schema into this folder instead.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
) -> None:
    """Print the JSON Schema (draft-07) of a show file, a MODEL file or plan.json, for editors
    and CI."""
    from lqplan.schema import schema_files, schema_text

    if directory is None:
        sys.stdout.write(schema_text(kind.value))
        return
    from lqplan.write import write_files

    _print_written(write_files(schema_files(), directory, force=force))


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

    _print_written(init_show(directory, sample, lang.value if lang else None))
    err.print(f"next: lqplan validate {escape(display_path(directory))}")


SeedOption = Annotated[int, typer.Option(help="Solver random seed.")]
WorkersOption = Annotated[int, typer.Option(min=0, help="Solver threads (0: all cores).")]
DeterministicOption = Annotated[
    bool,
    typer.Option(help="Byte-identical reruns on any machine (one worker, deterministic time)."),
]
LangOption = Annotated[
    Lang | None, typer.Option(help="Language of the paperwork (default: the show's).")
]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Plan with a fitted MODEL from lqplan learn (default: show.yaml's `model:`).",
    ),
]


class ObjectiveChoice(StrEnum):
    profit = "profit"
    gmv = "gmv"


@app.command()
@_guard
def plan(
    show: ShowArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder (default: out/<show folder name>)."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option(min=0.1, help="Solver time limit in seconds.")
    ] = 10.0,
    seed: SeedOption = 0,
    workers: WorkersOption = 0,
    objective: Annotated[
        ObjectiveChoice | None, typer.Option(help="Override the show's objective.")
    ] = None,
    deterministic: DeterministicOption = False,
    lang: LangOption = None,
    templates: TemplatesOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Write plan.json to stdout and nothing else (files only with -o)."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
    model: ModelOption = None,
    robust: Annotated[
        bool,
        typer.Option(
            help="Plan on the mean over 16 markets sampled from the model's uncertainty, beside "
            "the point-estimate plan (both bands in plan.json and the summary); plans twice."
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: compare the plan and "
            "its documents with those in the output folder; exit 4 if they differ "
            "(implies --deterministic).",
        ),
    ] = False,
) -> None:
    """Optimise the run-of-show with CP-SAT; write plan.json, run sheets, host scripts and
    checklists (exit 3 if no plan fits the rules)."""
    from dataclasses import replace

    from lqplan.learning import with_model
    from lqplan.pipeline import (
        documents,
        plan_json,
        plan_robust,
        plan_show,
        prepare,
        templates_folder,
    )
    from lqplan.result import SolveSettings

    inputs, findings = prepare(show)
    if not quiet:
        for warning in (*inputs.warnings, *findings):
            _print_diagnostic(warning)
    inputs = with_model(inputs, model)
    if objective is not None:
        inputs = replace(inputs, show=inputs.show.model_copy(update={"objective": objective.value}))
    folder_templates = templates_folder(inputs, templates)
    settings = SolveSettings(
        time_limit=time_limit, seed=seed, workers=workers, deterministic=deterministic or check
    )
    if robust:
        settings = replace(settings, robust=16)
    result = _solve_with_progress(
        inputs, settings, plan_robust if robust else plan_show, quiet, findings
    )
    if not result.check.ok:
        problems = "; ".join(v.message for v in result.check.violations[:3])
        raise LqplanError(
            f"the plan failed the independent check (a bug in lqplan, please report it): {problems}"
        )
    if as_json:
        sys.stdout.write(plan_json(result.plan))
        if output is None:
            return
    # Render everything before writing anything: a template error leaves no half-made folder.
    files = documents(result.plan, lang=lang.value if lang else None, templates=folder_templates)
    folder = output or Path("out") / inputs.folder.resolve().name
    if check:
        _check_stale(folder, files, result.plan)
        return
    from lqplan.write import write_files

    written = write_files(files, folder, force=force)
    if not quiet:
        from lqplan.summary import print_summary

        print_summary(err, result.plan)
        _print_written(written)


def _check_stale(folder: Path, files: dict[str, str | bytes], plan: dict[str, Any]) -> None:
    """`plan --check`: is what is on disk what the inputs give now? Exit 4 if not."""
    from lqplan.diff import diff_plans, plans_equal

    stale = []
    for name, content in sorted(files.items()):
        path = folder / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        if name == "plan.json":
            try:
                on_disk = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stale.append(name)
                continue
            if not plans_equal(on_disk, plan):
                from lqplan.cli_during import print_diff

                print_diff(diff_plans(on_disk, plan), plan["show"]["currency"])
                stale.append(name)
        elif not path.is_file() or path.read_bytes() != data:
            stale.append(name)
    if stale:
        raise RefusedError(
            f"{display_path(folder)} is stale against its inputs: "
            + ", ".join(stale[:8])
            + (" …" if len(stale) > 8 else "")
        )
    err.print(f"{escape(display_path(folder))}: up to date")


def _print_written(written: list[Path]) -> None:
    for path in written:
        err.print(f"wrote {escape(display_path(path))}")


@app.command()
@_guard
def render(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")],
    lang: LangOption = None,
    templates: TemplatesOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
) -> None:
    """Re-render the run sheets, host scripts and checklists of a plan, without solving."""
    from lqplan.pipeline import documents
    from lqplan.write import write_files

    plan = read_plan_file(plan_file)
    if templates is not None and not templates.is_dir():
        raise UsageError(f"{display_path(templates)}: templates folder not found")
    files = documents(plan, lang=lang.value if lang else None, templates=templates)
    _print_written(write_files(files, output, force=force))


@app.command()
@_guard
def lint(
    show: ShowArg,
    format: FormatOption = ReportFormat.text,
    strict: StrictOption = False,
) -> None:
    """Flag absolute and medical claims, off-platform steering and promotion prices that break
    the rules, as file:line:column."""
    from lqplan.lint import lint_show

    _report(show, lint_show(show), format, strict)


def _solve_with_progress(
    inputs: Any, settings: Any, plan_show: Any, quiet: bool, findings: Any
) -> Any:
    """Solve, showing incumbent, bound and gap on stderr while it runs in a terminal."""
    if quiet or not err.is_terminal or plain_text():
        return plan_show(inputs, settings, None, findings)
    with err.status("building the options, the baseline and the LP-guided first plan…") as status:

        def progress(seconds: float, incumbent: float, bound: float) -> None:
            if bound == float("inf"):
                status.update(f"solving · {seconds:4.1f} s · incumbent {incumbent / 100:,.0f}")
                return
            gap = max(0.0, (bound - incumbent) / abs(bound) * 100) if bound else 0.0
            status.update(
                f"solving · {seconds:4.1f} s · incumbent {incumbent / 100:,.0f} · "
                f"bound {bound / 100:,.0f} · gap {gap:.2f}%"
            )

        return plan_show(inputs, settings, progress, findings)


@app.command()
@_guard
def check(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan to verify.")],
    show: ShowArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    model: ModelOption = None,
) -> None:
    """Verify a plan (maybe edited by hand) against its show: every rule, every figure."""
    from lqplan.checker import check_plan
    from lqplan.learning import inputs_for_plan
    from lqplan.pipeline import load_and_validate

    plan_data = read_plan_file(plan_file)
    if "replan" in plan_data:
        # Its past is what happened, not what the model says, and its rest was planned under
        # the rules as the actuals left them: checked when `lqplan replan` made it.
        raise UsageError(
            f"{display_path(plan_file)} was replanned at "
            f"{plan_data['replan'].get('at')}: lqplan check verifies plans made by "
            "lqplan plan; the rest of a replanned plan is checked when it is made"
        )
    report = check_plan(inputs_for_plan(load_and_validate(show), plan_data, model), plan_data)
    if as_json:
        payload = {
            "ok": report.ok,
            "value_cents": report.value_cents,
            "objective_cents": report.objective_cents,
            "totals": report.totals,
            "violations": [v.__dict__ for v in report.violations],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        for v in report.violations:
            err.print(f"[red]✗[/red] {escape(v.rule)}: {escape(v.message)}")
        verdict = "[green]ok[/green]" if report.ok else "[red]violations[/red]"
        err.print(
            f"{escape(display_path(plan_file))}: {verdict} "
            f"({len(report.violations)} problem(s); value {report.value_cents / 100:,.2f})"
        )
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point. SIGTERM is treated like Ctrl-C: stop, write nothing, exit 130."""
    import signal

    def terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    _utf8_streams()
    app()


def _utf8_streams() -> None:
    """Under LANG=C with Python's locale coercion turned off, stdout and stderr are ASCII and the
    first Chinese product name would raise UnicodeEncodeError: write UTF-8 instead (plan.json is
    UTF-8 by definition, and so is nearly every terminal). Paths given in UTF-8 on the command
    line come back out as the same bytes. Other encodings are left alone."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if encoding and codecs.lookup(encoding).name == "ascii" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="surrogateescape")


# Commands for during and after the show live in their own modules; importing them registers
# them on `app` (they import `app` and the helpers above, so this stays at the end).
from lqplan import cli_after, cli_during, cli_learn  # noqa: E402, F401
