"""Collabs (联名款): a co-branded product must air, inside its contract window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lqplan.rules.family import Family, MustAir
from lqplan.show.fields import format_clock

if TYPE_CHECKING:
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand
    from lqplan.plan.explain import Explainer
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Show


class Collabs(Family):
    """The collab's input model is a promotion (`type: collab`, show/model.py's Collab); its
    window is applied when the options are built (a collab option outside it does not exist)."""

    name = "collabs"
    order = 90
    names_products = True

    def constrain(self, m: ShowModel) -> None:
        """A co-branded product airs, inside its contract window (options are pre-filtered)."""
        for promo in m.show.promotions:
            if promo.type != "collab":
                continue
            indices = m.by_airing.get((promo.sku, 1), [])
            lit = m.lit(
                promo.id,
                f"collab {promo.sku} with {promo.partner} must air "
                f"{format_clock(promo.window.from_)}–"
                f"{format_clock(promo.window.to)}",
            )
            m.require(m.sum_of(indices) == 1, lit)

    def must_air(self, show: Show) -> list[MustAir]:
        """A co-branded product airs once, starting inside its window."""
        return [
            MustAir(
                promo.sku,
                promo.id,
                f"collab {promo.sku} with {promo.partner} airs "
                f"{format_clock(promo.window.from_)}–{format_clock(promo.window.to)}",
                first_from=show.offset(promo.window.from_),
                first_until=show.offset(promo.window.to) or show.minutes,
            )
            for promo in show.promotions
            if promo.type == "collab"
        ]

    def impossible(self, demand: Demand) -> list[str]:
        """A collab whose product has no segment inside its window."""
        airing = {o.sku for o in demand.options if o.airing == 1}
        return [
            f"{promo.id}: collab {promo.sku} with {promo.partner} has no segment inside "
            f"{format_clock(promo.window.from_)}–{format_clock(promo.window.to)}"
            for promo in demand.inputs.show.promotions
            if promo.type == "collab" and promo.sku not in airing
        ]

    def greedy_seed(self, g: Greedy) -> None:
        """Each co-branded item at its most valuable allowed place inside its window, before
        anything else can crowd the window out (the contract says it must air)."""
        for sku in sorted(g.collab_latest):
            if g.by_sku[sku]:
                continue
            options = [
                o
                for o in g.d.options
                if o.sku == sku and o.airing == 1 and g.allowed(o) and g.leaves_fillable(o)
            ]
            pick = max(options, key=lambda o: (o.value_cents, -o.index), default=None)
            if pick is not None:
                g.place(pick)

    def describe(self, e: Explainer, seg: dict[str, Any]) -> list[tuple[str, str]]:
        """Named on the co-branded product, with its partner and window."""
        return [
            (
                promo.id,
                f"collab with {promo.partner}: must air, within "
                f"{format_clock(promo.window.from_)}–{format_clock(promo.window.to)}",
            )
            for promo in e.show.promotions
            if promo.type == "collab" and promo.sku == seg["sku"]
        ]


FAMILY = Collabs()
