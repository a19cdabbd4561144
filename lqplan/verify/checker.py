"""The independent checker: verify a plan against its inputs and recompute every figure.

Plain Python that reads a plan as plan.json holds it (clock minutes, SKUs, modes), never the
optimiser's variables: it is how the tests judge every solve, how `lqplan check` judges a plan
someone edited by hand, and why the solver's own claims are never the only evidence. Figures
are recomputed with the demand model's formula (demand.segment_outcome), so a plan's units,
GMV, profit and objective must match to the cent.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from lqplan.plan.demand import (
    Demand,
    Outcome,
    bag_value,
    demand_context,
    pitches,
    preference,
    segment_outcome,
)
from lqplan.show.model import FlashSale, LuckyBag, format_clock
from lqplan.show.validate import ShowInputs
from lqplan.verify.facts import Facts
from lqplan.verify.facts import Seg as _Seg
from lqplan.words import counted


@dataclass(frozen=True)
class Violation:
    """One broken rule or wrong figure, under the rule's id."""

    rule: str  # the rule's id (or a structural check: overlap, grid, figures...)
    message: str


@dataclass
class CheckReport:
    """What the checker found, and the plan's value as it recomputed it."""

    violations: list[Violation] = field(default_factory=list)
    value_cents: int = 0  # recomputed money value (profit or GMV, pull, lucky bags)
    preference_cents: int = 0
    totals: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No rule broken, no figure wrong."""
        return not self.violations

    @property
    def objective_cents(self) -> int:
        """The recomputed objective: value plus the soft rules' preferences, as the solver's."""
        return self.value_cents + self.preference_cents


def _frozen(raw: dict[str, Any]) -> bool:
    """A replanned plan's segment or drop that aired already: it is judged by what it did (its
    figures, its place among the others), not held to the grid, lengths and windows a plan
    keeps, since it may have run off them."""
    return raw.get("frozen") is True


def _integer(value: object) -> TypeGuard[int]:
    """An int, and not a bool (JSON's true is not 1 here)."""
    return isinstance(value, int) and not isinstance(value, bool)


class _Check:
    """One check of one plan; `plan` is plan.json as read, unvalidated: every shape is checked
    here before it is used, so that a bad plan is reported, never raised on."""

    def __init__(
        self, inputs: ShowInputs, plan: dict[str, Any], demand: Demand | None, recompute: bool
    ):
        self.inputs = inputs
        self.recompute = recompute
        self.show = inputs.show
        self.rules = inputs.show.rules
        self.products = inputs.products
        self.plan = plan
        self.d = demand or demand_context(inputs)
        self.report = CheckReport()
        self.segs: list[_Seg] = []

    def as_recorded(self, raw: dict[str, Any]) -> bool:
        """Is this row judged by its own figures? A frozen one is what happened (a replanned
        plan's past: the actuals, not the model); with recompute off, every row is."""
        return not self.recompute or _frozen(raw)

    def fail(self, rule: str, message: str) -> None:
        """Record a violation of `rule`."""
        self.report.violations.append(Violation(rule, message))

    def clock(self, minute: int) -> str:
        """The clock time `minute` minutes into the show."""
        return self.show.clock(minute)

    # --- reading the plan ---
    def read(self) -> bool:
        """Read the plan's segments, reporting each malformed one; True if all were read."""
        raw_segments = self.plan.get("segments")
        if not isinstance(raw_segments, list):
            self.fail("plan", "plan has no list of segments")
            return False
        for n, raw in enumerate(raw_segments, start=1):
            seg = self._read_segment(n, raw)
            if seg:
                self.segs.append(seg)
        self.segs.sort(key=lambda s: s.start)
        return len(self.segs) == len(raw_segments)

    def _read_segment(self, n: int, raw: Any) -> _Seg | None:
        """Segment `n` as the checker needs it, or None (reported) if its shape or mode is wrong."""
        if not isinstance(raw, dict):
            self.fail("plan", f"segment {n} is not a mapping")
            return None
        sku, start, minutes = raw.get("sku"), raw.get("start_minute"), raw.get("minutes")
        airing, kind, promotion = (
            raw.get("airing", 1),
            raw.get("mode", "normal"),
            raw.get("promotion"),
        )
        if not isinstance(sku, str) or sku not in self.products:
            self.fail("plan", f"segment {n}: SKU {sku!r:.40} is not in the catalog")
            return None
        if not (_integer(start) and _integer(minutes) and _integer(airing)):
            self.fail("plan", f"segment {n}: start_minute, minutes and airing must be integers")
            return None
        if not isinstance(kind, str) or not (promotion is None or isinstance(promotion, str)):
            self.fail("plan", f"segment {n}: mode and promotion must be text")
            return None
        if not isinstance(raw.get("expected", {}), dict):
            self.fail("plan", f"segment {n}: expected must be a mapping")
            return None
        modes = self.d.modes.get(sku, [])
        mode = next((m for m in modes if m.kind == kind and m.promotion == promotion), None)
        if mode is None:
            self.fail(
                "promotions",
                f"segment {n}: {sku} cannot air in mode {kind!r}"
                + (f" with promotion {promotion!r}" if promotion else "")
                + (" (no stock)" if not modes else ""),
            )
            return None
        return _Seg(n, sku, start, minutes, airing, mode, raw)

    # --- hard rules ---
    def timeline(self) -> None:
        """Segments on the slot grid, inside the show, of allowed lengths, clear of breaks and of
        each other."""
        slot, total = self.show.slot_minutes, self.show.minutes
        breaks = [
            (self.show.offset(b.at), self.show.offset(b.at) + b.minutes) for b in self.show.breaks
        ]
        for s in self.segs:
            if _frozen(s.raw):
                continue  # it aired so: the grid and the lengths are for what is planned
            if s.start % slot or s.minutes % slot:
                self.fail(
                    "grid", f"{s.sku} at {self.clock(s.start)}: not on the {slot}-minute slot grid"
                )
            if s.start < 0 or s.end > total:
                self.fail("grid", f"{s.sku} at {self.clock(s.start)}: outside the show")
            if s.minutes not in self.inputs.segment_lengths(self.products[s.sku]):
                self.fail(
                    "segment_minutes",
                    f"{s.sku} airs {s.minutes} min; allowed: "
                    f"{self.inputs.segment_lengths(self.products[s.sku])}",
                )
            for b0, b1 in breaks:
                if s.start < b1 and b0 < s.end:
                    self.fail(
                        "breaks",
                        f"{s.sku} at {self.clock(s.start)} runs into the break at {self.clock(b0)}",
                    )
        for a, b in zip(self.segs, self.segs[1:], strict=False):
            if b.start < a.end:
                self.fail(
                    "overlap",
                    f"{a.sku} ({self.clock(a.start)}–{self.clock(a.end)}) "
                    f"overlaps {b.sku} at {self.clock(b.start)}",
                )
        if not self.show.allow_gaps:
            covered = [False] * total
            for lo, hi in [(s.start, s.end) for s in self.segs] + breaks:
                for m in range(max(0, lo), min(total, hi)):
                    covered[m] = True
            idle = [m for m in range(total) if not covered[m]]
            if idle:
                self.fail(
                    "no_dead_air",
                    f"{counted(len(idle), 'minute')} off air, first at {self.clock(idle[0])}",
                )

    def airings(self) -> None:
        """Airings numbered 1..n, no more than a repeat rule allows, its gap kept, no flash-sale
        encore."""
        by_sku: dict[str, list[_Seg]] = defaultdict(list)
        for s in self.segs:
            by_sku[s.sku].append(s)
        repeats = {r.sku: r for r in self.rules.repeats}
        for sku, segs in by_sku.items():
            numbers = [s.airing for s in segs]
            if numbers != list(range(1, len(segs) + 1)):
                self.fail("airings", f"{sku}: airings numbered {numbers}, expected 1..{len(segs)}")
            rule = repeats.get(sku)
            allowed = rule.max_airings if rule else 1
            if len(segs) > allowed:
                self.fail(
                    rule.rule_id if rule else "repeats",
                    f"{sku} airs {len(segs)} times; allowed {allowed}",
                )
            if rule:
                for a, b in itertools.pairwise(segs):
                    if b.start - a.end < rule.min_gap_minutes:
                        self.fail(
                            rule.rule_id,
                            f"{sku} encore at {self.clock(b.start)} is "
                            f"{b.start - a.end} min after the last airing; "
                            f"minimum {rule.min_gap_minutes}",
                        )
            if any(s.mode.kind == "flash_sale" and s.airing > 1 for s in segs):
                self.fail("promotions", f"{sku}: a flash sale on an encore")

    def roles(self) -> None:
        """The opening, the traffic minimum, the first hero's window, the hero encore and no back
        to back."""
        rules, total = self.rules, self.show.minutes
        role = {s.number: self.products[s.sku].role for s in self.segs}
        opening = rules.opening
        roles = "/".join(opening.roles)
        if opening.enabled and opening.first:
            # The checker's own reading: the earliest segment, wherever it starts.
            if not self.segs or role[self.segs[0].number] not in opening.roles:
                head = (
                    f"{self.segs[0].sku} ({role[self.segs[0].number]})" if self.segs else "nothing"
                )
                self.fail(opening.id, f"the first segment is {head}, not a {roles} item")
        elif opening.enabled and not any(
            role[s.number] in opening.roles and s.start < max(opening.within_minutes, 1)
            for s in self.segs
        ):
            self.fail(
                opening.id,
                f"no {roles} item starts in the first {opening.within_minutes} minutes",
            )
        traffic = rules.traffic_minimum
        aired = {s.sku for s in self.segs if role[s.number] == "traffic"}
        if len(aired) < traffic.count:
            self.fail(
                traffic.id,
                f"{counted(len(aired), 'traffic item')} air; the show asks for {traffic.count}",
            )
        heroes = [s for s in self.segs if role[s.number] == "hero"]
        has_heroes = any(p.role == "hero" for p in self.products.values())
        first = rules.first_hero
        in_window = bool(heroes) and first.from_minute <= heroes[0].start <= first.to_minute
        if first.enabled and has_heroes and not in_window:
            at = self.clock(heroes[0].start) if heroes else "never"
            self.fail(
                first.id,
                f"first hero starts at {at}; window is minute "
                f"{first.from_minute}–{first.to_minute}",
            )
        encore = rules.hero_encore
        if (
            encore.enabled
            and has_heroes
            and not any(s.start >= total - encore.last_minutes for s in heroes)
        ):
            self.fail(encore.id, f"no hero in the last {encore.last_minutes} minutes")
        b2b = rules.no_back_to_back
        for a, b in zip(self.segs, self.segs[1:], strict=False):
            if a.end != b.start:
                continue
            pa, pb = self.products[a.sku], self.products[b.sku]
            if b2b.category and pa.category == pb.category:
                self.fail(
                    b2b.id,
                    f"{a.sku} and {b.sku} ({pa.category}) back to back at {self.clock(b.start)}",
                )
            if b2b.brand and pa.brand and pa.brand == pb.brand:
                self.fail(
                    b2b.id,
                    f"{a.sku} and {b.sku} ({pa.brand}) back to back at {self.clock(b.start)}",
                )

    def placement(self) -> None:
        """Pins, precedence, exclusions and collabs' windows."""
        first_start: dict[str, int] = {}
        for s in self.segs:
            first_start.setdefault(s.sku, s.start)
        for pin in self.rules.pins:
            at = self.show.offset(pin.at)
            if not any(s.sku == pin.sku and s.start == at for s in self.segs):
                self.fail(pin.rule_id, f"{pin.sku} is pinned at {format_clock(pin.at)}")
        for rule in self.rules.precedence:
            if (
                rule.before in first_start
                and rule.after in first_start
                and first_start[rule.before] >= first_start[rule.after]
            ):
                self.fail(rule.rule_id, f"{rule.before} must air before {rule.after}")
        for exclusion in self.rules.exclusions:
            aired = [sku for sku in exclusion.skus if sku in first_start]
            if len(aired) > 1:
                self.fail(
                    exclusion.rule_id,
                    f"only one of {', '.join(exclusion.skus)} may air; {', '.join(aired)} do",
                )
        for promo in self.show.promotions:
            if promo.type != "collab":
                continue
            lo, hi = (
                self.show.offset(promo.window.from_),
                self.show.offset(promo.window.to) or self.show.minutes,
            )
            airings = [s for s in self.segs if s.sku == promo.sku]
            if not airings:
                self.fail(promo.id, f"collab {promo.sku} must air")
            for s in airings:
                if s.start < lo or s.end > hi:
                    self.fail(
                        promo.id,
                        f"collab {promo.sku} airs at {self.clock(s.start)}, "
                        f"outside {format_clock(promo.window.from_)}–"
                        f"{format_clock(promo.window.to)}",
                    )

    def promotions(self, outcomes: dict[int, Outcome]) -> None:
        """Promotions inside their windows, a flash sale once and long enough, caps and budgets
        kept, flash sales spaced."""
        used: dict[str, float] = defaultdict(float)
        flash_starts = []
        for s in self.segs:
            mode = s.mode
            if mode.promotion is None:
                continue
            promo_minutes = (
                s.minutes if mode.promo_minutes is None else min(s.minutes, mode.promo_minutes)
            )
            if (
                mode.window
                and not _frozen(s.raw)
                and (s.start < mode.window[0] or s.start + promo_minutes > mode.window[1])
            ):
                self.fail(
                    mode.promotion,
                    f"{mode.kind} {mode.promotion} at {self.clock(s.start)} is outside its window",
                )
            if mode.kind == "flash_sale":
                if used[mode.promotion]:
                    self.fail(mode.promotion, f"flash sale {mode.promotion} runs twice")
                used[mode.promotion] = 1
                flash_starts.append((s.start, mode.promotion))
                promo = next(
                    p
                    for p in self.show.promotions
                    if isinstance(p, FlashSale) and p.id == mode.promotion
                )
                if s.minutes < promo.min_minutes and not _frozen(s.raw):
                    self.fail(
                        mode.promotion, f"flash sale {mode.promotion} shorter than its min_minutes"
                    )
            else:
                used[mode.promotion] += outcomes[s.number].promo_units
        for promotion, amount in used.items():
            cap = next((s.mode.units_cap for s in self.segs if s.mode.promotion == promotion), None)
            kind = next(s.mode.kind for s in self.segs if s.mode.promotion == promotion)
            if kind != "flash_sale" and cap is not None and amount > cap + 1e-6:
                self.fail(promotion, f"{kind} {promotion} uses {amount:.1f} units; cap {cap}")
        spacing = self.rules.flash_sale_spacing
        flash_starts.sort()
        for (a, pa), (b, pb) in itertools.pairwise(flash_starts):
            if b - a < spacing.min_gap_minutes and pa != pb:
                self.fail(
                    spacing.id,
                    f"flash sales {pa} and {pb} start {b - a} min apart; "
                    f"minimum {spacing.min_gap_minutes}",
                )

    def required(self) -> None:
        """Every promotion marked required runs: a segment in its mode (a drop, for a bag)."""
        used = {s.mode.promotion for s in self.segs}
        drops = self.plan.get("lucky_bags")
        if isinstance(drops, list):
            # A malformed drop (its id a list, say) is lucky_bags()'s to report, not a crash here.
            used |= {d["id"] for d in drops if isinstance(d, dict) and isinstance(d.get("id"), str)}
        for promo in self.show.promotions:
            if promo.type != "collab" and promo.required and promo.id not in used:
                kind = promo.type.replace("_", " ")
                self.fail(promo.id, f"required {kind} {promo.id} never runs")

    def hosts(self) -> None:
        """No host is on air longer than their max_stretch_minutes without a pause."""
        for host in self.show.hosts:
            windows = [
                (self.show.offset(w.from_), self.show.offset(w.to) or self.show.minutes)
                for w in host.shifts
            ] or [(0, self.show.minutes)]
            on_air = sorted(
                (max(s.start, lo), min(s.end, hi))
                for s in self.segs
                for lo, hi in windows
                if s.start < hi and lo < s.end
            )
            longest = 0
            run: tuple[int, int] | None = None  # (start, end) of the stretch on air so far
            for start, end in on_air:
                run = (start, end) if run is None or start > run[1] else (run[0], max(run[1], end))
                longest = max(longest, run[1] - run[0])
            if longest > host.max_stretch_minutes:
                self.fail(
                    "host_stretch",
                    f"{host.name} is on air {longest} min without a "
                    f"pause; the limit is {host.max_stretch_minutes}",
                )

    def _off_air(self, minute: int) -> str | None:
        """Why no host is on air at `minute` to run a lucky bag (None: someone is): nobody on
        shift, or a break that no host on shift covers."""
        show = self.show

        def on_shift(name: str) -> bool:
            host = next((h for h in show.hosts if h.name == name), None)
            if host is None:
                return False
            return not host.shifts or any(
                show.offset(w.from_) <= minute < (show.offset(w.to) or show.minutes)
                for w in host.shifts
            )

        for brk in show.breaks:
            begin = show.offset(brk.at)
            if begin <= minute < begin + brk.minutes:
                if any(on_shift(name) for name in brk.covered_by):
                    return None
                return f"the break at {format_clock(brk.at)} is not covered by a host on shift"
        if not any(on_shift(h.name) for h in show.hosts):
            return "no host is on shift"
        return None

    def lucky_bags(self) -> None:
        """Each drop a known bag, on the grid and inside its window, valued right, no more often
        than its count, at the cadence; a host on air for its countdown and draw, and no flash
        sale starting at its draw."""
        bags = {p.id: p for p in self.show.promotions if isinstance(p, LuckyBag)}
        rule = self.rules.lucky_bag_cadence
        flash_starts = {s.start: s for s in self.segs if s.mode.kind == "flash_sale"}
        drops = self.plan.get("lucky_bags") or []
        if not isinstance(drops, list):
            self.fail("plan", "lucky_bags is not a list")
            return
        counts: dict[str, int] = defaultdict(int)
        starts = []
        for drop in drops:
            bag_id = drop.get("id") if isinstance(drop, dict) else None
            bag = bags.get(bag_id) if isinstance(bag_id, str) else None
            minute = drop.get("minute") if isinstance(drop, dict) else None
            if bag is None or not isinstance(minute, int):
                self.fail("plan", f"unknown or malformed lucky bag {drop!r:.60}")
                continue
            counts[bag.id] += 1
            starts.append(minute)
            lo, hi = (
                (
                    self.show.offset(bag.window.from_),
                    self.show.offset(bag.window.to) or self.show.minutes,
                )
                if bag.window
                else (0, self.show.minutes)
            )
            if not _frozen(drop) and (
                minute % self.show.slot_minutes
                or minute < lo
                or minute + bag.countdown_minutes > min(hi, self.show.minutes)
            ):
                self.fail(
                    bag.id,
                    f"lucky bag {bag.id} at {self.clock(minute)} is off the grid, "
                    "outside its window or ends after the show",
                )
            draw = minute + bag.countdown_minutes
            # The countdown and the draw minute (unless the show has ended by then); a frozen
            # drop is what happened before a replan's cut, not a choice to judge.
            live = range(max(0, minute), min(draw + 1, self.show.minutes))
            for m in [] if _frozen(drop) else live:
                why = self._off_air(m)
                if why:
                    self.fail(
                        bag.id,
                        f"lucky bag {bag.id} at {self.clock(minute)} counts down or is drawn "
                        f"with no host on air at {self.clock(m)}: {why}",
                    )
                    break
            if rule.no_flash_sale_at_draw and draw in flash_starts and not _frozen(drop):
                self.fail(
                    rule.id,
                    f"flash sale {flash_starts[draw].mode.promotion} starts at "
                    f"{self.clock(draw)}, the minute lucky bag {bag.id} is drawn",
                )
            if self.as_recorded(drop):
                recorded_value = drop.get("value_cents")
                if not _integer(recorded_value):
                    self.fail("figures", f"lucky bag {bag.id} at {self.clock(minute)}: no value")
                    continue
                self.report.value_cents += recorded_value
                retention_value = drop.get("retention_value")
                if isinstance(retention_value, int | float):
                    self.report.totals["lucky_bag_retention_value"] = (
                        self.report.totals.get("lucky_bag_retention_value", 0) + retention_value
                    )
                continue
            retention, prize = bag_value(self.d, bag, minute)
            value = retention - (prize if self.show.objective == "profit" else 0)
            self.report.value_cents += value
            self.report.totals["lucky_bag_retention_value"] = (
                self.report.totals.get("lucky_bag_retention_value", 0) + retention / 100
            )
            for key, figure in (
                ("value_cents", value),
                ("retention_value", round(retention / 100, 2)),
                ("prize_cost", round(prize / 100, 2)),
            ):
                # value_cents is every drop's; the money figures are plan.json's (required there).
                if drop.get(key, None if key == "value_cents" else figure) != figure:
                    self.fail(
                        "figures",
                        f"lucky bag {bag.id} at {self.clock(minute)}: {key} "
                        f"{drop.get(key)!r:.40} ≠ recomputed {figure}",
                    )
        for bag_id, count in counts.items():
            if count > bags[bag_id].count:
                self.fail(
                    bag_id,
                    f"lucky bag {bag_id} drops {counted(count, 'time')}; "
                    f"count is {bags[bag_id].count}",
                )
        if not bags:
            return
        slot = self.show.slot_minutes
        high = max(1, rule.max_gap_minutes // slot) * slot
        low = max(1, math.ceil(rule.min_gap_minutes / slot)) * slot
        starts.sort()
        if not starts:
            self.fail(rule.id, "no lucky bag drops")
            return
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        if (
            starts[0] >= high
            or self.show.minutes - starts[-1] > high
            or any(g > high for g in gaps)
        ):
            self.fail(rule.id, f"lucky bags more than {rule.max_gap_minutes} min apart")
        if any(g < low for g in gaps):
            self.fail(rule.id, f"lucky bags less than {rule.min_gap_minutes} min apart")

    # --- figures ---
    def figures(self) -> dict[int, Outcome]:
        """Recompute each segment's units and money, compare them with the plan's, and check stock;
        returns each segment's outcome by number."""
        outcomes: dict[int, Outcome] = {}
        sold: dict[str, float] = defaultdict(float)
        totals: dict[str, float] = defaultdict(float)
        # A segment that starts as the same product's last one ends goes on with its pitch: the
        # decay runs on (read from the segments themselves, not from the plan's words).
        pitch = pitches([(s.sku, s.start, s.minutes, s.airing) for s in self.segs])
        for s, (began, lead) in zip(self.segs, pitch, strict=True):
            if s.start < 0 or s.minutes <= 0 or s.end > self.show.minutes:
                continue  # outside the show: reported by timeline(), it has no value to check
            expected = s.raw.get("expected") or {}
            if self.as_recorded(s.raw):
                recorded = _recorded_outcome(expected)
                if recorded is None:
                    self.fail("figures", f"{s.sku} at {self.clock(s.start)}: no figures recorded")
                    continue
                out, value, pref = recorded
                outcomes[s.number] = out
            else:
                out = segment_outcome(self.d, s.sku, s.mode, s.start, s.minutes, began, lead)
                outcomes[s.number] = out
                value = (
                    out.profit_cents if self.show.objective == "profit" else out.gmv_cents
                ) + out.pull_cents
                pref = preference(self.d, s.sku, s.start)
            self.report.value_cents += value
            self.report.preference_cents += pref
            sold[s.sku] += out.units
            totals["units"] += out.units
            totals["gmv"] += out.gmv_cents / 100
            totals["profit"] += out.profit_cents / 100
            if self.as_recorded(s.raw):
                continue  # its figures are the plan's own: nothing to compare them with
            claimed = (
                expected.get("units"),
                expected.get("gmv"),
                expected.get("profit"),
                expected.get("value_cents"),
            )
            actual = (
                round(out.units, 2),
                round(out.gmv_cents / 100, 2),
                round(out.profit_cents / 100, 2),
                value,
            )
            if claimed != actual:
                self.fail(
                    "figures",
                    f"{s.sku} at {self.clock(s.start)}: plan says units/GMV/"
                    f"profit/value {claimed}, recomputed {actual}",
                )
            # The rest of what the row claims, each by name (the paperwork prints them too).
            for key, figure in (
                ("promotion_units", round(out.promo_units, 2)),
                ("pull_value", round(out.pull_cents / 100, 2)),
                ("preference_cents", pref),
            ):
                if key in expected and expected[key] != figure:
                    self.fail(
                        "figures",
                        f"{s.sku} at {self.clock(s.start)}: {key} {expected[key]!r:.40} ≠ "
                        f"recomputed {figure}",
                    )
        for sku, units in sold.items():
            if units > self.d.available[sku] + 1e-6:
                self.fail(
                    "stock",
                    f"{sku}: {units:.1f} units planned; {self.d.available[sku]} "
                    "available after the reserve",
                )
        self.report.totals.update({k: round(v, 2) for k, v in totals.items()})
        return outcomes

    def claims(self) -> None:
        """The plan's total value and the solver's objective match the recomputed ones."""
        totals = self.plan.get("totals") or {}
        solver = self.plan.get("solver") or {}
        if not isinstance(totals, dict) or not isinstance(solver, dict):
            self.fail("plan", "totals and solver must be mappings")
            return
        if totals.get("value_cents") not in (None, self.report.value_cents):
            self.fail(
                "figures",
                f"plan total value {totals.get('value_cents')} ≠ recomputed "
                f"{self.report.value_cents}",
            )
        objective = solver.get("objective_cents")
        if not self.recompute:
            return  # the solver's claim is about figures this check did not recompute
        if objective is not None and objective != self.report.objective_cents:
            self.fail(
                "figures",
                f"solver objective {objective} ≠ recomputed {self.report.objective_cents}",
            )


def _recorded_outcome(expected: dict[str, Any]) -> tuple[Outcome, int, int] | None:
    """A row's own figures as an outcome, its value and its preference (None: malformed)."""
    keys = ("units", "promotion_units", "gmv", "profit", "pull_value")
    numbers = [expected.get(k, 0.0) for k in keys]
    value, pref = expected.get("value_cents"), expected.get("preference_cents", 0)
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return None
    if not (_integer(value) and _integer(pref)):
        return None
    units, promo, gmv, profit, pull = (float(n) for n in numbers)
    out = Outcome(units, promo, round(gmv * 100), round(profit * 100), round(pull * 100))
    return out, value, pref


def check_plan(
    inputs: ShowInputs,
    plan: dict[str, Any],
    demand: Demand | None = None,
    *,
    recompute: bool = True,
    facts: bool = True,
) -> CheckReport:
    """Verify every hard rule of `plan` and recompute its figures; never raises on a bad plan.

    Frozen segments and drops (a replanned plan's past) count with the figures they record,
    which are what happened. `recompute=False` counts every row so: the rules are checked
    (stock and promotion caps with the plan's own units) and the totals must add up, but
    nothing is compared with the model (a replanned plan's rest was planned with the viewers,
    conversion and stock its actuals left, which the show's files do not hold).

    Every fact the plan carries (prices, names, cart links, promotions, prizes, totals, stock;
    verify/facts.py) is checked against the show's files under the rule "facts"; `facts=False`
    leaves them to another check of the same plan (a replan's rest, checked on its own
    inputs after the whole plan was)."""
    check = _Check(inputs, plan, demand, recompute)
    check.read()
    check.timeline()
    check.airings()
    check.roles()
    check.placement()
    check.hosts()
    outcomes = check.figures()
    check.promotions(outcomes)
    check.lucky_bags()
    check.required()
    check.claims()
    if facts:
        for message in Facts(inputs, plan, check.d, recompute).check(check.segs, outcomes):
            check.fail("facts", message)
    return check.report
