"""Commands for the control room and after the show (live, explain, review): registered on
lqplan's app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lqplan.cli import (
    Lang,
    ModelOption,
    ShowArg,
    _guard,
    _print_diagnostic,
    _print_written,
    app,
    err,
    make_console,
    read_plan_file,
)
from lqplan.errors import UsageError, display_path

PlanArg = Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")]
LangOption = Annotated[Lang | None, typer.Option(help="Language (default: the show's).")]


def _lang(plan: dict[str, Any], lang: Lang | None) -> str:
    return lang.value if lang else plan["show"]["language"]


@app.command()
@_guard
def live(
    plan_file: PlanArg,
    at: Annotated[
        str | None, typer.Option(help="Start the clock at this time (HH:MM), for rehearsal.")
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.01, help="Clock speed: 60 makes a show minute pass per second.")
    ] = 1.0,
    lang: LangOption = None,
    record: Annotated[
        Path | None,
        typer.Option(help="Actuals file (YAML) the d/l marks are written to, for review."),
    ] = None,
    simulate: Annotated[
        Path | None,
        typer.Option(
            "--simulate",
            help="Rehearse against a market (a show folder, or a MODEL with --show): its sales "
            "follow the view; with --record, what it sold by the quit is written for replan.",
        ),
    ] = None,
    market_show: Annotated[
        Path | None,
        typer.Option("--show", help="The show whose files a MODEL market corrects."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated market.")] = 0,
) -> None:
    """Full-screen cue view for the control room: now, next, talking points, next actions; keys
    d (done early), l (running late), q (quit)."""
    import time
    from datetime import datetime

    from lqplan.live import LiveClock, run_live
    from lqplan.model import parse_clock

    if record is not None and record.suffix.lower() == ".csv":
        raise UsageError(f"--record {display_path(record)}: the record is YAML; name a .yaml file")
    plan = read_plan_file(plan_file)
    show = plan["show"]
    if at is not None:
        try:
            start_minute = float((parse_clock(at) - parse_clock(show["start"])) % 1440)
        except ValueError:
            raise UsageError(f"--at {at!r}: give a clock time HH:MM") from None
    else:
        begin = datetime.fromisoformat(f"{show['date']}T{show['start']}")
        start_minute = (datetime.now() - begin).total_seconds() / 60
    market = None
    if simulate is not None:
        from lqplan.cli_learn import market_inputs
        from lqplan.learning import simulate as play

        market_files = market_inputs(simulate, market_show)
        market = play(plan, market_files, seed=seed)
    clock = LiveClock(start_minute, time.monotonic(), speed)
    console = make_console(stderr=True, soft_wrap=False)
    with _keys() as read_key:
        marks = run_live(
            plan,
            clock,
            _lang(plan, lang),
            None if market is not None else record,
            console,
            read_key,
            time.monotonic,
            market=market,
        )
    if record is not None and market is not None:
        # A rehearsal's record is the market's show up to the quit: replan can start from it.
        from lqplan.learning import actuals_text
        from lqplan.write import atomic_write

        until = min(max(1, int(clock.minute(time.monotonic()))), int(show["minutes"]))
        sofar = play(plan, market_files, seed=seed, until=until)
        atomic_write(record, actuals_text(sofar).encode("utf-8"))
        _print_written([record])
    elif record is not None and marks:
        _print_written([record])


class _keys:
    """Single key presses without Enter (cbreak mode) while stdin is a terminal; otherwise a
    reader that only waits."""

    def __enter__(self) -> Any:
        import select
        import time

        self.saved = None
        if not sys.stdin.isatty():
            return lambda timeout: time.sleep(timeout)
        import termios
        import tty

        fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

        def read(timeout: float) -> str | None:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return None
            import os

            return os.read(fd, 1).decode("utf-8", "ignore") or "q"

        return read

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self.saved)


@app.command()
@_guard
def explain(
    plan_file: PlanArg,
    show: ShowArg,
    sku: Annotated[str | None, typer.Argument(help="One product (default: every product).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    model: ModelOption = None,
) -> None:
    """Why a product sits where it does: its value there against its best legal alternative,
    the rules that bind it, and what moving or dropping it would cost (the checker's figures)."""
    from lqplan.explain import (
        explain_plan,
        explain_table,
        explain_text,
        figure_sources,
        figure_sources_text,
    )
    from lqplan.learning import inputs_for_plan
    from lqplan.pipeline import load_and_validate

    plan = read_plan_file(plan_file)
    inputs = inputs_for_plan(load_and_validate(show), plan, model)
    if sku is not None and not any(s["sku"] == sku for s in plan["segments"]):
        raise UsageError(f"{sku} is not on air in {display_path(plan_file)}")
    explanations = explain_plan(inputs, plan, sku)
    sources = figure_sources(inputs, [sku] if sku else sorted({s["sku"] for s in plan["segments"]}))
    if as_json:
        payload = {
            "objective": inputs.show.objective,
            "currency": inputs.show.currency,
            "figures": sources,
            "segments": [e.as_dict() for e in explanations],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    currency = inputs.show.currency
    err.print(escape(figure_sources_text(sources)))
    if sku is None:
        err.print(explain_table(explanations, currency, err.width))
    else:
        for e in explanations:
            err.print(explain_text(e, currency))


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
    lang: LangOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
) -> None:
    """Plan against actual per segment, totals and KPIs, whether the actuals fell inside the
    plan's 80 % bands, a cumulative GMV chart; and what lqplan learn makes of this one show, as
    an audience.yaml (--write-audience) or a MODEL (--write-model) for the next plan."""
    from lqplan.actuals import check_actuals_against_plan, read_actuals
    from lqplan.review import audience_text, calibrate, review_documents, review_tables
    from lqplan.review import review as make_review
    from lqplan.write import write_files

    plan = read_plan_file(plan_file)
    if not actuals.is_file():
        raise UsageError(f"{display_path(actuals)}: no such file")
    if write_audience is not None and show is None:
        raise UsageError("--write-audience needs --show SHOW (the audience.yaml to calibrate)")
    language = _lang(plan, lang)
    file = read_actuals(actuals)
    for warning in check_actuals_against_plan(file, plan):
        _print_diagnostic(warning)
    report = make_review(plan, file)
    changes: list[str] = []
    new_audience, modeline, model = None, None, None
    if show is not None:
        from lqplan.load import read_text
        from lqplan.pipeline import load_and_validate

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
        from lqplan.cli_learn import _write_model
        from lqplan.learning import model_text

        _write_model(write_model, model_text(model), force)
        written.append(write_model)
    _print_written(written)
