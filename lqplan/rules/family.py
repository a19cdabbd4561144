"""What a rule family is: one class whose methods are every stage's reading of the rule.

A family (a pinned slot, an order between two products, encores...) is one module in this
package that defines `FAMILY`, an instance of a `Family` subclass. Each stage asks every family
for its part and knows none by name: validate calls `validate`, the shortlist keeps
`protected`, the start grid adds `anchors`, the CP-SAT model calls `constrain`, the greedy
baseline calls `greedy_seed`, `greedy_allows` and `greedy_allows_drop`, replan calls
`carry_over`, explain calls `describe`, and the pre-checks before a solve call `impossible`
(where a family may read the others' `must_air`: the products their rules make air). A
method a family does not override does nothing (or allows everything): most rules matter to only
some stages.

The independent checker (lqplan/verify/) is the one place that reads the same rules again, on
its own, so that a mistake here is caught there.

The stage objects are passed in, never imported here (only for type checking), so a rule
module depends on nothing but the show's field types, and OR-Tools stays inside
lqplan/plan/optimise/: `constrain` builds its rows through the model's methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from lqplan.live.rest import RestBuilder
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import BagDrop, Demand, Option
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Rules, Show
    from lqplan.show.validate import CrossCheck


@dataclass(frozen=True)
class MustAir:
    """A rule that makes a product air (a pin, a collab, a required promotion), for the other
    rules' pre-checks: two products that must both air cannot be excluded from each other."""

    sku: str
    rule_id: str
    words: str  # what the rule asks, as the pre-check prints it ("pin TEA-GIFT at 20:40")
    # Minutes after the show's start between which the product's first airing must start, when
    # the rule says (a pin of a product that airs once: exactly there; a collab: its window).
    first_from: int = 0
    first_until: int | None = None


class Family:
    """One rule family. Subclasses set `name` and `order` and override the stages they touch."""

    name: ClassVar[str]
    # Place in the CP-SAT model's build order: rows are added family by family in this order,
    # and a deterministic solve depends on the order of its rows.
    order: ClassVar[int]
    # Place in replan's carry-over: rules that keep products off the rest of the show go first,
    # because the others ask which products can still air.
    carry_order: ClassVar[int] = 100
    # Do the family's rules name products (a pin, a repeat) rather than roles or positions?
    # explain lists the rules that name a product before those it meets by where it sits.
    names_products: ClassVar[bool] = False

    def rule_ids(self, rules: Rules) -> list[str]:
        """The ids of this family's rules in a show (validate refuses an id used twice)."""
        return []

    def validate(self, check: CrossCheck) -> None:
        """Cross-file checks: SKUs that exist, times inside the show, rules that agree."""

    def protected(self, show: Show) -> set[str]:
        """SKUs the rule names: the shortlist of a large catalog never drops them."""
        return set()

    def anchors(self, show: Show) -> set[int]:
        """Minutes after the start where the segment start grid must restart."""
        return set()

    def constrain(self, m: ShowModel) -> None:
        """Add the rule's rows to the CP-SAT model (one enforcement literal per rule)."""

    def must_air(self, show: Show) -> list[MustAir]:
        """The products the family's rules make air, and where their first airing must start."""
        return []

    def impossible(self, demand: Demand) -> list[str]:
        """Before any solve: "rule-id: words" for each of the family's rules that no plan can
        keep with these options (a pin whose product fits nowhere at its time), cheap to find."""
        return []

    def greedy_seed(self, g: Greedy) -> None:
        """Place what the rule fixes before the baseline fills the show (a pin's product)."""

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """May the baseline place option `o` next, given what it has placed so far?"""
        return True

    def greedy_allows_drop(self, g: Greedy, drop: BagDrop) -> bool:
        """May the baseline drop lucky bag `drop`, given the segments it has placed?"""
        return True

    def carry_over(self, r: RestBuilder) -> None:
        """Carry the rule across replan's cut: keep, adjust or drop it, saying why."""

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """(rule id, words) for each rule of the family that names or binds this segment."""
        return []
