"""Fit the room's demand from its past shows: a pooled Poisson regression (docs/learn.md).

    model = learn(shows)            # ShowData oldest first -> MODEL data (modelfile.LearnedModel)

Units sold in a minute on air are Poisson with mean

    viewers(minute) × prior(minute) × exp(x · b)

where `prior` is the files' own model of that minute (conversion in its mode, decay, encore, as
the show's plan.json recorded it), so `b = 0` gives the files back, and `x` holds the features:
the product's category, role and its own effect (shrunk towards its category), the minute in the
segment (decay), an encore and the hours since the last airing, each promotion kind and its
discount beyond the live price, the hours into the show and earlier airings of the same category.
Where the actuals give only a segment's total, the segment is one row: its prior summed over its
minutes, its features averaged with the prior's weights (exact for everything but the decay's
curvature inside one segment).

Shrinkage: each coefficient has a normal prior centred on 0 (`PRIOR_SD`), written as Poisson
pseudo-observations (a row with that one feature, `1/sd²` expected and observed units, whose
log-likelihood has its peak at 0 and curvature `1/sd²`). Newton's method maximises the augmented
likelihood (statsmodels' GLM, the same fit by IRLS, is the reference and the fallback), so the
estimates are the posterior mode and the standard errors the posterior's (scaled by the Pearson
dispersion when the sales are more variable than Poisson). A short history gives
the prior back; a product seen once moves little from its category.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from lqplan import __version__
from lqplan.learning.modelfile import MODEL_SCHEMA, model_id
from lqplan.learning.observations import PROMOTION_KINDS, SegmentData, ShowData
from lqplan.plan.demand import interpolate
from lqplan.show.fields import format_clock, parse_clock

# Prior standard deviations of the corrections, on the log scale (0.5 ≈ a factor of 1.65).
PRIOR_SD = {
    "intercept": 1.0,  # the files' base conversion may be off by a lot (×2.7 at one sd)
    "category": 0.5,
    "role": 0.5,
    "product": 0.35,  # a product's own effect on top of its category and role
    "decay": 0.1,  # per minute in a segment: 0.9 × e^±0.1 is 0.81…0.99
    "encore": 0.5,
    "encore_gap": 0.2,  # per hour since the last airing
    "promotion": 0.5,
    "discount": 1.0,  # per unit of discount beyond the live price's
    "hours": 0.2,  # per hour into the show
    "earlier_same_category": 0.1,  # per earlier airing of the category in the show
}
FIXED = (
    "intercept",
    "decay",
    "encore",
    "encore_gap",
    *(f"promotion[{k}]" for k in PROMOTION_KINDS),
    "discount",
    "hours",
    "earlier_same_category",
)
# Fitted and reported, but the optimiser values a segment on its own: it cannot see the gap to
# an earlier airing or how many of a category came before.
NOT_PLANNED = ("encore_gap", "earlier_same_category")
IDENTIFIED = 0.8  # a coefficient whose se is below this share of its prior sd was learned
LOO_SHOWS = 8  # leave-one-show-out accuracy over the most recent shows
BAND_DRAWS = 200
BAND = (0.1, 0.9)  # the 80 % band
RECENCY = 0.8  # the viewer curve: each older show weighs this much less
DEFAULT_LEVEL_SD = 0.15  # show-to-show viewer spread when one show cannot tell
CURVE_STEP = 5  # minutes between the learned curve's points
SEED = 20261201  # bands and leave-one-out are sampled, always with this seed


def family(name: str) -> str:
    """A coefficient's family, the part of its name before '[': `category[beauty]` is a category."""
    return name.split("[", 1)[0]


@dataclass
class Fit:
    """A fitted Poisson model: coefficient names, estimates, covariance and how the fit went."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    converged: bool
    iterations: int
    deviance: float
    dispersion: float
    observations: int
    censored: int

    def value(self, name: str) -> float:
        """The estimate of coefficient `name`; 0 (no correction) when the fit has none."""
        return float(self.params[self.names.index(name)]) if name in self.names else 0.0


def columns(shows: list[ShowData]) -> list[str]:
    """The features the history has, in a fixed order: FIXED, then categories, roles, products."""
    found: set[str] = set()
    for show in shows:
        for seg in show.segments:
            for feats in seg.features:
                found.update(feats)
    rest = sorted(n for n in found if n not in FIXED)
    ordered = [n for n in FIXED if n in found or n == "intercept"]
    for fam in ("category", "role", "product"):
        ordered += [n for n in rest if family(n) == fam]
    return ordered


def _rows(
    seg: SegmentData, per_minute: bool, index: dict[str, int], p: int
) -> list[tuple[float, float, np.ndarray, float]]:
    """(units, log prior mean, features, minutes) rows of one segment, censored minutes left
    out; a whole segment when only its total is known."""
    out = []
    if per_minute:
        assert seg.units is not None
        for k in range(seg.minutes):
            if seg.censored[k] or seg.viewers[k] <= 0:
                continue
            x = np.zeros(p)
            for name, v in seg.features[k].items():
                x[index[name]] = v
            out.append((seg.units[k], math.log(seg.viewers[k] * seg.prior[k]), x, 1.0))
        return out
    if seg.total_units is None or seg.segment_censored:
        return out
    mu = [v * q for v, q in zip(seg.viewers, seg.prior, strict=True)]
    total = sum(mu)
    if total <= 0:
        return out
    x = np.zeros(p)
    for k, feats in enumerate(seg.features):
        for name, v in feats.items():
            x[index[name]] += v * mu[k] / total
    out.append((seg.total_units, math.log(total), x, float(seg.minutes)))
    return out


@dataclass
class Design:
    """Every uncensored row of a history, built once (leave-one-out refits take a mask)."""

    names: list[str]
    X: np.ndarray
    y: np.ndarray
    offset: np.ndarray
    show: np.ndarray  # the row's show, by index
    censored: np.ndarray  # per show: censored minutes (segments where only totals are known)


def design(shows: list[ShowData], names: list[str] | None = None) -> Design:
    """The shows' minutes as a design matrix over `names` (default: every column they have)."""
    names = names or columns(shows)
    index = {n: i for i, n in enumerate(names)}
    p = len(names)
    ys, offsets, xs, which = [], [], [], []
    censored = np.zeros(len(shows), dtype=int)
    for i, show in enumerate(shows):
        for seg in show.segments:
            censored[i] += sum(seg.censored) if show.per_minute else int(seg.segment_censored)
            for y, off, x, _ in _rows(seg, show.per_minute, index, p):
                ys.append(y)
                offsets.append(off)
                xs.append(x)
                which.append(i)
    return Design(
        names,
        np.vstack(xs) if xs else np.zeros((0, p)),
        np.array(ys, dtype=float),
        np.array(offsets, dtype=float),
        np.array(which, dtype=int),
        censored,
    )


def fit(shows: list[ShowData] | Design, mask: Any = None, start: Any = None) -> Fit:
    """The posterior mode and covariance of the corrections, from every uncensored row (of the
    shows `mask` keeps, when given: a boolean per show), by Newton's method (`_newton`); where
    that does not converge, by statsmodels' GLM (`fit_statsmodels`, the reference)."""
    d = shows if isinstance(shows, Design) else design(shows)
    mask = np.ones(len(d.censored), dtype=bool) if mask is None else mask
    result = _newton(d, mask, start)
    return result if result.converged else fit_statsmodels(d, mask, start)


def refit(table: Design, mask: np.ndarray, full: Fit) -> Fit:
    """The fit on the shows `mask` keeps, started from `full`'s estimates (leave-one-out)."""
    return fit(table, mask, start=full.params)


def _newton(d: Design, mask: np.ndarray, start: Any, steps: int = 100) -> Fit:
    """Newton's method with step halving on the penalised Poisson log-likelihood that
    statsmodels' GLM maximises on the augmented data (the data rows and one pseudo-row per
    prior): the same estimates, covariance and dispersion to 1e-8 (tests/learning/test_learn.py
    checks it on a history and each of its leave-one-out folds), in a few lines of numpy.
    lqplan does not import statsmodels for it: the import alone takes 1.2 s, a third of what
    learning from 60 shows may take. The log-likelihood is concave, so from 0 (the files' model)
    the steps reach its one maximum."""
    rows = mask[d.show]
    X, y, offset = d.X[rows], d.y[rows], d.offset[rows]
    c = np.array([1 / PRIOR_SD[family(name)] ** 2 for name in d.names])
    b = np.zeros(len(d.names)) if start is None else np.asarray(start, dtype=float).copy()

    def loglike(beta: np.ndarray) -> float:
        eta = np.minimum(offset + X @ beta, 700.0)
        prior = np.minimum(beta, 700.0)
        return float(y @ eta - np.exp(eta).sum() + c @ prior - (c * np.exp(prior)).sum())

    converged = False
    iterations = 0
    current = loglike(b)
    for iterations in range(1, steps + 1):  # noqa: B007 (the count is reported)
        mu = np.exp(np.minimum(offset + X @ b, 700.0))
        prior_mu = c * np.exp(np.minimum(b, 700.0))
        gradient = X.T @ (y - mu) + (c - prior_mu)
        hessian = (X * mu[:, None]).T @ X + np.diag(prior_mu)
        step = np.linalg.solve(hessian, gradient)
        t = 1.0
        while t > 1e-8:  # halve until the step does not go downhill
            trial = loglike(b + t * step)
            if trial >= current - 1e-12 * max(1.0, abs(current)):
                break
            t /= 2
        b = b + t * step
        current = loglike(b)
        if np.max(np.abs(t * step)) < 1e-9:
            converged = True
            break
    mu = np.exp(np.minimum(offset + X @ b, 700.0))
    hessian = (X * mu[:, None]).T @ X + np.diag(c * np.exp(np.minimum(b, 700.0)))
    n, p = len(y), len(b)
    pearson = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-12))) if n else 0.0
    dispersion = max(1.0, pearson / max(1, n - p)) if n > p else 1.0
    cov = np.linalg.inv(hessian) * dispersion
    deviance = float(2 * np.sum(_xlogy(y, y / np.maximum(mu, 1e-300)) - (y - mu))) if n else 0.0
    converged = converged and bool(np.all(np.isfinite(b)) and np.all(np.isfinite(cov)))
    censored = int(d.censored[mask].sum())
    return Fit(d.names, b, cov, converged, iterations, deviance, dispersion, n, censored)


