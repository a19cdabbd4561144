"""Why a product sits where it does: its value there, its best legal alternative, the rules
that bind it, and what moving or dropping it would cost.

Every figure is the checker's: a segment's value is `segment_outcome` valued as `check_plan`
values it (profit or GMV, plus traffic pull), and "legal" means that `check_plan` finds no
violation in the changed plan that the plan did not already have. Alternatives considered for a
segment of product P:

- **move**: P in another start, length or mode (an option of `build_demand`) where its whole
  span is free of the other segments and outside breaks;
- **swap**: P and another segment of the same length trade places (each in its own best mode
  there), which keeps the show filled;
- **drop**: P leaves the plan, and the most valuable legal product takes its place (one not on
  air yet, or the next airing of one that may repeat).

Candidates are tried best first; the first legal one is the best alternative, and the rules
that rule out the better ones are the rules that bind the product where it is.

A product that is not on air is explained the same way from the other side (`why_not`): its
most valuable place whatever the rules, against what airs there now, and, in the place of each
segment of one of its lengths, the best legal one and the rules that rule out the better ones.
One with no stock, or that the shortlist of a large catalog left out, cannot air at all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from lqplan.money import money
from lqplan.plan.demand import (
    Demand,
    Mode,
    Option,
    Outcome,
    option_value,
    pitch_before,
    preference,
    segment_outcome,
)
from lqplan.plan.options import build_demand, shortlist_products
from lqplan.rules import families
from lqplan.show.validate import ShowInputs
from lqplan.verify.checker import check_plan
from lqplan.words import counted

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.table import Table
    from rich.text import Text

MAX_CHECKS = 60  # candidates judged by the checker per segment, best first

# A segment as plan.json holds it (plan/planfile.py's Segment): explain reads and changes the
# plan's own dicts and hands them to the checker, which reads plan.json the same way.
SegmentData = dict[str, Any]


@dataclass(frozen=True)
class Alternative:
    """Another place for the segment's product (or, for a drop, another product in its place)."""

    kind: str  # move | swap | replace
    start: str  # clock
    minutes: int
    mode: str
    promotion: str | None
    sku: str  # the product in the alternative place (the replacement, for a drop)
    value_cents: int  # that segment's own value there
    change_cents: int  # change in the plan's value against the plan as it is
    swap_with: int | None = None  # the other segment's number, for a swap


# A candidate: the change in the plan's value, the alternative and the plan's segments with it.
Candidate = tuple[int, Alternative, list[SegmentData]]


class Blocked(TypedDict):
    """A better place a rule rules out (the best one it blocks)."""

    rule: str
    change_cents: int
    kind: str
    at: str
    mode: str
    swap_with: int | None


class Drop(TypedDict):
    """What dropping the segment costs, what it would break and the best legal replacement."""

    lost_cents: int
    breaks: list[str]
    replacement: dict[str, Any] | None  # an Alternative as a dict
    change_cents: int


@dataclass
class Explanation:
    """Why one segment sits where it does (`lqplan explain`; its JSON is `as_dict`)."""

    number: int
    sku: str
    name: str
    start: str
    minutes: int
    airing: int
    mode: str
    promotion: str | None
    units: float
    gmv_cents: int
    profit_cents: int
    value_cents: int  # as check_plan values it
    preference_cents: int
    rules: list[dict[str, str]] = field(default_factory=list)  # rules that name or hold it
    best: Alternative | None = None  # best legal move or swap
    blocked: list[Blocked] = field(default_factory=list)  # better places ruled out, by rule
    drop: Drop = field(kw_only=True)
    unexamined: int = 0  # better candidates not judged (MAX_CHECKS)

    def as_dict(self) -> dict[str, Any]:
        """The explanation as plain data, for `lqplan explain --json`."""
        return asdict(self)


