"""Commands before the show: validate, lint, schema, init, import, plan, render, check, explain,
diff."""

# No `from __future__ import annotations`: see lqplan/cli/app.py.

import json
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from lqplan.cli.app import (
    DeterministicOption,
    ForceOption,
    Lang,
    LangOption,
    ModelOption,
    PlanArg,
    SeedOption,
    ShowArg,
    TemplatesOption,
    TimeLimitOption,
    WorkersOption,
    _guard,
    _print_diagnostic,
    _print_written,
    _solve_with_progress,
    app,
    change_money,
    changes_table,
    command_started,
    err,
    read_plan_file,
    write_data,
)
from lqplan.errors import (
    Diagnostic,
    InputError,
    LqplanError,
    RefusedError,
    UsageError,
    display_path,
    github_annotation,
)
from lqplan.words import counted


class ReportFormat(StrEnum):
    """How validate and lint print their findings: for people, as JSON, or as GitHub annotations."""

    text = "text"
    json = "json"
    github = "github"


FormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="text, json or github (Actions annotations).")
]


StrictOption = Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")]
RootOption = Annotated[
    Path | None,
    typer.Option(
        exists=True,
        file_okay=False,
        help="Repository root that --format github's paths start from "
        "(default: the nearest folder holding .git).",
    ),
]


@app.command()
@_guard
def validate(
    show: ShowArg,
    format: FormatOption = ReportFormat.text,
    strict: StrictOption = False,
    root: RootOption = None,
) -> None:
    """Check a show's files.

    Every problem is reported at once, as file:line:column."""
    from lqplan.show.validate import check_show

    _report(show, check_show(show), format, strict, root)


