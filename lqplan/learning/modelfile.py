"""The MODEL file: a fitted demand model, readable and versioned (schema `lqplan.model/1`).

`lqplan learn` writes it; `lqplan plan --model` (or `model:` in show.yaml) reads it. Every
coefficient is a correction, on the log scale, of the show files' own demand model, with its
standard error, the prior it was shrunk towards and how much of the history it rests on
(docs/learn.md). The file's `id` is a hash of the rest of its content: a plan records it, and a
file changed after learn wrote it no longer matches its id and is refused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError

from lqplan.errors import Diagnostic, InputError
from lqplan.show.fields import Code, Model, finite
from lqplan.show.validate import _VOCABULARY, _pydantic_diagnostics, _vocabulary

MODEL_SCHEMA = "lqplan.model/1"

Real = Annotated[float, Field(ge=-1e6, le=1e6), BeforeValidator(finite)]
Positive = Annotated[float, Field(ge=0, le=1e9), BeforeValidator(finite)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
Family = Literal[
    "intercept",
    "category",
    "role",
    "product",
    "decay",
    "encore",
    "encore_gap",
    "promotion",
    "discount",
    "hours",
    "earlier_same_category",
]


class Coefficient(Model):
    """One fitted correction: conversion × exp(estimate) where its feature applies."""

    name: str = Field(description="e.g. intercept, category[tea], promotion[flash_sale], decay")
    family: Family
    estimate: Real = Field(description="log-scale correction of the files' model (0 = no change)")
    se: Positive = Field(description="standard error of the estimate")
    prior_sd: Positive = Field(description="the prior's standard deviation (centred on 0)")
    shows: Count = Field(description="past shows where the feature was seen")
    minutes: Positive = Field(description="minutes on air where the feature was seen")
    identifiable: bool = Field(description="the history moved it: its se is below 0.8 × prior_sd")
    used_in_planning: bool = Field(description="the optimiser uses it (else fitted and reported)")


class ProductEffect(Model):
    """A product's whole level: intercept + its category + its role + its own, with their se."""

    category: str
    role: str
    log_factor: Real
    se: Positive
    shows: Count
    minutes: Positive
    covariance: list[Real] = Field(
        default_factory=list,
        description="covariance of log_factor with each coefficient of `covariance.names`",
    )


class ViewerPoint(Model):
    """One point of the fitted viewer curve: viewers at a minute into the show."""

    minute: Count
    viewers: Positive


class ClockEffect(Model):
    """The fitted viewer multiplier of one half-hour of the clock."""

    at: str = Field(pattern=r"^([01][0-9]|2[0-3]):[03]0$", description="a half hour of the day")
    log_factor: Real = Field(description="viewers × exp(log_factor) in that half hour")


class ViewerCurve(Model):
    """Concurrent viewers by minute into the show, at the room's recent level; × each half
    hour's clock-time effect."""

    points: list[ViewerPoint] = Field(min_length=1)
    level: Positive = Field(description="the room's recent mean concurrent viewers")
    level_sd: Positive = Field(description="show-to-show spread of the level, log scale")
    shows: Count
    clock: list[ClockEffect] = Field(default_factory=list)


class Covariance(Model):
    """Covariance of the non-product coefficients (for forecast bands), in `names` order."""

    names: list[str]
    matrix: list[list[Real]]


class Accuracy(Model):
    """Leave-one-show-out forecasts of the most recent shows against what they sold."""

    shows: Count
    segments: Count
    gmv_bias_percent: Real = Field(description="Σ forecast GMV / Σ actual − 1, in %")
    segment_wape_percent: Real = Field(description="Σ|forecast − actual| / Σ actual, segment GMV")
    band_coverage_percent: Real | None = Field(
        None, description="segments whose actual GMV fell inside the 80 % band"
    )
    prior_gmv_bias_percent: Real = Field(description="the same for the files' own model")
    prior_segment_wape_percent: Real


