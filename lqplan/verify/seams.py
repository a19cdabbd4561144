"""The rules across a replan's cut, which neither half's check sees (the checker's reading).

Encore gaps, back to back, flash-sale spacing and lucky-bag cadence between the last segment of
the past and the first of the rest, read from plan.json in plain Python like the checker.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from lqplan.show.validate import ShowInputs


def seam_violations(plan: dict[str, Any], inputs: ShowInputs, cut: int) -> list[str]:
    """Rules across the cut, which neither half's checker sees: encore gaps, back to back,
    flash-sale spacing and lucky-bag cadence between the last of the past and the first of the
    rest. Plain Python on plan.json, like the checker."""
    rules = inputs.show.rules
    segments = sorted(plan["segments"], key=lambda s: s["start_minute"])
    out = []
    repeats = {r.sku: r for r in rules.repeats}
    by_sku: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seg in segments:
        by_sku[seg["sku"]].append(seg)
    for sku, airings in by_sku.items():
        for a, b in itertools.pairwise(airings):
            if b["start_minute"] < cut or a["start_minute"] >= cut:
                continue
            gap = b["start_minute"] - a["start_minute"] - a["minutes"]
            rule = repeats.get(sku)
            if rule is None:
                out.append(f"{sku} airs again at {b['start']} after airing at {a['start']}")
            elif gap < rule.min_gap_minutes:
                out.append(f"{rule.rule_id}: {sku} again {gap} min after {a['start']}")
    for a, b in itertools.pairwise(segments):
        adjacent = a["start_minute"] + a["minutes"] == b["start_minute"]
        if a["start_minute"] < cut <= b["start_minute"] and adjacent:
            b2b = rules.no_back_to_back
            if (b2b.category and a["category"] == b["category"]) or (
                b2b.brand and a["brand"] and a["brand"] == b["brand"]
            ):
                out.append(f"{rules.no_back_to_back.id}: {a['sku']} and {b['sku']} at {b['start']}")
    flash = [s["start_minute"] for s in segments if s["mode"] == "flash_sale"]
    for a, b in itertools.pairwise(flash):
        if a < cut <= b and b - a < rules.flash_sale_spacing.min_gap_minutes:
            out.append(f"{rules.flash_sale_spacing.id}: flash sales {b - a} min apart")
    drops = sorted(d["minute"] for d in plan["lucky_bags"])
    for a, b in itertools.pairwise(drops):
        if a < cut <= b and b - a < rules.lucky_bag_cadence.min_gap_minutes:
            out.append(f"{rules.lucky_bag_cadence.id}: lucky bags {b - a} min apart")
    return out
