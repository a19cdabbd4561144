"""Commands during the show and its rehearsal: replan, the live cue view, simulate."""

# No `from __future__ import annotations`: see lqplan/cli/app.py.

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from lqplan.cli.app import (
    SPEED_MAX,
    DeterministicOption,
    ForceOption,
    LangOption,
    MarketSeedOption,
    ModelOption,
    OldShowOption,
    PlanArg,
    SeedOption,
    ShowLangOption,
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
    err,
    make_console,
    one_input,
    read_plan_file,
    show_language,
    write_data,
)
from lqplan.errors import (
    LqplanError,
    UsageError,
    display_path,
)
from lqplan.words import counted


@app.command()
@_guard
def replan(
    plan_file: PlanArg,
    show_arg: Annotated[
        Path | None,
        typer.Argument(
            metavar="SHOW", help="The show's folder, or its show.yaml.", show_default=False
        ),
    ] = None,
    actuals_arg: Annotated[
        Path | None,
        typer.Argument(
            metavar="ACTUALS",
            help="What aired so far: an ACTUALS file, YAML or CSV (docs/actuals.md).",
            show_default=False,
        ),
    ] = None,
    show_option: OldShowOption = None,
    actuals_option: Annotated[Path | None, typer.Option("--actuals", hidden=True)] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Replan from this time (HH:MM); default: the actuals' `at`."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder (default: replan-HHMM by the plan)."),
    ] = None,
    time_limit: TimeLimitOption = 2.0,
    seed: SeedOption = 0,
    workers: WorkersOption = 0,
    deterministic: DeterministicOption = False,
    lang: LangOption = None,
    templates: TemplatesOption = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Write the new plan.json to stdout (files only with -o)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No change list on stderr.")] = False,
    force: ForceOption = False,
    model: ModelOption = None,
) -> None:
    """Re-optimise the rest of the show from what aired so far.

    The past is frozen, the stock left is used, viewers and conversion are rescaled; the new
    plan and paperwork are written and the changes printed. `--show SHOW --actuals ACTUALS`,
    the older spelling, still works."""
    from lqplan.io.write import write_files
    from lqplan.learning import inputs_for_plan
    from lqplan.live.actuals import check_actuals, read_actuals
    from lqplan.live.replan import replan as replan_show
    from lqplan.pipeline import documents, plan_json, prepare, templates_folder
    from lqplan.plan.result import SolveSettings
    from lqplan.show.model import parse_clock

    show = one_input("SHOW", show_arg, "--show", show_option)
    actuals = one_input("ACTUALS", actuals_arg, "--actuals", actuals_option)
    old = read_plan_file(plan_file)
    if not actuals.is_file():
        raise UsageError(f"{display_path(actuals)}: no such file")
    inputs, findings = prepare(show)
    inputs = inputs_for_plan(inputs, old, model)  # the model the plan was made with, if any
    file = read_actuals(actuals)
    when = at if at is not None else file.actuals.at
    if when is None:
        raise UsageError("give --at HH:MM (the actuals have no `at`)")
    try:
        minute = inputs.show.offset(parse_clock(when) if isinstance(when, str) else when)
    except ValueError:
        raise UsageError(f"--at {when!r}: give a clock time HH:MM") from None
    if not 0 < minute < inputs.show.minutes:
        raise UsageError(
            f"--at {inputs.show.clock(minute)} is not inside the show "
            f"({inputs.show.clock(0)}–{inputs.show.clock(inputs.show.minutes)})"
        )
    for warning in check_actuals(file, inputs, minute):
        _print_diagnostic(warning)
    settings = SolveSettings(
        time_limit=time_limit, seed=seed, workers=workers, deterministic=deterministic
    )
    folder_templates = templates_folder(inputs, templates)

    def run(rest_inputs: Any, settings: Any, progress: Any, compliance: Any) -> Any:
        return replan_show(old, inputs, file, minute, settings, compliance, progress)

    result = _solve_with_progress(inputs, settings, run, quiet, findings)
    if not result.rest.check.ok:
        problems = "; ".join(v.message for v in result.rest.check.violations[:3])
        raise LqplanError(
            f"the new plan failed the independent check (a bug in lqplan, please report it): "
            f"{problems}"
        )
    if not quiet:
        print_replan(result)
    if as_json:
        write_data(plan_json(result.plan))
        if output is None:
            return
    files = documents(result.plan, lang=lang.value if lang else None, templates=folder_templates)
    clock = inputs.show.clock(result.past.cut).replace(":", "")
    folder = output or plan_file.parent / f"replan-{clock}"
    written = write_files(files, folder, force=force, prune=True)
    if not quiet:
        _print_written(written)


