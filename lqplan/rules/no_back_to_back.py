"""No back to back: two products of the same category (or brand) never air one after the other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules


class NoBackToBackRule(Model):
    """`rules.no_back_to_back`: which likeness keeps two products apart."""

    id: Code = "no_back_to_back"
    category: bool = True
    brand: bool = False


class NoBackToBack(Family):
    """The no-back-to-back family: alike products never air one after the other."""

    name = "no_back_to_back"
    order = 40
    carry_order = 9

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.no_back_to_back.id]

    def constrain(self, m: ShowModel) -> None:
        """Two products of the same category (or brand) never air back to back."""
        rule = m.rules.no_back_to_back
        keys: list[tuple[str, Callable[[str], object]]] = []
        if rule.category:
            keys.append(("category", lambda sku: m.products[sku].category))
        if rule.brand:
            keys.append(("brand", lambda sku: m.products[sku].brand))
        lit = m.lit(rule.id, "no same " + " or ".join(k for k, _ in keys) + " back to back")
        for _name, key in keys:
            ending: dict[tuple[int, object], list[int]] = defaultdict(list)
            starting: dict[tuple[int, object], list[int]] = defaultdict(list)
            for o in m.demand.options:
                value = key(o.sku)
                if value is None:
                    continue
                ending[(o.end, value)].append(o.index)
                starting[(o.start, value)].append(o.index)
            for boundary_key, ends in ending.items():
                starts = starting.get(boundary_key)
                if starts:
                    m.require_at_most_one(sorted(ends + starts), lit)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """Neither neighbour already placed is alike."""
        before = g.occupied.get(o.start - 1)
        after = g.occupied.get(o.end)
        return all(
            other is None or not _alike(g.rules.no_back_to_back, g, o.sku, other.sku)
            for other in (before, after)
        )

    def carry_over(self, r: RestBuilder) -> None:
        """The last product before the cut keeps its likeness off the rest's first minute."""
        last = max(r.past.segments, key=lambda s: s.end, default=None)
        if last is not None and last.end == r.cut:
            product = r.inputs.products[last.sku]
            rule = r.rules.no_back_to_back
            r.clash = (
                product.category if rule.category else None,
                product.brand if rule.brand else None,
            )

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named with the segment's neighbours when the rule is on."""
        rule = e.show.rules.no_back_to_back
        start, end = seg["start_minute"], seg["start_minute"] + seg["minutes"]
        neighbours = [
            s
            for s in e.segments
            if s["start_minute"] + s["minutes"] == start or s["start_minute"] == end
        ]
        if not (rule.category or rule.brand) or not neighbours:
            return []
        likeness = (("category", rule.category), ("brand", rule.brand))
        what = " or ".join(name for name, on in likeness if on)
        beside = ", ".join(
            f"{s['sku']} ({e.inputs.products[s['sku']].category})" for s in neighbours
        )
        return [(rule.id, f"next to {beside}: no {what} back to back")]


def _alike(rule: NoBackToBackRule, g: Greedy, a: str, b: str) -> bool:
    pa, pb = g.products[a], g.products[b]
    return bool(
        (rule.category and pa.category == pb.category)
        or (rule.brand and pa.brand is not None and pa.brand == pb.brand)
    )


FAMILY = NoBackToBack()
