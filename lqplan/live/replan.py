"""Replan from actuals: freeze what aired, re-optimise the rest of the show, stitch one plan.

    file = read_actuals(path); check_actuals(file, inputs, at)
    result = replan(old_plan, inputs, file, at, SolveSettings(time_limit=2))
    result.plan        # plan.json: the frozen past and the new rest, with a `replan` section

The stages (docs/actuals.md): `past.read_past` turns the actuals into minutes of the show;
`rest.rest_of_show` builds the rest of the show as a show of its own, so that
`pipeline.plan_show` plans it and the independent checker verifies it like any show;
`stitch.stitch` puts the past and the new rest back into one plan.json. This module runs them
and says what changed against the old plan.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from lqplan.errors import Diagnostic, LqplanError
from lqplan.live.actuals import ActualsFile
from lqplan.live.past import Past, read_past
from lqplan.live.rest import Rest, RuleChange, rest_of_show
from lqplan.live.stitch import stitch
from lqplan.plan.demand import Demand, bag_value, option_value, segment_outcome
from lqplan.plan.result import SolveSettings
from lqplan.review.diff import SegmentChange, diff_bags, diff_promotions, diff_segments
from lqplan.show.model import LuckyBag
from lqplan.show.validate import ShowInputs
from lqplan.verify.seams import seam_violations

if TYPE_CHECKING:  # pipeline imports what replan is built from; the optimiser loads ortools
    from lqplan.pipeline import PlanResult
    from lqplan.plan.optimise import Progress


@dataclass(frozen=True)
class ReplanResult:
    """A replanned show: the stitched plan, the plan of the rest, and what changed."""

    plan: dict[str, Any]  # the stitched plan
    rest: PlanResult  # of the rest of the show (checked)
    past: Past
    changes: list[RuleChange]
    segment_changes: list[SegmentChange]
    value: dict[str, int | None]
    notes: list[str]


# --- replan --------------------------------------------------------------------------------------


STITCH_SECONDS = 0.15  # stitching, seam check and change list: 0.11 s on the marathon sample


def replan(
    old_plan: dict[str, Any],
    inputs: ShowInputs,
    file: ActualsFile,
    at: int,
    settings: SolveSettings | None = None,
    compliance: Sequence[Diagnostic] = (),
    progress: Progress | None = None,
) -> ReplanResult:
    """Freeze the past as the actuals tell it, plan the rest of the show (checked like any plan)
    and stitch the two into one plan with a `replan` section."""
    from lqplan.pipeline import plan_show

    # The time limit covers the whole replan (it is used live), stitching the rest to the past
    # included: the search starts its clock that much earlier.
    started = time.perf_counter() - STITCH_SECONDS
    settings = settings or SolveSettings(time_limit=2.0)
    past = read_past(inputs, file, at, old_plan)
    rest = rest_of_show(inputs, past)
    result = plan_show(
        rest.inputs,
        settings,
        progress,
        compliance,
        restrict=rest.restrict,
        started=started,
        with_baseline=False,
    )
    plan = stitch(inputs, past, result.plan)
    seam = seam_violations(plan, inputs, past.cut)
    if seam:  # rest.restrict exists to prevent these: finding one is a bug
        raise LqplanError(
            f"the new plan breaks rules across {inputs.show.clock(past.cut)} (a bug in lqplan, "
            "please report it): " + "; ".join(seam[:3])
        )
    changes = _changes(inputs, old_plan, plan, past, rest)
    value = _value(old_plan, plan, past, result.demand)
    notes = _input_warnings(old_plan, inputs) + past.notes
    plan["replan"] = _section(inputs, file, old_plan, plan, past, rest, changes, value, notes)
    return ReplanResult(plan, result, past, rest.changes, changes, value, notes)


def _input_warnings(old_plan: dict[str, Any], inputs: ShowInputs) -> list[str]:
    """The plan names the files it was made from by hash: say which have changed since."""
    recorded = (old_plan.get("show") or {}).get("inputs") or {}
    out = []
    for kind, path in sorted(inputs.paths.items()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if (recorded.get(kind) or {}).get("sha256") not in (None, digest):
            out.append(f"{inputs.files.get(kind, kind)} changed since the plan was made")
    return out


def _after(plan: dict[str, Any], cut: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        [s for s in plan.get("segments", []) if s["start_minute"] >= cut],
        [b for b in plan.get("lucky_bags", []) if b["minute"] >= cut],
    )


def _changes(
    inputs: ShowInputs, old: dict[str, Any], new: dict[str, Any], past: Past, rest: Rest
) -> list[SegmentChange]:
    """The rest of the show, old plan against new: moved, dropped, added, promotion changed;
    a dropped segment says why when the past tells (pulled, sold out, aired already)."""
    out = []
    for change in diff_segments(_after(old, past.cut)[0], _after(new, past.cut)[0]):
        note = None
        if change.b is None:
            aired = [s.start for s in past.segments if s.sku == change.sku]
            if change.sku in rest.why_not:
                note = rest.why_not[change.sku]
            elif aired:
                note = f"aired at {inputs.show.clock(aired[0])}"
        out.append(replace(change, note=note) if note else change)
    return out


def _value(
    old: dict[str, Any], new: dict[str, Any], past: Past, context: Demand
) -> dict[str, int | None]:
    """Expected value, in cents: the whole show and the rest of it, old plan against new; and the
    old plan's rest valued with what is known now (what replanning gains over keeping it)."""
    old_segments, old_bags = _after(old, past.cut)
    new_segments, new_bags = _after(new, past.cut)

    def total(segments: list[dict[str, Any]], bags: list[dict[str, Any]]) -> int:
        cents: int = sum(s["expected"]["value_cents"] for s in segments) + sum(
            b["value_cents"] for b in bags
        )
        return cents

    old_rest, new_rest = total(old_segments, old_bags), total(new_segments, new_bags)
    revalued, impossible = _revalue(old_segments, old_bags, past, context)
    return {
        "old_plan_cents": (old.get("totals") or {}).get("value_cents"),
        "new_plan_cents": new["totals"]["value_cents"],
        "past_cents": total(*_before(new, past.cut)),
        "old_rest_cents": old_rest,
        "new_rest_cents": new_rest,
        "change_cents": new_rest - old_rest,
        "old_rest_now_cents": revalued,
        "old_rest_impossible_segments": impossible,
        "gain_cents": new_rest - revalued,
    }


