"""ACTUALS: what happened on air so far (docs/actuals.md), read from YAML or CSV.

`read_actuals(path)` parses and checks the fields (pydantic, like the show files: every problem
at once, as file:line:column); `check_actuals(file, inputs, at)` checks them against the show
(known SKUs and promotions, segments inside the show and before `at`, no overlaps). `replan`
reads the result; `lqplan live` writes and `lqplan review` reads the same file, whose fields are
a superset of theirs (`segments` with `number`, `sku`, `start`, `end`; `plan`; show-level
`views`, `orders`, `gmv`...).
"""

from __future__ import annotations

import difflib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from lqplan.errors import Diagnostic, DiagnosticList, InputError
from lqplan.load import cell_column, csv_rows, open_csv, read_yaml
from lqplan.model import (
    Clock,
    Code,
    LuckyBag,
    Model,
    Text,
    _finite,
    format_clock,
)
from lqplan.validate import _VOCABULARY, ShowInputs, _display, _pydantic_diagnostics, _vocabulary
from lqplan.yamlio import Document

Count = Annotated[float, BeforeValidator(_finite), Field(ge=0, le=1e9)]
Units = Annotated[int, Field(ge=0, le=100_000_000)]


class ActualSegment(Model):
    """One product's time on air as it happened."""

    sku: Code
    start: Clock
    end: Clock | None = Field(None, description="when it came off air; or give minutes")
    minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    promotion: Code | None = Field(
        None, description="the flash sale, gift or coupon it ran with (its id in show.yaml)"
    )
    units: Count | None = Field(None, description="units sold during this segment")
    gmv: Count | None = Field(None, description="what buyers paid during this segment")
    orders: Count | None = None
    viewers: Count | None = Field(None, description="mean concurrent viewers while it aired")
    number: Annotated[int, Field(ge=1)] | None = Field(
        None, description="the plan's segment number (written by lqplan live)"
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _length(self) -> ActualSegment:
        if self.end is None and self.minutes is None:
            raise ValueError("give end or minutes")
        if (
            self.end is not None
            and self.minutes is not None
            and (self.end - self.start) % 1440 != self.minutes
        ):
            raise ValueError(
                f"end {format_clock(self.end)} is not {self.minutes} min after "
                f"start {format_clock(self.start)}"
            )
        return self

    @property
    def length(self) -> int:
        if self.minutes is not None:
            return self.minutes
        assert self.end is not None
        return (self.end - self.start) % 1440


class ViewerReading(Model):
    at: Clock
    viewers: Count


def _sku_only(value: Any) -> Any:
    # `pulled: [SER-005]` is the short form of `pulled: [{sku: SER-005}]`.
    return (
        {"sku": value} if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    )


class PulledProduct(Model):
    """A product taken off the rest of the show (sold out, supplier problem, compliance...)."""

    sku: Code
    reason: Text | None = None
    at: Clock | None = None


class BagDropped(Model):
    id: Code
    at: Clock


class Actuals(Model):
    """ACTUALS: what aired so far and what it sold (docs/actuals.md)."""

    at: Clock | None = Field(None, description="when these figures were taken; default --at")
    plan: Text | None = Field(None, description="a note naming the plan these actuals follow")
    segments: list[ActualSegment] = Field(default_factory=list)
    sold: dict[Code, Units] = Field(
        default_factory=dict, description="units sold so far per SKU (default: segments' units)"
    )
    stock_left: dict[Code, Units] = Field(
        default_factory=dict, description="units left per SKU (default: stock less sold)"
    )
    viewers: Count | None = Field(None, description="concurrent viewers now (at `at`)")
    viewer_log: list[ViewerReading] = Field(
        default_factory=list, description="concurrent viewers observed earlier"
    )
    pulled: list[Annotated[PulledProduct, BeforeValidator(_sku_only)]] = Field(
        default_factory=list, description="products that will not air again"
    )
    lucky_bags: list[BagDropped] | None = Field(
        None, description="lucky bags dropped so far (default: the plan's, up to --at)"
    )
    views: Count | None = None
    orders: Count | None = None
    gmv: Count | None = None
    watch_time_seconds: Count | None = None
    engagement: Count | None = None


# pydantic errors are mapped to file:line:column by validate's helpers; "did you mean" suggestions
# need this file kind's field names.
_VOCABULARY.setdefault("actuals", sorted(_vocabulary(Actuals)))


def actuals_schema() -> dict[str, Any]:
    """A draft-07 JSON Schema of the ACTUALS file (YAML form), like lqplan.schema's."""
    schema = Actuals.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://lqplan.dev/schemas/actuals.schema.json",
        **schema,
    }