class Diagnostics(Model):
    """How the fit went: convergence, iterations, rows fitted and censored, dispersion."""

    converged: bool
    iterations: Count
    observations: Count = Field(description="rows fitted (minutes, or segments)")
    censored: Count = Field(description="minutes (or segments) left out after a stock-out")
    dispersion: Positive = Field(description="Pearson χ² / degrees of freedom (1 = Poisson)")
    deviance: Positive
    seconds: Positive | None = Field(None, description="fit time; null with --deterministic")
    accuracy: Accuracy | None = None
    fallback: bool = Field(description="the fit was not trusted: every correction is 0")
    fallback_reason: str | None = None
    warnings: list[str] = Field(default_factory=list)


class HistoryShow(Model):
    """One past show the model was fitted on, by folder and plan id."""

    folder: str
    title: str
    date: str
    start: str
    segments: Count
    minutes: Count = Field(description="minutes on air with sales figures")
    per_minute: bool = Field(description="the actuals gave sales per minute")
    planned_with: str = Field(description="'files' or the id of the MODEL the plan used")


class LearnedModel(Model):
    """A MODEL file (docs/learn.md)."""

    schema_: Literal["lqplan.model/1"] = Field(alias="schema")
    generator: str
    id: str = Field(pattern=r"^[0-9a-f]{16}$")
    family: Literal["poisson"] = "poisson"
    history: list[HistoryShow] = Field(min_length=1)
    coefficients: list[Coefficient]
    products: dict[Code, ProductEffect]
    covariance: Covariance
    viewer_curve: ViewerCurve | None
    diagnostics: Diagnostics

    def coefficient(self, name: str) -> float:
        """The estimate of coefficient `name`; 0 (no correction) when the model has none."""
        for c in self.coefficients:
            if c.name == name:
                return c.estimate
        return 0.0

    def get(self, name: str) -> Coefficient | None:
        """Coefficient `name` with its standard error and prior, if the model has it."""
        return next((c for c in self.coefficients if c.name == name), None)


_VOCABULARY.setdefault("model", sorted(_vocabulary(LearnedModel)))


def model_id(data: dict[str, Any]) -> str:
    """The hash of everything but `id` (and the fit's wall time, which reruns do not share)."""
    body = {k: v for k, v in data.items() if k != "id"}
    diagnostics = dict(body.get("diagnostics") or {})
    diagnostics.pop("seconds", None)
    body["diagnostics"] = diagnostics
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_text(data: dict[str, Any]) -> str:
    """The MODEL file's exact text (stable order, byte-identical for the same fit)."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def read_model(path: Path) -> tuple[LearnedModel, str]:
    """Read and check a MODEL file; returns it and the SHA-256 of its bytes. InputError (one line
    per problem, with its line) when it is not a model this lqplan can use."""
    from lqplan.errors import display_path
    from lqplan.show.load import read_yaml

    name = display_path(path)
    doc = read_yaml(path)  # JSON is YAML: positions for every field
    data = doc.data

    def refuse(where: tuple[str, ...], message: str) -> InputError:
        line, column = doc.locate(where) if where else (1, 1)
        return InputError([Diagnostic(name, line, column, "error", ".".join(where), message)])

    if not isinstance(data, dict):
        raise refuse((), "not an lqplan model (not a mapping)")
    schema = data.get("schema")
    if schema != MODEL_SCHEMA:
        what = f"schema {schema!r}" if schema is not None else "no 'schema'"
        raise refuse(
            ("schema",),
            f"{what}: this lqplan reads {MODEL_SCHEMA} (learn it again with this version)",
        )
    try:
        model = LearnedModel.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_diagnostics("model", doc, exc)) from None
    if model_id(data) != model.id:
        raise refuse(
            ("id",),
            "the file changed after lqplan learn wrote it (its id no longer matches its content); "
            "learn it again rather than editing coefficients by hand",
        )
    cov = model.covariance
    if any(len(row) != len(cov.names) for row in cov.matrix) or len(cov.matrix) != len(cov.names):
        raise refuse(("covariance", "matrix"), "must be square")
    return model, hashlib.sha256(path.read_bytes()).hexdigest()
