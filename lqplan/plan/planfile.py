"""plan.json as a typed model (schema `lqplan.plan/1`, docs/plan-json.md): the gate plans pass.

`lqplan plan` writes plain dicts (plan/assemble.py); every command that takes a PLAN.json reads it
through `read_plan`, which parses the JSON with positions, validates it against `Plan` and the
checks pydantic cannot make field by field (`plan_problems`: segments numbered in order, clock
times that agree with the minutes, references to products and promotions the plan lists), and
reports every problem at once as `plan.json:LINE:COL: error: segments[3].start: …`. Callers keep
the plain dict (the renderers and templates read dicts): what passes the gate is what they may
rely on, so a field a consumer reads is a required field here.

Optional sections and keys (`demand`, `replan`, `robust`, the `band`s, `frozen`, `compliance`)
were added by later lqplan versions or only some plans have them: a plan from an earlier lqplan
still reads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import WithJsonSchema

from lqplan.errors import Diagnostic, InputError, display_path, sort_diagnostics
from lqplan.io.jsonio import parse_json
from lqplan.io.yamlio import Document
from lqplan.show.fields import (
    Code,
    Model,
    Role,
    TimeZone,
    Words,
    _parse_date,
    clock_after,
    finite,
)
from lqplan.show.model import (
    TEAM_ROLES,
    Language,
    Objective,
    Platform,
    Product,
    Promotion,
)
from lqplan.show.validate import _VOCABULARY, _display, _pydantic_diagnostics, _vocabulary

PLAN_SCHEMA = "lqplan.plan/1"

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")


def _clock_text(value: Any) -> Any:
    """A clock time as plan.json writes it, "HH:MM" (kept as text: the plan is not rewritten)."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError(f"expected a clock time 'HH:MM' (00:00 to 23:59), got {value!r}")
    return value


def _date_text(value: Any) -> Any:
    _parse_date(value)
    return value


