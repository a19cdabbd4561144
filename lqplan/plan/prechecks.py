"""Infeasible shows found in a moment, before any solve: each reason names its rule.

A solver that proves a show infeasible can take long to say why; most impossible shows fail for
a reason that needs only arithmetic on the options: the catalog cannot fill the air time, a pin's
product fits nowhere at its time, the lucky-bag cadence cannot be kept on the slot grid, a
required promotion or a collab has no segment. The families own their reasons
(`Family.impossible`, lqplan/rules/); filling the show is the model's own rule, checked here.
"""

from __future__ import annotations

from lqplan.plan.demand import Demand
from lqplan.rules import families
from lqplan.words import counted


def impossible(demand: Demand) -> list[str]:
    """Every reason, as "rule-id: words", that no plan can exist for these options."""
    out = _fill(demand)
    for family in families():
        out += family.impossible(demand)
    return out


def _fill(demand: Demand) -> list[str]:
    """Without allow_gaps every minute outside the breaks is on air: the products' longest
    segments, each as many times as it may air, must add up to the air time at least."""
    inputs = demand.inputs
    show = inputs.show
    if show.allow_gaps:
        return []
    air = (demand.slots - len(demand.blocked)) * demand.slot
    longest: dict[str, int] = {}
    for sku in demand.modes:  # every product with stock, shortlisted or not
        lengths = inputs.segment_lengths(inputs.products[sku])
        longest[sku] = max(lengths, default=0) * demand.max_airings.get(sku, 1)
    most = sum(longest.values())
    if most >= air:
        return []
    return [
        f"no_dead_air: the catalog can fill at most {most} of the {air} minutes on air "
        f"({counted(len(longest), 'product')} with stock, each at its longest segment as many "
        "times as it may air); add products or encores, allow longer segments, or set allow_gaps"
    ]