def _report(
    show: Path,
    diagnostics: list[Diagnostic],
    format: ReportFormat,
    strict: bool,
    root: Path | None = None,
) -> None:
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
        write_data(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    elif format is ReportFormat.github:
        for d in diagnostics:
            write_data(github_annotation(d, root) + "\n")
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


class SchemaKind(StrEnum):
    """The input files `lqplan schema` can publish a JSON Schema for."""

    show = "show"
    catalog = "catalog"
    audience = "audience"
    stock = "stock"
    actuals = "actuals"
    model = "model"
    plan = "plan"


@app.command()
@_guard
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which file's schema.")] = SchemaKind.show,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Write every schema into this folder instead.")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Print the JSON Schema of a file lqplan reads.

    Draft-07, for editors and CI: a show file, an ACTUALS, a MODEL file or plan.json."""
    from lqplan.show.schema import schema_files, schema_text

    if directory is None:
        write_data(schema_text(kind.value))
        return
    from lqplan.io.write import write_files

    _print_written(write_files(schema_files(), directory, force=force))


MapOption = Annotated[
    Path | None,
    typer.Option(
        "--map", metavar="MAP.yaml", help="A YAML mapping `header: field` for other headers."
    ),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="The .xlsx worksheet to read (default: the first).")
]


@app.command()
@_guard
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the show in.")],
    sample: Annotated[str | None, typer.Option(help="Sample to start from (see samples/).")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of the show's paperwork.")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="A product sheet (.xlsx, .csv, .tsv) for the catalog and stock; the rest of "
            "the show is a sample's.",
        ),
    ] = None,
    map_file: MapOption = None,
    sheet: SheetOption = None,
) -> None:
    """Start a new show folder.

    From a bundled sample, or from a product sheet with --from; never overwrites existing
    files."""
    language = lang.value if lang else None
    if from_file is None:
        from lqplan.show.scaffold import init_show

        if map_file is not None or sheet is not None:
            raise UsageError("--map and --sheet are for --from")
        _print_written(init_show(directory, sample, language))
    else:
        from lqplan.show.starter import init_from_sheet

        if sample is not None:
            raise UsageError("give --sample or --from, not both")
        _need_file(from_file)
        _print_written(init_from_sheet(directory, from_file, map_file, sheet, language))
    err.print(f"next: lqplan validate {escape(display_path(directory))}")


def _need_file(path: Path) -> None:
    """A file argument that must exist (UsageError, exit 2, otherwise)."""
    if not path.is_file():
        raise UsageError(f"{display_path(path)}: no such file")


class ImportKind(StrEnum):
    """What `lqplan import` makes of a sheet."""

    catalog = "catalog"
    stock = "stock"
    actuals = "actuals"


@app.command("import")
@_guard
def import_(
    kind: Annotated[ImportKind, typer.Argument(help="catalog, stock or actuals.")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="An .xlsx, .csv or .tsv sheet.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the file in.")
    ] = Path("."),
    map_file: MapOption = None,
    sheet: SheetOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    format: FormatOption = ReportFormat.text,
) -> None:
    """Turn a spreadsheet into a show file.

    A product, stock or sales sheet becomes catalog.yaml, stock.yaml or actuals.yaml; every
    problem is named at its cell, and nothing is written on error."""
    from lqplan.io.write import write_files
    from lqplan.show.intake import import_sheet

    _need_file(file)
    if map_file is not None:
        _need_file(map_file)
    try:
        imported = import_sheet(kind.value, file, map_file, sheet)
    except InputError as exc:
        if format is ReportFormat.text:
            raise
        _report(file, exc.diagnostics, format, strict=False)
        raise  # _report exits on any error; a warning alone never fails
    written = write_files(imported.files, output, force=force, manifest=False)
    if format is ReportFormat.text:
        for warning in imported.warnings:
            _print_diagnostic(warning)
    else:
        _report(file, imported.warnings, format, strict=False)
    _print_written(written)
    err.print(f"{imported.rows} row{'s' * (imported.rows != 1)} from {escape(display_path(file))}")


class ObjectiveChoice(StrEnum):
    """What the plan maximises (--objective), overriding the show's own."""

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
    time_limit: TimeLimitOption = 10.0,
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
    force: ForceOption = False,
    model: ModelOption = None,
    robust: Annotated[
        bool,
        typer.Option(
            "--robust",
            help="Plan on the mean over 16 markets sampled from the model's uncertainty, beside "
            "the point-estimate plan (both bands in plan.json and the summary); plans twice.",
        ),
    ] = False,
    hint: Annotated[
        Path | None,
        typer.Option(
            "--hint",
            metavar="PLAN.json",
            help="Start the search from this plan when it keeps every rule of the show (say, "
            "the plan of a tighter rule): the new plan is never worse than it. Without "
            "--deterministic the plan.json already in the output folder is such a start.",
        ),
    ] = None,
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
    """Optimise the run-of-show and write the paperwork.

    CP-SAT chooses the segments; plan.json, the run sheets, host scripts and checklists are
    written (exit 3 if no plan fits the rules)."""
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
    from lqplan.plan.result import SolveSettings

    inputs, findings = prepare(show)
    if not quiet:
        for warning in (*inputs.warnings, *findings):
            _print_diagnostic(warning)
    inputs = with_model(inputs, model)
    if objective is not None:
        inputs = replace(inputs, show=inputs.show.model_copy(update={"objective": objective.value}))
    folder_templates = templates_folder(inputs, templates)
    settings = SolveSettings(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        deterministic=deterministic or check,
        started=command_started(),  # the whole command's budget, reading the show included
    )
    if robust:
        settings = replace(settings, robust=16)
    run = plan_robust if robust else plan_show
    folder = output or Path("out") / inputs.folder.resolve().name
    previous = None
    if hint is not None:
        run = partial(run, prior=read_plan_file(hint))
    elif not settings.deterministic and (output is not None or not as_json):
        previous = _previous_plan(folder)
        if previous is not None:
            run = partial(run, prior=previous[1])
    result = _solve_with_progress(inputs, settings, run, quiet, findings)
    if not result.check.ok:
        problems = "; ".join(v.message for v in result.check.violations[:3])
        raise LqplanError(
            f"the plan failed the independent check (a bug in lqplan, please report it): {problems}"
        )
    if as_json:
        write_data(plan_json(result.plan))
        if output is None:
            return
    # Render everything before writing anything: a template error leaves no half-made folder.
    files = documents(result.plan, lang=lang.value if lang else None, templates=folder_templates)
    if check:
        _check_stale(folder, files, result.plan)
        return
    from lqplan.io.write import write_files

    written = write_files(files, folder, force=force, prune=True)
    if not quiet:
        from lqplan.plan.summary import print_summary

        print_summary(err, result.plan)
        if previous is not None and result.from_prior:
            err.print(
                f"started from the plan already in {escape(display_path(previous[0]))}: it "
                "keeps every rule, so this plan is worth at least as much"
            )
        _print_written(written)


def _previous_plan(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The plan.json an earlier `lqplan plan` left in the output folder, if it reads: a start
    for this run (say, the plan of a tighter rule before it was relaxed), so that editing the
    show never gives a worse plan than the one the team already has. Not under --deterministic
    or --check: there the plan depends on the inputs and options alone."""
    from lqplan.io.write import read_outputs
    from lqplan.pipeline import read_plan

    path = folder / "plan.json"
    try:
        # Only a regular file inside the folder, not behind a link, not a pipe, not huge.
        if read_outputs(folder, ["plan.json"]).contents["plan.json"] is None:
            return None
        return path, read_plan(path)
    except LqplanError:
        return None  # not a plan this lqplan can use: plan as if it were not there


def _check_stale(folder: Path, files: dict[str, str | bytes], plan: dict[str, Any]) -> None:
    """`plan --check`: is what is on disk what the inputs give now? Exit 4 if not. Only regular
    files are read (io/write.py): a pipe or a link in the folder is stale, never a hang."""
    from lqplan.io.write import read_outputs
    from lqplan.review.diff import diff_plans, plans_equal

    on_disk = read_outputs(folder, sorted(files))
    stale = []
    for name, content in sorted(files.items()):
        found = on_disk.contents[name]
        data = content.encode("utf-8") if isinstance(content, str) else content
        if name == "plan.json" and found is not None:
            try:
                old = json.loads(found.decode("utf-8"))
            except (ValueError, RecursionError):
                stale.append(name)
                continue
            if not isinstance(old, dict) or not plans_equal(old, plan):
                if isinstance(old, dict):
                    print_diff(diff_plans(old, plan), plan["show"]["currency"])
                stale.append(name)
        elif found != data:
            stale.append(name)
    stale += [f"{name} (no longer written)" for name in on_disk.leftovers]
    if on_disk.interrupted:
        stale.append("a write that was cut off (the next plan completes it)")
    if stale:
        raise RefusedError(
            f"{display_path(folder)} is stale against its inputs: "
            + ", ".join(stale[:8])
            + (" …" if len(stale) > 8 else "")
        )
    err.print(f"{escape(display_path(folder))}: up to date")


@app.command()
@_guard
def render(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")],
    lang: LangOption = None,
    templates: TemplatesOption = None,
    force: ForceOption = False,
) -> None:
    """Write a plan's paperwork again, without solving.

    The run sheets, host scripts and checklists, from plan.json alone."""
    from lqplan.io.write import write_files
    from lqplan.pipeline import documents

    plan = read_plan_file(plan_file)
    if templates is not None and not templates.is_dir():
        raise UsageError(f"{display_path(templates)}: templates folder not found")
    files = documents(plan, lang=lang.value if lang else None, templates=templates)
    _print_written(write_files(files, output, force=force, prune=True))


@app.command()
@_guard
def lint(
    show: ShowArg,
    format: FormatOption = ReportFormat.text,
    strict: StrictOption = False,
    root: RootOption = None,
) -> None:
    """Flag what a host must not say.

    Absolute and medical claims, off-platform steering and promotion prices that break the
    rules, as file:line:column."""
    from lqplan.show.lint import lint_show

    _report(show, lint_show(show), format, strict, root)


@app.command()
@_guard
def check(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan to verify.")],
    show: ShowArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    model: ModelOption = None,
    actuals: Annotated[
        Path | None,
        typer.Option(
            help="For a replanned plan: the ACTUALS it was replanned from, to recompute the "
            "figures of the rest of the show as well as its rules."
        ),
    ] = None,
) -> None:
    """Verify a plan against its show.

    Every rule and every figure, for a plan maybe edited by hand."""
    from lqplan.learning import inputs_for_plan
    from lqplan.pipeline import load_and_validate
    from lqplan.verify.checker import check_plan

    plan_data = read_plan_file(plan_file)
    inputs = inputs_for_plan(load_and_validate(show), plan_data, model)
    if "replan" in plan_data:
        _check_replanned(plan_file, plan_data, inputs, actuals, as_json)
        return
    if actuals is not None:
        raise UsageError(f"{display_path(plan_file)} was not replanned: --actuals is for a replan")
    report = check_plan(inputs, plan_data)
    if as_json:
        write_data(json.dumps(_check_json(report), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_check(plan_file, report.violations, report.value_cents)
    if not report.ok:
        raise typer.Exit(1)


def _check_json(report: Any) -> dict[str, Any]:
    """A checker's report as `check --json` prints it."""
    return {
        "ok": report.ok,
        "value_cents": report.value_cents,
        "objective_cents": report.objective_cents,
        "totals": report.totals,
        "violations": [v.__dict__ for v in report.violations],
    }


def _print_check(plan_file: Path, violations: list[Any], value_cents: int) -> None:
    for v in violations:
        err.print(f"[red]✗[/red] {escape(v.rule)}: {escape(v.message)}")
    verdict = "[red]violations[/red]" if violations else "[green]ok[/green]"
    err.print(
        f"{escape(display_path(plan_file))}: {verdict} "
        f"({counted(len(violations), 'problem')}; value {value_cents / 100:,.2f})"
    )


def _check_replanned(
    plan_file: Path, plan: dict[str, Any], inputs: Any, actuals: Path | None, as_json: bool
) -> None:
    """`check` of a replanned plan: the whole show's rules with the past as it sold, and the
    rest's figures recomputed when its actuals are given; exit 1 on any violation."""
    from lqplan.live.actuals import read_actuals
    from lqplan.live.replan import check_replanned

    if actuals is not None and not actuals.is_file():
        raise UsageError(f"{display_path(actuals)}: no such file")
    result = check_replanned(inputs, plan, read_actuals(actuals) if actuals else None)
    figures = (
        "the rest's figures recomputed from its actuals"
        if result.rest is not None
        else "the rest's figures not recomputed: they rest on the viewers, conversion and stock "
        "its actuals left (give them with --actuals)"
    )
    past = (
        f"{counted(result.frozen, 'segment')} before {result.cut} judged by what they sold "
        "(the actuals' figures, not recomputed from the model)"
    )
    if as_json:
        payload = {
            **_check_json(result.whole),
            "ok": result.ok,
            "violations": [v.__dict__ for v in result.violations],
            "replan": {
                "cut": result.cut,
                "frozen_segments": result.frozen,
                "rest_recomputed": result.rest is not None,
                "rest": _check_json(result.rest) if result.rest is not None else None,
                "changed_at_cut": [{**v.__dict__, "reason": reason} for v, reason in result.at_cut],
            },
        }
        write_data(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        err.print(
            escape(f"replanned at {result.cut}: every rule over the whole show; {past}; {figures}")
        )
        for v, reason in result.at_cut:
            err.print(escape(f"- {v.rule}: {v.message} (changed at the cut: {reason})"))
        _print_check(plan_file, result.violations, result.whole.value_cents)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@_guard
def explain(
    plan_file: PlanArg,
    show: ShowArg,
    sku: Annotated[str | None, typer.Argument(help="One product (default: every product).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    model: ModelOption = None,
) -> None:
    """Say why a product sits where it does.

    Its value there against its best legal alternative, the rules that bind it, and what
    moving or dropping it would cost (the checker's figures)."""
    from lqplan.learning import inputs_for_plan
    from lqplan.pipeline import load_and_validate
    from lqplan.plan.explain import (
        absent_text,
        explain_absent,
        explain_plan,
        explain_table,
        explain_text,
        figure_sources,
        figure_sources_text,
    )

    plan = read_plan_file(plan_file)
    inputs = inputs_for_plan(load_and_validate(show), plan, model)
    if sku is not None and sku not in inputs.products:
        raise UsageError(f"{sku} is not a product of {display_path(show)}")
    on_air = sku is None or any(s["sku"] == sku for s in plan["segments"])
    explanations = explain_plan(inputs, plan, sku) if on_air else []
    absent = None if on_air or sku is None else explain_absent(inputs, plan, sku)
    sources = figure_sources(inputs, [sku] if sku else sorted({s["sku"] for s in plan["segments"]}))
    if as_json:
        payload = {
            "objective": inputs.show.objective,
            "currency": inputs.show.currency,
            "figures": sources,
            "segments": [e.as_dict() for e in explanations],
            "not_on_air": absent.as_dict() if absent else None,
        }
        write_data(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    currency = inputs.show.currency
    err.print(escape(figure_sources_text(sources)))
    if absent is not None:
        err.print(absent_text(absent, currency))
    elif sku is None:
        err.print(explain_table(explanations, currency, err.width))
    else:
        for e in explanations:
            err.print(explain_text(e, currency))


@app.command()
@_guard
def diff(
    a: Annotated[Path, typer.Argument(metavar="A.json", help="The plan before.")],
    b: Annotated[Path, typer.Argument(metavar="B.json", help="The plan after.")],
    check: Annotated[
        bool, typer.Option("--check", help="Exit 4 when the plans differ, 0 when they are equal.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
) -> None:
    """Compare two plans.

    Segment by segment (moved, dropped, added, length or promotion changed), and the change in
    expected value."""
    from lqplan.review.diff import diff_json, diff_plans

    plan_a, plan_b = read_plan_file(a), read_plan_file(b)
    result = diff_plans(plan_a, plan_b)
    if as_json:
        write_data(json.dumps(diff_json(result), ensure_ascii=False, indent=2) + "\n")
    else:
        print_diff(result, plan_b["show"].get("currency", ""))
        verdict = "[green]equal[/green]" if result.equal else "[yellow]differ[/yellow]"
        err.print(f"{escape(display_path(a))} and {escape(display_path(b))}: {verdict}")
    if check and not result.equal:
        raise typer.Exit(4)


def print_diff(result: Any, currency: str) -> None:
    """A diff for people, on stderr: segment changes, then promotions, lucky bags, fields, value."""
    if result.segments:
        err.print(changes_table(result.segments, currency, "segments"))
    for p in result.promotions:
        err.print(
            Text(f"promotion {p.promotion} {p.kind}: {', '.join(p.a) or '—'} → "
                 f"{', '.join(p.b) or '—'}")
        )  # fmt: skip
    for bag in result.lucky_bags:
        err.print(Text(f"lucky bag {bag.id} {bag.kind} at {bag.at}"))
    for path in result.fields:
        err.print(Text(f"field {path} differs"))
    totals = result.totals
    value = totals.get("value_cents", {})
    if value.get("a") is not None and value.get("b") is not None and value["a"] != value["b"]:
        gmv, profit = totals.get("gmv", {}), totals.get("profit", {})
        err.print(
            f"value {change_money(value['a'], currency)} → {change_money(value['b'], currency)} "
            f"({change_money(value['change'], currency, sign='+')})"
            + (
                f" · GMV {change_money((gmv.get('change') or 0) * 100, currency, sign='+')}"
                f" · profit {change_money((profit.get('change') or 0) * 100, currency, sign='+')}"
            )
        )