def fit_statsmodels(d: Design, mask: np.ndarray, start: Any = None) -> Fit:
    """The same fit by statsmodels' GLM (Poisson family, the priors as pseudo-rows): the
    reference `_newton` is tested against, and the fallback where Newton does not converge."""
    # statsmodels ships neither type stubs nor a py.typed marker.
    from statsmodels.genmod import families  # type: ignore[import-untyped]
    from statsmodels.genmod.generalized_linear_model import GLM  # type: ignore[import-untyped]

    names = d.names
    p = len(names)
    rows = mask[d.show]
    n = int(rows.sum())
    censored = int(d.censored[mask].sum())
    precision = np.array([1 / PRIOR_SD[family(name)] ** 2 for name in names])
    X = np.vstack([d.X[rows], np.eye(p)])
    y = np.concatenate([d.y[rows], precision])
    offset = np.concatenate([d.offset[rows], np.log(precision)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-integer pseudo-counts; convergence is read below
        model = GLM(y, X, family=families.Poisson(), offset=offset)
        result = model.fit(start_params=start, maxiter=100, tol=1e-9)  # IRLS
    params = np.asarray(result.params, dtype=float)
    mu = np.asarray(result.mu, dtype=float)[:n]
    obs = y[:n]
    dof = max(1, n - p)
    pearson = float(np.sum((obs - mu) ** 2 / np.maximum(mu, 1e-12))) if n else 0.0
    dispersion = max(1.0, pearson / dof) if n > p else 1.0
    cov = np.asarray(result.cov_params(), dtype=float) * dispersion
    deviance = (
        float(2 * np.sum(_xlogy(obs, obs / np.maximum(mu, 1e-300)) - (obs - mu))) if n else 0.0
    )
    converged = bool(getattr(result, "converged", False)) and bool(np.all(np.isfinite(params)))
    iterations = int((getattr(result, "fit_history", None) or {}).get("iteration", 0))
    return Fit(names, params, cov, converged, iterations, deviance, dispersion, n, censored)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    mask = x > 0
    out[mask] = x[mask] * np.log(y[mask])
    return out


# --- the viewer curve ---------------------------------------------------------------------------


CLOCK_BIN = 30  # minutes: the clock-time effect is one factor per half hour of the day
CLOCK_PRIOR = 1.0  # one show's worth of evidence holding each half hour's effect at 0
BACKFIT = 6  # rounds of alternating the two effects (an additive model in logs)


def viewer_curve(shows: list[ShowData]) -> dict[str, Any] | None:
    """Viewers by minute into the show and by clock time, from the shows with at least 3
    readings, at the room's recent level. In logs: each show's level, plus a shape by minute
    into the show, plus an effect per half hour of the clock, fitted by backfitting with recent
    shows weighing more; the clock effect is shrunk towards 0 (CLOCK_PRIOR), so a room that
    always starts at the same time gets none, and one that moves learns what the hour does.
    None when no show has readings."""
    series = []
    for age, show in enumerate(reversed(shows)):
        if len(show.readings) < 3:
            continue
        first, last = show.readings[0][0], show.readings[-1][0]
        values = show.observed or interpolate(show.readings, show.minutes)
        covered = [m for m in range(show.minutes + 1) if first <= m <= last and values[m] > 0]
        if not covered:
            continue
        level = math.exp(sum(math.log(values[m]) for m in covered) / len(covered))
        series.append((RECENCY**age, level, values, covered, parse_clock(show.start)))
    if not series:
        return None
    total = sum(w for w, *_ in series)
    log_level = sum(w * math.log(level) for w, level, *_ in series) / total
    if len(series) > 1:
        spread = sum(w * (math.log(lv) - log_level) ** 2 for w, lv, *_ in series) / total
        level_sd = math.sqrt(spread * len(series) / (len(series) - 1))
    else:
        level_sd = DEFAULT_LEVEL_SD
    longest = max(covered[-1] for *_, covered, _ in series)
    grid = np.array(sorted({*range(0, longest + 1, CURVE_STEP), longest}))
    # Shows × grid minutes: log(viewers / the show's level), where the show has a reading span.
    weight = np.array([w for w, *_ in series])
    logs = np.zeros((len(series), len(grid)))
    seen = np.zeros((len(series), len(grid)), dtype=bool)
    half_hour = np.zeros((len(series), len(grid)), dtype=int)
    for i, (_, lv, values, covered, start) in enumerate(series):
        for j, m in enumerate(grid):
            if covered[0] <= m <= covered[-1] and values[m] > 0:
                logs[i, j] = math.log(values[m] / lv)
                seen[i, j] = True
            half_hour[i, j] = ((start + m) % 1440) // CLOCK_BIN
    clock = np.zeros(48)
    shape = np.zeros(len(grid))
    w = weight[:, None] * seen
    has_shape = w.sum(axis=0) > 0
    for _ in range(BACKFIT):
        shape = (w * (logs - clock[half_hour])).sum(axis=0) / np.maximum(w.sum(axis=0), 1e-300)
        residual = logs - shape[None, :]
        # Each show counts once per half hour: its mean residual there, weighted by recency.
        summed = np.zeros((len(series), 48))
        count = np.zeros((len(series), 48))
        np.add.at(summed, (np.nonzero(seen)[0], half_hour[seen]), residual[seen])
        np.add.at(count, (np.nonzero(seen)[0], half_hour[seen]), 1.0)
        present = count > 0
        means = np.where(present, summed / np.maximum(count, 1), 0.0)
        num = (weight[:, None] * means).sum(axis=0)
        den = (weight[:, None] * present).sum(axis=0)
        clock = np.where(den > 0, num / (den + CLOCK_PRIOR), 0.0)
    level = math.exp(log_level)
    return {
        "points": [
            {"minute": int(m), "viewers": round(level * math.exp(float(v)), 1)}
            for m, v, ok in zip(grid, shape, has_shape, strict=True)
            if ok
        ],
        "level": round(level, 1),
        "level_sd": round(level_sd, 4),
        "shows": len(series),
        "clock": [
            {"at": format_clock(h * CLOCK_BIN), "log_factor": _round(float(v))}
            for h, v in enumerate(clock)
            if abs(v) >= 0.005
        ],
    }


def clock_factor(curve: dict[str, Any] | None, clock_minute: int) -> float:
    """The learned clock-time effect at a minute of the day (1 without one)."""
    if not curve:
        return 1.0
    half_hour = (clock_minute % 1440) // CLOCK_BIN
    for c in curve.get("clock") or []:
        if parse_clock(c["at"]) // CLOCK_BIN == half_hour:
            return math.exp(c["log_factor"])
    return 1.0


def curve_at(curve: dict[str, Any] | None, minute: int) -> float | None:
    """The learned curve's viewers at a show minute, interpolated; None without a curve."""
    if curve is None:
        return None
    points = curve["points"]
    if minute <= points[0]["minute"]:
        return float(points[0]["viewers"])
    for a, b in itertools.pairwise(points):
        if a["minute"] <= minute <= b["minute"]:
            span = b["minute"] - a["minute"] or 1
            return float(
                a["viewers"] + (b["viewers"] - a["viewers"]) * (minute - a["minute"]) / span
            )
    return float(points[-1]["viewers"])


# --- forecasts of a held-out show ---------------------------------------------------------------


def forecast_show(
    show: ShowData,
    fit_: Fit | None,
    curve: dict[str, Any] | None,
    draws: int = 0,
    rng: np.random.Generator | None = None,
) -> list[dict[str, Any]]:
    """Per aired segment with units: the forecast GMV (and with `draws`, its 80 % band), made
    as a plan would have made it: the curve learned from the other shows (else the plan's own),
    the fitted corrections (none: the files' model), stock and promotion caps."""
    names = fit_.names if fit_ is not None else []
    index = {n: i for i, n in enumerate(names)}
    level_sd = curve["level_sd"] if curve else DEFAULT_LEVEL_SD
    if fit_ is not None and draws:
        assert rng is not None
        sample = rng.multivariate_normal(fit_.params, fit_.cov, size=draws, method="eigh")
        levels = np.exp(rng.normal(0.0, level_sd, size=draws))
    out = []
    stock_left = dict(show.stock)
    caps = dict(show.caps)
    band_left = {sku: np.full(draws, units) for sku, units in show.stock.items()} if draws else {}
    band_caps = {pid: np.full(draws, units) for pid, units in show.caps.items()} if draws else {}
    for seg in show.segments:
        start_clock = parse_clock(show.start)
        viewers = [
            v * clock_factor(curve, start_clock + seg.start + k)
            if (v := curve_at(curve, seg.start + k)) is not None
            else show.planned_viewers[min(seg.start + k, len(show.planned_viewers) - 1)]
            for k in range(seg.minutes)
        ]
        X = np.zeros((seg.minutes, len(names)))
        for k, feats in enumerate(seg.features):
            for name, v in feats.items():
                if name in index:
                    X[k, index[name]] = v
        base = np.array([v * q for v, q in zip(viewers, seg.prior, strict=True)])
        eta = X @ fit_.params if fit_ is not None else np.zeros(seg.minutes)
        mu = base * np.exp(eta)
        promo = np.array([f.get(f"promotion[{seg.promotion_kind}]", 0.0) for f in seg.features])
        price = np.array(seg.price)
        units = _capped(mu, promo, seg, stock_left, caps)
        gmv = float(np.sum(units * price))
        row = {"gmv": gmv, "units": float(np.sum(units)), "actual_units": seg.total_units}
        row["actual_gmv"] = seg.total_gmv
        if fit_ is not None and draws:
            mus = base[:, None] * np.exp(X @ sample.T) * levels[None, :]  # minutes × draws
            on_promo = promo[:, None] > 0
            assert rng is not None  # as at the top: draws come with a generator
            promo_sold = rng.poisson((mus * on_promo).sum(axis=0)).astype(float)
            normal_sold = rng.poisson((mus * ~on_promo).sum(axis=0)).astype(float)
            if seg.promotion in band_caps:  # the promotion's units, as the market caps them
                promo_sold = np.minimum(promo_sold, np.maximum(band_caps[seg.promotion], 0))
                band_caps[seg.promotion] = band_caps[seg.promotion] - promo_sold
            left = band_left.get(seg.sku)
            if left is not None:
                promo_sold = np.minimum(promo_sold, np.maximum(left, 0))
                normal_sold = np.minimum(normal_sold, np.maximum(left - promo_sold, 0))
                band_left[seg.sku] = left - promo_sold - normal_sold
            values = promo_sold * seg.promotion_price + normal_sold * seg.live_price
            row["p10"], row["p90"] = (float(q) for q in np.quantile(values, BAND))
        out.append(row)
    return out


def _capped(
    mu: np.ndarray,
    promo: np.ndarray,
    seg: SegmentData,
    stock_left: dict[str, float],
    caps: dict[str, float],
) -> np.ndarray:
    """Expected units per minute after the promotion's cap and the SKU's stock."""
    units = mu.copy()
    if seg.promotion and seg.promotion in caps:
        promo_units = float(np.sum(units * promo))
        if promo_units > caps[seg.promotion] > 0:
            units = units * np.where(promo > 0, caps[seg.promotion] / promo_units, 1.0)
        caps[seg.promotion] = max(0.0, caps[seg.promotion] - float(np.sum(units * promo)))
    if seg.sku in stock_left:
        total = float(np.sum(units))
        if total > stock_left[seg.sku]:
            units = units * (max(0.0, stock_left[seg.sku]) / total if total else 0.0)
        stock_left[seg.sku] -= float(np.sum(units))
    return units


def accuracy(shows: list[ShowData], full: Fit, table: Design) -> dict[str, Any] | None:
    """Leave-one-show-out: each of the most recent LOO_SHOWS shows forecast from the others,
    against what it sold; and the files' own model the same way."""
    if len(shows) < 2:
        return None
    rng = np.random.default_rng(SEED)
    start = max(0, len(shows) - LOO_SHOWS)
    model_rows, prior_rows = [], []
    held = 0
    for h in range(start, len(shows)):
        others = shows[:h] + shows[h + 1 :]
        # The same columns (a product only the held-out show aired keeps its prior, 0) and rows
        # as the full fit, less the held-out show's; started from the full fit's estimates.
        mask = np.ones(len(shows), dtype=bool)
        mask[h] = False
        loo = refit(table, mask, full)
        curve = viewer_curve(others)
        rows = forecast_show(shows[h], loo, curve, draws=BAND_DRAWS, rng=rng)
        model_rows += [r for r in rows if r["actual_gmv"] is not None]
        prior_rows += [
            r for r in forecast_show(shows[h], None, None) if r["actual_gmv"] is not None
        ]
        held += 1
    actual = sum(r["actual_gmv"] for r in model_rows)
    if actual <= 0:
        return None

    def summary(rows: list[dict[str, Any]]) -> tuple[float, float]:
        bias = (sum(r["gmv"] for r in rows) / actual - 1) * 100
        wape = sum(abs(r["gmv"] - r["actual_gmv"]) for r in rows) / actual * 100
        return round(bias, 2), round(wape, 2)

    bias, wape = summary(model_rows)
    prior_bias, prior_wape = summary(prior_rows)
    inside = [r["p10"] <= r["actual_gmv"] <= r["p90"] for r in model_rows if "p10" in r]
    return {
        "shows": held,
        "segments": len(model_rows),
        "gmv_bias_percent": bias,
        "segment_wape_percent": wape,
        "band_coverage_percent": round(100 * sum(inside) / len(inside), 1) if inside else None,
        "prior_gmv_bias_percent": prior_bias,
        "prior_segment_wape_percent": prior_wape,
    }


# --- the MODEL ----------------------------------------------------------------------------------


def learn(shows: list[ShowData], *, deterministic: bool = False) -> dict[str, Any]:
    """The MODEL (as data, ready for modelfile.model_text) fitted to `shows`, oldest first."""
    if not shows:
        raise ValueError("no past show to learn from")
    began = time.perf_counter()
    rows = design(shows)
    result = fit(rows)
    curve = viewer_curve(shows)
    report = accuracy(shows, result, rows)
    warnings_: list[str] = []
    fallback_reason = None
    if not result.converged:
        fallback_reason = "the regression did not converge"
    elif (
        report is not None and report["segment_wape_percent"] > report["prior_segment_wape_percent"]
    ):
        fallback_reason = (
            "leave-one-show-out it forecast worse than the files' model (segment WAPE "
            f"{report['segment_wape_percent']:.1f} % against "
            f"{report['prior_segment_wape_percent']:.1f} %)"
        )
    if result.observations == 0:
        fallback_reason = "no minute or segment with units sold to learn from"
    params = result.params if fallback_reason is None else np.zeros(len(result.names))
    counts = _support(shows, result.names)
    coefficients = []
    for i, name in enumerate(result.names):
        prior_sd = PRIOR_SD[family(name)]
        se = math.sqrt(max(0.0, result.cov[i, i]))
        shows_n, minutes_n = counts.get(name, (0, 0.0))
        identifiable = se < IDENTIFIED * prior_sd
        coefficients.append(
            {
                "name": name,
                "family": family(name),
                "estimate": _round(float(params[i])),
                "se": _round(se),
                "prior_sd": prior_sd,
                "shows": shows_n,
                "minutes": round(minutes_n, 1),
                "identifiable": identifiable,
                "used_in_planning": family(name) not in NOT_PLANNED,
            }
        )
    for kind in PROMOTION_KINDS:
        name = f"promotion[{kind}]"
        if name not in result.names:
            warnings_.append(f"{name}: never run in the history: the files' {kind}_lift stands")
    for c in coefficients:
        if not c["identifiable"] and c["family"] in ("category", "promotion", "decay", "encore"):
            warnings_.append(
                f"{c['name']}: not identifiable from the history (se {c['se']:.2f}, prior "
                f"{c['prior_sd']:.2f}): it stays near the files' value"
            )
    globals_ = [n for n in result.names if family(n) != "product"]
    gi = [result.names.index(n) for n in globals_]
    products = _products(shows, result, params, gi)
    data: dict[str, Any] = {
        "schema": MODEL_SCHEMA,
        "generator": f"lqplan {__version__}",
        "id": "",
        "family": "poisson",
        "history": [
            {
                "folder": s.name,
                "title": s.title,
                "date": s.date,
                "start": s.start,
                "segments": len(s.segments),
                "minutes": sum(seg.minutes for seg in s.segments if seg.total_units is not None),
                "per_minute": s.per_minute,
                "planned_with": s.planned_with,
            }
            for s in shows
        ],
        "coefficients": coefficients,
        "products": products,
        "covariance": {
            "names": globals_,
            "matrix": [[_round(float(result.cov[i, j])) for j in gi] for i in gi],
        },
        "viewer_curve": curve,
        "diagnostics": {
            "converged": result.converged,
            "iterations": result.iterations,
            "observations": result.observations,
            "censored": result.censored,
            "dispersion": _round(result.dispersion),
            "deviance": _round(result.deviance),
            "seconds": None if deterministic else round(time.perf_counter() - began, 3),
            "accuracy": report,
            "fallback": fallback_reason is not None,
            "fallback_reason": fallback_reason,
            "warnings": warnings_,
        },
    }
    data["id"] = model_id(data)
    return data


def _products(
    shows: list[ShowData], result: Fit, params: np.ndarray, globals_: list[int]
) -> dict[str, Any]:
    facts: dict[str, tuple[str, str]] = {}
    seen: dict[str, tuple[set[int], float]] = {}
    for i, show in enumerate(shows):
        for seg in show.segments:
            facts[seg.sku] = (seg.category, seg.role)
            s, m = seen.get(seg.sku, (set(), 0.0))
            seen[seg.sku] = (s | {i}, m + seg.minutes)
    out = {}
    for sku in sorted(facts):
        category, role = facts[sku]
        a = np.zeros(len(result.names))
        for name in ("intercept", f"category[{category}]", f"role[{role}]", f"product[{sku}]"):
            if name in result.names:
                a[result.names.index(name)] = 1.0
        out[sku] = {
            "category": category,
            "role": role,
            "log_factor": _round(float(a @ params)),
            "se": _round(math.sqrt(max(0.0, float(a @ result.cov @ a)))),
            "shows": len(seen[sku][0]),
            "minutes": round(seen[sku][1], 1),
            # With the other coefficients: a product that always ran with one promotion has an
            # effect confounded with that promotion's lift, and the bands must know it.
            "covariance": [_round(float(v)) for v in (result.cov @ a)[globals_]],
        }
    return out


def _support(shows: list[ShowData], names: list[str]) -> dict[str, tuple[int, float]]:
    """Per feature: the shows and the minutes on air where it was not 0."""
    found: dict[str, tuple[set[int], float]] = {}
    for i, show in enumerate(shows):
        for seg in show.segments:
            for feats in seg.features:
                for name, v in feats.items():
                    if v:
                        s, m = found.get(name, (set(), 0.0))
                        found[name] = (s | {i}, m + 1)
    return {n: (len(s), m) for n, (s, m) in found.items()}


def _round(value: float) -> float:
    """Eight significant digits: the file reads well and reruns are byte-identical."""
    return float(f"{value:.8g}")
