"""Forecast bands: how sure a plan's GMV and profit are (P10 / P50 / P90), by sampling.

    totals_band, segment_bands = forecast_bands(demand, plan)

Each draw is a market the model thinks possible: every coefficient moved by its uncertainty
(with a fitted MODEL: its covariance and each product's own standard error; without one: the
documented default uncertainty of hand-set coefficients, `DEFAULT_SD`), the show's viewer level
moved by the room's show-to-show spread, then Poisson sales around that market's expectation,
capped by each promotion's units and the stock, in plan order. The quantiles over the draws are
the band; the same plan gives the same band (fixed seed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lqplan.plan.demand import Demand, product_conversion

DRAWS = 400
SEED = 20261201
QUANTILES = (0.1, 0.5, 0.9)
# Uncertainty of the files' hand-set coefficients, log scale (docs/learn.md): a team's guess at
# conversion was measured 3× off on a first show; products, lifts and the audience vary as much.
DEFAULT_SD = {
    "intercept": 0.5,
    "product": 0.35,
    "decay": 0.05,
    "encore": 0.3,
    "promotion": 0.3,
    "viewer_level": 0.3,
}
PROMOTIONS = ("flash_sale", "coupon", "gift")


def forecast_bands(
    demand: Demand, plan: dict[str, Any], draws: int = DRAWS
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan's total band and each segment's (GMV and profit, in the show's money)."""
    inputs = demand.inputs
    calibration = inputs.calibration
    model = getattr(calibration, "model", None) if calibration is not None else None
    rng = np.random.default_rng(SEED)
    skus = sorted({s["sku"] for s in plan["segments"]})
    deviation = _draw(model, skus, inputs, draws, rng)
    level = np.exp(rng.normal(0.0, _level_sd(model), size=draws))
    settings = inputs.show.demand
    left = {sku: np.full(draws, float(demand.available.get(sku, 0))) for sku in skus}
    caps: dict[str, np.ndarray] = {}
    for promo in inputs.show.promotions:
        cap = _cap(promo)
        if cap is not None:
            caps[promo.id] = np.full(draws, float(cap))
    total_gmv = np.zeros(draws)
    total_profit = np.zeros(draws)
    bands = []
    for seg in plan["segments"]:
        sku = seg["sku"]
        product = inputs.products[sku]
        minutes, start = int(seg["minutes"]), int(seg["start_minute"])
        kind = seg["mode"]
        live = product.live_price
        price = live
        if kind == "flash_sale":
            price = float(seg["price"]["flash_sale"])
        elif kind == "coupon":
            price = float(seg["price"]["after_coupon"])
        lift = getattr(settings, f"{kind}_lift") if kind in PROMOTIONS else 1.0
        repeat = settings.repeat_factor if seg["airing"] > 1 else 1.0
        normal_conv = product_conversion(inputs, product, live) * repeat
        promo_conv = product_conversion(inputs, product, price) * lift * repeat
        promo_minutes = (
            seg["promotion_minutes"] or minutes
            if kind == "flash_sale"
            else (minutes if kind in PROMOTIONS else 0)
        )
        k = np.arange(minutes)
        viewers = np.array(demand.viewers[start : start + minutes])
        if demand.sales_weights is not None:
            viewers = viewers * np.array(demand.sales_weights[start : start + minutes])
        promo_mask = k < promo_minutes
        base = viewers * np.where(promo_mask, promo_conv, normal_conv) * settings.decay**k
        eta = (
            deviation["product"][sku][None, :]
            + k[:, None] * deviation["decay"][None, :]
            + (deviation["encore"][None, :] if seg["airing"] > 1 else 0.0)
        )
        if kind in PROMOTIONS:
            eta = eta + promo_mask[:, None] * deviation[f"promotion[{kind}]"][None, :]
        mu = base[:, None] * np.exp(eta) * level[None, :]
        promo_mu = (mu * promo_mask[:, None]).sum(axis=0)
        normal_mu = (mu * ~promo_mask[:, None]).sum(axis=0)
        promo_units = rng.poisson(promo_mu).astype(float)
        normal_units = rng.poisson(normal_mu).astype(float)
        promotion = seg.get("promotion")
        if promotion in caps and kind in PROMOTIONS:
            promo_units = np.minimum(promo_units, caps[promotion])
            caps[promotion] = caps[promotion] - promo_units
        promo_units = np.minimum(promo_units, left[sku])
        normal_units = np.minimum(normal_units, left[sku] - promo_units)
        left[sku] = left[sku] - promo_units - normal_units
        gmv = promo_units * price + normal_units * live
        extra = 0.0
        if kind == "gift":
            extra = _gift_cost(inputs, promotion)
        profit = gmv - (promo_units + normal_units) * product.unit_cost - promo_units * extra
        total_gmv += gmv
        total_profit += profit
        bands.append({"gmv": _quantiles(gmv), "profit": _quantiles(profit)})
    source = "model" if calibration is not None else "default"
    totals = {
        "level": 0.8,
        "source": source,
        "draws": draws,
        "gmv": _quantiles(total_gmv),
        "profit": _quantiles(total_profit),
    }
    return totals, bands


