"""Repeats: a product may air again (an encore), up to `max_airings`, `min_gap_minutes` apart."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model
from lqplan.words import counted

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


class Repeat(Model):
    """`rules.repeats[]`: `sku` may air up to `max_airings` times (else it airs once)."""

    id: Code | None = None
    sku: Code
    max_airings: Annotated[int, Field(ge=2, le=10)] = 2
    min_gap_minutes: Annotated[int, Field(ge=0, le=1440)] = 60

    @property
    def rule_id(self) -> str:
        """The id given, else one made from the product."""
        return self.id or f"repeat-{self.sku}"


class Repeats(Family):
    """The repeats family: a product may air again, up to `max_airings`, a gap apart."""

    name = "repeats"
    order = 70
    names_products = True
    carry_order = 7

    def rule_ids(self, rules: Rules) -> list[str]:
        """One id per repeat rule."""
        return [rule.rule_id for rule in rules.repeats]

    def validate(self, check: CrossCheck) -> None:
        """The product exists."""
        for i, repeat in enumerate(check.show.rules.repeats):
            check.sku_known("show", ("rules", "repeats", i, "sku"), repeat.sku, "repeat")

    def protected(self, show: Show) -> set[str]:
        """Every product that may repeat."""
        return {rule.sku for rule in show.rules.repeats}

    def constrain(self, m: ShowModel) -> None:
        """An encore starts at least `min_gap_minutes` after the previous airing ends."""
        for rule in m.rules.repeats:
            gap = math.ceil(rule.min_gap_minutes / m.demand.slot)
            lit = m.lit(
                rule.rule_id, f"encores of {rule.sku} at least {rule.min_gap_minutes} minutes apart"
            )
            for airing in range(2, rule.max_airings + 1):
                first = m.by_airing.get((rule.sku, airing - 1), [])
                second = m.by_airing.get((rule.sku, airing), [])
                release = {i: m.demand.options[i].end + gap for i in first}
                m.ordered(first, second, release, lit)
        self._one_pitch(m)

    @staticmethod
    def _one_pitch(m: ShowModel) -> None:
        """Airings back to back (a gap of 0) are one pitch: an airing that starts the slot the
        one before it ends is the option that goes on with that pitch (the right lead), and an
        option that begins a pitch of its own never starts there."""
        options = m.demand.options
        groups: dict[tuple[str, int, int, int, int], list[int]] = defaultdict(list)
        for o in options:
            if o.airing > 1 and m.rules.back_to_back(o.sku):
                groups[(o.sku, o.airing, o.start, o.lead, o.pitch)].append(o.index)
        for (sku, airing, start, lead, pitch), group in groups.items():
            before = [i for i in m.by_airing.get((sku, airing - 1), []) if options[i].end == start]
            lit = m.lit(f"pitch-{sku}", f"airings of {sku} back to back are one pitch")
            if lead == 0:
                m.require_at_most_one(sorted(group + before), lit)
                continue
            going_on = [i for i in before if continued_by(options[i], lead, pitch)]
            m.require(m.sum_of(group) <= m.sum_of(going_on), lit)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """An encore waits its gap after the airing before it; one that starts as it ends goes
        on with its pitch."""
        previous = g.by_sku[o.sku]
        if not previous:
            return True
        last = previous[-1]
        if last.end == o.start:
            return continued_by(last, o.lead, o.pitch)
        if o.lead:
            return False
        gap = next((r.min_gap_minutes for r in g.rules.repeats if r.sku == o.sku), 0)
        return o.start >= last.end + math.ceil(gap / g.slot)

    def carry_over(self, r: RestBuilder) -> None:
        """Airings made count against max_airings; the next waits min_gap after the last."""
        kept = []
        for rule in r.rules.repeats:
            done = r.past.airings(rule.sku)
            if done == 0:
                kept.append(rule)
                continue
            if not r.can_air(rule.sku):
                r.note(
                    rule.rule_id,
                    "met" if done >= rule.max_airings else "dropped",
                    r.why_not[rule.sku],
                )
                continue
            last = max(s.end for s in r.past.segments if s.sku == rule.sku)
            earliest = last + rule.min_gap_minutes - r.cut
            if earliest > 0:
                r.earliest[rule.sku] = earliest
            left = rule.max_airings - done
            if left >= 2:
                kept.append(rule.model_copy(update={"max_airings": left}))
            r.note(
                rule.rule_id,
                "adjusted",
                f"{counted(done, 'airing')} made; up to {left} more, the next from "
                f"{r.clock(max(r.cut, last + rule.min_gap_minutes))}",
            )
        r.update["repeats"] = kept

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on every airing of the product."""
        return [
            (rule.rule_id, f"up to {rule.max_airings} airings, {rule.min_gap_minutes} min apart")
            for rule in e.show.rules.repeats
            if rule.sku == seg["sku"]
        ]


def continued_by(before: Option, lead: int, pitch: int) -> bool:
    """Does an option with this `lead` and `pitch` go on with `before`'s pitch, airing the slot
    it ends? (Not when lead is 0: that option begins a pitch of its own.)"""
    began = before.pitch or min(before.airing, 2)
    return lead > 0 and lead == before.lead + before.slots and pitch == began


FAMILY = Repeats()
