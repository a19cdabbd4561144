"""The first hero: the first hero product starts inside a window early in the show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules
    from lqplan.show.validate import CrossCheck


class FirstHeroRule(Model):
    """`rules.first_hero`: the first hero starts between `from_minute` and `to_minute`."""

    id: Code = "first_hero"
    enabled: bool = True
    from_minute: Annotated[int, Field(ge=0, le=1440)] = 10
    to_minute: Annotated[int, Field(ge=0, le=1440)] = 30


class FirstHero(Family):
    """The first-hero family: the first hero starts inside an early window."""

    name = "first_hero"
    order = 20
    carry_order = 4

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.first_hero.id]

    def validate(self, check: CrossCheck) -> None:
        """The window is in order and inside the show; a show without heroes is warned."""
        rule = check.show.rules.first_hero
        if not rule.enabled:
            return
        if rule.from_minute > rule.to_minute:
            check.report("show", ("rules", "first_hero"), "from_minute is after to_minute")
        if rule.from_minute >= check.show.minutes:
            check.report("show", ("rules", "first_hero", "from_minute"), "outside the show")
        if not any(p.role == "hero" for p in check.catalog.products):
            check.report(
                "show",
                ("rules", "first_hero"),
                "no product has role 'hero': rules first_hero and hero_encore do not apply",
                "warning",
            )

    def constrain(self, m: ShowModel) -> None:
        """The first hero starts inside its window; no hero starts before it."""
        rule = m.rules.first_hero
        if not rule.enabled or not m.has_heroes():
            return
        slot = m.demand.slot
        early = m.options_where(lambda o: m.role(o) == "hero" and o.start * slot < rule.from_minute)
        inside = m.options_where(
            lambda o: m.role(o) == "hero" and rule.from_minute <= o.start * slot <= rule.to_minute
        )
        lit = m.lit(
            rule.id,
            f"the first hero must start between minute {rule.from_minute} "
            f"and minute {rule.to_minute}",
        )
        m.require(m.sum_of(inside) >= 1, lit)
        if early:
            m.require(m.sum_of(early) == 0, lit)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """No hero starts before the window."""
        rule = g.rules.first_hero
        return not (
            rule.enabled
            and g.products[o.sku].role == "hero"
            and o.start * g.slot < rule.from_minute
        )

    def carry_over(self, r: RestBuilder) -> None:
        """The first hero's window moves with the show's start; past it, it is met or missed."""
        rule = r.rules.first_hero
        has_heroes = any(p.role == "hero" for p in r.inputs.catalog.products)
        if not rule.enabled or not has_heroes:
            return
        heroes = [s for s in r.past.segments if r.inputs.products[s.sku].role == "hero"]
        off = rule.model_copy(update={"enabled": False})
        if heroes:
            first = heroes[0].start
            ok = rule.from_minute <= first <= rule.to_minute
            r.note(rule.id, "met" if ok else "missed", f"first hero at {r.clock(first)}")
            r.update["first_hero"] = off
        elif r.cut > rule.to_minute:
            r.note(rule.id, "missed", f"no hero by {r.clock(rule.to_minute)}")
            r.update["first_hero"] = off
        elif not r.heroes_left():
            r.note(rule.id, "dropped", "no hero can air in the rest of the show")
            r.update["first_hero"] = off
        else:
            window = (max(0, rule.from_minute - r.cut), rule.to_minute - r.cut)
            r.update["first_hero"] = rule.model_copy(
                update={"from_minute": window[0], "to_minute": window[1]}
            )
            r.note(
                rule.id,
                "adjusted",
                f"still due: first hero {r.clock(r.cut + window[0])}–{r.clock(r.cut + window[1])}",
            )

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on the plan's first hero."""
        rule = e.show.rules.first_hero
        heroes = [s for s in e.segments if e.inputs.products[s["sku"]].role == "hero"]
        if not rule.enabled or not heroes or heroes[0] is not seg:
            return []
        return [(rule.id, f"first hero, window minute {rule.from_minute}–{rule.to_minute}")]


FAMILY = FirstHero()
