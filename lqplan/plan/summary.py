"""The terminal summary of a plan (rich): timeline, totals, forecast band, stock use, solver
report.

Reads only the plan dict, like every other renderer; a plan without `totals.band` (written by an
older lqplan) shows no band. Product names come from user files, so
every cell is plain `Text` (rich markup in a name is printed literally, never interpreted).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from lqplan.money import TERMINAL_SYMBOLS, money
from lqplan.words import counted

# The summary's money: whole units, and only the symbols the terminal has always known.
_money = partial(money, whole=True, symbols=TERMINAL_SYMBOLS)


def timeline_table(plan: dict[str, Any], width: int = 120) -> Table:
    """The run-of-show; on a narrow terminal the role and units columns make room."""
    show = plan["show"]
    cur = show["currency"]
    narrow = width < 110
    table = Table(
        title=Text(f"{show['title']} · {show['date']} {show['start']}–{show['end']}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns: list[tuple[str, JustifyMethod]] = [
        ("#", "right"),
        ("start", "left"),
        ("min", "right"),
        ("product", "left"),
        ("role", "left"),
        ("promotion", "left"),
        ("units", "right"),
        ("GMV", "right"),
        ("profit", "right"),
    ]
    if narrow:
        columns = [c for c in columns if c[0] not in ("role", "units")]
    for name, justify in columns:
        wide = name == "product"
        table.add_column(
            name,
            justify=justify,
            no_wrap=True,
            overflow="ellipsis",
            min_width=14 if wide else None,
            max_width=max(14, width - 60) if wide else None,
        )
    rows = [(s["start_minute"], 1, s) for s in plan["segments"]]
    rows += [(b["minute"], 0, b) for b in plan["breaks"]]
    for _minute, is_segment, item in sorted(rows, key=lambda r: (r[0], r[1])):
        if not is_segment:
            label = Text(f"break {item['label'] or ''}".strip())
            gap = ["", item["at"], str(item["minutes"]), label] + [""] * (len(columns) - 4)
            table.add_row(*gap, style="dim")
            continue
        promo = item["promotion"] or ""
        if item["mode"] != "normal":
            promo = f"{item['mode'].replace('_sale', '')} {promo}".strip()
        link = f"#{item['cart_link']} " if item.get("cart_link") else ""
        encore = " (encore)" if item["phase"] == "encore" else ""
        e = item["expected"]
        cells = {
            "#": str(item["number"]),
            "start": item["start"],
            "min": str(item["minutes"]),
            "product": Text(f"{link}{item['sku']} {item['name']}{encore}"),
            "role": item["role"],
            "promotion": Text(promo),
            "units": f"{e['units']:,.0f}",
            "GMV": _money(e["gmv"], cur),
            "profit": _money(e["profit"], cur),
        }
        table.add_row(
            *(cells[name] for name, _ in columns), style="bold" if item["role"] == "hero" else None
        )
    return table


def totals_text(plan: dict[str, Any]) -> Text:
    """Totals, forecast band, robust comparison, lucky bags and the solver's report, as lines."""
    t, s, cur = plan["totals"], plan["solver"], plan["show"]["currency"]
    bags = plan["lucky_bags"]
    lines = [
        f"{counted(t['segments'], 'segment')} · {t['units']:,.0f} units · "
        f"GMV {_money(t['gmv'], cur)} · "
        f"profit {_money(t['profit'], cur)} · objective {plan['show']['objective']}",
    ]
    band = band_text(plan)
    if band:
        lines.append(band)
    robust = robust_text(plan)
    if robust:
        lines.append(robust)
    if bags:
        lines.append(f"lucky bags at {', '.join(b['at'] for b in bags)}")
    for cost in s.get("rule_costs") or []:
        about = "" if cost["proven"] else "about "
        lines.append(
            f"{cost['rule']} costs {about}{_money(cost['cost_cents'] / 100, cur)} of profit "
            f"(a plan without it: {_money(cost['without_cents'] / 100, cur)})"
        )
    gap = "n/a" if s["gap_percent"] is None else f"{s['gap_percent']:.2f}%"
    seconds = "" if s["seconds"] is None else f" in {s['seconds']:.1f} s"
    lines.append(
        f"solver: {s['status']}{seconds} · gap to bound {gap} · {s['model']['options']:,} options"
    )
    base = plan.get("baseline") or {}
    if s.get("uplift_percent") is not None:
        lines.append(f"uplift over the greedy hand-made plan: {s['uplift_percent']:+.1f}%")
    elif base and not base.get("feasible"):
        # Say what was tried: the strategies and the repair (plan/repair.py) both failed.
        lines.append(
            "greedy baseline: could not fill the show, even after repairing it by hand "
            "(no uplift to report)"
        )
    elif base:
        # A complete baseline worth nothing or less: a percentage of it would mean nothing.
        lines.append(
            "uplift over the greedy hand-made plan: n/a (the hand-made plan is worth "
            f"{_money(base['value_cents'], plan['show']['currency'], cents=True)}, not above 0)"
        )
    return Text("\n".join(lines))


