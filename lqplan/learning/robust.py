"""Robust planning (`lqplan plan --robust`): value every option on the average over markets the
model thinks possible, not on its point estimate.

    averaged = robust_demand(demand, draws=16)

Each draw moves the coefficients as the forecast bands do (lqplan.learning.bands: a fitted
model's covariance, else the default uncertainty of hand-set coefficients) and rebuilds the
demand model's options in that market; an option's value is the mean over the draws. Stock and
promotion caps make value concave in demand, so a product whose demand is uncertain is worth
less on average than at its point estimate when its stock would bind, and more when it would not:
the averaged values prefer plans that hold up across the markets. The options, their order and
their point-estimate outcomes are the point demand's, so the plan is assembled and checked as
any other; only the values the optimiser sees change.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from lqplan.learning.bands import PROMOTIONS, SEED, _draw, _level_sd
from lqplan.plan.calibration import Calibration
from lqplan.plan.demand import Demand, Option, demand_context, option_value, segment_outcome
from lqplan.plan.options import build_demand
from lqplan.show.model import CurvePoint

DRAWS = 16


def _key(option: Option) -> tuple[Any, ...]:
    return (
        option.sku,
        option.airing,
        option.mode.promotion or option.mode.kind,
        option.start,
        option.slots,
        option.lead,
        option.pitch,
    )


def sampled_inputs(inputs: Any, draws: int, seed: int = SEED + 1) -> list[Any]:
    """`draws` markets around the inputs' point estimate (the bands' sampling)."""
    calibration = inputs.calibration
    model = calibration.model if calibration is not None else None
    rng = np.random.default_rng(seed)
    skus = sorted(inputs.products)
    # Antithetic pairs: every market drawn comes with its mirror image (each deviation negated),
    # which cancels most of the sampling noise in the mean of a value near-linear in them.
    half = (draws + 1) // 2
    deviation = _mirrored(_draw(model, skus, inputs, half, rng), draws)
    level = np.exp(_mirrored(rng.normal(0.0, _level_sd(model), size=half), draws))
    settings = inputs.show.demand
    out = []
    for d in range(draws):
        update = {
            "decay": min(1.0, settings.decay * math.exp(float(deviation["decay"][d]))),
            "repeat_factor": min(
                1.0, settings.repeat_factor * math.exp(float(deviation["encore"][d]))
            ),
        }
        for kind in PROMOTIONS:
            lift = getattr(settings, f"{kind}_lift")
            update[f"{kind}_lift"] = min(
                100.0, lift * math.exp(float(deviation[f"promotion[{kind}]"][d]))
            )
        show = inputs.show.model_copy(update={"demand": settings.model_copy(update=update)})
        audience = inputs.audience.model_copy(
            update={
                "viewer_curve": [
                    CurvePoint.model_construct(
                        at=p.at, viewers=min(100_000_000, round(p.viewers * float(level[d])))
                    )
                    for p in inputs.audience.viewer_curve
                ]
            }
        )
        factors = {
            sku: (calibration.factor(sku) if calibration else 1.0)
            * math.exp(float(deviation["product"][sku][d]))
            for sku in skus
        }
        market = Calibration(
            model_id=calibration.model_id if calibration else "files",
            file=calibration.file if calibration else "",
            sha256=calibration.sha256 if calibration else "",
            product_factor=factors,
            discount_slope=calibration.discount_slope if calibration else 0.0,
            time_slope=calibration.time_slope if calibration else 0.0,
            viewer_curve=calibration.viewer_curve if calibration else False,
            files=calibration.files if calibration else inputs,
            model=model,
        )
        out.append(replace(inputs, show=show, audience=audience, calibration=market))
    return out


def _mirrored(values: Any, draws: int) -> Any:
    """`values` (an array or a dict of them) followed by their negation, cut to `draws`."""
    if isinstance(values, dict):
        return {k: _mirrored(v, draws) for k, v in values.items()}
    return np.concatenate([values, -values])[:draws]


def robust_demand(demand: Demand, draws: int = DRAWS) -> Demand:
    """The demand with every option's and bag drop's value the mean over `draws` markets."""
    totals = np.zeros(len(demand.options))
    bag_totals = np.zeros(len(demand.drops))
    index = {_key(o): i for i, o in enumerate(demand.options)}
    drops = {(b.promotion, b.start): i for i, b in enumerate(demand.drops)}
    for market in sampled_inputs(demand.inputs, draws):
        built = build_demand(market, shortlist=False, stride=demand.stride)
        seen = np.zeros(len(demand.options), dtype=bool)
        for option in built.options:
            i = index.get(_key(option))
            if i is not None:
                totals[i] += option.value_cents
                seen[i] = True
        context = demand_context(market) if not seen.all() else None
        for unseen in np.flatnonzero(~seen):  # dominated in that market: valued all the same
            o = demand.options[unseen]
            assert context is not None
            outcome = segment_outcome(
                context,
                o.sku,
                o.mode,
                o.start * demand.slot,
                o.slots * demand.slot,
                o.pitch_airing,
                o.lead * demand.slot,
            )
            totals[unseen] += option_value(context, outcome)
        for bag in built.drops:
            j = drops.get((bag.promotion, bag.start))
            if j is not None:
                bag_totals[j] += bag.value_cents
    options = [
        replace(o, value_cents=round(float(totals[i]) / draws))
        for i, o in enumerate(demand.options)
    ]
    bags = [
        replace(b, value_cents=round(float(bag_totals[j]) / draws))
        for j, b in enumerate(demand.drops)
    ]
    return replace(demand, options=options, drops=bags)
