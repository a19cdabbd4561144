"""Traffic minimum: at least `count` traffic items (引流款) air, to keep new viewers coming in.

Traffic items earn little or lose money; under the profit objective the plan would air as few as
the opening rule asks. A show that wants more of them says how many.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model
from lqplan.words import counted

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules
    from lqplan.show.validate import CrossCheck


class TrafficMinimumRule(Model):
    """`rules.traffic_minimum`: at least `count` different traffic items air (0: no minimum)."""

    id: Code = "traffic_minimum"
    count: Annotated[int, Field(ge=0, le=100)] = 0


class TrafficMinimum(Family):
    """The traffic minimum: enough different traffic items on air."""

    name = "traffic_minimum"
    # Seeded in the greedy after the pinned slots and the collabs' windows, before promotions.
    order = 95
    carry_order = 10

    def rule_ids(self, rules: Rules) -> list[str]:
        """The rule's one id."""
        return [rules.traffic_minimum.id]

    def validate(self, check: CrossCheck) -> None:
        """The catalog has enough traffic items with stock to air."""
        rule = check.show.rules.traffic_minimum
        have = [
            p.sku for p in check.catalog.products if p.role == "traffic" and check.units.get(p.sku)
        ]
        if rule.count > len(have):
            check.report(
                "show",
                ("rules", "traffic_minimum", "count"),
                f"{rule.id} asks for {rule.count} traffic items; the catalog has {len(have)} "
                "with stock",
            )

    def impossible(self, demand: Demand) -> list[str]:
        """Fewer traffic items can air than the rule asks for."""
        rule = demand.inputs.show.rules.traffic_minimum
        products = demand.inputs.products
        airing = {o.sku for o in demand.options if products[o.sku].role == "traffic"}
        if len(airing) >= rule.count:
            return []
        return [f"{rule.id}: {rule.count} traffic items must air; {len(airing)} can"]

    def constrain(self, m: ShowModel) -> None:
        """At least `count` traffic items have a first airing."""
        rule = m.rules.traffic_minimum
        if rule.count <= 0:
            return
        firsts = m.options_where(lambda o: o.airing == 1 and m.role(o) == "traffic")
        lit = m.lit(rule.id, f"at least {rule.count} traffic items must air")
        m.require(m.sum_of(firsts) >= rule.count, lit)

    def greedy_seed(self, g: Greedy) -> None:
        """The best traffic items, each at its most valuable allowed place, until the minimum
        is met: a planner pencils them in before filling the rest."""
        rule = g.rules.traffic_minimum
        while sum(1 for sku in g.by_sku if g.by_sku[sku] and _traffic(g, sku)) < rule.count:
            options = [
                o
                for o in g.d.options
                if o.airing == 1
                and _traffic(g, o.sku)
                and not g.by_sku[o.sku]
                and g.allowed(o)
                and g.leaves_fillable(o)
            ]
            pick = max(options, key=lambda o: (o.value_cents, -o.index), default=None)
            if pick is None:
                return  # the fill may still find room; the checker judges the result
            g.place(pick)

    def carry_over(self, r: RestBuilder) -> None:
        """Traffic items aired before the cut count; the rest of the show needs the others."""
        rule = r.rules.traffic_minimum
        if rule.count <= 0:
            return
        aired = {s.sku for s in r.past.segments if r.inputs.products[s.sku].role == "traffic"}
        left = max(0, rule.count - len(aired))
        r.update["traffic_minimum"] = rule.model_copy(update={"count": left})
        if left == 0:
            r.note(rule.id, "met", f"{counted(len(aired), 'traffic item')} aired")
        else:
            r.note(rule.id, "adjusted", f"{len(aired)} aired; {left} more to air")

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on a traffic item while the show asks for a minimum."""
        rule = e.show.rules.traffic_minimum
        if rule.count <= 0 or e.inputs.products[seg["sku"]].role != "traffic":
            return []
        return [(rule.id, f"one of the {rule.count} traffic items the show must air")]


def _traffic(g: Greedy, sku: str) -> bool:
    return g.products[sku].role == "traffic"


FAMILY = TrafficMinimum()
