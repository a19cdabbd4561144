"""Exclusions: at most one product of a group airs (competing brands, one supplier's items)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pydantic import Field

from lqplan.rules.family import Family, MustAir
from lqplan.show.fields import Code, Model, Text

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand, Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


class Exclusion(Model):
    """At most one of these products airs (competing brands, one supplier's items...)."""

    id: Code | None = None
    skus: list[Code] = Field(min_length=2)
    reason: Text | None = None

    @property
    def rule_id(self) -> str:
        """The id given, else one made from the products."""
        return self.id or "exclusion-" + "-".join(self.skus)


class Exclusions(Family):
    """The exclusions family: at most one product of each group airs."""

    name = "exclusions"
    order = 80
    names_products = True
    carry_order = 1

    def rule_ids(self, rules: Rules) -> list[str]:
        """One id per exclusion group."""
        return [rule.rule_id for rule in rules.exclusions]

    def validate(self, check: CrossCheck) -> None:
        """Every product of a group exists."""
        for i, exclusion in enumerate(check.show.rules.exclusions):
            for j, sku in enumerate(exclusion.skus):
                check.sku_known("show", ("rules", "exclusions", i, "skus", j), sku, "exclusion")

    def protected(self, show: Show) -> set[str]:
        """Every product of every group."""
        return {sku for rule in show.rules.exclusions for sku in rule.skus}

    def constrain(self, m: ShowModel) -> None:
        """At most one product of an exclusion group airs."""
        for rule in m.rules.exclusions:
            indices = [i for sku in rule.skus for i in m.by_airing.get((sku, 1), [])]
            lit = m.lit(rule.rule_id, "only one of " + ", ".join(rule.skus) + " may air")
            m.require_at_most_one(indices, lit)

    def impossible(self, demand: Demand) -> list[str]:
        """A group with two products that other rules make air (a pin, a collab, a required
        promotion): the group and each of those rules."""
        from lqplan.rules import must_air  # the registry imports this module

        musts: dict[str, list[MustAir]] = defaultdict(list)
        for need in must_air(demand.inputs.show):
            musts[need.sku].append(need)
        out = []
        for rule in demand.inputs.show.rules.exclusions:
            named = [sku for sku in rule.skus if musts[sku]]
            if len(named) < 2:
                continue
            out.append(f"{rule.rule_id}: only one of {', '.join(rule.skus)} may air")
            out += [f"{need.rule_id}: {need.words}" for sku in named for need in musts[sku]]
        return out

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """A first airing only if no other product of its groups has aired."""
        if o.airing != 1:
            return True
        groups: dict[str, list[tuple[str, ...]]] | None = g.layout.memo.get(self.name)
        if groups is None:
            groups = defaultdict(list)
            for rule in g.rules.exclusions:
                for sku in rule.skus:
                    groups[sku].append(tuple(rule.skus))
            g.layout.memo[self.name] = groups
        return not any(
            any(other != o.sku and g.by_sku[other] for other in skus)
            for skus in groups.get(o.sku, ())
        )

    def carry_over(self, r: RestBuilder) -> None:
        """An exclusion whose product aired keeps the others off the rest of the show."""
        kept = []
        for rule in r.rules.exclusions:
            aired = [sku for sku in rule.skus if sku in r.first_airing]
            if not aired:
                kept.append(rule)
                continue
            for sku in rule.skus:
                if sku not in aired:
                    r.why_not.setdefault(sku, f"{rule.rule_id}: {aired[0]} aired")
            status = "met" if len(aired) == 1 else "missed"
            r.note(rule.rule_id, status, f"{', '.join(aired)} aired; the others stay off")
        r.update["exclusions"] = kept

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on each product of a group."""
        return [
            (rule.rule_id, f"only one of {', '.join(rule.skus)} may air")
            for rule in e.show.rules.exclusions
            if seg["sku"] in rule.skus
        ]


FAMILY = Exclusions()
