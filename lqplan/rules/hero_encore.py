"""The hero encore: a hero airs again (or for the first time) near the end of the show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules


class HeroEncoreRule(Model):
    """`rules.hero_encore`: a hero starts within the last `last_minutes` of the show."""

    id: Code = "hero_encore"
    enabled: bool = True
    last_minutes: Annotated[int, Field(ge=1, le=1440)] = 30


class HeroEncore(Family):
    """The hero-encore family: a hero airs near the end of the show."""

    name = "hero_encore"
    order = 30
    carry_order = 5

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.hero_encore.id]

    def constrain(self, m: ShowModel) -> None:
        """A hero starts within the last `last_minutes` of the show."""
        rule = m.rules.hero_encore
        if not rule.enabled or not m.has_heroes():
            return
        slot, minutes = m.demand.slot, m.show.minutes
        late = m.options_where(
            lambda o: m.role(o) == "hero" and o.start * slot >= minutes - rule.last_minutes
        )
        lit = m.lit(rule.id, f"a hero must air in the last {rule.last_minutes} minutes")
        m.require(m.sum_of(late) >= 1, lit)

    def carry_over(self, r: RestBuilder) -> None:
        """A hero already on air in the closing window meets the rule."""
        rule = r.rules.hero_encore
        if not rule.enabled or not any(p.role == "hero" for p in r.inputs.catalog.products):
            return
        late = [
            s
            for s in r.past.segments
            if r.inputs.products[s.sku].role == "hero" and s.start >= r.total - rule.last_minutes
        ]
        off = rule.model_copy(update={"enabled": False})
        if late:
            r.note(rule.id, "met", f"{late[0].sku} aired at {r.clock(late[0].start)}")
            r.update["hero_encore"] = off
        elif not r.heroes_left():
            r.note(rule.id, "dropped", "no hero can air in the rest of the show")
            r.update["hero_encore"] = off

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on the only hero in the closing window."""
        rule = e.show.rules.hero_encore
        if not rule.enabled:
            return []
        last = e.show.minutes - rule.last_minutes
        closing = [
            s
            for s in e.segments
            if e.inputs.products[s["sku"]].role == "hero" and s["start_minute"] >= last
        ]
        if closing != [seg]:
            return []
        return [(rule.id, f"the only hero in the last {rule.last_minutes} min")]


FAMILY = HeroEncore()
