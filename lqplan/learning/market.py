"""Hidden markets: a show's files with every demand coefficient moved, for rehearsals and tests.

    market = perturbed_market(inputs, seed=3, low=0.2, high=0.6)

Each coefficient is multiplied by (1 + u) or divided by it, u uniform in [low, high], the side
chosen at random: base conversion, every audience segment's category and tag affinities and price
sensitivity, the viewer curve's scale and each point's shape, the decay's loss per minute
(1 − decay), the role factors, the promotion lifts and the encore factor. The closed-loop
benchmark plans against the files and plays the plans out in such a market (docs/learn.md).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lqplan.show.model import CurvePoint
from lqplan.show.validate import ShowInputs


def perturbed_market(
    inputs: ShowInputs, *, seed: int, low: float = 0.2, high: float = 0.6
) -> ShowInputs:
    """`inputs` with its demand coefficients moved by ±low…high (see the module's docstring)."""
    rng = np.random.default_rng(seed)

    def factor() -> float:
        u = float(rng.uniform(low, high))
        return 1 + u if rng.random() < 0.5 else 1 / (1 + u)

    audience = inputs.audience
    segments = []
    for seg in audience.segments:
        categories = sorted({p.category for p in inputs.catalog.products} | set(seg.affinity))
        tags = sorted({t for p in inputs.catalog.products for t in p.tags} | set(seg.tag_affinity))
        affinity = {c: _cap(seg.affinity.get(c, 1.0) * factor()) for c in categories}
        tag_affinity = {t: _cap(seg.tag_affinity.get(t, 1.0) * factor()) for t in tags}
        segments.append(
            seg.model_copy(
                update={
                    "affinity": affinity,
                    "tag_affinity": tag_affinity,
                    "price_sensitivity": _cap(seg.price_sensitivity * factor()),
                }
            )
        )
    scale = factor()
    curve = [
        CurvePoint.model_construct(
            at=p.at, viewers=min(100_000_000, round(p.viewers * scale * math.sqrt(factor())))
        )
        for p in audience.viewer_curve
    ]
    audience = audience.model_copy(
        update={
            "base_conversion": min(0.5, audience.base_conversion * factor()),
            "segments": segments,
            "viewer_curve": curve,
        }
    )
    settings = inputs.show.demand
    update = {
        "decay": min(1.0, max(0.05, 1 - (1 - settings.decay) * factor())),
        "role_conversion": {r: _cap(v * factor()) for r, v in settings.role_conversion.items()},
        "flash_sale_lift": _cap(settings.flash_sale_lift * factor()),
        "coupon_lift": _cap(settings.coupon_lift * factor()),
        "gift_lift": _cap(settings.gift_lift * factor()),
        "repeat_factor": min(1.0, settings.repeat_factor * factor()),
    }
    show = inputs.show.model_copy(update={"demand": settings.model_copy(update=update)})
    return replace(inputs, show=show, audience=audience, calibration=None)


def _cap(value: float) -> float:
    return min(100.0, value)