@dataclass
class Absence:
    """Why a product is not on air (`lqplan explain PLAN SHOW SKU`; its JSON is `as_dict`)."""

    sku: str
    name: str
    can_air: bool  # False: no stock, or left off the shortlist: `reason` says which
    reason: str
    best: Alternative | None = None  # its most valuable place, whatever the rules
    there: list[dict[str, Any]] = field(default_factory=list)  # what airs in that place now
    there_cents: int = 0
    legal: Alternative | None = None  # its best legal place, in the place of a segment
    blocked: list[Blocked] = field(default_factory=list)  # better places ruled out, by rule
    unexamined: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The explanation as plain data, for `lqplan explain --json`."""
        return asdict(self)


class Explainer:
    """Judges one plan's segments against their alternatives, with the checker's figures."""

    def __init__(
        self, inputs: ShowInputs, plan: dict[str, Any], demand: Demand | None = None
    ) -> None:
        self.inputs = inputs
        self.show = inputs.show
        self.plan = plan
        # Every product and start: explain weighs alternatives the planner may have left out.
        self.d = demand or build_demand(inputs, shortlist=False, stride=1)
        self.slot = self.d.slot
        self.segments = sorted(plan["segments"], key=lambda s: s["start_minute"])
        # The alternatives weighed: options that begin a pitch of their own (one that goes on
        # with a pitch is the same pitch, longer: the plan's own segments value it).
        self.fresh = [o for o in self.d.options if o.lead == 0]
        self.by_key: dict[tuple[str, int, int, int], list[Option]] = {}
        for o in self.fresh:
            self.by_key.setdefault((o.sku, o.airing, o.start, o.slots), []).append(o)
        self.base_rules = self._rules_broken(plan)

    # --- figures, as the checker computes them ---
    def mode(self, seg: SegmentData) -> Mode | None:
        """The segment's mode among its product's modes (None if the plan names an unknown one)."""
        return next(
            (
                m
                for m in self.d.modes.get(seg["sku"], [])
                if m.kind == seg.get("mode", "normal") and m.promotion == seg.get("promotion")
            ),
            None,
        )

    def value(self, seg: SegmentData) -> tuple[int, Outcome | None]:
        """The segment's value as the checker computes it, and its outcome (0, None: no mode)."""
        mode = self.mode(seg)
        if mode is None:
            return 0, None
        others = [
            (s["sku"], s["start_minute"], s["minutes"], s.get("airing", 1))
            for s in self.segments
            if s is not seg
        ]
        began, lead = pitch_before(others, seg["sku"], seg["start_minute"], seg.get("airing", 1))
        out = segment_outcome(
            self.d, seg["sku"], mode, seg["start_minute"], seg["minutes"], began, lead
        )
        return option_value(self.d, out), out

    # --- legality, as the checker judges it ---
    def _rules_broken(self, plan: dict[str, Any]) -> set[str]:
        """The rules the checker finds broken in `plan` (its figures and facts aside)."""
        report = check_plan(self.inputs, plan, self.d, facts=False)  # legality, not paperwork
        return {v.rule for v in report.violations if v.rule != "figures"}

    def new_violations(self, segments: list[SegmentData]) -> set[str]:
        """Rules the plan with these segments breaks that the plan as it is does not."""
        variant = {**self.plan, "segments": segments, "totals": {}, "solver": {}}
        return self._rules_broken(variant) - self.base_rules

    @staticmethod
    def placed(seg: SegmentData, o: Option, slot: int) -> SegmentData:
        """The segment moved to option `o` (its figures cleared: the checker recomputes them)."""
        return {
            **seg,
            "sku": o.sku,
            "airing": o.airing,
            "start_minute": o.start * slot,
            "minutes": o.slots * slot,
            "mode": o.mode.kind,
            "promotion": o.mode.promotion,
            "expected": {},
        }

    # --- candidates ---
    def moves(self, seg: SegmentData, here: int) -> Iterable[Candidate]:
        """The product at another start, length or mode, in slots no other segment takes."""
        others = [s for s in self.segments if s is not seg]
        taken: set[int] = set()
        for s in others:
            taken.update(
                range(
                    s["start_minute"] // self.slot, (s["start_minute"] + s["minutes"]) // self.slot
                )
            )
        for o in self.fresh:
            if o.sku != seg["sku"] or o.airing != seg.get("airing", 1):
                continue
            if any(t in taken for t in range(o.start, o.end)):
                continue
            same = (
                o.start * self.slot == seg["start_minute"]
                and o.slots * self.slot == seg["minutes"]
                and o.mode.kind == seg["mode"]
                and o.mode.promotion == seg.get("promotion")
            )
            if same:
                continue
            alt = self._alt("move", o, o.value_cents, o.value_cents - here)
            yield alt.change_cents, alt, [*others, self.placed(seg, o, self.slot)]

    def swaps(self, seg: SegmentData, here: int) -> Iterable[Candidate]:
        """The segment and another of the same length trade places, each in its best mode."""
        for other in self.segments:
            if other is seg or other["minutes"] != seg["minutes"] or other["sku"] == seg["sku"]:
                continue
            mine = self._best_at(seg, other["start_minute"])
            theirs = self._best_at(other, seg["start_minute"])
            if mine is None or theirs is None:
                continue  # a window or a break keeps one of them out of the other's place
            there, _ = self.value(other)
            change = mine.value_cents + theirs.value_cents - here - there
            alt = self._alt("swap", mine, mine.value_cents, change, other["number"])
            rest = [s for s in self.segments if s is not seg and s is not other]
            moved = [self.placed(seg, mine, self.slot), self.placed(other, theirs, self.slot)]
            yield change, alt, rest + moved

    def _best_at(self, seg: SegmentData, start_minute: int) -> Option | None:
        """The segment's product at another start, same length and airing: its own mode if it
        can run there, else its most valuable one."""
        options = self.by_key.get(
            (
                seg["sku"],
                seg.get("airing", 1),
                start_minute // self.slot,
                seg["minutes"] // self.slot,
            ),
            [],
        )
        same = [o for o in options if o.mode.kind == seg["mode"]]
        return max(same or options, key=lambda o: o.value_cents, default=None)

    def replacements(self, seg: SegmentData) -> Iterable[Candidate]:
        """Another product (its next airing) in the segment's place, the segment dropped."""
        rest = _without(self.segments, seg)
        airings: dict[str, int] = {}
        for s in rest:
            airings[s["sku"]] = airings.get(s["sku"], 0) + 1
        start, slots = seg["start_minute"] // self.slot, seg["minutes"] // self.slot
        for o in self.fresh:
            if o.start != start or o.slots != slots or o.sku == seg["sku"]:
                continue
            if o.airing != airings.get(o.sku, 0) + 1:
                continue
            alt = self._alt("replace", o, o.value_cents, o.value_cents - self.value(seg)[0])
            yield o.value_cents, alt, [*rest, self.placed(seg, o, self.slot)]

    def _alt(
        self, kind: str, o: Option, value: int, change: int, other: int | None = None
    ) -> Alternative:
        return Alternative(
            kind,
            self.show.clock(o.start * self.slot),
            o.slots * self.slot,
            o.mode.kind,
            o.mode.promotion,
            o.sku,
            value,
            change,
            other,
        )

    def first_legal(
        self, candidates: Iterable[Candidate]
    ) -> tuple[Alternative | None, dict[str, Alternative], int]:
        """The best legal candidate, the rules that rule out the better ones (rule → the best
        change it blocks), and how many improving ones were left unjudged."""
        ranked = sorted(candidates, key=lambda c: -c[0])
        blocked: dict[str, Alternative] = {}
        for i, (_change, alt, segments) in enumerate(ranked):
            if i >= MAX_CHECKS:
                return None, blocked, sum(1 for c in ranked[i:] if c[0] > 0)
            broken = self.new_violations(segments)
            if not broken:
                return alt, blocked, 0
            # Sorted: a set of strings iterates in an order that changes from run to run
            # (hash randomisation), and explain's output must not.
            for rule in sorted(broken):
                if rule not in blocked:
                    blocked[rule] = alt
        return None, blocked, 0

    # --- rules that name it or that it satisfies ---
    def rules(self, seg: SegmentData) -> list[dict[str, str]]:
        """The rules that name this segment's product, its promotion's window, the rules it
        meets by where it sits (each family's words, lqplan/rules/), and the stock when it
        sells out."""
        show, sku = self.show, seg["sku"]
        out: list[dict[str, str]] = []

        def add(rule: str, text: str) -> None:
            out.append({"rule": rule, "text": text})

        named = [f for f in families() if f.names_products]
        for family in named:
            for rule, text in family.describe(self, seg):
                add(rule, text)
        mode = self.mode(seg)
        if mode is not None and mode.window is not None:
            add(
                mode.promotion or mode.kind,
                f"{mode.kind.replace('_', ' ')} window {show.clock(mode.window[0])}–"
                f"{show.clock(mode.window[1])}",
            )
        for family in families():
            if family not in named:
                for rule, text in family.describe(self, seg):
                    add(rule, text)
        _, outcome = self.value(seg)
        available = self.d.available.get(sku, 0)
        if outcome is not None and outcome.units >= available - 1e-6:
            add("stock", f"sells all {available} units available after the reserve")
        return out

    # --- one segment ---
    def explain(self, seg: SegmentData) -> Explanation:
        """The segment's value, rules, best legal alternative, what rules out better ones, and
        what dropping it costs."""
        here, out = self.value(seg)
        product = self.inputs.products[seg["sku"]]
        rules = self.rules(seg)
        best, blocked, unexamined = self.first_legal(
            [*self.moves(seg, here), *self.swaps(seg, here)]
        )
        floor = max(0, best.change_cents if best else 0)
        rest = _without(self.segments, seg)
        broken = sorted(self.new_violations(rest) - {"no_dead_air"})
        replacement, _, _ = self.first_legal(self.replacements(seg))
        return Explanation(
            number=seg["number"],
            sku=seg["sku"],
            name=product.name,
            start=self.show.clock(seg["start_minute"]),
            minutes=seg["minutes"],
            airing=seg.get("airing", 1),
            mode=seg.get("mode", "normal"),
            promotion=seg.get("promotion"),
            units=round(out.units, 2) if out else 0.0,
            gmv_cents=out.gmv_cents if out else 0,
            profit_cents=out.profit_cents if out else 0,
            value_cents=here,
            preference_cents=preference(self.d, seg["sku"], seg["start_minute"]),
            rules=rules,
            best=best,
            blocked=_blocked(blocked, floor),
            drop={
                "lost_cents": here,
                "breaks": broken,
                "replacement": asdict(replacement) if replacement else None,
                "change_cents": (replacement.value_cents if replacement else 0) - here,
            },
            unexamined=unexamined,
        )

    # --- a product not on air ---
    def why_not(self, sku: str) -> Absence:
        """Why `sku` is not on air: it cannot air (no stock, off the shortlist), or its best
        place against what airs there, its best legal place and the rules against better ones."""
        product = self.inputs.products[sku]
        if not self.d.modes.get(sku):
            return Absence(sku, product.name, False, "no stock left after the reserve")
        if sku not in shortlist_products(self.d):
            return Absence(
                sku,
                product.name,
                False,
                f"left off the shortlist of a large catalog ({len(self.inputs.products)} "
                "products): better products fill the show several times over, so the optimiser "
                "never weighs it",
            )
        options = [o for o in self.fresh if o.sku == sku and o.airing == 1]
        best = max(options, key=lambda o: (o.value_cents, -o.start), default=None)
        if best is None:
            return Absence(sku, product.name, False, "no place in the show fits its lengths")
        lo, hi = best.start * self.slot, best.end * self.slot
        there = [
            {
                "number": s["number"],
                "sku": s["sku"],
                "start": s["start"],
                "minutes": s["minutes"],
                "value_cents": self.value(s)[0],
            }
            for s in self.segments
            if s["start_minute"] < hi and lo < s["start_minute"] + s["minutes"]
        ]
        legal, blocked, unexamined = self.first_legal(self.taking_places(sku))
        floor = legal.change_cents if legal else None
        return Absence(
            sku,
            product.name,
            True,
            "not chosen",
            best=self._alt("best", best, best.value_cents, 0),
            there=there,
            there_cents=sum(t["value_cents"] for t in there),
            legal=legal,
            blocked=_blocked(blocked, floor),
            unexamined=unexamined,
        )

    def taking_places(self, sku: str) -> Iterable[Candidate]:
        """The product (first airing) in the place of a segment of the same length, that
        segment dropped: the show stays filled."""
        for seg in self.segments:
            start, slots = seg["start_minute"] // self.slot, seg["minutes"] // self.slot
            here = self.value(seg)[0]
            for o in self.by_key.get((sku, 1, start, slots), []):
                change = o.value_cents - here
                alt = self._alt("replace", o, o.value_cents, change, seg["number"])
                yield change, alt, [*_without(self.segments, seg), self.placed(seg, o, self.slot)]


