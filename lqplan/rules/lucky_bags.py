"""Lucky bags (福袋): one drops every `min_gap_minutes`–`max_gap_minutes`, each kind at most
`count` times, and no flash sale starts in the minute a bag is drawn. The bags themselves are
promotions (`type: lucky_bag`, show/model.py); a drop is offered only where a host is on air for
its countdown and draw (plan/options.py: never in an uncovered break)."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import BagDrop, Demand
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


class LuckyBagCadenceRule(Model):
    """`rules.lucky_bag_cadence`: the gap between two drops."""

    id: Code = "lucky_bag_cadence"
    min_gap_minutes: Annotated[int, Field(ge=1, le=240)] = 15
    max_gap_minutes: Annotated[int, Field(ge=1, le=240)] = 20
    no_flash_sale_at_draw: bool = Field(
        default=True,
        description="no flash sale starts in the minute a bag is drawn (the host cannot call "
        "both at once)",
    )


class LuckyBags(Family):
    """The lucky-bag family: drops at the cadence, each bag no more often than its count."""

    name = "lucky_bags"
    order = 120

    def rule_ids(self, rules: Rules) -> list[str]:
        """The cadence rule's id."""
        return [rules.lucky_bag_cadence.id]

    def validate(self, check: CrossCheck) -> None:
        """The gap's bounds are in order."""
        cadence = check.show.rules.lucky_bag_cadence
        if cadence.min_gap_minutes > cadence.max_gap_minutes:
            check.report(
                "show", ("rules", "lucky_bag_cadence"), "min_gap_minutes is above max_gap_minutes"
            )

    def constrain(self, m: ShowModel) -> None:
        """Lucky bags drop every min..max gap minutes, each kind at most `count` times."""
        drops = m.demand.drops
        if not drops:
            return
        rule = m.rules.lucky_bag_cadence
        slot, slots = m.demand.slot, m.demand.slots
        counts = {p.id: p.count for p in m.show.promotions if p.type == "lucky_bag"}
        for kind, count in counts.items():
            m.model.add(sum(m.z[i] for i, d in enumerate(drops) if d.promotion == kind) <= count)
        lit = m.lit(
            rule.id,
            f"a lucky bag every {rule.min_gap_minutes}–"
            f"{rule.max_gap_minutes} minutes ({sum(counts.values())} "
            "drops in the lucky_bag promotions)",
        )
        at_start: dict[int, list[int]] = defaultdict(list)
        for i, drop in enumerate(drops):
            at_start[drop.start].append(i)
        low = max(1, math.ceil(rule.min_gap_minutes / slot))
        high = max(1, rule.max_gap_minutes // slot)
        for s in range(slots):
            window = [i for t in range(s, min(slots, s + low)) for i in at_start.get(t, [])]
            if len(window) > 1:
                m.require(sum(m.z[i] for i in window) <= 1, lit)
        for s in range(0, max(0, slots - high) + 1):
            window = [i for t in range(s, s + high) for i in at_start.get(t, [])]
            m.require(sum(m.z[i] for i in window) >= 1, lit)
        if m.demand.bag_due is not None:
            # The cadence began before the first slot (a replan's rest): a drop by the slot due.
            due = [i for i, drop in enumerate(drops) if drop.start <= m.demand.bag_due]
            m.require(sum(m.z[i] for i in due) >= 1, lit)
        if rule.no_flash_sale_at_draw:
            self._no_flash_sale_at_draw(m, lit)

    def _no_flash_sale_at_draw(self, m: ShowModel, lit: Any) -> None:
        """No flash sale starts in the minute a bag is drawn (at most one flash sale starts in
        a minute, so one row per drop keeps the pair apart)."""
        slot = m.demand.slot
        countdown = _countdowns(m.show)
        flash_at: dict[int, list[int]] = defaultdict(list)
        for o in m.demand.options:
            if o.mode.kind == "flash_sale":
                flash_at[o.start * slot].append(o.index)
        for i, drop in enumerate(m.demand.drops):
            clash = flash_at.get(drop.start * slot + countdown[drop.promotion])
            if clash:
                m.require(m.z[i] + m.sum_of(clash) <= 1, lit)

    def greedy_allows_drop(self, g: Greedy, drop: BagDrop) -> bool:
        """No flash sale placed starts at the drop's draw minute."""
        if not g.rules.lucky_bag_cadence.no_flash_sale_at_draw:
            return True
        draw = drop.start * g.slot + _countdowns(g.show)[drop.promotion]
        return not any(c.mode.kind == "flash_sale" and c.start * g.slot == draw for c in g.chosen)

    def impossible(self, demand: Demand) -> list[str]:
        """A cadence the slot grid cannot keep (15–15 minutes on a 2-minute grid: drops fall 14
        or 16 apart), or a stretch of the show longer than the gap where no bag can drop."""
        if not demand.drops:
            return []
        rule, slot, slots = demand.inputs.show.rules.lucky_bag_cadence, demand.slot, demand.slots
        low = max(1, math.ceil(rule.min_gap_minutes / slot))
        high = max(1, rule.max_gap_minutes // slot)
        if low > high:
            return [
                f"{rule.id}: a gap of {rule.min_gap_minutes}–{rule.max_gap_minutes} minutes "
                f"cannot be kept on the {slot}-minute slot grid (drops fall "
                f"{high * slot} or {low * slot} minutes apart)"
            ]
        starts = {d.start for d in demand.drops}
        for s in range(0, max(0, slots - high) + 1):
            if not any(t in starts for t in range(s, s + high)):
                show = demand.inputs.show
                return [
                    f"{rule.id}: no lucky bag can drop between {show.clock(s * slot)} and "
                    f"{show.clock((s + high) * slot)}, but one must every "
                    f"{rule.max_gap_minutes} minutes"
                ]
        return []


def _countdowns(show: Show) -> dict[str, int]:
    """Each lucky bag's countdown in minutes, by id: its draw is that long after the drop."""
    return {p.id: p.countdown_minutes for p in show.promotions if p.type == "lucky_bag"}


FAMILY = LuckyBags()
