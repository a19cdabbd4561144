"""Pins: a product starts at an exact clock time (a brand's slot, a guest's arrival)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lqplan.rules.family import Family, MustAir
from lqplan.show.fields import Clock, Code, Model, format_clock

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


class Pin(Model):
    """`rules.pins[]`: `sku` starts at `at`."""

    id: Code | None = None
    sku: Code
    at: Clock

    @property
    def rule_id(self) -> str:
        """The id given, else one made from the product and the time."""
        return self.id or f"pin-{self.sku}-{format_clock(self.at).replace(':', '')}"


class Pins(Family):
    """The pins family: a product starts at an exact clock time."""

    name = "pins"
    order = 50
    names_products = True
    carry_order = 6

    def rule_ids(self, rules: Rules) -> list[str]:
        """One id per pin."""
        return [pin.rule_id for pin in rules.pins]

    def validate(self, check: CrossCheck) -> None:
        """A pin names a product, on the slot grid, inside the show and outside every break, and
        no two pins share a start (one product starts at a time: more pins than slots cannot be
        meant, and each would cost the planner a constraint)."""
        show, minutes = check.show, check.show.minutes
        at: dict[int, list[int]] = {}  # start minute -> the pins there, in order
        for i, pin in enumerate(show.rules.pins):
            path = ("rules", "pins", i)
            if not check.sku_known("show", (*path, "sku"), pin.sku, "pin"):
                continue
            off = check.offset(pin.at)
            at.setdefault(off, []).append(i)
            if len(at[off]) > 1:
                continue  # reported below, once a slot
            if off >= minutes:
                check.report(
                    "show",
                    (*path, "at"),
                    f"pin at {format_clock(pin.at)} is outside the "
                    f"show ({show.clock(0)}–{show.clock(minutes)})",
                )
            elif off % show.slot_minutes:
                before = off - off % show.slot_minutes
                check.report(
                    "show",
                    (*path, "at"),
                    f"pin at {format_clock(pin.at)} is not on the "
                    f"{show.slot_minutes}-minute slot grid (try "
                    f"{show.clock(before)} or {show.clock(before + show.slot_minutes)})",
                )
            else:
                for brk in show.breaks:
                    b = check.offset(brk.at)
                    if b <= off < b + brk.minutes:
                        check.report(
                            "show",
                            (*path, "at"),
                            f"pin at {format_clock(pin.at)} falls in the break at "
                            f"{format_clock(brk.at)}",
                        )
        for pins in at.values():
            if len(pins) > 1:
                # Once a slot, at its second pin: 10,000 pins are a dozen lines, not 10,000.
                first, second = show.rules.pins[pins[0]], pins[1]
                more = f" and {len(pins) - 2} more after it" if len(pins) > 2 else ""
                check.report(
                    "show",
                    ("rules", "pins", second, "at"),
                    f"{first.sku} is pinned at {format_clock(first.at)} already "
                    f"(rules.pins[{pins[0]}]); this pin{more} too: at most one pin a slot",
                )

    def protected(self, show: Show) -> set[str]:
        """Every pinned product."""
        return {pin.sku for pin in show.rules.pins}

    def anchors(self, show: Show) -> set[int]:
        """A coarse start grid restarts at each pin, so the pinned start is on it."""
        return {show.offset(pin.at) for pin in show.rules.pins}

    def constrain(self, m: ShowModel) -> None:
        """A pinned product starts exactly at its pinned time."""
        for pin in m.rules.pins:
            start = m.show.offset(pin.at) // m.demand.slot
            indices = [o.index for o in m.demand.options if o.sku == pin.sku and o.start == start]
            lit = m.lit(pin.rule_id, f"pin {pin.sku} at {format_clock(pin.at)}")
            m.require(m.sum_of(indices) == 1, lit)

    def must_air(self, show: Show) -> list[MustAir]:
        """Each pinned product airs; one that airs once starts its first airing at the pin."""
        out = []
        for pin in show.rules.pins:
            minute = show.offset(pin.at)
            once = show.rules.airings_allowed(pin.sku) == 1
            out.append(
                MustAir(
                    pin.sku,
                    pin.rule_id,
                    f"pin {pin.sku} at {format_clock(pin.at)}",
                    first_from=minute if once else 0,
                    first_until=minute,
                )
            )
        return out

    def impossible(self, demand: Demand) -> list[str]:
        """A pin whose product has no segment starting at the pinned time (it would run into a
        break or past the end, or the product cannot air)."""
        show, out = demand.inputs.show, []
        starts = {(o.sku, o.start) for o in demand.options}
        for pin in show.rules.pins:
            if (pin.sku, show.offset(pin.at) // demand.slot) not in starts:
                out.append(
                    f"{pin.rule_id}: no segment of {pin.sku} can start at "
                    f"{format_clock(pin.at)} (a break or the end comes first, or it cannot air)"
                )
        return out

    def greedy_seed(self, g: Greedy) -> None:
        """Each pinned product at its slot, the latest first, at a length that leaves the gap
        to the next pin fillable (two pins 5 minutes apart: not a 4-minute segment)."""
        for pin in sorted(g.rules.pins, key=lambda p: (-g.show.offset(p.at), p.sku)):
            start = g.show.offset(pin.at) // g.slot
            options = [o for o in g.by_start.get(start, []) if o.sku == pin.sku]
            pick = g.best([o for o in options if g.leaves_fillable(o)]) or g.best(options)
            if pick:
                g.place(pick)

    def carry_over(self, r: RestBuilder) -> None:
        """A pin before the cut is history; a pin of a product that cannot air is dropped."""
        kept = []
        for pin in r.rules.pins:
            minute = r.show.offset(pin.at)
            if minute < r.cut:
                aired = any(s.sku == pin.sku and s.start == minute for s in r.past.segments)
                r.note(
                    pin.rule_id,
                    "met" if aired else "missed",
                    f"pinned at {format_clock(pin.at)}, before {r.clock(r.cut)}"
                    + ("" if aired else f"; {pin.sku} did not start then"),
                )
            elif not r.can_air(pin.sku):
                r.note(pin.rule_id, "dropped", r.why_not[pin.sku])
            else:
                kept.append(pin)
        r.update["pins"] = kept

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on the pinned product, with its time."""
        return [
            (pin.rule_id, f"pinned at {format_clock(pin.at)}")
            for pin in e.show.rules.pins
            if pin.sku == seg["sku"]
        ]


FAMILY = Pins()
