"""Commands after the show: review it, and learn the room's demand from its past shows."""

# No `from __future__ import annotations`: see lqplan/cli/app.py.

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from lqplan.cli.app import (
    ForceOption,
    PlanArg,
    ShowLangOption,
    _guard,
    _print_diagnostic,
    _print_written,
    app,
    err,
    read_plan_file,
    show_language,
    write_data,
)
from lqplan.errors import (
    Diagnostic,
    InputError,
    RefusedError,
    UsageError,
    display_path,
)


@app.command()
@_guard
def review(
    plan_file: PlanArg,
    actuals: Annotated[
        Path,
        typer.Argument(metavar="ACTUALS", help="What aired: YAML or CSV (docs/actuals.md)."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write review.md and review.html here.")
    ] = None,
    write_audience: Annotated[
        Path | None,
        typer.Option(help="Write a calibrated audience.yaml here (needs --show)."),
    ] = None,
    show: Annotated[
        Path | None, typer.Option(help="The show's folder: its audience.yaml is calibrated.")
    ] = None,
    write_model: Annotated[
        Path | None,
        typer.Option(help="Write the MODEL learned from this one show here (lqplan learn's)."),
    ] = None,
    lang: ShowLangOption = None,
    force: ForceOption = False,
) -> None:
    """Review a show: the plan against what happened.

    Plan against actual per segment, totals and KPIs, whether the actuals fell inside the
    plan's 80 % bands, a cumulative GMV chart; and what lqplan learn makes of this one show, as
    an audience.yaml (--write-audience) or a MODEL (--write-model) for the next plan."""
    from lqplan.io.write import write_files
    from lqplan.live.actuals import check_actuals_against_plan, read_actuals
    from lqplan.review.review import audience_text, calibrate, review_documents, review_tables
    from lqplan.review.review import review as make_review

    plan = read_plan_file(plan_file)
    if not actuals.is_file():
        raise UsageError(f"{display_path(actuals)}: no such file")
    if write_audience is not None and show is None:
        raise UsageError("--write-audience needs --show SHOW (the audience.yaml to calibrate)")
    language = show_language(plan, lang)
    file = read_actuals(actuals)
    for warning in check_actuals_against_plan(file, plan):
        _print_diagnostic(warning)
    report = make_review(plan, file)
    changes: list[str] = []
    new_audience, modeline, model = None, None, None
    if show is not None:
        from lqplan.pipeline import load_and_validate
        from lqplan.show.load import read_text

        inputs = load_and_validate(show)
        new_audience, changes, model = calibrate(plan, file, inputs.audience)
        first = read_text(inputs.paths["audience"]).splitlines()[:1]
        modeline = first[0] if first and first[0].startswith("# yaml-language-server:") else None
    elif write_model is not None:
        from lqplan.learning import PastShow, learn_history
        from lqplan.learning.history import _unusable

        problem = _unusable(plan)
        if problem:
            raise UsageError(f"{display_path(plan_file)}: cannot learn from it: {problem}")
        model = learn_history([PastShow(actuals.parent, plan, file)], deterministic=True)
    err.print(review_tables(report, language))
    for change in changes:
        err.print(f"calibration: {escape(change)}")
    written: list[Path] = []
    if output is not None:
        written += write_files(review_documents(report, language, changes), output, force=force)
    if write_audience is not None and new_audience is not None:
        # No manifest: an existing file is never overwritten without --force.
        written += write_files(
            {write_audience.name: audience_text(new_audience, changes, modeline)},
            write_audience.parent,
            force=force,
            manifest=False,
        )
    if write_model is not None and model is not None:
        from lqplan.learning import model_text

        _write_model(write_model, model_text(model), force)
        written.append(write_model)
    _print_written(written)


@app.command()
@_guard
def learn(
    history: Annotated[
        list[Path],
        typer.Argument(
            metavar="HISTORY...",
            help="Folders of past shows (one subfolder each: plan.json and actuals), or a show "
            "folder whose show.yaml names its `history:`.",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the MODEL file here (JSON).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any past show cannot be used.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the MODEL to stdout and nothing else.")
    ] = False,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic", help="Leave the fit's wall time out: byte-identical reruns."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No report on stderr.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite an existing file that is not an lqplan model."),
    ] = False,
) -> None:
    """Learn the room's demand from its past shows.

    A pooled Poisson regression fitted to the shows' plans and actuals, written as the MODEL
    that lqplan plan --model uses; the report says what moved and how well it forecasts."""
    from lqplan.learning import history_folders, learn_data, model_text
    from lqplan.learning.prefetch import prefetched_history_data
    from lqplan.learning.report import print_report

    if output is None and not as_json:
        raise UsageError("give -o MODEL (the file to write) or --json")
    shows, skipped = prefetched_history_data(history_folders(history))
    for s in skipped:
        err.print(f"warning: {escape(s.format())}")
    if not shows:
        raise InputError(
            [
                Diagnostic(
                    ", ".join(map(display_path, history)),
                    message="no usable past show (each needs plan.json and "
                    "actuals.yaml or actuals.csv)",
                )
            ]
        )
    if strict and skipped:
        raise InputError(
            [Diagnostic(s.folder, message=f"cannot be used: {s.reason}") for s in skipped]
        )
    data = learn_data(shows, deterministic=deterministic)
    text = model_text(data)
    if not quiet:
        print_report(err, data)
    if as_json:
        write_data(text)
    if output is not None:
        _write_model(output, text, force)
        if not quiet:
            _print_written([output])


def _write_model(path: Path, text: str, force: bool) -> None:
    """Write the MODEL atomically. An existing file is replaced when it is an lqplan model
    (learn is rerun after every show); anything else needs --force."""
    from lqplan.io.jsonio import parse_json
    from lqplan.io.write import write_files
    from lqplan.show.load import read_text

    if (path.exists() or path.is_symlink()) and not force:
        try:
            # Bounded like every reader: a pipe, a device or a huge or deeply nested file there
            # is simply not an lqplan model.
            data = parse_json(read_text(path), display_path(path))
            ours = isinstance(data, dict) and str(data.get("schema", "")).startswith(
                "lqplan.model/"
            )
        except InputError:
            ours = False
        if not ours:
            raise RefusedError(
                f"{display_path(path)} exists and is not an lqplan model: refusing to overwrite "
                "it (use --force)"
            )
    if path.is_dir():
        raise UsageError(f"{display_path(path)} is a folder: -o names the MODEL file")
    write_files({path.name: text}, path.parent, force=True, manifest=False)
