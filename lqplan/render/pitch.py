"""One row per pitch: back-to-back airings of the same product are one segment in the paperwork.

A repeat rule with a gap of 0 lets a product go on air again the minute it comes off; the plan
keeps each airing (each its own figures, checked on its own), and marks one that goes on from
the segment before with `continues`. The viewer, the host and the control room see one pitch,
so the run sheet, the host script and the checklists show it as one row: from the first
airing's start to the last one's end, with the figures summed. Airings in different modes (the
gift announced half-way) stay rows of their own: the change is something the team must do.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

__all__ = ["one_row_per_pitch"]

# The expected figures a pitch sums over its airings (the rest are the first airing's).
SUMMED = ("units", "promotion_units", "gmv", "profit", "pull_value", "value_cents")


def one_row_per_pitch(segments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The segments with every airing that continues the one before it in the same mode folded
    into it; a folded segment gets `label` "first–last" (its numbers in plan.json)."""
    out: list[dict[str, Any]] = []
    last_number: int | None = None
    for seg in segments:
        before = out[-1] if out else None
        if (
            before is not None
            and seg.get("continues") is not None
            and seg["continues"] == last_number
            and seg["sku"] == before["sku"]
            and seg.get("mode") == before.get("mode")
            and seg.get("promotion") == before.get("promotion")
        ):
            _fold(before, seg)
        else:
            out.append(copy.deepcopy(seg))
        last_number = seg["number"]
    return out


def _fold(pitch: dict[str, Any], seg: dict[str, Any]) -> None:
    """Add airing `seg` to the end of `pitch`."""
    pitch["label"] = f"{pitch['number']}–{seg['number']}"
    pitch["end"] = seg["end"]
    pitch["minutes"] += seg["minutes"]
    pitch["actions"] = [*pitch.get("actions", []), *copy.deepcopy(seg.get("actions", []))]
    pitch["hosts"] = [
        *pitch.get("hosts", []),
        *(h for h in seg.get("hosts", []) if h not in pitch.get("hosts", [])),
    ]
    pitch["stock"] = {**pitch.get("stock", {}), "after": (seg.get("stock") or {}).get("after")}
    mine, theirs = pitch.setdefault("expected", {}), seg.get("expected") or {}
    for key in SUMMED:
        if isinstance(mine.get(key), int | float) and isinstance(theirs.get(key), int | float):
            mine[key] = round(mine[key] + theirs[key], 2)
    # Quantiles of one product's airings move together (they share its coefficients' draws),
    # so the pitch's band is the sum of theirs: exact when they move as one, a little wide else.
    band, other = mine.get("band"), theirs.get("band")
    if band and other:
        for key, quantiles in band.items():
            extra = other.get(key)
            if isinstance(quantiles, dict) and isinstance(extra, dict):
                for q, value in quantiles.items():
                    if isinstance(value, int | float) and isinstance(extra.get(q), int | float):
                        quantiles[q] = round(value + extra[q], 2)
    elif band:
        del mine["band"]  # one airing without a band: the pitch has none rather than half of one