def _before(plan: dict[str, Any], cut: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        [s for s in plan["segments"] if s["start_minute"] < cut],
        [b for b in plan["lucky_bags"] if b["minute"] < cut],
    )


def _revalue(
    segments: list[dict[str, Any]], bags: list[dict[str, Any]], past: Past, context: Demand
) -> tuple[int, int]:
    """The old plan's rest at today's viewers, conversion and stock (each segment on its own):
    its value, and how many of its segments can no longer air as planned (counted as 0)."""
    cut = past.cut
    airing: Counter[str] = Counter()
    value = impossible = 0
    for seg in segments:
        modes = context.modes.get(seg["sku"], [])
        mode = next(
            (m for m in modes if m.kind == seg["mode"] and m.promotion == seg["promotion"]), None
        )
        start = seg["start_minute"] - cut
        airing[seg["sku"]] += 1
        if mode is None or airing[seg["sku"]] > context.max_airings.get(seg["sku"], 0):
            impossible += 1
            continue
        outcome = segment_outcome(
            context, seg["sku"], mode, start, seg["minutes"], airing[seg["sku"]]
        )
        value += option_value(context, outcome)
    bags_now = {p.id: p for p in context.inputs.show.promotions if isinstance(p, LuckyBag)}
    for drop in bags:
        bag = bags_now.get(drop["id"])
        if bag is None:
            continue
        retention, prize = bag_value(context, bag, drop["minute"] - cut)
        value += retention - (prize if context.objective == "profit" else 0)
    return value, impossible


def _section(
    inputs: ShowInputs,
    file: ActualsFile,
    old: dict[str, Any],
    new: dict[str, Any],
    past: Past,
    rest: Rest,
    changes: list[SegmentChange],
    value: dict[str, int | None],
    notes: list[str],
) -> dict[str, Any]:
    """plan.json's `replan` section (docs/actuals.md)."""
    (old_segments, old_bags), (new_segments, new_bags) = (
        _after(old, past.cut),
        _after(new, past.cut),
    )
    return {
        "at": inputs.show.clock(past.at),
        "cut": inputs.show.clock(past.cut),
        "cut_minute": past.cut,
        "actuals": {
            "file": file.name,
            "sha256": hashlib.sha256(file.path.read_bytes()).hexdigest(),
        },
        "viewer_ratio": round(past.viewer_ratio, 4),
        "conversion": [asdict(n) for n in past.nudges],
        "pulled": [{"sku": sku, "reason": reason} for sku, reason in sorted(past.pulled.items())],
        "rules": [asdict(c) for c in rest.changes],
        "changes": [
            {
                "sku": c.sku,
                "airing": c.airing,
                "kinds": list(c.kinds),
                "before": asdict(c.a) if c.a else None,
                "after": asdict(c.b) if c.b else None,
                "value_change_cents": c.value_change_cents,
                "note": c.note,
            }
            for c in changes
        ],
        "promotions": [asdict(p) for p in diff_promotions(old_segments, new_segments)],
        "lucky_bags": [asdict(b) for b in diff_bags(old_bags, new_bags)],
        "value": value,
        "notes": notes,
    }


__all__ = ["ReplanResult", "RuleChange", "replan", "rest_of_show"]
