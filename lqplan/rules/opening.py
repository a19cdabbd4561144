"""The opening: a traffic or welfare item (or the roles given) opens the show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model, Role

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules


_OPENERS: list[Role] = ["traffic", "welfare"]


class OpeningRule(Model):
    """`rules.opening`: a product of one of `roles` starts within the first `within_minutes`."""

    id: Code = "opening"
    enabled: bool = True
    roles: list[Role] = Field(default_factory=lambda: _OPENERS.copy(), min_length=1)
    within_minutes: Annotated[int, Field(ge=0, le=240)] = 5

    def opens_in_time(self, minute: int) -> bool:
        """A segment starting at `minute` counts: it starts inside the first `within_minutes`
        (0 means the very first minute)."""
        return minute < max(self.within_minutes, 1)


class Opening(Family):
    """The opening family: an opening-role product starts the show."""

    name = "opening"
    order = 10
    carry_order = 3

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.opening.id]

    def constrain(self, m: ShowModel) -> None:
        """An opening-role product starts within the first `within_minutes`."""
        rule = m.rules.opening
        if not rule.enabled:
            return
        slot = m.demand.slot
        roles = set(rule.roles)
        indices = m.options_where(
            lambda o: rule.opens_in_time(o.start * slot) and m.role(o) in roles
        )
        lit = m.lit(
            rule.id, f"a {'/'.join(rule.roles)} item must open within {rule.within_minutes} minutes"
        )
        m.require(m.sum_of(indices) >= 1, lit)

    def carry_over(self, r: RestBuilder) -> None:
        """The opening lies in the past: met or missed, never re-imposed."""
        rule = r.rules.opening
        if not rule.enabled:
            return
        opened = any(
            r.inputs.products[s.sku].role in rule.roles and rule.opens_in_time(s.start)
            for s in r.past.segments
        )
        status = "met" if opened else "missed"
        r.note(rule.id, status, f"the opening was before {r.clock(r.cut)}")
        r.update["opening"] = rule.model_copy(update={"enabled": False})

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named when this segment is the only opening-role item in time."""
        rule = e.show.rules.opening
        if not rule.enabled or e.inputs.products[seg["sku"]].role not in rule.roles:
            return []
        openers = [
            s
            for s in e.segments
            if e.inputs.products[s["sku"]].role in rule.roles
            and rule.opens_in_time(s["start_minute"])
        ]
        if openers != [seg]:
            return []
        return [
            (
                rule.id,
                f"the only {'/'.join(rule.roles)} item in the first {rule.within_minutes} min",
            )
        ]


FAMILY = Opening()
