"""ACTUALS: what happened on air (docs/actuals.md), read from YAML or CSV.

`read_actuals(path)` parses and checks the fields (pydantic, like the show files: every problem
at once, as file:line:column). Two checks follow, by what the actuals are read against:
`check_actuals(file, inputs, at)` against the show's files, up to `--at` (replan: known SKUs and
promotions, segments inside the show and before `at`, no overlaps), and
`check_actuals_against_plan(file, plan)` against a plan.json (review, learning: SKUs on air in
the plan, times inside the show, the same show's title). `lqplan live --record` writes the same
file (`dump_actuals`).

Per-segment figures come from one place: `Actuals.segment_figures(segment)`, the segment's own
`units`/`gmv`/`orders`, or where it gives no units and the file lists `sales` (per minute or per
order, as platforms export them), its SKU's sales while it aired (`segment_sales`).
`Actuals.sold_by_sku()` is `sold`, else the sales' total.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, NamedTuple, Protocol

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from lqplan.errors import Diagnostic, DiagnosticList, InputError, Severity, sort_diagnostics
from lqplan.io.yamlio import Document
from lqplan.show.fields import Clock, Code, Model, Text, finite, format_clock, parse_clock
from lqplan.show.load import csv_rows, open_csv, read_yaml
from lqplan.show.model import LuckyBag, Promotion
from lqplan.show.validate import (
    _VOCABULARY,
    ShowInputs,
    SkuHints,
    _display,
    _pydantic_diagnostics,
    _vocabulary,
)

Count = Annotated[float, Field(ge=0, le=1e9), BeforeValidator(finite)]
Units = Annotated[int, Field(ge=0, le=100_000_000)]
# A show is at most a day: at most one segment, drop or viewer reading a minute. Capped before any
# loop runs on them (each segment's sales are tallied minute by minute).
MINUTELY = 24 * 60 + 1

Where = tuple[str | int, ...]  # a field's path in the file, as Document.locate takes it


class Report(Protocol):
    """report(where, message, severity="error"): one problem of the file being checked."""

    def __call__(self, where: Where, message: str, severity: Severity = "error") -> None: ...


_ORDER_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9])?\Z")


def parse_minute(value: Any) -> int:
    """'20:15', or an order time '20:15:42', -> minutes after midnight (1215): the seconds are
    dropped, so an order counts in the minute it was placed. Numbers are refused, as by
    parse_clock (1230 is not a time)."""
    if not isinstance(value, str):
        return parse_clock(value)  # its message for numbers and other types
    match = _ORDER_TIME.match(value.strip())
    if not match:
        raise ValueError(
            f"expected a clock time 'HH:MM' or 'HH:MM:SS' (00:00 to 23:59:59), got {value!r}"
        )
    return int(match.group(1)) * 60 + int(match.group(2))


# The clock minute of a sale or a reading: HH:MM, or HH:MM:SS with the seconds dropped. Elsewhere
# (segments, lucky bags, `at`) a time is a Clock, HH:MM only.
Minute = Annotated[
    int,
    BeforeValidator(parse_minute),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "description": "clock time HH:MM, or HH:MM:SS (the seconds are dropped)",
        }
    ),
]


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
        """Minutes on air: as given, else from start to end (across midnight)."""
        if self.minutes is not None:
            return self.minutes
        assert self.end is not None
        return (self.end - self.start) % 1440


class ViewerReading(Model):
    """Concurrent viewers at a minute (one a minute is the per-minute form)."""

    at: Minute
    viewers: Count


class Sale(Model):
    """Units of one SKU sold in the minute starting at `at` (a platform's per-minute export), or
    at an order time HH:MM:SS (an order export; it counts in its minute). Entries for the same
    SKU and minute add up."""

    at: Minute
    sku: Code
    units: Count
    gmv: Count | None = Field(None, description="what buyers paid")
    orders: Count | None = None


class SegmentFigures(NamedTuple):
    """What a segment sold: units, GMV and orders (None where the actuals do not say)."""

    units: float | None
    gmv: float | None
    orders: float | None


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
    """A lucky bag of show.yaml dropped at a clock time."""

    id: Code
    at: Clock


class Actuals(Model):
    """ACTUALS: what aired so far and what it sold (docs/actuals.md)."""

    at: Clock | None = Field(None, description="when these figures were taken; default --at")
    plan: Text | None = Field(None, description="a note naming the plan these actuals follow")
    segments: list[ActualSegment] = Field(default_factory=list, max_length=MINUTELY)
    sold: dict[Code, Units] = Field(
        default_factory=dict, description="units sold so far per SKU (default: segments' units)"
    )
    stock_left: dict[Code, Units] = Field(
        default_factory=dict, description="units left per SKU (default: stock less sold)"
    )
    viewers: Count | None = Field(None, description="concurrent viewers now (at `at`)")
    viewer_log: list[ViewerReading] = Field(
        default_factory=list, max_length=MINUTELY, description="concurrent viewers observed earlier"
    )
    pulled: list[
        Annotated[
            PulledProduct, BeforeValidator(_sku_only, json_schema_input_type=Code | PulledProduct)
        ]
    ] = Field(default_factory=list, description="products that will not air again")
    lucky_bags: list[BagDropped] | None = Field(
        None,
        max_length=MINUTELY,
        description="lucky bags dropped so far (default: the plan's, up to --at)",
    )
    sales: list[Sale] = Field(
        default_factory=list,
        description="units sold per SKU and minute, or per order time (the platform's export)",
    )
    views: Count | None = None
    orders: Count | None = None
    gmv: Count | None = None
    watch_time_seconds: Count | None = None
    engagement: Count | None = None

    def segment_figures(self, segment: ActualSegment) -> SegmentFigures:
        """A segment's units, GMV and orders: as it gives them; where it gives no units and the
        file lists sales, its SKU's sales in [start, end) (0 when none fell there: the sales are
        taken to be all of the show's), each of GMV and orders only when every sale counted
        gives it. The one rule replan (past.py) and review read segments by."""
        if segment.units is not None or not self.sales:
            return SegmentFigures(segment.units, segment.gmv, segment.orders)
        tally = _tally(self, segment.sku, segment.start, segment.length)
        return SegmentFigures(
            tally.units,
            segment.gmv if segment.gmv is not None else tally.gmv,
            segment.orders if segment.orders is not None else tally.orders,
        )

    def sold_by_sku(self) -> dict[str, float]:
        """Units sold so far per SKU: `sold` where it names the SKU, else the total of its sales
        (on air or not). A SKU in neither is absent (its segments' units are all there is)."""
        out = {sku: float(units) for sku, units in self.sold.items()}
        for sku, minutes in self._sales_index.items():
            if sku not in self.sold:
                out[sku] = sum(t.units for t in minutes.values())
        return out

    @cached_property
    def _sales_index(self) -> dict[str, dict[int, _Tally]]:
        """SKU -> clock minute -> the sales in it, added up."""
        index: dict[str, dict[int, _Tally]] = {}
        for sale in self.sales:
            minutes = index.setdefault(sale.sku, {})
            minutes[sale.at] = minutes.get(sale.at, _NOTHING) + _Tally(
                sale.units, sale.gmv, sale.orders
            )
        return index


@dataclass(frozen=True, slots=True)
class _Tally:
    """Sales added up: GMV (orders) is None as soon as one sale counted does not give it."""

    units: float
    gmv: float | None
    orders: float | None

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(
            self.units + other.units,
            None if self.gmv is None or other.gmv is None else self.gmv + other.gmv,
            None if self.orders is None or other.orders is None else self.orders + other.orders,
        )


_NOTHING = _Tally(0.0, 0.0, 0.0)


def _tally(actuals: Actuals, sku: str, start: int, minutes: int) -> _Tally:
    by_minute = actuals._sales_index.get(sku, {})
    total = _NOTHING
    for m in range(start, start + minutes):
        total += by_minute.get(m % 1440, _NOTHING)
    return total


def segment_sales(
    actuals: Actuals, sku: str, start_clock: int, end_clock: int
) -> tuple[float, float | None]:
    """Units and GMV of `sku` in the sales of the minutes [start_clock, end_clock) (clock minutes
    after midnight, across midnight when end < start). GMV is None when a sale counted gives
    none; no sale there is (0.0, 0.0)."""
    tally = _tally(actuals, sku, start_clock, (end_clock - start_clock) % 1440)
    return tally.units, tally.gmv


# pydantic errors are mapped to file:line:column by validate's helpers; "did you mean" suggestions
# need this file kind's field names.
_VOCABULARY.setdefault("actuals", sorted(_vocabulary(Actuals)))


def actuals_schema() -> dict[str, Any]:
    """A draft-07 JSON Schema of the ACTUALS file (YAML form), like lqplan.show.schema's."""
    from lqplan.show.draft07 import draft07

    return draft07(Actuals, "actuals")


def actuals_schema_text() -> str:
    """actuals_schema() as text, formatted like the files in schemas/."""
    return json.dumps(actuals_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass(frozen=True)
class ActualsFile:
    """A read ACTUALS file: its fields, and where each one is in the file (for messages)."""

    path: Path
    doc: Document
    actuals: Actuals

    @property
    def name(self) -> str:
        """The file's name as messages show it."""
        return self.doc.file

    def diagnostic(self, where: Where, message: str, severity: Severity = "error") -> Diagnostic:
        """A problem with the field at `where`, located in the file."""
        line, column = self.doc.locate(where)
        return Diagnostic(self.doc.file, line, column, severity, _display(where), message)

    def reporter(self, problems: DiagnosticList) -> Report:
        """report(where, message, severity): a diagnostic of this file, collected in `problems`."""

        def report(where: Where, message: str, severity: Severity = "error") -> None:
            problems.add(self.diagnostic(where, message, severity))

        return report


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
        raise InputError(sort_diagnostics(_pydantic_diagnostics("actuals", doc, exc))) from None
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
    "sale": (
        "sales",
        {"sku": "sku", "at": "at", "units": "units", "gmv": "gmv", "orders": "orders"},
    ),
}


def read_actuals_csv(path: Path) -> Document:
    """ACTUALS as one CSV, one fact per row, its kind in the `record` column (docs/actuals.md):
    segment, viewers, lucky_bag, pulled, sold, stock, sale. Returns the YAML form, located."""
    table, columns = open_csv(path)
    name, header = table.file, table.rows[0]
    problems = DiagnosticList()
    known = CSV_COLUMNS + CSV_OPTIONAL
    for i, column in enumerate(columns):
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            line, col = header.place(i)
            message = f"unknown column {column!r}{hint}"
            problems.add(Diagnostic(name, line, col, "error", "", message))
    if "record" not in columns:
        problems.add(Diagnostic(name, 1, 1, "error", "", "missing column 'record'"))
    problems.raise_if_errors()
    records = (
        CsvRecord(
            row.line, {c: (str(row.cells[i]).strip(), row.place(i)) for i, c in enumerate(columns)}
        )
        for row in csv_rows(table, len(columns), problems)  # rows as wide as the header
    )
    doc = actuals_document(name, records, problems)
    problems.raise_if_errors()
    return doc


class CsvRecord(NamedTuple):
    """One row of the ACTUALS CSV form: its line, and per column its value and (line, column).
    Values are text as a CSV gives them, or numbers as a worksheet does (lqplan import)."""

    line: int
    cells: dict[str, tuple[Any, tuple[int, int]]]


def actuals_document(name: str, records: Iterable[CsvRecord], problems: DiagnosticList) -> Document:
    """The YAML form of ACTUALS rows in the CSV form (columns CSV_COLUMNS and CSV_OPTIONAL, the
    kind in `record`), each value located at its cell; unknown records are reported."""
    doc = Document(name, None)
    data: dict[str, Any] = {}
    for record in records:
        value, place = record.cells["record"]
        kind = str(value).lower()
        if kind not in _RECORDS:
            problems.add(
                Diagnostic(
                    name,
                    *place,
                    "error",
                    "record",
                    f"unknown record {kind!r}; expected one of {', '.join(_RECORDS)}",
                )
            )
            continue
        _csv_row(doc, data, kind, record, problems)
    doc.data = data
    doc.value_marks.setdefault((), (1, 1))
    return doc


def _csv_row(
    doc: Document,
    data: dict[str, Any],
    kind: str,
    record: CsvRecord,
    problems: DiagnosticList,
) -> None:
    key, fields = _RECORDS[kind]
    line, row = record

    def given(column: str) -> bool:
        return column in row and row[column][0] not in ("", None)

    if kind in ("sold", "stock"):
        if not given("sku") or not given("units"):
            problems.add(
                Diagnostic(doc.file, line, 1, "error", "", f"a {kind} row needs sku and units")
            )
            return
        sku = str(row["sku"][0])
        mapping = data.setdefault(key, {})
        mapping[sku] = _number(row["units"][0])
        doc.value_marks.setdefault((key,), (line, 1))
        doc.key_marks[(key, sku)] = row["sku"][1]
        doc.value_marks[(key, sku)] = row["units"][1]
        return
    entries = data.setdefault(key, [])
    index = len(entries)
    entry: dict[str, Any] = {}
    doc.value_marks.setdefault((key,), (line, 1))
    doc.value_marks[(key, index)] = (line, 1)
    for column, field in fields.items():
        if not given(column):
            continue
        value = row[column][0]
        entry[field] = _number(value) if column in _NUMERIC else value
        doc.value_marks[(key, index, field)] = row[column][1]
        doc.key_marks[(key, index, field)] = row[column][1]
    entries.append(entry)


def _number(cell: Any) -> Any:
    """A numeric text cell as int or float; anything else stays as it is (pydantic reports
    what is not a number)."""
    if not isinstance(cell, str):
        return cell
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
    report = file.reporter(problems)
    promotions = {p.id: p for p in show.promotions}
    known = _sku_check(report, inputs.products, "in the catalog")

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
    _check_skus(actuals, known)
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
    for key, i, when in _moments(actuals):
        if show.offset(when) >= show.minutes:
            report((key, i, "at"), f"{format_clock(when)} is outside the show")
        elif show.offset(when) > at:
            report((key, i, "at"), f"{format_clock(when)} is after {show.clock(at)} (--at)")
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


Known = Callable[[Where, str], bool]  # known(where, sku)


def _sku_check(report: Report, skus: Collection[str], where_in: str) -> Known:
    """known(where, sku): is `sku` one of `skus`; else an error at `where`, with a suggestion."""

    hints = SkuHints(skus)

    def known(where: Where, sku: str) -> bool:
        if sku in skus:
            return True
        report(where, f"SKU {sku!r} is not {where_in}{hints(sku)}")
        return False

    return known


def _check_skus(actuals: Actuals, known: Known) -> None:
    """The SKUs of sales, `sold` and `stock_left` (segments are checked with their times)."""
    for i, sale in enumerate(actuals.sales):
        known(("sales", i, "sku"), sale.sku)
    for key in ("sold", "stock_left"):
        for sku in getattr(actuals, key):
            known((key, sku), sku)


def _moments(actuals: Actuals) -> list[tuple[str, int, int]]:
    """(field, index, clock minute) of each viewer reading and sale."""
    return [("viewer_log", i, r.at) for i, r in enumerate(actuals.viewer_log)] + [
        ("sales", i, s.at) for i, s in enumerate(actuals.sales)
    ]


def _check_units(file: ActualsFile, report: Report) -> None:
    """Warnings: segments (or sales) that list more units than `sold`; segments that count 0
    units because the sales list none of their SKU."""
    actuals = file.actuals
    by_sku: dict[str, float] = {}
    for seg in actuals.segments:
        units = actuals.segment_figures(seg).units
        if units is not None:
            by_sku[seg.sku] = by_sku.get(seg.sku, 0.0) + units
    sales: dict[str, float] = {}
    for sale in actuals.sales:
        sales[sale.sku] = sales.get(sale.sku, 0.0) + sale.units
    for what, totals in (("segments", by_sku), ("sales", sales)):
        for sku, units in totals.items():
            sold = actuals.sold.get(sku)
            if sold is not None and units > sold + 1e-9:
                report(
                    ("sold", sku),
                    f"{what} of {sku} list {units:g} units, more than the {sold} sold",
                    "warning",
                )
    for i, seg in enumerate(actuals.segments):
        if actuals.sales and seg.units is None and seg.sku not in sales:
            report(
                ("segments", i),
                f"no units and no sales of {seg.sku}: counted as 0 units sold",
                "warning",
            )


# --- checks against a plan.json ------------------------------------------------------------------

# How far outside the plan's show a time may fall and still belong to it (a warning): a show
# that opened early or ran late. Further out, the actuals are of another show or day (an error).
GRACE_MINUTES = 60


def plan_minute(plan: dict[str, Any], clock: int) -> int:
    """Minutes from the start of the plan's show to clock time `clock` (minutes after midnight):
    negative up to GRACE_MINUTES before the start, else later the same night."""
    show = plan["show"]
    offset = (clock - parse_clock(show["start"])) % 1440
    early = offset - 1440
    return early if -early <= GRACE_MINUTES and offset > show["minutes"] + GRACE_MINUTES else offset


def check_actuals_against_plan(file: ActualsFile, plan: dict[str, Any]) -> list[Diagnostic]:
    """Check that the actuals can belong to `plan` (a plan.json, docs/plan-json.md): the show's
    title if the actuals name one (`plan`), SKUs on air in the plan (`products`), segments, sales,
    readings and drops inside the show's time (GRACE_MINUTES either side is a warning). Raises
    InputError listing every error; returns the warnings."""
    show, actuals = plan["show"], file.actuals
    problems = DiagnosticList()
    report = file.reporter(problems)
    title = show.get("title")
    if actuals.plan is not None and title is not None and _words(actuals.plan) != _words(title):
        starts = " ".join(str(x) for x in (show.get("date"), show["start"]) if x)
        report(
            ("plan",),
            f"these actuals follow a different show: {actuals.plan!r}, not {title!r} ({starts})",
        )
    known = _sku_check(report, plan.get("products", {}), "on air in the plan")
    end = show["minutes"]
    span = f"{show['start']}–{format_clock(parse_clock(show['start']) + end)}"

    def inside(where: Where, clock: int, minutes: int) -> None:
        """`minutes` from `clock` on (0: a moment) lie within the show, or near it (a warning)."""
        start = plan_minute(plan, clock)
        if start < -GRACE_MINUTES or start > end + GRACE_MINUTES:
            report(where, f"{format_clock(clock)} is outside the show ({span})")
        elif start < 0:
            report(where, f"{format_clock(clock)} is before the show starts ({span})", "warning")
        elif start + minutes > end:
            what = (
                f"runs until {format_clock(clock + minutes)}, which is"
                if minutes > 1
                else f"{format_clock(clock)} is"
            )
            report(where, f"{what} after the show's end ({span}): it ran late?", "warning")

    for i, seg in enumerate(actuals.segments):
        known(("segments", i, "sku"), seg.sku)
        inside(("segments", i, "start"), seg.start, seg.length)
    _check_skus(actuals, known)
    for key, i, when in _moments(actuals):
        inside((key, i, "at"), when, 1 if key == "sales" else 0)  # a sale is of a whole minute
    for i, drop in enumerate(actuals.lucky_bags or []):
        inside(("lucky_bags", i, "at"), drop.at, 0)
    _check_units(file, report)
    problems.raise_if_errors()
    return problems.items


def _words(text: str) -> str:
    """`text` with its runs of white space as single spaces (titles compare so)."""
    return " ".join(text.split())


def _applies(inputs: ShowInputs, promo: Promotion, sku: str) -> bool:
    """Whether `promo` is one of the ways the demand model may sell `sku`."""
    from lqplan.plan.demand import build_modes

    modes = build_modes(inputs, inputs.products[sku])
    return any(m.promotion == promo.id for m in modes)


__all__ = [
    "ActualSegment",
    "Actuals",
    "ActualsFile",
    "Sale",
    "SegmentFigures",
    "ViewerReading",
    "actuals_schema",
    "check_actuals",
    "check_actuals_against_plan",
    "parse_minute",
    "plan_minute",
    "read_actuals",
    "segment_sales",
]


# --- the file as plain data: what lqplan live --record merges into and writes back -------------


def load_actuals(path: Path) -> dict[str, Any]:
    """The fields of an ACTUALS file as plain data (its YAML form), for `lqplan live --record`,
    which merges its marks into them and writes them back with dump_actuals. The file is read
    and checked by actuals.read_actuals: InputError listing every problem."""
    data: dict[str, Any] = read_actuals(path).doc.data  # read_actuals refuses all but a mapping
    data.setdefault("segments", [])
    return data


def dump_actuals(data: dict[str, Any]) -> str:
    """ACTUALS text: one flow mapping per segment (and per sale, reading, drop...), so the file
    reads (and diffs) a line each; segments last. actuals.read_actuals reads it back."""
    import yaml

    text = "# lqplan actuals: what aired (docs/review.md)\n"
    for key, value in [*((k, v) for k, v in data.items() if k != "segments"),
                       ("segments", data.get("segments", []))]:  # fmt: skip
        if not isinstance(value, list) or not any(isinstance(v, dict) for v in value):
            text += yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False)
            continue
        text += f"{key}:\n"
        for item in value:
            flow = yaml.safe_dump(
                item, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10**6
            )
            text += f"  - {flow.strip()}\n"
    return text