def actuals_schema_text() -> str:
    return json.dumps(actuals_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass(frozen=True)
class ActualsFile:
    """A read ACTUALS file: its fields, and where each one is in the file (for messages)."""

    path: Path
    doc: Document
    actuals: Actuals

    @property
    def name(self) -> str:
        return self.doc.file

    def diagnostic(
        self, where: tuple[str | int, ...], message: str, severity: str = "error"
    ) -> Diagnostic:
        line, column = self.doc.locate(where)
        return Diagnostic(self.doc.file, line, column, severity, _display(where), message)  # type: ignore[arg-type]


def read_actuals(path: Path) -> ActualsFile:
    """Read an ACTUALS file (.yaml/.yml, or .csv); InputError listing every problem."""
    doc = read_actuals_csv(path) if path.suffix.lower() == ".csv" else read_yaml(path)
    if not isinstance(doc.data, dict):
        line, column = doc.locate(())
        raise InputError(
            [Diagnostic(doc.file, line, column, "error", "", "expected a mapping of fields")]
        )
    try:
        actuals = Actuals.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_pydantic_diagnostics("actuals", doc, exc)) from None
    return ActualsFile(path, doc, actuals)


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = ("record", "sku", "at", "end", "minutes", "promotion", "units", "gmv", "viewers")
CSV_OPTIONAL = ("reason", "id", "number", "orders", "note")
_NUMERIC = ("minutes", "units", "gmv", "viewers", "number", "orders")
# record type -> (list or mapping it fills, {csv column: field})
_RECORDS: dict[str, tuple[str, dict[str, str]]] = {
    "segment": (
        "segments",
        {
            "sku": "sku",
            "at": "start",
            "end": "end",
            "minutes": "minutes",
            "promotion": "promotion",
            "units": "units",
            "gmv": "gmv",
            "viewers": "viewers",
            "orders": "orders",
            "number": "number",
            "note": "note",
        },
    ),
    "viewers": ("viewer_log", {"at": "at", "viewers": "viewers"}),
    "lucky_bag": ("lucky_bags", {"id": "id", "promotion": "id", "at": "at"}),
    "pulled": ("pulled", {"sku": "sku", "reason": "reason", "at": "at"}),
    "sold": ("sold", {"units": "units"}),
    "stock": ("stock_left", {"units": "units"}),
}


def read_actuals_csv(path: Path) -> Document:
    """ACTUALS as one CSV, one fact per row, its kind in the `record` column (docs/actuals.md):
    segment, viewers, lucky_bag, pulled, sold, stock. Returns the YAML form, located."""
    name, text, reader, columns = open_csv(path)
    doc = Document(name, None)
    problems = DiagnosticList()
    known = CSV_COLUMNS + CSV_OPTIONAL
    for i, column in enumerate(columns):
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.add(
                Diagnostic(
                    name,
                    1,
                    cell_column(text, 1, i),
                    "error",
                    "",
                    f"unknown column {column!r}{hint}",
                )
            )
    if "record" not in columns:
        problems.add(Diagnostic(name, 1, 1, "error", "", "missing column 'record'"))
    problems.raise_if_errors()
    data: dict[str, Any] = {}
    for line, cells in csv_rows(name, reader, len(columns), problems):
        row = {c: (v.strip(), i) for i, (c, v) in enumerate(zip(columns, cells, strict=True))}
        kind = row["record"][0].lower()
        if kind not in _RECORDS:
            problems.add(
                Diagnostic(
                    name,
                    line,
                    cell_column(text, line, row["record"][1]),
                    "error",
                    "record",
                    f"unknown record {kind!r}; expected one of {', '.join(_RECORDS)}",
                )
            )
            continue
        _csv_row(doc, data, text, line, kind, row, problems)
    problems.raise_if_errors()
    doc.data = data
    doc.value_marks.setdefault((), (1, 1))
    return doc


def _csv_row(
    doc: Document,
    data: dict[str, Any],
    text: str,
    line: int,
    kind: str,
    row: dict[str, tuple[str, int]],
    problems: DiagnosticList,
) -> None:
    key, fields = _RECORDS[kind]
    where = lambda column: (line, cell_column(text, line, row[column][1]))  # noqa: E731
    if kind in ("sold", "stock"):
        sku, units = row.get("sku", ("", 0)), row.get("units", ("", 0))
        if not sku[0] or not units[0]:
            problems.add(
                Diagnostic(doc.file, line, 1, "error", "", f"a {kind} row needs sku and units")
            )
            return
        mapping = data.setdefault(key, {})
        mapping[sku[0]] = _number(units[0])
        doc.value_marks.setdefault((key,), (line, 1))
        doc.key_marks[(key, sku[0])] = where("sku")
        doc.value_marks[(key, sku[0])] = where("units")
        return
    entries = data.setdefault(key, [])
    index = len(entries)
    entry: dict[str, Any] = {}
    doc.value_marks.setdefault((key,), (line, 1))
    doc.value_marks[(key, index)] = (line, 1)
    for column, field in fields.items():
        if column not in row or not row[column][0]:
            continue
        value = row[column][0]
        entry[field] = _number(value) if column in _NUMERIC else value
        doc.value_marks[(key, index, field)] = where(column)
        doc.key_marks[(key, index, field)] = where(column)
    entries.append(entry)


