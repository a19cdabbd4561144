"""Commands that learn from the room's past shows and rehearse plans: learn and simulate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lqplan.cli import _guard, _print_written, app, err, read_plan_file
from lqplan.errors import Diagnostic, InputError, RefusedError, UsageError, display_path


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
    strict: Annotated[bool, typer.Option(help="Exit 1 when any past show cannot be used.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the MODEL to stdout and nothing else.")
    ] = False,
    deterministic: Annotated[
        bool, typer.Option(help="Leave the fit's wall time out: byte-identical reruns.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No report on stderr.")] = False,
    force: Annotated[
        bool, typer.Option(help="Overwrite an existing file that is not an lqplan model.")
    ] = False,
) -> None:
    """Fit the room's demand (a pooled Poisson regression) to its past shows and write the
    MODEL that lqplan plan --model uses; report what moved and the forecast accuracy."""
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
        sys.stdout.write(text)
    if output is not None:
        _write_model(output, text, force)
        if not quiet:
            _print_written([output])


def _write_model(path: Path, text: str, force: bool) -> None:
    """Write the MODEL atomically. An existing file is replaced when it is an lqplan model
    (learn is rerun after every show); anything else needs --force."""
    from lqplan.write import write_files

    if path.exists() and not force:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            ours = isinstance(data, dict) and str(data.get("schema", "")).startswith(
                "lqplan.model/"
            )
        except (OSError, UnicodeDecodeError, ValueError):
            ours = False
        if not ours:
            raise RefusedError(
                f"{display_path(path)} exists and is not an lqplan model: refusing to overwrite "
                "it (use --force)"
            )
    if path.is_dir():
        raise UsageError(f"{display_path(path)} is a folder: -o names the MODEL file")
    write_files({path.name: text}, path.parent, force=True, manifest=False)


@app.command()
@_guard
def simulate(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")
    ],
    market: Annotated[
        Path,
        typer.Option(
            "--market",
            help="The market: a show folder (its files' coefficients), or with --show a MODEL "
            "file applied to that show's files.",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the ACTUALS file here (YAML).")
    ],
    show: Annotated[
        Path | None, typer.Option(help="The show whose files a MODEL market corrects.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the market's noise.")] = 0,
    at: Annotated[
        str | None, typer.Option(help="Stop at this clock time HH:MM (default: the end).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Play a plan out in a market (Poisson sales per minute, stock and promotion caps): write
    the ACTUALS that replan, review and learn read. The same seed gives the same file."""
    from lqplan.learning import actuals_text
    from lqplan.learning import simulate as play
    from lqplan.model import parse_clock
    from lqplan.write import write_files

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
            f"simulated {len(actuals['segments'])} segment(s): {actuals['orders']:,} units, "
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
