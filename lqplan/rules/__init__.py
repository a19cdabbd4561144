"""The rule families: one module each, every stage's reading of one kind of rule.

A new family is a new module here that defines `FAMILY` (see family.py), a field in the show's
`rules` (show/model.py), and its reading in the independent checker (lqplan/verify/) with a
test. The stages loop over `families()`; none names a family.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

from lqplan.rules.family import Family, MustAir

if TYPE_CHECKING:
    from lqplan.show.model import Show


@cache
def families() -> tuple[Family, ...]:
    """Every family in this package, in the solver's build order (`Family.order`)."""
    found: list[Family] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "family":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if not isinstance(family, Family):
            raise TypeError(f"lqplan.rules.{info.name} defines no FAMILY")
        found.append(family)
    return tuple(sorted(found, key=lambda f: (f.order, f.name)))


def carry_over_order() -> tuple[Family, ...]:
    """The families in replan's carry-over order (`Family.carry_order`)."""
    return tuple(sorted(families(), key=lambda f: (f.carry_order, f.order)))


def must_air(show: Show) -> list[MustAir]:
    """Every product a rule makes air (Family.must_air), family by family."""
    return [need for family in families() for need in family.must_air(show)]


__all__ = ["Family", "MustAir", "carry_over_order", "families", "must_air"]