def print_replan(result: Any) -> None:
    """The change list of a replan on stderr: what happened to the rules, what moved, the value."""
    plan, section = result.plan, result.plan["replan"]
    currency = plan["show"]["currency"]
    nudged = ", ".join(
        f"{n['category']} ×{n['factor']:.2f}" for n in section["conversion"] if n["factor"] != 1
    )
    err.print(
        Text(
            f"replan at {section['at']}: the rest of the show from {section['cut']} · viewers "
            f"{section['viewer_ratio']:.0%} of plan" + (f" · conversion {nudged}" if nudged else "")
        )
    )
    for note in section["notes"]:
        err.print(Text(f"note: {note}"), style="yellow")
    colours = {"met": "green", "used": "green", "missed": "yellow", "adjusted": "cyan"}
    for change in section["rules"]:
        status = change["past"] or change["status"]  # dropped because settled: say how
        colour = colours.get(status, "red")
        err.print(
            f"  [{colour}]{status:<8}[/{colour}] {escape(change['rule'])}: "
            f"{escape(change['reason'])}"
        )
    bags = section["lucky_bags"]
    if result.segment_changes:
        err.print(changes_table(result.segment_changes, currency, "changes to the rest"))
    elif not bags:
        err.print("no changes to the rest of the show")
    for bag in bags:  # a bag moved is one dropped and one added (diff's own words)
        err.print(Text(f"lucky bag {bag['id']} {bag['kind']} at {bag['at']}"))
    for p in section["promotions"]:
        err.print(
            Text(f"promotion {p['promotion']} {p['kind']}: {', '.join(p['a']) or '—'} → "
                 f"{', '.join(p['b']) or '—'}")
        )  # fmt: skip
    value = section["value"]
    err.print(
        f"expected value of the rest: {change_money(value['old_rest_cents'], currency)} → "
        f"{change_money(value['new_rest_cents'], currency)} "
        f"({change_money(value['change_cents'], currency, sign='+')}); the old plan's rest now: "
        f"{change_money(value['old_rest_now_cents'], currency)}, so replanning gains "
        f"{change_money(value['gain_cents'], currency, sign='+')}"
    )
    solver = plan["solver"]
    gap = "n/a" if solver["gap_percent"] is None else f"{solver['gap_percent']:.2f}%"
    seconds = "" if solver["seconds"] is None else f" in {solver['seconds']:.1f} s"
    err.print(f"solver: {solver['status']}{seconds} · gap to bound {gap}")


@app.command()
@_guard
def live(
    plan_file: PlanArg,
    at: Annotated[
        str | None, typer.Option(help="Start the clock at this time (HH:MM), for rehearsal.")
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.01,
            max=SPEED_MAX,
            help="Clock speed: 60 makes a show minute pass per second (0.01 to 3600).",
        ),
    ] = 1.0,
    lang: ShowLangOption = None,
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
    seed: MarketSeedOption = 0,
) -> None:
    """Show the control room's full-screen cue view.

    Now, next, talking points and the next actions, in a terminal; keys d (done early),
    l (running late), q (quit)."""
    import time
    from datetime import datetime

    from lqplan.live.cue import LiveClock, check_record_target, run_live
    from lqplan.show.model import parse_clock

    if record is not None and record.suffix.lower() == ".csv":
        raise UsageError(f"--record {display_path(record)}: the record is YAML; name a .yaml file")
    plan = read_plan_file(plan_file)
    if record is not None:
        check_record_target(record)
    show = plan["show"]
    if at is not None:
        try:
            start_minute = float((parse_clock(at) - parse_clock(show["start"])) % 1440)
        except ValueError:
            raise UsageError(f"--at {at!r}: give a clock time HH:MM") from None
    else:
        begin = datetime.fromisoformat(f"{show['date']}T{show['start']}")
        start_minute = (datetime.now() - begin).total_seconds() / 60
    keys = _keys()  # a terminal, before the work of a market or the view
    market = None
    if simulate is not None:
        from lqplan.learning import simulate as play

        market_files = market_inputs(simulate, market_show)
        market = play(plan, market_files, seed=seed)
    console = make_console(stderr=True, soft_wrap=False)
    clock = LiveClock(start_minute, time.monotonic(), speed)
    with keys as read_key:
        marks = run_live(
            plan,
            clock,
            show_language(plan, lang),
            None if market is not None else record,
            console,
            read_key,
            time.monotonic,
            market=market,
        )
    if record is not None and market is not None:
        # A rehearsal's record is the market's show up to the quit: replan can start from it.
        from lqplan.io.write import atomic_write
        from lqplan.learning import actuals_text

        until = min(max(1, int(clock.minute(time.monotonic()))), int(show["minutes"]))
        sofar = play(plan, market_files, seed=seed, until=until)
        atomic_write(record, actuals_text(sofar).encode("utf-8"))
        _print_written([record])
    elif record is not None and marks:
        _print_written([record])