def _quantiles(values: np.ndarray) -> dict[str, float]:
    q = np.quantile(values, QUANTILES)
    return {
        "p10": round(float(q[0]), 2),
        "p50": round(float(q[1]), 2),
        "p90": round(float(q[2]), 2),
    }


def _level_sd(model: Any) -> float:
    """The room's show-to-show viewer spread: the model's, else the default."""
    if model is not None and model.viewer_curve is not None:
        return float(model.viewer_curve.level_sd)
    return DEFAULT_SD["viewer_level"]


def _draw(
    model: Any, skus: list[str], inputs: Any, draws: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Per draw, the deviation of each coefficient from the point estimate (log scale)."""
    out: dict[str, Any] = {}
    if model is None:
        common = rng.normal(0.0, DEFAULT_SD["intercept"], size=draws)
        out["product"] = {
            sku: common + rng.normal(0.0, DEFAULT_SD["product"], size=draws) for sku in skus
        }
        out["decay"] = rng.normal(0.0, DEFAULT_SD["decay"], size=draws)
        out["encore"] = rng.normal(0.0, DEFAULT_SD["encore"], size=draws)
        for kind in PROMOTIONS:
            out[f"promotion[{kind}]"] = rng.normal(0.0, DEFAULT_SD["promotion"], size=draws)
        return out
    names = model.covariance.names
    cov = np.array(model.covariance.matrix, dtype=float)
    if names:
        sample = rng.multivariate_normal(np.zeros(len(names)), cov, size=draws, method="eigh")
    else:
        sample = np.zeros((draws, 0))
    column = {n: sample[:, i] for i, n in enumerate(names)}
    zero = np.zeros(draws)
    out["decay"] = column.get("decay", zero)
    out["encore"] = column.get("encore", zero)
    for kind in PROMOTIONS:
        out[f"promotion[{kind}]"] = column.get(f"promotion[{kind}]", zero)
    inverse = np.linalg.pinv(cov) if names else np.zeros((0, 0))
    out["product"] = {}
    for sku in skus:
        product = inputs.products[sku]
        effect = model.products.get(sku)
        if effect is not None and len(effect.covariance) == len(names):
            # The product's deviation given the other coefficients' (a normal's conditional):
            # its correlation with a promotion it always ran with, or with the intercept, kept.
            c = np.array(effect.covariance, dtype=float)
            beta = inverse @ c
            own_sd = math.sqrt(max(0.0, effect.se**2 - float(c @ beta)))
            out["product"][sku] = sample @ beta + rng.normal(0.0, own_sd, size=draws)
            continue
        # Never aired: its category's and role's deviation plus a product's own prior spread.
        shared = sum(
            (
                column.get(n, zero)
                for n in ("intercept", f"category[{product.category}]", f"role[{product.role}]")
            ),
            start=zero,
        )
        out["product"][sku] = shared + rng.normal(0.0, _prior_sd("product"), size=draws)
    return out


def _prior_sd(family: str) -> float:
    from lqplan.learning.fit import PRIOR_SD

    return PRIOR_SD[family]


def _cap(promo: Any) -> float | None:
    if promo.type in ("flash_sale", "gift"):
        return float(promo.units)
    if promo.type == "coupon":
        count = promo.count
        if promo.budget is not None and promo.amount > 0:
            by_budget = math.floor(promo.budget / promo.amount)
            count = by_budget if count is None else min(count, by_budget)
        return None if count is None else float(count)
    return None


def _gift_cost(inputs: Any, promotion: str | None) -> float:
    for p in inputs.show.promotions:
        if p.id == promotion and p.type == "gift":
            return float(p.unit_cost)
    return 0.0
