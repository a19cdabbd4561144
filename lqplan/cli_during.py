"""Commands for during the show (replan from actuals, diff plans): registered on lqplan's app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lqplan.cli import (
    DeterministicOption,
    LangOption,
    ModelOption,
    SeedOption,
    TemplatesOption,
    WorkersOption,
    _guard,
    _print_diagnostic,
    _print_written,
    _solve_with_progress,
    app,
    err,
    read_plan_file,
)
from lqplan.errors import LqplanError, UsageError, display_path

PlanArg = Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")]


@app.command()
@_guard
def replan(
    plan_file: PlanArg,
    actuals: Annotated[
        Path,
        typer.Option(help="What aired so far: an ACTUALS file, YAML or CSV (docs/actuals.md)."),
    ],
    show: Annotated[Path, typer.Option(help="The show's folder, or its show.yaml.")],
    at: Annotated[
        str | None,
        typer.Option(help="Replan from this time (HH:MM); default: the actuals' `at`."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder (default: replan-HHMM by the plan)."),
    ] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Solver time limit in seconds.")] = 2.0,
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
    force: Annotated[bool, typer.Option(help="Overwrite files lqplan did not write.")] = False,
    model: ModelOption = None,
) -> None:
    """Re-optimise the rest of the show from what aired so far: freeze the past, use the stock
    left, rescale viewers and conversion; write the new plan and paperwork, print the changes."""
    from lqplan.actuals import check_actuals, read_actuals
    from lqplan.learning import inputs_for_plan
    from lqplan.model import parse_clock
    from lqplan.pipeline import documents, plan_json, prepare, templates_folder
    from lqplan.replan import replan as replan_show
    from lqplan.result import SolveSettings
    from lqplan.write import write_files

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
        sys.stdout.write(plan_json(result.plan))
        if output is None:
            return
    files = documents(result.plan, lang=lang.value if lang else None, templates=folder_templates)
    clock = inputs.show.clock(result.past.cut).replace(":", "")
    folder = output or plan_file.parent / f"replan-{clock}"
    written = write_files(files, folder, force=force)
    if not quiet:
        _print_written(written)


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
    """Segment-by-segment differences between two plans (moved, dropped, added, length or
    promotion changed) and the change in expected value."""
    from lqplan.diff import diff_json, diff_plans

    plan_a, plan_b = read_plan_file(a), read_plan_file(b)
    result = diff_plans(plan_a, plan_b)
    if as_json:
        sys.stdout.write(json.dumps(diff_json(result), ensure_ascii=False, indent=2) + "\n")
    else:
        print_diff(result, plan_b["show"].get("currency", ""))
        verdict = "[green]equal[/green]" if result.equal else "[yellow]differ[/yellow]"
        err.print(f"{escape(display_path(a))} and {escape(display_path(b))}: {verdict}")
    if check and not result.equal:
        raise typer.Exit(4)


# --- printing ------------------------------------------------------------------------------------


def _money(cents: float | None, currency: str) -> str:
    if cents is None:
        return "n/a"
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(currency, "")
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{abs(cents) / 100:,.0f}"


def _signed(cents: float, currency: str) -> str:
    return ("+" if cents > 0 else "") + _money(cents, currency)


def _where(ref: Any) -> str:
    """'21:40 10m flash fs-ampoule': start, length, promotion (nothing at the live price)."""
    if ref is None:
        return ""
    offer = f" {ref.mode.replace('_sale', '')} {ref.promotion}" if ref.promotion else ""
    return f"{ref.start} {ref.minutes}m{offer}"


def changes_table(changes: Any, currency: str, title: str) -> Table:
    """Segment changes: kind, product, before, after, change in value (and why, when known)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("change", no_wrap=True, min_width=13)
    table.add_column("product", no_wrap=True, overflow="ellipsis", max_width=22)
    for name in ("before", "after"):  # what gives way on a narrow terminal
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("value", justify="right", no_wrap=True, min_width=9)
    for c in changes:
        product = f"{c.sku}" + (f" (airing {c.airing})" if c.airing > 1 else "")
        after = Text(_where(c.b) if c.b else (c.note or ""))
        table.add_row(
            ", ".join(k.replace("_changed", "") for k in c.kinds),
            Text(product),
            Text(_where(c.a)),
            after,
            _signed(c.value_change_cents, currency),
            style="dim" if c.kinds == ("dropped",) else None,
        )
    return table


def print_diff(result: Any, currency: str) -> None:
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
            f"value {_money(value['a'], currency)} → {_money(value['b'], currency)} "
            f"({_signed(value['change'], currency)})"
            + (
                f" · GMV {_signed((gmv.get('change') or 0) * 100, currency)}"
                f" · profit {_signed((profit.get('change') or 0) * 100, currency)}"
            )
        )


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
    if result.segment_changes:
        err.print(changes_table(result.segment_changes, currency, "changes to the rest"))
    else:
        err.print("no changes to the rest of the show")
    for p in section["promotions"]:
        err.print(
            Text(f"promotion {p['promotion']} {p['kind']}: {', '.join(p['a']) or '—'} → "
                 f"{', '.join(p['b']) or '—'}")
        )  # fmt: skip
    value = section["value"]
    err.print(
        f"expected value of the rest: {_money(value['old_rest_cents'], currency)} → "
        f"{_money(value['new_rest_cents'], currency)} "
        f"({_signed(value['change_cents'], currency)}); the old plan's rest now: "
        f"{_money(value['old_rest_now_cents'], currency)}, so replanning gains "
        f"{_signed(value['gain_cents'], currency)}"
    )
    solver = plan["solver"]
    gap = "n/a" if solver["gap_percent"] is None else f"{solver['gap_percent']:.2f}%"
    seconds = "" if solver["seconds"] is None else f" in {solver['seconds']:.1f} s"
    err.print(f"solver: {solver['status']}{seconds} · gap to bound {gap}")
