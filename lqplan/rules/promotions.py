"""Promotions in use: a flash sale runs once; gift units and coupon budgets are shared; a
promotion marked `required` (a commitment, often paid for by a brand) runs, or there is no plan.

The promotions' input models and their cross-file checks are still in show/model.py and
show/validate.py, with the option building in plan/options.py (each promotion is a mode of a
product's options, a lucky bag a set of drops); this family holds what the solver and the
baseline enforce between options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lqplan.rules.family import Family, MustAir
from lqplan.show.fields import format_clock

if TYPE_CHECKING:
    from lqplan.plan.baseline import Greedy
    from lqplan.plan.demand import Demand, Option
    from lqplan.plan.optimise.cpsat import ShowModel
    from lqplan.show.model import Show


class Promotions(Family):
    """The promotions family: a flash sale once; gift units and coupon budgets shared."""

    name = "promotions"
    order = 100

    def constrain(self, m: ShowModel) -> None:
        """A flash sale runs once; gift units and coupon budgets are shared by every use."""
        for promotion, indices in m.by_promotion.items():
            mode = m.demand.options[indices[0]].mode
            if mode.kind == "flash_sale":
                m.model.add_at_most_one(m.x[i] for i in indices)
            elif mode.units_cap is not None:
                lit = m.lit(promotion, f"{mode.kind} {promotion} units or budget")
                units = [m.centi(m.demand.options[i].outcome.promo_units) for i in indices]
                m.require(
                    m.linear.weighted_sum([m.x[i] for i in indices], units) <= mode.units_cap * 100,
                    lit,
                )
        for promo in m.show.promotions:
            if promo.type == "collab":
                continue  # a collab always airs: rules/collabs.py
            if not promo.required:
                continue
            lit = m.lit(promo.id, f"required {promo.type.replace('_', ' ')} {promo.id} must run")
            if promo.type == "lucky_bag":
                drops = [m.z[i] for i, d in enumerate(m.demand.drops) if d.promotion == promo.id]
                m.require(m.linear.sum(drops) >= 1, lit)
            else:
                m.require(m.sum_of(m.by_promotion.get(promo.id, [])) >= 1, lit)

    def must_air(self, show: Show) -> list[MustAir]:
        """The product of a required flash sale or gift airs: the sale on its first airing,
        inside the window when it has one; a gift on some airing, so the first is no later."""
        out = []
        for promo in show.promotions:
            if promo.type not in ("flash_sale", "gift") or not promo.required:
                continue
            window, lo, hi = "", 0, None
            if promo.window is not None:
                lo, hi = show.offset(promo.window.from_), show.offset(promo.window.to)
                hi = hi or show.minutes
                window = f" {format_clock(promo.window.from_)}–{format_clock(promo.window.to)}"
            kind = promo.type.replace("_", " ")
            words = f"required {kind} {promo.id} runs on {promo.sku}{window}"
            first_from = lo if promo.type == "flash_sale" else 0
            out.append(MustAir(promo.sku, promo.id, words, first_from, hi))
        return out

    def impossible(self, demand: Demand) -> list[str]:
        """A required promotion with no segment (or, for a lucky bag, no drop) that carries it."""
        used = {o.mode.promotion for o in demand.options} | {d.promotion for d in demand.drops}
        return [
            f"{promo.id}: required {promo.type.replace('_', ' ')} {promo.id} fits in no "
            "segment of the show"
            for promo in demand.inputs.show.promotions
            if promo.type != "collab" and promo.required and promo.id not in used
        ]

    def greedy_seed(self, g: Greedy) -> None:
        """Each required promotion at its most valuable allowed place, before the fill (the
        team has promised it); lucky bags are placed with the drops (baseline.bags)."""
        for promo in g.show.promotions:
            if promo.type in ("collab", "lucky_bag") or not promo.required:
                continue
            if g.promo_used[promo.id] > 0:
                continue
            options = [
                o
                for o in g.d.options
                if o.mode.promotion == promo.id and g.allowed(o) and g.leaves_fillable(o)
            ]
            pick = max(options, key=lambda o: (o.value_cents, -o.index), default=None)
            if pick is not None:
                g.place(pick)

    def greedy_allows(self, g: Greedy, o: Option) -> bool:
        """A flash sale not yet run; units or budget left for a gift or a coupon."""
        mode = o.mode
        if mode.promotion is None:
            return True
        if mode.kind == "flash_sale":
            return g.promo_used[mode.promotion] <= 0
        if mode.units_cap is not None:
            return g.promo_used[mode.promotion] + o.outcome.promo_units <= mode.units_cap
        return True


FAMILY = Promotions()
