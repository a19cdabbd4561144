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
from lqplan.plan.demand import Demand, bag_value, option_value, pitch_before, segment_outcome
from lqplan.plan.result import SolveSettings
from lqplan.review.diff import SegmentChange, diff_bags, diff_promotions, diff_segments
from lqplan.show.model import LuckyBag, parse_clock
from lqplan.show.validate import ShowInputs
from lqplan.verify.checker import CheckReport, Violation, check_plan
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
    spans: list[tuple[str, int, int, int]] = []  # the rest's segments so far, for their pitches
    for seg in sorted(segments, key=lambda s: s["start_minute"]):
        modes = context.modes.get(seg["sku"], [])
        mode = next(
            (m for m in modes if m.kind == seg["mode"] and m.promotion == seg["promotion"]), None
        )
        start = seg["start_minute"] - cut
        airing[seg["sku"]] += 1
        if mode is None or airing[seg["sku"]] > context.max_airings.get(seg["sku"], 0):
            impossible += 1
            continue
        began, lead = pitch_before(spans, seg["sku"], start, airing[seg["sku"]])
        spans.append((seg["sku"], start, seg["minutes"], airing[seg["sku"]]))
        outcome = segment_outcome(context, seg["sku"], mode, start, seg["minutes"], began, lead)
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


# --- checking a replanned plan (lqplan check) ---------------------------------------------------


@dataclass(frozen=True)
class ReplanCheck:
    """`lqplan check` of a replanned plan: the whole show's rules with every row's own figures,
    and, given its actuals, the rest's figures recomputed as the replan computed them."""

    whole: CheckReport  # the whole show, frozen rows as they sold, the rest as planned
    at_cut: list[tuple[Violation, str]]  # broken rules the replan dropped or eased at the cut
    rest: CheckReport | None  # the rest on the inputs its actuals leave (None: not given)
    cut: str
    frozen: int  # segments before the cut

    @property
    def violations(self) -> list[Violation]:
        """Every problem: the whole show's (less those the cut explains) and the rest's."""
        return self.whole.violations + (self.rest.violations if self.rest else [])

    @property
    def ok(self) -> bool:
        """No rule broken, and no figure of the rest wrong where it was recomputed."""
        return not self.violations


def check_replanned(
    inputs: ShowInputs, plan: dict[str, Any], file: ActualsFile | None
) -> ReplanCheck:
    """Check a replanned plan as a whole show: every hard rule over the past and the rest, the
    frozen past counted with what it sold (its figures are the actuals', not the model's). The
    rest's figures depend on the viewers, conversion and stock the actuals left, so they are
    recomputed only when `file` (the actuals it was replanned from) is given."""
    section = plan["replan"]
    whole = check_plan(inputs, plan, recompute=False)
    # A rule the past missed, or that the replan could only carry over in part (a cadence with
    # too few bags left), breaks in the whole show by what happened, not by what was planned.
    eased = {
        r["rule"]: r["reason"]
        for r in section.get("rules") or []
        if r.get("status") in ("dropped", "adjusted")
    }
    at_cut = [(v, eased[v.rule]) for v in whole.violations if v.rule in eased]
    whole.violations[:] = [v for v in whole.violations if v.rule not in eased]
    cut = section["cut_minute"]
    frozen = sum(1 for s in plan["segments"] if s.get("frozen") is True)
    rest = None if file is None else _check_rest(inputs, plan, file)
    return ReplanCheck(whole, at_cut, rest, inputs.show.clock(cut), frozen)


def _check_rest(inputs: ShowInputs, plan: dict[str, Any], file: ActualsFile) -> CheckReport:
    """The rest of the show checked on the inputs its actuals leave, as `replan` checked it."""
    section = plan["replan"]
    digest = hashlib.sha256(file.path.read_bytes()).hexdigest()
    if digest != section["actuals"]["sha256"]:
        raise LqplanError(
            f"{file.name} is not the actuals the plan was replanned from "
            f"({section['actuals']['file']}, sha256 {section['actuals']['sha256'][:12]}…)"
        )
    # The plan's own drops before --at stand in for actuals that list none, as they did.
    past = read_past(inputs, file, inputs.show.offset(parse_clock(section["at"])), plan)
    if past.cut != section["cut_minute"]:
        raise LqplanError(
            f"the actuals cut the show at {inputs.show.clock(past.cut)}, the plan at "
            f"{section['cut']}"
        )
    rest = rest_of_show(inputs, past)
    cut = past.cut
    done = Counter(s.sku for s in past.segments)
    segments = [
        {**s, "start_minute": s["start_minute"] - cut, "airing": s["airing"] - done[s["sku"]]}
        for s in plan["segments"]
        if s.get("frozen") is not True
    ]
    bags = [
        {**b, "minute": b["minute"] - cut}
        for b in plan["lucky_bags"]
        if b.get("frozen") is not True
    ]
    value = sum(s["expected"]["value_cents"] for s in segments) + sum(
        b["value_cents"] for b in bags
    )
    rest_plan = {
        **plan,
        "segments": segments,
        "lucky_bags": bags,
        "totals": {"value_cents": value},
    }
    return check_plan(rest.inputs, rest_plan, facts=False)  # the whole plan's check has them


__all__ = [
    "ReplanCheck",
    "ReplanResult",
    "RuleChange",
    "check_replanned",
    "replan",
    "rest_of_show",
]
