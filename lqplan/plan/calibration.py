"""What a fitted demand model changes in a show's own demand model (docs/learn.md).

A learned MODEL file does not replace the show's files: it corrects them. `lqplan.learning`
turns a MODEL into the show's `DemandSettings` (decay, encore factor, promotion lifts), a viewer
curve, and this `Calibration`, the part the files have no field for. The demand model
(`lqplan.plan.demand`) multiplies by it; without a model `ShowInputs.calibration` is None and every
figure is the files' own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lqplan.learning.modelfile import LearnedModel
    from lqplan.show.validate import ShowInputs


@dataclass(frozen=True)
class Calibration:
    """Multipliers of a fitted model on top of the show files' demand model."""

    model_id: str
    file: str  # the MODEL file as named on the command line or in show.yaml
    sha256: str
    # Per SKU of the catalog: conversion × this, in every mode (the product's own level, its
    # category's and its role's, relative to what the files give).
    product_factor: Mapping[str, float]
    # A promotion price sells × exp(discount_slope × (its discount − the live price's discount))
    # on top of the files' price response.
    discount_slope: float = 0.0
    # Sales × exp(time_slope × hours into the show): buyers late in a show convert differently.
    time_slope: float = 0.0
    viewer_curve: bool = False  # the viewer curve is the model's (audience.yaml's not fixed)
    # Minutes from the show's start to minute 0 of these inputs: a replan's rest starts at the
    # cut, and the time-into-show effect counts from the start of the whole show.
    offset_minutes: int = 0
    # The show's inputs before the model was applied: the prior that plan.json records.
    files: ShowInputs | None = field(default=None, repr=False, compare=False)
    # The fitted model itself (its covariance and standard errors give the forecast bands).
    model: LearnedModel | None = field(default=None, repr=False, compare=False)

    def factor(self, sku: str) -> float:
        """The conversion multiplier of `sku` (1 for a product the model does not know)."""
        return self.product_factor.get(sku, 1.0)

    def discount_term(self, discount: float, live_discount: float) -> float:
        """The sales multiplier of a promotion price `discount` against the live price's."""
        return math.exp(self.discount_slope * (discount - live_discount))

    def time_weight(self, minute: float) -> float:
        """The sales multiplier at `minute` of these inputs, counted from the whole show's start."""
        return math.exp(self.time_slope * (minute + self.offset_minutes) / 60)
