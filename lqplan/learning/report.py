"""What `lqplan learn` says on stderr: what moved most, how sure, and how well it forecasts."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lqplan.words import counted

TOP = 12  # coefficients shown


def moved(data: dict[str, Any], top: int = TOP) -> list[dict[str, Any]]:
    """The corrections that moved furthest from the files, products included, largest first."""
    rows = [
        {**c, "kind": "coefficient"}
        for c in data["coefficients"]
        if c["family"] not in ("product",) and c["estimate"] != 0
    ]
    for sku, p in data["products"].items():
        rows.append(
            {
                "name": f"product {sku} (all)",
                "estimate": p["log_factor"],
                "se": p["se"],
                "shows": p["shows"],
                "identifiable": p["se"] < 0.5,
                "kind": "product",
            }
        )
    rows.sort(key=lambda r: (-abs(r["estimate"]), r["name"]))
    return rows[:top]


def print_report(console: Console, data: dict[str, Any]) -> None:
    """What `lqplan learn` prints: the history fitted, the corrections that moved most, the
    viewer curve and the leave-one-show-out accuracy."""
    history = data["history"]
    diag = data["diagnostics"]
    minutes = sum(h["minutes"] for h in history)
    console.print(
        f"learned from {counted(len(history), 'show')}, {minutes:,} minutes on air "
        f"({diag['observations']:,} rows, {diag['censored']:,} censored after a stock-out); "
        f"model {data['id']}"
    )
    if diag["fallback"]:
        console.print(
            f"[yellow]warning:[/yellow] {escape(diag['fallback_reason'] or '')}: the model keeps "
            "the files' coefficients (every correction 0)"
        )
    table = Table(title="what moved most from the files (× factor, 80 % interval)", box=None)
    for column in ("coefficient", "×", "80 % interval", "shows", ""):
        table.add_column(column, justify="left" if column == "coefficient" else "right")
    for row in moved(data):
        low, high = (math.exp(row["estimate"] + s * 1.2816 * row["se"]) for s in (-1, 1))
        table.add_row(
            escape(row["name"]),
            f"{math.exp(row['estimate']):.3f}",
            f"{low:.2f}–{high:.2f}",
            str(row["shows"]),
            "" if row["identifiable"] else "weak",
        )
    console.print(table)
    curve = data.get("viewer_curve")
    if curve:
        console.print(
            f"viewer curve: {len(curve['points'])} points from {counted(curve['shows'], 'show')}, "
            f"recent level {curve['level']:,.0f} (show-to-show ±{curve['level_sd'] * 100:.0f} %)"
        )
    else:
        console.print("viewer curve: no viewer readings in the history; the files' curve stands")
    acc = diag.get("accuracy")
    if acc:
        coverage = (
            f"{acc['band_coverage_percent']:.0f} % inside the 80 % band"
            if acc["band_coverage_percent"] is not None
            else "no band"
        )
        console.print(
            f"leave-one-show-out ({counted(acc['shows'], 'show')}, "
            f"{counted(acc['segments'], 'segment')}): total GMV "
            f"{acc['gmv_bias_percent']:+.1f} %, segment WAPE {acc['segment_wape_percent']:.1f} %, "
            f"{coverage}; the files' model: {acc['prior_gmv_bias_percent']:+.1f} %, WAPE "
            f"{acc['prior_segment_wape_percent']:.1f} %"
        )
    else:
        console.print("leave-one-show-out: needs two shows or more")
    for warning in diag["warnings"]:
        console.print(f"warning: {escape(warning)}")