Clock = Annotated[
    str,
    BeforeValidator(_clock_text),
    WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
]
Date = Annotated[
    str, BeforeValidator(_date_text), WithJsonSchema({"type": "string", "format": "date"})
]
Text = Annotated[str, Field(max_length=10_000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Minute = Annotated[int, Field(ge=0, le=24 * 60)]  # minutes from the show's start
Length = Annotated[int, Field(ge=1, le=24 * 60)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
Number = Annotated[int, Field(ge=1, le=1_000_000)]
Cents = Annotated[int, Field(ge=-(10**14), le=10**14)]
Amount = Annotated[float, Field(ge=-1e12, le=1e12), BeforeValidator(finite)]  # money, signed
Price = Annotated[float, Field(ge=0, le=1e12), BeforeValidator(finite)]
Units = Annotated[float, Field(ge=0, le=1e12), BeforeValidator(finite)]
Level = Annotated[float, Field(ge=-1e12, le=1e12), BeforeValidator(finite)]  # stock, signed
Real = Annotated[float, Field(ge=-1e12, le=1e12), BeforeValidator(finite)]
Seconds = Annotated[float, Field(ge=0, le=1e9), BeforeValidator(finite)]
CartLink = Annotated[int, Field(ge=1, le=9999)]
Mode = Literal["normal", "flash_sale", "gift", "coupon"]
# Sizes that cannot be meant, capped before any loop runs on them: a show is at most a day, so at
# most one segment, break, drop or viewer point a minute (segments cannot overlap: plan_problems).
DAY = 24 * 60


class PlanModel(Model):
    """Strict like the show files: unknown fields are refused with a 'did you mean'."""


# --- show -----------------------------------------------------------------------------------


class PlanHost(PlanModel):
    """A host of the show, by name and role."""

    name: Text
    role: Literal["host", "co_host"]


class PlanKpi(PlanModel):
    """The show's KPI targets, as show.yaml gives them."""

    watch_time_seconds: Annotated[float, Field(ge=0, le=1e9), BeforeValidator(finite)]
    engagement: Annotated[float, Field(ge=0, le=1), BeforeValidator(finite)]
    payment_conversion: Annotated[float, Field(ge=0, le=1), BeforeValidator(finite)]
    gpm: Price


class InputFile(PlanModel):
    """One input file the plan was made from, relative to show.yaml, with its hash."""

    file: Text
    sha256: Sha256


class PlanShow(PlanModel):
    """plan.json's `show`: the show's facts the paperwork prints."""

    title: Text
    date: Date
    start: Clock
    end: Clock
    minutes: Annotated[int, Field(ge=1, le=24 * 60)]
    slot_minutes: Annotated[int, Field(ge=1, le=15)]
    language: Language
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    platform: Platform
    room: Text | None
    theme: Text | None
    objective: Objective
    stock_reserve: Annotated[float, Field(ge=0, le=0.9), BeforeValidator(finite)]
    hosts: list[PlanHost] = Field(min_length=1)
    # A Literal of the roles' tuple: pydantic expands it at run time, mypy takes only literals.
    team: dict[Literal[TEAM_ROLES], list[Text]]  # type: ignore[valid-type]
    kpi: PlanKpi
    inputs: dict[Literal["audience", "catalog", "show", "stock"], InputFile]
    # Absent unless show.yaml gives them (and in plans of older lqplan).
    time_zone: TimeZone | None = None
    words: Words | None = None


# --- segments -------------------------------------------------------------------------------


class SegmentPrice(PlanModel):
    """A segment's prices: list, live, and its mode's flash-sale or after-coupon price."""

    list: Price
    live: Price
    flash_sale: Price | None
    after_coupon: Price | None


class Quantiles(PlanModel):
    """P10, P50 and P90 of a forecast figure."""

    p10: Amount
    p50: Amount
    p90: Amount


class SegmentBand(PlanModel):
    """A segment's forecast band: units, GMV and profit quantiles."""

    gmv: Quantiles
    profit: Quantiles


class Expected(PlanModel):
    """What a segment is expected to sell and earn (a frozen one: what it did)."""

    units: Units
    promotion_units: Units
    gmv: Amount
    profit: Amount
    pull_value: Amount
    value_cents: Cents
    preference_cents: Cents
    band: SegmentBand | None = Field(None, description="absent in plans of older lqplan")


class SegmentStock(PlanModel):
    """A segment's stock: units available after the reserve, and left before and after it."""

    available: Count
    before: Level
    after: Level


ActionKind = Literal[
    "list_product",
    "delist_product",
    "release_stock",
    "start_flash_sale",
    "end_flash_sale",
    "send_coupon",
    "announce_gift",
]
# What each kind of action carries besides the common fields.
_ACTION_NEEDS: dict[str, tuple[str, ...]] = {
    "release_stock": ("units",),
    "start_flash_sale": ("promotion", "price"),
    "end_flash_sale": ("promotion", "price"),
    "send_coupon": ("promotion",),
    "announce_gift": ("promotion",),
}


class Action(PlanModel):
    """A control-room action: the common fields, and those of its kind (`units`, `promotion`,
    `price`); other kind-specific keys are kept as they are."""

    model_config = ConfigDict(extra="allow")

    minute: Minute
    at: Clock
    team: Literal["control_room"]
    action: ActionKind
    sku: Code
    cart_link: CartLink | None
    units: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    promotion: Code | None = None
    price: Price | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Action:
        missing = [f for f in _ACTION_NEEDS.get(self.action, ()) if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.action} action needs {' and '.join(map(repr, missing))}")
        return self


class Segment(PlanModel):
    """One segment of the run of show: a product on air, when, how long, in which mode."""

    number: Number
    start: Clock
    end: Clock
    start_minute: Minute
    minutes: Length
    phase: Literal["opening", "encore", "closing", "segment"]
    sku: Code
    name: Text
    brand: Text | None
    category: Text
    role: Role
    cart_link: CartLink | None
    hosts: list[Text]
    airing: Annotated[int, Field(ge=1, le=100)]
    mode: Mode
    promotion: Code | None
    promotion_minutes: Length | None
    price: SegmentPrice
    expected: Expected
    stock: SegmentStock
    actions: list[Action] = Field(max_length=32)  # a handful per segment (plan/assemble.py)
    frozen: bool | None = Field(None, description="replanned plans: the segment aired already")
    continues: Number | None = Field(
        None,
        description="the number of the segment this one goes on from: the same product back to "
        "back (a repeat's gap of 0), one pitch whose decay runs on; paperwork shows one row",
    )


# --- the rest of plan.json ------------------------------------------------------------------


class PlanBreak(PlanModel):
    """A break in the show (no product on air)."""

    at: Clock
    minute: Minute
    minutes: Annotated[int, Field(ge=1, le=240)]
    label: Text | None
    # Absent in plans of older lqplan: nobody covered their breaks.
    covered_by: list[Text] = Field(default_factory=list)


class LuckyBagDrop(PlanModel):
    """One lucky-bag drop: when its countdown starts, when it is drawn, its value."""

    id: Code
    prize: Text
    winners: Annotated[int, Field(ge=1)]
    # None: the show gave no entry; the paperwork words it per language and platform.
    entry: Text | None = None
    at: Clock
    minute: Minute
    countdown_minutes: Annotated[int, Field(ge=1, le=60)]
    draw_at: Clock
    retention_value: Amount
    prize_cost: Amount
    value_cents: Cents
    frozen: bool | None = Field(None, description="replanned plans: the drop happened already")


class TotalsBand(PlanModel):
    """The plan's forecast band: GMV and profit quantiles."""

    level: Annotated[float, Field(gt=0, lt=1), BeforeValidator(finite)]
    source: Literal["default", "model"]
    draws: Annotated[int, Field(ge=1, le=1_000_000)]
    gmv: Quantiles
    profit: Quantiles


class Totals(PlanModel):
    """The plan's totals: segments, units, GMV, profit and the lucky bags' figures."""

    segments: Count
    units: Units
    gmv: Amount
    profit: Amount
    pull_value: Amount
    lucky_bag_retention_value: Amount
    lucky_bag_prize_cost: Amount
    value_cents: Cents
    preference_cents: Cents
    band: TotalsBand | None = Field(None, description="absent in plans of older lqplan")


class StockUse(PlanModel):
    """One product's stock: units, available after the reserve, planned, remaining."""

    sku: Code
    units: Count
    available: Count
    planned_units: Units
    remaining: Level


class ModelSize(PlanModel):
    """The model's size: the full CP-SAT model's constraints, or the window search's windows."""

    options: Count | None = None
    bag_drops: Count | None = None
    constraints: Count | None = None
    windows: Count | None = None


class RuleCost(PlanModel):
    """What a rule costs under the profit objective: this plan against one without the rule."""

    rule: Code
    cost_cents: Cents
    without_cents: Cents
    proven: bool = Field(description="both plans proven optimal; else the solves' difference")


class SolverReport(PlanModel):
    """How the plan was found: status, objective, bound, gap, time and options."""

    status: Literal["optimal", "feasible"]
    objective_cents: Cents
    bound_cents: Cents | None
    gap_percent: Real | None
    seconds: Seconds | None
    build_seconds: Seconds | None
    time_limit: Seconds
    seed: int
    workers: Annotated[int, Field(ge=1, le=10_000)]
    deterministic: bool
    model: ModelSize
    returned_hint: bool
    uplift_percent: Real | None
    robust_objective_cents: Cents | None = Field(None, description="--robust: the mean objective")
    ortools: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="the OR-Tools version that solved it; absent in plans of older lqplan"
    )
    rule_costs: list[RuleCost] = Field(
        default_factory=list, description="profit objective: what a show's traffic minimum costs"
    )


class BaselineSegment(PlanModel):
    """One segment of the greedy hand-made plan."""

    start: Clock
    sku: Code
    minutes: Length
    mode: Mode
    promotion: Code | None


class Baseline(PlanModel):
    """The greedy hand-made plan the uplift is measured against."""

    name: Literal["greedy"]
    feasible: bool
    value_cents: Cents | None
    segments: list[BaselineSegment]


class PlanProduct(Product):
    """Catalog facts of a product on air, as the catalog gives them, with its stock's limits."""

    per_buyer_limit: Annotated[int, Field(ge=1)] | None = None
    batch_size: Annotated[int, Field(ge=1)] | None = None


class ViewerPoint(PlanModel):
    """One point of the viewer curve the plan used: viewers at a minute."""

    minute: Minute
    viewers: Count


class BestPlace(PlanModel):
    """Where an unused promotion would earn most, against the live price there."""

    sku: Code | None = None
    start_minute: Minute
    at: Clock
    minutes: Length
    gain_cents: Cents = Field(
        description="the promotion's value there minus the same segment at the live price "
        "(a lucky bag: the drop's value)"
    )


class UnusedPromotion(PlanModel):
    """A promotion the plan leaves out, with its reason and figures."""

    id: Code
    type: Literal["flash_sale", "coupon", "gift", "lucky_bag"]
    sku: Code | None = None
    reason: Literal["no_stock", "cannot_fit", "earns_less", "not_chosen"]
    needs_minutes: Length | None = None
    window_minutes: Length | None = None
    longest_minutes: Count | None = Field(None, description="its products' longest segment")
    best: BestPlace | None = None


class Finding(PlanModel):
    """A compliance finding of lint on the show's text, at its place."""

    file: Text
    line: Count
    column: Count
    severity: Literal["error", "warning", "info"]
    path: Text
    message: Text


class Coefficients(PlanModel):
    """Demand coefficients (decay, repeat factor, price elasticity, lifts)."""

    decay: Real
    repeat_factor: Real
    price_elasticity: Real
    flash_sale_lift: Real
    coupon_lift: Real
    gift_lift: Real


class PlannedCoefficients(Coefficients):
    """The coefficients the plan was made with, with a fitted model's discount and time slopes."""

    discount_slope: Real
    time_slope: Real


class ModelRef(PlanModel):
    """The MODEL file a plan was made with, by path and id."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    file: Text
    sha256: Sha256


class Conversion(PlanModel):
    """A product's conversion in one mode: as planned, and as the files give it."""

    planned: Annotated[float, Field(ge=0, le=1e6), BeforeValidator(finite)]
    prior: Annotated[float, Field(ge=0, le=1e6), BeforeValidator(finite)]


class DemandProvenance(PlanModel):
    """Which demand model made the plan (the files' or a fitted one), and its priors."""

    source: Literal["files", "model"]
    model: ModelRef | None
    viewer_curve: Literal["files", "model"]
    coefficients: PlannedCoefficients
    prior: Coefficients
    conversion: dict[Code, dict[Code, Conversion]]


# --- replan and robust sections (docs/actuals.md, docs/learn.md) -----------------------------


class ActualsRef(PlanModel):
    """The ACTUALS file a replan read, by path and hash."""

    file: Text
    sha256: Sha256


class CategoryFactor(PlanModel):
    """A replan's correction of one category's conversion: expected against observed units."""

    category: Text
    expected_units: Units
    observed_units: Units
    factor: Real


class Pulled(PlanModel):
    """A product pulled from the rest of the show, and why."""

    sku: Code
    reason: Text


class RuleChange(PlanModel):
    """What replan did with one rule across the cut: kept, adjusted or dropped."""

    rule: Text
    status: Literal["dropped", "adjusted"]
    reason: Text
    past: Literal["met", "missed", "used"] | None


class SegmentRef(PlanModel):
    """A segment as a change report names it."""

    number: Number
    start: Clock
    start_minute: Minute
    minutes: Length
    mode: Mode
    promotion: Code | None
    value_cents: Cents


class SegmentChange(PlanModel):
    """One change between the old plan's rest and the new one."""

    sku: Code
    airing: Annotated[int, Field(ge=1, le=100)]
    kinds: list[Literal["moved", "dropped", "added", "length_changed", "promotion_changed"]]
    before: SegmentRef | None
    after: SegmentRef | None
    value_change_cents: Cents | None
    note: Text | None


class PromotionMove(PlanModel):
    """A promotion that moved, was added or was dropped in a replan."""

    promotion: Code
    kind: Text
    a: list[Text]
    b: list[Text]


class DropChange(PlanModel):
    """A lucky-bag drop that moved, was added or was dropped in a replan."""

    id: Code
    kind: Text
    at: Clock


class Replan(PlanModel):
    """plan.json's `replan`: the cut, the actuals read, what changed and why."""

    at: Clock
    cut: Clock
    cut_minute: Minute
    actuals: ActualsRef
    viewer_ratio: Real
    conversion: list[CategoryFactor]
    pulled: list[Pulled]
    rules: list[RuleChange]
    changes: list[SegmentChange]
    promotions: list[PromotionMove]
    lucky_bags: list[DropChange]
    value: dict[str, Cents | None]
    notes: list[Text]


class RobustSide(PlanModel):
    """One plan's figures in the robust report: its value, its mean over markets, its band."""

    value_cents: Cents
    mean_value_cents: Cents
    band: TotalsBand | None = None


class Robust(PlanModel):
    """plan --robust: how the robust plan fares against the expected one over markets."""

    draws: Annotated[int, Field(ge=1, le=100_000)]
    mean_value_cents: Cents | None = None
    robust_plan: RobustSide | None = None
    point_plan: RobustSide | None = None


class Plan(PlanModel):
    """plan.json (docs/plan-json.md)."""

    schema_: Literal["lqplan.plan/1"] = Field(alias="schema")
    generator: Text
    show: PlanShow
    segments: list[Segment] = Field(max_length=DAY + 1)
    breaks: list[PlanBreak] = Field(max_length=DAY + 1)
    lucky_bags: list[LuckyBagDrop] = Field(max_length=DAY + 1)
    totals: Totals
    stock_use: list[StockUse] = Field(max_length=DAY + 1)  # one per product on air
    solver: SolverReport
    baseline: Baseline | None
    products: dict[Code, PlanProduct] = Field(max_length=DAY + 1)  # the products on air
    promotions: list[Promotion]
    unused_promotions: list[UnusedPromotion] = Field(
        default_factory=list, description="absent in plans of older lqplan"
    )
    viewer_curve: list[ViewerPoint] = Field(min_length=1, max_length=DAY + 1)
    compliance: list[Finding] = Field(
        default_factory=list, description="absent in plans assembled through the Python API"
    )
    demand: DemandProvenance | None = Field(None, description="absent in plans of older lqplan")
    replan: Replan | None = Field(None, description="replanned plans only")
    robust: Robust | None = Field(None, description="plan --robust only")


_VOCABULARY.setdefault("plan", sorted(_vocabulary(Plan)))


# --- what pydantic cannot check field by field ----------------------------------------------


Problem = tuple[tuple[str | int, ...], str]  # (path in plan.json, message)


def plan_problems(plan: Plan) -> list[Problem]:
    """Every inconsistency between fields that consumers rely on agreeing."""
    show = plan.show
    out: list[Problem] = []

    def clock(where: tuple[str | int, ...], given: str, minute: int) -> None:
        """A clock time must be the show's start + its minute."""
        if given != clock_after(show.start, minute):
            out.append((where, f"must be {clock_after(show.start, minute)}: start + {minute} min"))

    clock(("show", "end"), show.end, show.minutes)
    promotions = {p.id: p.type for p in plan.promotions}
    end = 0
    for i, seg in enumerate(plan.segments):
        where: tuple[str | int, ...] = ("segments", i)
        if seg.number != i + 1:
            out.append(((*where, "number"), f"must be {i + 1}: segments are numbered in order"))
        clock((*where, "start"), seg.start, seg.start_minute)
        clock((*where, "end"), seg.end, seg.start_minute + seg.minutes)
        if seg.start_minute < end:
            out.append(((*where, "start_minute"), "overlaps the segment before"))
        end = seg.start_minute + seg.minutes
        if end > show.minutes:
            out.append(((*where, "minutes"), f"ends after the show's {show.minutes} minutes"))
        if seg.sku not in plan.products:
            out.append(((*where, "sku"), f"{seg.sku!r} is not among the plan's products"))
        if seg.mode == "normal" and seg.promotion is not None:
            out.append(((*where, "promotion"), "must be null in normal mode"))
        elif seg.mode != "normal" and promotions.get(seg.promotion or "") != seg.mode:
            message = f"no {seg.mode} promotion {seg.promotion!r} in the plan's promotions"
            out.append(((*where, "promotion"), message))
        for j, act in enumerate(seg.actions):
            clock((*where, "actions", j, "at"), act.at, act.minute)
    for i, drop in enumerate(plan.lucky_bags):
        if promotions.get(drop.id) != "lucky_bag":
            message = f"{drop.id!r} is not a lucky bag of the plan's promotions"
            out.append((("lucky_bags", i, "id"), message))
        clock(("lucky_bags", i, "at"), drop.at, drop.minute)
    if plan.totals.segments != len(plan.segments):
        out.append((("totals", "segments"), f"must be {len(plan.segments)}, the segments"))
    return out


def _read_otherwise(given: Any, read: Any, where: tuple[str | int, ...] = ()) -> list[Problem]:
    """Where the model read a value as something else than the file says (the show files' `sku:
    0123` leniency turns a number into text): the callers get the file's data, so it must be
    what the model says it is."""
    if where == () and given == read:
        # Equal as a whole (compared in C): nothing read otherwise, but for true read as 1, which
        # the strict models refuse before this. Only a plan that differs is walked.
        return []
    if isinstance(given, dict) and isinstance(read, dict):
        return [p for k in given for p in _read_otherwise(given[k], read.get(k), (*where, k))]
    if isinstance(given, list) and isinstance(read, list) and len(given) == len(read):
        return [
            p
            for i, (a, b) in enumerate(zip(given, read, strict=True))
            for p in _read_otherwise(a, b, (*where, i))
        ]
    if given == read and isinstance(given, bool) == isinstance(read, bool):
        return []
    kind = {str: "a string", bool: "true or false", type(None): "null"}.get(type(read))
    expected = kind or json.dumps(read, ensure_ascii=False)
    return [(where, f"expected {expected}, got {json.dumps(given, ensure_ascii=False)}")]


# --- the edge -------------------------------------------------------------------------------


def _located(path: Path, name: str, data: Any) -> Document:
    """Positions for `data` (parsed as JSON): JSON is YAML, and lqplan's YAML reader records the
    line and column of every value. Where YAML reads it otherwise (tabs, NaN), no positions."""
    from lqplan.show.load import read_yaml

    try:
        doc = read_yaml(path)
    except InputError:
        return Document(name, data)
    return doc if doc.data == data else Document(name, data)


def read_plan(path: Path) -> dict[str, Any]:
    """Read a plan.json (for check, render, replan, ...); InputError listing every problem when
    it is not one this lqplan can use. Returns the plan as plain data."""
    from lqplan.show.load import read_text

    name = display_path(path)
    text = read_text(path)
    data = parse_json(text, name)
    schema = data.get("schema") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(schema, str)
        or not schema.startswith("lqplan.plan/")
    ):
        message = "not an lqplan plan (no 'schema: lqplan.plan/…')"
        raise InputError([Diagnostic(name, 1, 1, "error", "schema", message)])
    if schema != PLAN_SCHEMA:
        line, column = _located(path, name, data).locate(("schema",))
        message = f"{schema!r}: this lqplan reads {PLAN_SCHEMA} (plan it again with this version)"
        raise InputError([Diagnostic(name, line, column, "error", "schema", message)])
    _check_sizes(data, text, name)
    try:
        check_plan_data(data, Document(name, data))
    except InputError:
        # Positions cost a second parse (40 ms for a 3-hour show, seconds for a history of
        # them): only a plan with problems pays it, to say where each one is.
        check_plan_data(data, _located(path, name, data))
    return data


def _check_sizes(data: dict[str, Any], text: str, name: str) -> None:
    """The plan's lists and mappings no longer than the model allows, before any is validated:
    2,000 segments would each be validated and located (a second parse) to say that they are
    too many. InputError at the section's key."""
    problems = []
    for key, info in Plan.model_fields.items():
        limit = next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)
        given = data.get(info.alias or key)
        if limit is not None and isinstance(given, list | dict) and len(given) > limit:
            offset = max(text.find(f'"{info.alias or key}"'), 0)
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            message = f"{len(given):,} entries; at most {limit:,} (one a minute of a day)"
            problems.append(Diagnostic(name, line, column, "error", info.alias or key, message))
    if problems:
        raise InputError(problems)


def check_plan_data(data: Any, doc: Document | None = None) -> Plan:
    """Validate plan data against the model and its cross-field checks; InputError otherwise.
    `doc` locates the problems (without one, at 1:1 of "plan.json")."""
    doc = doc if doc is not None else Document("plan.json", data)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise InputError(sort_diagnostics(_pydantic_diagnostics("plan", doc, exc))) from None
    problems = _read_otherwise(data, plan_data(plan)) or plan_problems(plan)
    if problems:
        diagnostics = []
        for where, message in problems:
            line, column = doc.locate(where)
            diagnostics.append(
                Diagnostic(doc.file, line, column, "error", _display(where), message)
            )
        raise InputError(sort_diagnostics(diagnostics))
    return plan


def plan_data(plan: Plan) -> dict[str, Any]:
    """The model back as plan.json's data: what was read, unchanged."""
    return plan.model_dump(mode="json", by_alias=True, exclude_unset=True)


__all__ = [
    "PLAN_SCHEMA",
    "Plan",
    "check_plan_data",
    "plan_data",
    "plan_problems",
    "read_plan",
]