def _blocked(blocked: dict[str, Alternative], floor: int | None) -> list[Blocked]:
    """The rules that rule out places better than `floor` (the best legal change; None: every
    place), the best first."""
    return [
        {
            "rule": rule,
            "change_cents": alt.change_cents,
            "kind": alt.kind,
            "at": alt.start,
            "mode": alt.mode,
            "swap_with": alt.swap_with,
        }
        for rule, alt in sorted(blocked.items(), key=lambda kv: -kv[1].change_cents)
        if floor is None or alt.change_cents > floor
    ]


def _without(segments: list[SegmentData], seg: SegmentData) -> list[SegmentData]:
    """The plan's segments less `seg`, the later airings of its product renumbered."""
    rest = []
    for s in segments:
        if s is seg:
            continue
        if s["sku"] == seg["sku"] and s.get("airing", 1) > seg.get("airing", 1):
            s = {**s, "airing": s["airing"] - 1, "expected": {}}
        rest.append(s)
    return rest


def explain_plan(
    inputs: ShowInputs, plan: dict[str, Any], sku: str | None = None, demand: Demand | None = None
) -> list[Explanation]:
    """Explanations for every segment of `sku` (every segment when None), in time order."""
    plan = copy.deepcopy(plan)
    explainer = Explainer(inputs, plan, demand)
    return [explainer.explain(s) for s in explainer.segments if sku is None or s["sku"] == sku]