def _number(cell: str) -> Any:
    """A numeric cell as int or float; anything else stays text (pydantic reports it)."""
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell


# --- checks against the show ---------------------------------------------------------------------


def check_actuals(file: ActualsFile, inputs: ShowInputs, at: int) -> list[Diagnostic]:
    """Check the actuals against the show, up to minute `at` of it. Raises InputError listing
    every error; returns the warnings."""
    show = inputs.show
    actuals = file.actuals
    problems = DiagnosticList()
    report = lambda where, message, severity="error": problems.add(  # noqa: E731
        file.diagnostic(where, message, severity)
    )
    promotions = {p.id: p for p in show.promotions}

    def known(where: tuple[str | int, ...], sku: str) -> bool:
        if sku in inputs.products:
            return True
        close = difflib.get_close_matches(sku, list(inputs.products), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        report(where, f"SKU {sku!r} is not in the catalog{hint}")
        return False

    spans = []
    for i, seg in enumerate(actuals.segments):
        where: tuple[str | int, ...] = ("segments", i)
        start = show.offset(seg.start)
        if start >= show.minutes:
            report((*where, "start"), f"{format_clock(seg.start)} is outside the show")
            continue
        if start >= at:
            report(
                (*where, "start"),
                f"starts at {format_clock(seg.start)}, not before {show.clock(at)} (--at)",
            )
        if start + seg.length > show.minutes:
            report(where, f"runs past the end of the show ({show.clock(show.minutes)})")
        spans.append((start, start + seg.length, i))
        if not known((*where, "sku"), seg.sku):
            continue
        promo = promotions.get(seg.promotion) if seg.promotion else None
        if seg.promotion and promo is None:
            close = difflib.get_close_matches(seg.promotion, list(promotions), n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            report((*where, "promotion"), f"no promotion {seg.promotion!r} in show.yaml{hint}")
        elif isinstance(promo, LuckyBag):
            report(
                (*where, "promotion"),
                f"{promo.id} is a lucky bag, not a way of selling; list it under lucky_bags",
            )
        elif promo is not None and promo.type != "collab" and not _applies(inputs, promo, seg.sku):
            report((*where, "promotion"), f"{promo.type} {promo.id} does not apply to {seg.sku}")
    spans.sort()
    for (_s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(spans):
        if s2 < e1:
            report(
                ("segments", i2, "start"),
                f"overlaps segments[{i1}], which runs until {show.clock(e1)}",
            )
    for key in ("sold", "stock_left"):
        for sku in getattr(actuals, key):
            known((key, sku), sku)
    for sku, left in actuals.stock_left.items():
        stock = inputs.stock_by_sku.get(sku)
        if stock is not None and left > stock.units:
            report(
                ("stock_left", sku),
                f"{left} units left, more than the {stock.units} in stock.yaml (restocked?)",
                "warning",
            )
    for i, pulled in enumerate(actuals.pulled):
        known(("pulled", i, "sku"), pulled.sku)
    for i, reading in enumerate(actuals.viewer_log):
        if show.offset(reading.at) > at:
            report(
                ("viewer_log", i, "at"),
                f"{format_clock(reading.at)} is after {show.clock(at)} (--at)",
            )
    bags = {p.id for p in show.promotions if isinstance(p, LuckyBag)}
    for i, drop in enumerate(actuals.lucky_bags or []):
        if drop.id not in bags:
            report(("lucky_bags", i, "id"), f"no lucky bag {drop.id!r} in show.yaml")
        if show.offset(drop.at) >= at:
            report(
                ("lucky_bags", i, "at"),
                f"{format_clock(drop.at)} is not before {show.clock(at)} (--at)",
            )
    _check_units(file, report)
    problems.raise_if_errors()
    return problems.items


def _check_units(file: ActualsFile, report: Any) -> None:
    by_sku: dict[str, float] = {}
    for seg in file.actuals.segments:
        if seg.units is not None:
            by_sku[seg.sku] = by_sku.get(seg.sku, 0.0) + seg.units
    for sku, units in by_sku.items():
        sold = file.actuals.sold.get(sku)
        if sold is not None and units > sold + 1e-9:
            report(
                ("sold", sku),
                f"segments of {sku} list {units:g} units, more than the {sold} sold",
                "warning",
            )


def _applies(inputs: ShowInputs, promo: Any, sku: str) -> bool:
    from lqplan.demand import build_modes

    modes = build_modes(inputs, inputs.products[sku])
    return any(m.promotion == promo.id for m in modes)


__all__ = [
    "ActualSegment",
    "Actuals",
    "ActualsFile",
    "actuals_schema",
    "check_actuals",
    "read_actuals",
]
