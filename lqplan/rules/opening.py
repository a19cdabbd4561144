"""The opening: a traffic or welfare item (or the roles given) opens the show, either as its
first segment (`first: true`) or starting within the first `within_minutes`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from lqplan.rules.family import Family
from lqplan.show.fields import Code, Model, Role

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules


_OPENERS: list[Role] = ["traffic", "welfare"]


class OpeningRule(Model):
    """`rules.opening`: the first segment is one of `roles` (`first: true`), or a product of one
    of `roles` starts within the first `within_minutes`."""

    id: Code = "opening"
    enabled: bool = True
    roles: list[Role] = Field(default_factory=lambda: _OPENERS.copy(), min_length=1)
    first: bool = Field(
        default=False,
        description="the show's first segment is of one of `roles` (within_minutes is not used)",
    )
    within_minutes: Annotated[int, Field(ge=0, le=240)] = 5

    @model_validator(mode="after")
    def _one_meaning(self) -> OpeningRule:
        # Both given would be two rules in one: say which one the team means.
        if self.first and "within_minutes" in self.model_fields_set:
            raise ValueError("give first: true or within_minutes, not both")
        return self

    def opens_in_time(self, minute: int) -> bool:
        """A segment starting at `minute` counts: it starts inside the first `within_minutes`
        (0 means the very first minute)."""
        return minute < max(self.within_minutes, 1)

    def opens(self, minute: int, first_minute: int) -> bool:
        """Does a segment of an opening role starting at `minute` keep the rule, when
        `first_minute` is the show's first minute on air (after any break at the start)?
        With `first`, only there (where, without gaps, the first segment starts)."""
        return minute == first_minute if self.first else self.opens_in_time(minute)

    def words(self) -> str:
        """The rule in words, for explain and for an infeasible show's conflicts."""
        roles = "/".join(self.roles)
        if self.first:
            return f"a {roles} item must be the first segment"
        return f"a {roles} item must open within {self.within_minutes} minutes"


def first_slot(blocked: frozenset[int], slots: int) -> int:
    """The show's first slot on air: the first not inside a break."""
    return next((t for t in range(slots) if t not in blocked), 0)


class Opening(Family):
    """The opening family: an opening-role product starts the show."""

    name = "opening"
    order = 10
    carry_order = 3

    def rule_ids(self, rules: Rules) -> list[str]:
        """The one rule's id."""
        return [rules.opening.id]

    def constrain(self, m: ShowModel) -> None:
        """An opening-role product is the first segment, or starts within `within_minutes`."""
        rule = m.rules.opening
        if not rule.enabled:
            return
        slot = m.demand.slot
        roles = set(rule.roles)
        lit = m.lit(rule.id, rule.words())
        if rule.first and m.show.allow_gaps:
            self._first_with_gaps(m, lit)
            return
        # Without gaps every minute outside breaks is on air, so the first segment starts at
        # the first slot on air: `opens` says where an opener must start.
        first = first_slot(m.demand.blocked, m.demand.slots) * slot
        indices = m.options_where(
            lambda o: rule.opens(o.start * slot, first) and m.role(o) in roles
        )
        m.require(m.sum_of(indices) >= 1, lit)

    def _first_with_gaps(self, m: ShowModel, lit: Any) -> None:
        """With gaps the first segment may start anywhere: begun[s] says a segment started
        before slot s; the show may begin (begun steps from 0 to 1) only where an opener
        starts, and every other segment needs the show begun before it."""
        roles = set(m.rules.opening.roles)
        slots = m.demand.slots
        begun = [m.model.new_bool_var(f"opening-begun{s}") for s in range(slots + 1)]
        m.require(begun[0] == 0, lit)
        starting: dict[int, list[int]] = {}
        for o in m.demand.options:
            starting.setdefault(o.start, []).append(o.index)
        openers = [o.index for o in m.demand.options if m.role(o) in roles]
        m.require(m.sum_of(openers) >= 1, lit)
        for s in range(slots):
            m.require(begun[s] <= begun[s + 1], lit)
            here = starting.get(s, [])
            if not here:
                m.require(begun[s + 1] == begun[s], lit)
                continue
            opening = [i for i in here if m.role(m.demand.options[i]) in roles]
            m.require(begun[s + 1] - begun[s] <= m.sum_of(opening), lit)
            for i in here:
                m.require(m.x[i] <= begun[s + 1], lit)
                if i not in opening:
                    m.require(m.x[i] <= begun[s], lit)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """With `first`, only an opening-role product takes the first slot on air."""
        rule = g.rules.opening
        if not rule.enabled or not rule.first or o.start != g.first_slot:
            return True
        return g.products[o.sku].role in rule.roles

    def carry_over(self, r: RestBuilder) -> None:
        """The opening lies in the past: met or missed, never re-imposed (with `first` and
        nothing aired yet, the rest's first segment is the show's: the rule stays)."""
        rule = r.rules.opening
        if not rule.enabled:
            return
        if rule.first:
            if not r.past.segments:
                return
            earliest = min(r.past.segments, key=lambda s: s.start)
            opened = r.inputs.products[earliest.sku].role in rule.roles
        else:
            opened = any(
                r.inputs.products[s.sku].role in rule.roles and rule.opens_in_time(s.start)
                for s in r.past.segments
            )
        status = "met" if opened else "missed"
        r.note(rule.id, status, f"the opening was before {r.clock(r.cut)}")
        r.update["opening"] = rule.model_copy(update={"enabled": False})

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named when this segment is the first one (`first`), or the only opening-role item in
        time."""
        rule = e.show.rules.opening
        if not rule.enabled or e.inputs.products[seg["sku"]].role not in rule.roles:
            return []
        roles = "/".join(rule.roles)
        if rule.first:
            earliest = min(e.segments, key=lambda s: s["start_minute"])
            if earliest != seg:
                return []
            return [(rule.id, f"the first segment must be a {roles} item")]
        openers = [
            s
            for s in e.segments
            if e.inputs.products[s["sku"]].role in rule.roles
            and rule.opens_in_time(s["start_minute"])
        ]
        if openers != [seg]:
            return []
        return [(rule.id, f"the only {roles} item in the first {rule.within_minutes} min")]


FAMILY = Opening()
