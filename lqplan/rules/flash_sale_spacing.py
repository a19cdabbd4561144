"""Flash-sale spacing: flash sales (限时秒杀) start at least `min_gap_minutes` apart."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules


class FlashSaleSpacingRule(Model):
    """`rules.flash_sale_spacing`: minutes between the starts of two flash sales."""

    id: Code = "flash_sale_spacing"
    min_gap_minutes: Annotated[int, Field(ge=0, le=240)] = 20


class FlashSaleSpacing(Family):
    """The flash-sale spacing family: flash sales start at least a gap apart."""

    name = "flash_sale_spacing"
    order = 110
    carry_order = 8

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.flash_sale_spacing.id]

    def constrain(self, m: ShowModel) -> None:
        """Flash sales start at least `min_gap_minutes` apart."""
        rule = m.rules.flash_sale_spacing
        width = math.ceil(rule.min_gap_minutes / m.demand.slot)
        flash = [o for o in m.demand.options if o.mode.kind == "flash_sale"]
        if width <= 1 or not flash:
            return
        lit = m.lit(rule.id, f"flash sales at least {rule.min_gap_minutes} minutes apart")
        for s in range(m.demand.slots):
            inside = [o.index for o in flash if s <= o.start < s + width]
            if len({m.demand.options[i].mode.promotion for i in inside}) > 1:
                m.require_at_most_one(inside, lit)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """No flash sale already placed starts within the gap."""
        if o.mode.kind != "flash_sale":
            return True
        width = math.ceil(g.rules.flash_sale_spacing.min_gap_minutes / g.slot)
        return not any(
            c.mode.kind == "flash_sale" and abs(c.start - o.start) < width for c in g.chosen
        )

    def carry_over(self, r: RestBuilder) -> None:
        """Flash sales keep their spacing from the last one before the cut."""
        rule = r.rules.flash_sale_spacing
        starts = [s.start for s in r.past.segments if s.mode.kind == "flash_sale"]
        if starts:
            r.flash_from = max(0, max(starts) + rule.min_gap_minutes - r.cut)


FAMILY = FlashSaleSpacing()