def explain_absent(
    inputs: ShowInputs, plan: dict[str, Any], sku: str, demand: Demand | None = None
) -> Absence:
    """Why `sku`, a product of the show, is not on air in `plan`."""
    return Explainer(inputs, copy.deepcopy(plan), demand).why_not(sku)


# --- for the terminal ---------------------------------------------------------------------------


def _money(cents: int, currency: str, sign: bool = False) -> str:
    """Money as explain prints it: the paperwork's English form; a change carries its sign."""
    return money(cents, currency, "en", cents=True, sign="±" if sign else "-")


def _where(alt: Alternative | None) -> str:
    if alt is None:
        return "none legal"
    mode = f" {alt.mode.replace('_', ' ')}" if alt.mode != "normal" else " at live price"
    if alt.kind == "swap":
        return f"swap with #{alt.swap_with}: {alt.start}{mode}"
    if alt.kind == "replace" and alt.swap_with is not None:
        return f"in the place of #{alt.swap_with}: {alt.start}, {alt.minutes} min{mode}"
    if alt.kind == "replace":
        return f"{alt.sku} at {alt.start}{mode}"
    return f"{alt.start}, {alt.minutes} min{mode}"


def explain_table(explanations: list[Explanation], currency: str, width: int = 120) -> Table:
    """Every product on air: value, best legal alternative, binding rules, cost of dropping."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title="why each product sits where it does",
        title_justify="left",
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("#", "right"),
        ("start", "left"),
        ("product", "left"),
        ("value", "right"),
        ("best alternative", "left"),
        ("change", "right"),
        ("binding rules", "left"),
        ("drop", "right"),
    )
    for name, justify in columns:
        wraps = name in ("product", "best alternative", "binding rules")
        table.add_column(
            name,
            justify=justify,
            overflow="fold",
            no_wrap=not wraps,
            min_width=12 if wraps else None,
        )
    for e in explanations:
        binding = dict.fromkeys(
            [r["rule"] for r in e.rules if r["rule"] != "no_back_to_back"]
            + [b["rule"] for b in e.blocked]
        )
        table.add_row(
            str(e.number),
            e.start,
            Text(f"{e.sku} ({e.mode.replace('_', ' ')})" if e.mode != "normal" else e.sku),
            _money(e.value_cents, currency),
            Text(_where(e.best)),
            _money(e.best.change_cents, currency, True) if e.best else "",
            Text(", ".join(binding)),
            _money(e.drop["change_cents"], currency, True),
        )
    return table


def explain_text(e: Explanation, currency: str) -> Text:
    """One segment, in sentences."""
    from rich.text import Text

    mode = "" if e.mode == "normal" else f", {e.mode.replace('_', ' ')} {e.promotion}"
    lines = [
        f"#{e.number} {e.sku} {e.name}: {e.start}, {e.minutes} min{mode}"
        + (f", airing {e.airing}" if e.airing > 1 else ""),
        f"  value {_money(e.value_cents, currency)} ({e.units:,.2f} units, GMV "
        f"{_money(e.gmv_cents, currency)}, profit {_money(e.profit_cents, currency)}; "
        f"preference {e.preference_cents:+d})",
    ]
    if e.best is None:
        lines.append("  best alternative: none that keeps every rule")
    else:
        lines.append(
            f"  best alternative: {_where(e.best)} — plan value "
            f"{_money(e.best.change_cents, currency, True)}"
        )
    if e.unexamined:
        lines.append(f"  ({e.unexamined} more places worth more were not examined)")
    lines.append("  rules:" if e.rules or e.blocked else "  rules: none bind it")
    for r in e.rules:
        lines.append(f"    • {r['rule']}: {r['text']}")
    for b in e.blocked:
        lines.append(
            f"    • {b['rule']} rules out {b['kind']} to {b['at']}"
            + (f" (with #{b['swap_with']})" if b["swap_with"] else "")
            + f", worth {_money(b['change_cents'], currency, True)}"
        )
    drop = e.drop
    replacement = drop["replacement"]
    text = f"  drop: loses {_money(drop['lost_cents'], currency)}"
    if replacement:
        text += (
            f"; best replacement {replacement['sku']} worth "
            f"{_money(replacement['value_cents'], currency)} → plan value "
            f"{_money(drop['change_cents'], currency, True)}"
        )
    else:
        text += "; no product could legally fill its place"
    if drop["breaks"]:
        text += f"; breaks {', '.join(drop['breaks'])}"
    lines.append(text)
    return Text("\n".join(lines))


def absent_text(a: Absence, currency: str) -> Text:
    """A product not on air, in sentences."""
    from rich.text import Text

    lines = [f"{a.sku} {a.name}: not on air"]
    if not a.can_air:
        lines.append(f"  cannot air: {a.reason}")
        return Text("\n".join(lines))
    assert a.best is not None  # a product that can air has a best place
    lines.append(
        f"  its best place: {_where(a.best)}, worth {_money(a.best.value_cents, currency)}"
    )
    if a.there:
        aired = ", ".join(
            f"#{t['number']} {t['sku']} at {t['start']} ({t['minutes']} min, "
            f"{_money(t['value_cents'], currency)})"
            for t in a.there
        )
        lines.append(f"  airs there instead: {aired}, worth {_money(a.there_cents, currency)}")
    if a.legal is None:
        lines.append("  best legal place: none that keeps every rule")
    else:
        lines.append(
            f"  best legal place: {_where(a.legal)}, worth "
            f"{_money(a.legal.value_cents, currency)} — plan value "
            f"{_money(a.legal.change_cents, currency, True)}"
        )
    if a.unexamined:
        lines.append(f"  ({a.unexamined} more places worth more were not examined)")
    for b in a.blocked:
        lines.append(
            f"    • {b['rule']} rules out the place of #{b['swap_with']} at {b['at']} (plan value "
            f"{_money(b['change_cents'], currency, True)})"
        )
    return Text("\n".join(lines))


def figure_sources(inputs: ShowInputs, skus: list[str]) -> dict[str, Any]:
    """Which of the demand figures came from a fitted model and which from the show's files."""
    calibration = inputs.calibration
    if calibration is None:
        return {"source": "files", "model": None, "from_model": [], "products": {}}
    assert calibration.files is not None  # apply_model records the files' inputs
    files = calibration.files.show.demand
    planned = inputs.show.demand
    moved = [
        {"name": key, "planned": getattr(planned, key), "files": getattr(files, key)}
        for key in ("decay", "repeat_factor", "flash_sale_lift", "coupon_lift", "gift_lift")
        if getattr(planned, key) != getattr(files, key)
    ]
    if calibration.discount_slope:
        moved.append(
            {"name": "discount_slope", "planned": calibration.discount_slope, "files": 0.0}
        )
    if calibration.time_slope:
        moved.append({"name": "time_slope", "planned": calibration.time_slope, "files": 0.0})
    model = calibration.model
    products = {}
    for sku in skus:
        effect = model.products.get(sku) if model is not None else None
        products[sku] = {
            "conversion_factor": round(calibration.factor(sku), 4),
            "learned_from_shows": effect.shows if effect is not None else 0,
            "basis": "its own airings" if effect is not None else "its category and role",
        }
    return {
        "source": "model",
        "model": {"id": calibration.model_id, "file": calibration.file},
        "from_model": moved,
        "viewer_curve": "model" if calibration.viewer_curve else "files",
        "products": products,
    }


def figure_sources_text(sources: dict[str, Any]) -> str:
    """The same in a few lines for the terminal."""
    if sources["source"] == "files":
        return "figures: the show's files (audience.yaml and show.yaml's demand:), no fitted model"
    model = sources["model"]
    lines = [f"figures: model {model['id']} ({model['file']}) on top of the show's files"]
    for m in sources["from_model"]:
        lines.append(f"  {m['name']}: {m['planned']:.4g} (files {m['files']:.4g})")
    lines.append(
        f"  viewer curve: {'learned' if sources['viewer_curve'] == 'model' else 'the files'}"
    )
    for sku, p in sources["products"].items():
        lines.append(
            f"  {sku}: conversion ×{p['conversion_factor']:.3f} from {p['basis']}"
            + (f" ({counted(p['learned_from_shows'], 'show')})" if p["learned_from_shows"] else "")
        )
    lines.append("  from the files: rules, stock, prices, promotions, lucky-bag and traffic values")
    return "\n".join(lines)
