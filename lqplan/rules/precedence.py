"""Precedence: if both air, one product's first airing comes before another's."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand, Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


class Precedence(Model):
    """`rules.precedence[]`: `before` airs before `after` (when both air)."""

    id: Code | None = None
    before: Code
    after: Code

    @property
    def rule_id(self) -> str:
        """The id given, else one made from the two products."""
        return self.id or f"precedence-{self.before}-{self.after}"


class PrecedenceFamily(Family):
    """The precedence family: one product's first airing before another's, if both air."""

    name = "precedence"
    order = 60
    names_products = True
    carry_order = 2

    def rule_ids(self, rules: Rules) -> list[str]:
        """One id per precedence rule."""
        return [rule.rule_id for rule in rules.precedence]

    def validate(self, check: CrossCheck) -> None:
        """Both products exist, differ, and the rules form no cycle (a before b before a)."""
        graph: dict[str, set[str]] = defaultdict(set)
        for i, rule in enumerate(check.show.rules.precedence):
            path = ("rules", "precedence", i)
            ok = check.sku_known("show", (*path, "before"), rule.before, "precedence")
            ok = check.sku_known("show", (*path, "after"), rule.after, "precedence") and ok
            if rule.before == rule.after:
                check.report("show", path, f"{rule.before!r} cannot air before itself")
            elif ok:
                graph[rule.before].add(rule.after)
        cycle = _find_cycle(graph)
        if cycle:
            check.report(
                "show",
                ("rules", "precedence"),
                "precedence rules form a cycle: " + " → ".join(cycle),
            )

    def protected(self, show: Show) -> set[str]:
        """Both products of every rule."""
        return {sku for rule in show.rules.precedence for sku in (rule.before, rule.after)}

    def constrain(self, m: ShowModel) -> None:
        """If both air, `before` starts before `after` (first airings)."""
        for rule in m.rules.precedence:
            first = m.by_airing.get((rule.before, 1), [])
            second = m.by_airing.get((rule.after, 1), [])
            release = {i: m.demand.options[i].start + 1 for i in first}
            lit = m.lit(rule.rule_id, f"{rule.before} must air before {rule.after}")
            m.ordered(first, second, release, lit)

    def impossible(self, demand: Demand) -> list[str]:
        """Both products must air (a pinned slot, a collab, a required promotion), and the first
        airing of `after` must start no later than that of `before` can: the rule and those."""
        from lqplan.rules import must_air  # the registry imports this module

        musts = must_air(demand.inputs.show)
        starts: dict[str, list[int]] = defaultdict(list)
        for o in demand.options:
            if o.airing == 1:
                starts[o.sku].append(o.start * demand.slot)
        out = []
        for rule in demand.inputs.show.rules.precedence:
            before = [m for m in musts if m.sku == rule.before]
            after = [m for m in musts if m.sku == rule.after]
            if not before or not after or not starts[rule.before] or not starts[rule.after]:
                continue
            earliest = max([min(starts[rule.before])] + [m.first_from for m in before])
            latest = min(
                [max(starts[rule.after])]
                + [m.first_until for m in after if m.first_until is not None]
            )
            if earliest < latest:
                continue
            out.append(
                f"{rule.rule_id}: {rule.before} must air before {rule.after}, but cannot start "
                f"before {demand.inputs.show.clock(earliest)} and {rule.after} must start by "
                f"{demand.inputs.show.clock(latest)}"
            )
            out += [f"{m.rule_id}: {m.words}" for m in before + after]
        return out

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """A first airing may not start before an earlier-ranked product's, nor after a
        later-ranked one's."""
        named = g.layout.memo.get(self.name)
        if named is None:
            named = g.layout.memo[self.name] = self.protected(g.show)
        if o.airing != 1 or o.sku not in named:
            return True
        firsts = {
            rule_sku: g.by_sku[rule_sku][0].start
            for rule in g.rules.precedence
            for rule_sku in (rule.before, rule.after)
            if g.by_sku[rule_sku]
        }
        for rule in g.rules.precedence:
            if rule.after == o.sku and rule.before in firsts and firsts[rule.before] >= o.start:
                return False
            if rule.before == o.sku and rule.after in firsts and firsts[rule.after] <= o.start:
                return False
        return True

    def carry_over(self, r: RestBuilder) -> None:
        """Settled once the first product aired; if the second aired first, the rule holds only
        if the first never airs, so it stays off."""
        kept = []
        for rule in r.rules.precedence:
            before, after = r.first_airing.get(rule.before), r.first_airing.get(rule.after)
            if before is None and after is None:
                kept.append(rule)
            elif before is not None and (after is None or before < after):
                r.note(rule.rule_id, "met", f"{rule.before} aired at {r.clock(before)}")
            elif before is not None:
                assert after is not None  # before aired, and not first: after aired earlier
                r.note(
                    rule.rule_id,
                    "missed",
                    f"{rule.after} aired at {r.clock(after)}, before {rule.before}",
                )
            else:
                assert after is not None
                r.why_not.setdefault(
                    rule.before,
                    f"{rule.rule_id}: {rule.after} aired at {r.clock(after)}, before it",
                )
                r.note(
                    rule.rule_id,
                    "adjusted",
                    f"{rule.after} aired at {r.clock(after)}: {rule.before} stays off",
                )
        r.update["precedence"] = kept

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on both products of a rule."""
        return [
            (rule.rule_id, f"{rule.before} airs before {rule.after}")
            for rule in e.show.rules.precedence
            if seg["sku"] in (rule.before, rule.after)
        ]


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of the graph as a path that returns to its first node, or [] if it has none."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        trail.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        trail.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


FAMILY = PrecedenceFamily()