def robust_text(plan: dict[str, Any]) -> str | None:
    """Under --robust: this plan and the point-estimate plan, side by side."""
    robust, cur = plan.get("robust"), plan["show"]["currency"]
    if not robust or "point_plan" not in robust:
        return None
    rows = []
    for key, label in (("robust_plan", "robust plan"), ("point_plan", "point plan ")):
        p = robust[key]
        gmv = p["band"]["gmv"]
        rows.append(
            f"  {label}: value {_money(p['value_cents'], cur, cents=True)} at the point estimate, "
            f"{_money(p['mean_value_cents'], cur, cents=True)} on average over "
            f"{robust['draws']} markets · GMV P10–P90 {_money(gmv['p10'], cur)}–"
            f"{_money(gmv['p90'], cur)}"
        )
    return "robust planning (--robust):\n" + "\n".join(rows)


def band_text(plan: dict[str, Any]) -> str | None:
    """'P10–P90: GMV $1,281–$6,306 · profit $743–$3,665' and, below it, where the 80 % band comes
    from; None for a plan without a band."""
    band, cur = plan["totals"].get("band"), plan["show"]["currency"]
    if not band:
        return None
    ranges = [
        f"{label} {_money(band[key]['p10'], cur)}–{_money(band[key]['p90'], cur)}"
        for key, label in (("gmv", "GMV"), ("profit", "profit"))
        if band.get(key)
    ]
    if not ranges:
        return None
    level = f"{float(band.get('level', 0.8)) * 100:g} % band"
    if band.get("source") == "model":
        model = (plan.get("demand") or {}).get("model") or {}
        source = f"{level}, model {model['id']}" if model.get("id") else f"{level}, fitted model"
    else:
        source = (
            f"{level} from the default uncertainty of hand-set coefficients — "
            "`lqplan learn` narrows it"
        )
    return f"P10–P90: {' · '.join(ranges)}\n  {source}"


def stock_table(plan: dict[str, Any], limit: int = 8) -> Table:
    """The products that use the largest share of their stock."""
    table = Table(
        title="stock use (largest share first)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("sku", "available", "planned", "left", "used"):
        table.add_column(name, justify="left" if name == "sku" else "right")
    rows = sorted(
        plan["stock_use"],
        key=lambda r: (-(r["planned_units"] / r["available"]) if r["available"] else 0, r["sku"]),
    )
    for row in rows[:limit]:
        share = row["planned_units"] / row["available"] if row["available"] else 0
        table.add_row(
            Text(row["sku"]),
            f"{row['available']:,}",
            f"{row['planned_units']:,.0f}",
            f"{row['remaining']:,.0f}",
            f"{share:.0%}",
            style="yellow" if share > 0.9 else None,
        )
    return table


def unused_text(plan: dict[str, Any]) -> Text | None:
    """The promotions the plan leaves out, one line each with its reason (None: all used)."""
    entries = plan.get("unused_promotions") or []
    if not entries:
        return None
    from lqplan.render.actions import unused_promotion_text

    lines = Text("Promotions not used:", style="bold yellow")
    for entry in entries:
        lines.append("\n  • " + unused_promotion_text(entry, plan, "en"), style="yellow")
    return lines


def print_summary(console: Console, plan: dict[str, Any]) -> None:
    """The whole summary: timeline, totals, promotions left out and stock use, fitted to the
    console's width."""
    parts: list[RenderableType] = [timeline_table(plan, console.width), totals_text(plan)]
    unused = unused_text(plan)
    if unused is not None:
        parts.append(unused)
    console.print(Group(*parts, stock_table(plan)))
