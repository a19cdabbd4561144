"""Plan with a fitted model: the show's files, corrected by a MODEL (docs/learn.md).

    inputs = apply_model(inputs, model, "room.model.json", sha256)

What the files have a field for is written there (decay, encore factor, promotion lifts, the
viewer curve); the rest travels as a `Calibration` that the demand model multiplies by (each
product's level, the discount and time-into-show effects). The result is an ordinary
`ShowInputs`: the optimiser, the checker and the paperwork need to know nothing else.
"""

from __future__ import annotations

import math
from dataclasses import replace

from lqplan.learning.fit import clock_factor
from lqplan.learning.modelfile import LearnedModel, ViewerPoint
from lqplan.plan.calibration import Calibration
from lqplan.show.model import CurvePoint
from lqplan.show.validate import ShowInputs

# Where a correction would take a coefficient beyond what the files accept, it stops there.
FACTOR_MAX = 100.0
PROMOTION_LIFTS = {"flash_sale": "flash_sale_lift", "coupon": "coupon_lift", "gift": "gift_lift"}


def product_log_factor(model: LearnedModel, sku: str, category: str, role: str) -> float:
    """A product's correction: its own if the history aired it, else its category's and role's
    (a new product starts where its kind of product stands), on top of the intercept."""
    if sku in model.products:
        return model.products[sku].log_factor
    return (
        model.coefficient("intercept")
        + model.coefficient(f"category[{category}]")
        + model.coefficient(f"role[{role}]")
    )


def apply_model(inputs: ShowInputs, model: LearnedModel, file: str, sha256: str) -> ShowInputs:
    """The show's inputs with `model` applied (see the module's docstring)."""
    settings = inputs.show.demand
    update: dict[str, float] = {
        "decay": min(1.0, settings.decay * math.exp(model.coefficient("decay"))),
        "repeat_factor": min(1.0, settings.repeat_factor * math.exp(model.coefficient("encore"))),
    }
    for kind, key in PROMOTION_LIFTS.items():
        lift = getattr(settings, key) * math.exp(model.coefficient(f"promotion[{kind}]"))
        update[key] = min(FACTOR_MAX, lift)
    show = inputs.show.model_copy(update={"demand": settings.model_copy(update=update)})
    audience = inputs.audience
    curve = model.viewer_curve
    use_curve = curve is not None and not audience.viewer_curve_fixed
    if use_curve:
        assert curve is not None
        points = _curve_points(curve.points, inputs.show.start, show.minutes)
        if curve.clock:
            data = curve.model_dump()
            points = [_point(p.at, p.viewers * clock_factor(data, p.at)) for p in points]
        audience = audience.model_copy(update={"viewer_curve": points})
    factors = {
        p.sku: math.exp(product_log_factor(model, p.sku, p.category, p.role))
        for p in inputs.catalog.products
    }
    calibration = Calibration(
        model_id=model.id,
        file=file,
        sha256=sha256,
        product_factor=factors,
        discount_slope=model.coefficient("discount"),
        time_slope=model.coefficient("hours"),
        viewer_curve=use_curve,
        files=inputs,
        model=model,
    )
    return replace(inputs, show=show, audience=audience, calibration=calibration)


def _curve_points(points: list[ViewerPoint], start: int, minutes: int) -> list[CurvePoint]:
    """The learned curve as audience.yaml's points for a show of `minutes` starting at `start`:
    cut at the show's end, the last value held where the history was shorter."""
    kept = [p for p in points if p.minute <= minutes]
    if not kept:
        kept = [points[0]]
    out = [_point(start + p.minute, p.viewers) for p in kept]
    if kept[0].minute > 0:
        out.insert(0, _point(start, kept[0].viewers))
    if kept[-1].minute < minutes:
        out.append(_point(start + minutes, kept[-1].viewers))
    return out


def _point(clock: int, viewers: float) -> CurvePoint:
    # Built from trusted numbers: a clock in minutes, not the HH:MM text the validator parses.
    return CurvePoint.model_construct(at=clock % 1440, viewers=min(100_000_000, round(viewers)))