class _keys:
    """Single key presses without Enter (cbreak mode) from the terminal on stdin. Made before
    the view starts, so that a missing terminal is one clear error (exit 2), not a traceback or
    a view drawn into a pipe."""

    def __init__(self) -> None:
        try:
            import termios  # noqa: F401  (POSIX only: not on Windows)
        except ImportError:
            raise UsageError(
                "lqplan live needs a POSIX terminal (termios), which this system lacks: run it "
                "in a Linux or macOS terminal (on Windows, under WSL)"
            ) from None
        # The streams themselves, not rich's view of them (FORCE_COLOR makes rich call a pipe a
        # terminal).
        if not (_isatty(sys.stdin) and _isatty(sys.stderr)):
            raise UsageError(
                "lqplan live needs a terminal: it draws a full-screen view on stderr and reads "
                "keys from stdin; run it in a terminal, not with either redirected"
            )

    def __enter__(self) -> Any:
        import select
        import termios
        import tty

        fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

        def read(timeout: float) -> str | None:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return None

            return os.read(fd, 1).decode("utf-8", "ignore") or "q"

        return read

    def __exit__(self, *exc: object) -> None:
        saved = getattr(self, "saved", None)  # None when cbreak mode was never set
        if saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)


def _isatty(stream: Any) -> bool:
    """Whether `stream` is a terminal (False for a stream that cannot say, as under a test)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


@app.command()
@_guard
def simulate(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the ACTUALS file here (YAML).")
    ],
    market_arg: Annotated[
        Path | None,
        typer.Argument(
            metavar="MARKET",
            help="The market: a show folder (its files' coefficients), or with --show a MODEL "
            "file applied to that show's files.",
            show_default=False,
        ),
    ] = None,
    market_option: Annotated[Path | None, typer.Option("--market", hidden=True)] = None,
    show: Annotated[
        Path | None, typer.Option(help="The show whose files a MODEL market corrects.")
    ] = None,
    seed: MarketSeedOption = 0,
    at: Annotated[
        str | None, typer.Option(help="Stop at this clock time HH:MM (default: the end).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Play a plan out in a simulated market.

    Poisson sales per minute, with stock and promotion caps, written as the ACTUALS that
    replan, review and learn read; the same seed gives the same file. `--market MARKET`, the
    older spelling, still works."""
    from lqplan.io.write import write_files
    from lqplan.learning import actuals_text
    from lqplan.learning import simulate as play
    from lqplan.show.model import parse_clock

    market = one_input("MARKET", market_arg, "--market", market_option)
    plan = read_plan_file(plan_file)
    inputs = market_inputs(market, show)
    until = None
    if at is not None:
        try:
            until = inputs.show.offset(parse_clock(at))
        except (TypeError, ValueError):
            raise UsageError(f"--at {at!r}: expected a clock time HH:MM") from None
    actuals = play(plan, inputs, seed=seed, until=until)
    written = write_files(
        {output.name: actuals_text(actuals)}, output.parent, force=force, manifest=False
    )
    if not quiet:
        currency = plan["show"]["currency"]
        err.print(
            f"simulated {counted(len(actuals['segments']), 'segment')}: "
            f"{actuals['orders']:,} units, "
            f"GMV {actuals['gmv']:,.2f} {currency} (the plan expected "
            f"{plan['totals']['gmv']:,.2f})"
        )
        _print_written(written)


def market_inputs(market: Path, show: Path | None) -> Any:
    """A market's inputs: a show folder's files, or a MODEL applied to --show's files."""
    from lqplan.learning import with_model
    from lqplan.pipeline import load_and_validate

    if market.is_file() and market.suffix.lower() == ".json":
        if show is None:
            raise UsageError("a MODEL market needs --show SHOW (the files it corrects)")
        return with_model(load_and_validate(show), market)
    if show is not None:
        raise UsageError("--show goes with a MODEL market; --market is a show folder here")
    if not market.exists():
        raise UsageError(f"{display_path(market)}: no such show folder or model file")
    return load_and_validate(market)
