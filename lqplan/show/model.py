"""The input data model: what show.yaml, catalog.yaml, audience.yaml and stock.yaml may say.

These pydantic models are the edge of lqplan: they check types and ranges field by field and
produce the JSON Schemas (`lqplan schema`). Each rule family's own model, and its cross-file
checks, live in its module (lqplan/rules/); the other cross-file checks live in validate.py.
Field names are the trade's terms in English (docs/formats.md documents every field with
examples, and the Chinese term of each).
Models are frozen: after validation the data is only read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from lqplan.rules.exclusions import Exclusion
from lqplan.rules.first_hero import FirstHeroRule
from lqplan.rules.flash_sale_spacing import FlashSaleSpacingRule
from lqplan.rules.hero_encore import HeroEncoreRule
from lqplan.rules.lucky_bags import LuckyBagCadenceRule
from lqplan.rules.no_back_to_back import NoBackToBackRule
from lqplan.rules.opening import OpeningRule
from lqplan.rules.pins import Pin
from lqplan.rules.precedence import Precedence
from lqplan.rules.repeats import Repeat
from lqplan.rules.traffic_minimum import TrafficMinimumRule
from lqplan.show.fields import (
    ROLES as ROLES,
)
from lqplan.show.fields import (
    Clock,
    Code,
    Day,
    Factor,
    Fraction,
    Minutes,
    Model,
    Money,
    Role,
    Text,
    TimeZone,
    Words,
)
from lqplan.show.fields import (
    clock_after as clock_after,
)
from lqplan.show.fields import (
    finite as finite,
)
from lqplan.show.fields import (
    format_clock as format_clock,
)
from lqplan.show.fields import (
    parse_clock as parse_clock,
)

Platform = Literal["douyin", "taobao", "kuaishou", "channels", "tiktok", "whatnot", "tv", "other"]
Language = Literal["zh", "en"]
Objective = Literal["profit", "gmv"]
Gender = Literal["female", "male", "any"]
TeamRole = Literal[
    "co_host",
    "floor_control",
    "control_room",
    "operations",
    "paid_traffic",
    "supply_chain",
    "customer_service",
    "tech",
]
TEAM_ROLES: tuple[str, ...] = get_args(TeamRole)

# --- show.yaml ---------------------------------------------------------------------------------


class Window(Model):
    """A clock-time window inside the show, inclusive of `from`, exclusive of `to`."""

    from_: Clock = Field(alias="from")
    to: Clock


class Host(Model):
    """`hosts[]`: who presents, and for how long at a stretch."""

    name: Text
    role: Literal["host", "co_host"] = "host"
    max_stretch_minutes: Minutes = Field(
        default=360, description="longest continuous time on air before a break or a shift change"
    )
    shifts: list[Window] = Field(
        default_factory=list, description="when this host is on air; empty = the whole show"
    )


class Break(Model):
    """`breaks[]`: minutes off air at a clock time."""

    at: Clock
    minutes: Annotated[int, Field(ge=1, le=240)]
    label: Text | None = None
    covered_by: list[Text] = Field(
        default_factory=list,
        description="hosts who stay on air during the break (a co-host's 串场); a lucky bag "
        "may count down or be drawn only in a covered break",
    )


class Kpi(Model):
    """Targets printed on a plan and checked in the review (the trade's usual targets)."""

    watch_time_seconds: Annotated[float, Field(ge=0)] = 60
    engagement: Fraction = 0.05
    payment_conversion: Fraction = 0.03
    gpm: Money = 800


class Files(Model):
    """Where the other files are, relative to show.yaml (a shared catalog may live elsewhere)."""

    catalog: Text = "catalog.yaml"
    audience: Text = "audience.yaml"
    stock: Text | None = Field(default=None, description="default: stock.yaml, else stock.csv")


SegmentLength = Annotated[int, Field(ge=1, le=240)]


class SegmentMinutes(Model):
    """How long a segment may last, in minutes: `min` <= `default` <= `max`."""

    default: SegmentLength = 5
    min: SegmentLength = 3
    max: SegmentLength = 10

    @model_validator(mode="after")
    def _ordered(self) -> SegmentMinutes:
        if not self.min <= self.default <= self.max:
            # Name the numbers lqplan filled in: "got 3, 45, 10" reads as if the user wrote 3.
            got = ", ".join(
                f"{key} {getattr(self, key)}"
                + ("" if key in self.model_fields_set else " (lqplan's default)")
                for key in ("min", "default", "max")
            )
            raise ValueError(f"need min <= default <= max, got {got}")
        return self


class ProductSegmentMinutes(Model):
    """`products[].segment_minutes`: the product's own lengths; a field it leaves out is the
    show's (`rules.segment_minutes`). The merged numbers are checked in validate.py, which knows
    the show's rule."""

    default: SegmentLength | None = None
    min: SegmentLength | None = None
    max: SegmentLength | None = None

    def over(self, rule: SegmentMinutes) -> SegmentMinutes:
        """These lengths with the show's rule for the fields left out (not re-validated: an
        order problem is reported by validate.py, naming where each number came from)."""
        return SegmentMinutes.model_construct(
            default=rule.default if self.default is None else self.default,
            min=rule.min if self.min is None else self.min,
            max=rule.max if self.max is None else self.max,
        )


class PriceLadderRule(Model):
    """`rules.price_ladder`: a soft preference for prices that step up through the show."""

    id: Code = "price_ladder"
    enabled: bool = True
    weight: Factor = 1.0


class RolePacingRule(Model):
    """`rules.role_pacing`: a soft preference for the usual rhythm: traffic early, image late."""

    id: Code = "role_pacing"
    enabled: bool = True
    weight: Factor = 1.0


class Rules(Model):
    """`rules`: what every plan must keep (and the soft preferences), one field per family."""

    opening: OpeningRule = Field(default_factory=OpeningRule)
    first_hero: FirstHeroRule = Field(default_factory=FirstHeroRule)
    hero_encore: HeroEncoreRule = Field(default_factory=HeroEncoreRule)
    no_back_to_back: NoBackToBackRule = Field(default_factory=NoBackToBackRule)
    price_ladder: PriceLadderRule = Field(default_factory=PriceLadderRule)
    role_pacing: RolePacingRule = Field(default_factory=RolePacingRule)
    segment_minutes: SegmentMinutes = Field(default_factory=SegmentMinutes)
    lucky_bag_cadence: LuckyBagCadenceRule = Field(default_factory=LuckyBagCadenceRule)
    flash_sale_spacing: FlashSaleSpacingRule = Field(default_factory=FlashSaleSpacingRule)
    pins: list[Pin] = Field(default_factory=list)
    precedence: list[Precedence] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=list)
    repeats: list[Repeat] = Field(default_factory=list)
    traffic_minimum: TrafficMinimumRule = Field(default_factory=TrafficMinimumRule)

    def airings_allowed(self, sku: str) -> int:
        """How many times `sku` may air: its repeat rule's max_airings, else once."""
        return next((r.max_airings for r in reversed(self.repeats) if r.sku == sku), 1)

    def back_to_back(self, sku: str) -> bool:
        """May `sku` air again the minute its previous airing ends (every repeat rule naming it
        gives a gap of 0)? Such airings go on with one pitch (demand.Option.lead)."""
        gaps = [r.min_gap_minutes for r in self.repeats if r.sku == sku]
        return bool(gaps) and max(gaps) == 0


# A promotion the team has committed to (often paid for by a brand): a hard rule, not an option.
Required = Annotated[
    bool,
    Field(
        description="a commitment (often paid for by a brand): the plan must run it, else no plan"
    ),
]


class FlashSale(Model):
    """A flash sale (限时秒杀): `units` of `sku` at `price`, once, for a limited time."""

    id: Code
    type: Literal["flash_sale"]
    sku: Code
    price: Money
    units: Annotated[int, Field(ge=1, le=10_000_000)]
    min_minutes: Annotated[int, Field(ge=1, le=240)] = 1
    max_minutes: Annotated[int, Field(ge=1, le=240)] = 10
    per_buyer_limit: Annotated[int, Field(ge=1)] | None = None
    window: Window | None = None
    required: Required = False


class Coupon(Model):
    """A coupon (满减): `amount` off an order of at least `threshold`."""

    id: Code
    type: Literal["coupon"]
    threshold: Money = Field(description="order value the coupon needs (满 X)")
    amount: Money = Field(description="money off (减 Y)")
    budget: Money | None = Field(default=None, description="total money the coupon may give away")
    count: Annotated[int, Field(ge=1)] | None = Field(default=None, description="coupons to issue")
    skus: list[Code] | None = Field(default=None, description="products it applies to; default all")
    window: Window | None = None
    required: Required = False


class LuckyBag(Model):
    """A lucky bag (福袋): a prize drawn among viewers after a countdown, `count` times at most."""

    id: Code
    type: Literal["lucky_bag"]
    prize: Text
    prize_value: Money | None = None
    winners: Annotated[int, Field(ge=1)] = 1
    count: Annotated[int, Field(ge=1, le=200)] = Field(
        default=1, description="how many times this bag may drop during the show"
    )
    countdown_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    # No default: a default word would be one language's inside the other's paperwork; the
    # paperwork words a missing entry per language and platform (the profile's `entry` term).
    entry: Text | None = Field(
        default=None,
        description="what a viewer does to enter (follow, comment...); default: the platform "
        "profile's word",
    )
    window: Window | None = None
    required: Required = False


class Gift(Model):
    """A gift with purchase: `units` of `item` given with `sku`."""

    id: Code
    type: Literal["gift"]
    sku: Code
    item: Text
    units: Annotated[int, Field(ge=1)]
    unit_cost: Money
    value: Money | None = Field(
        default=None, description="the gift's stated value, if the brand gives one"
    )
    window: Window | None = None
    required: Required = False


class Collab(Model):
    """A collab (联名款): co-branded `sku` must air inside its contract `window`."""

    id: Code
    type: Literal["collab"]
    sku: Code
    partner: Text
    window: Window
    required: Literal[True] = Field(
        default=True, description="a collab is always a commitment: it airs, inside its window"
    )


Promotion = Annotated[FlashSale | Coupon | LuckyBag | Gift | Collab, Field(discriminator="type")]


_ROLE_CONVERSION: dict[Role, float] = {
    "traffic": 1.8,
    "welfare": 1.5,
    "bridge": 1.15,
    "hero": 1.3,
    "profit": 1.0,
    "image": 0.45,
    "test": 0.7,
}


class DemandSettings(Model):
    """Coefficients of the demand model (docs/model.md); every one has a default."""

    decay: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9, description="share of the previous minute's sales a segment keeps each minute"
    )
    role_conversion: dict[Role, Factor] = Field(default_factory=lambda: _ROLE_CONVERSION.copy())
    price_elasticity: Factor = Field(
        default=1.2, description="conversion lift per unit of discount from list price"
    )
    flash_sale_lift: Factor = 1.6
    coupon_lift: Factor = 1.15
    gift_lift: Factor = 1.12
    lucky_bag_viewer_lift: Factor = Field(
        default=0.15, description="viewers gained during a countdown"
    )
    traffic_viewer_lift: Factor = Field(
        default=0.06, description="viewers gained after a traffic item"
    )
    traffic_lift_minutes: Annotated[int, Field(ge=0, le=120)] = 10
    repeat_factor: Fraction = Field(default=0.6, description="conversion of an encore airing")

    @model_validator(mode="before")
    @classmethod
    def _merge_roles(cls, data: Any) -> Any:
        """Setting one role's factor keeps the defaults of the others."""
        if isinstance(data, dict) and isinstance(data.get("role_conversion"), dict):
            data = {**data, "role_conversion": {**_ROLE_CONVERSION, **data["role_conversion"]}}
        return data


class Compliance(Model):
    """Words `lqplan lint` looks for, on top of its built-in lists (docs/formats.md#compliance)."""

    absolute_claims: list[Text] = Field(
        default_factory=list, description="more absolute claims to flag (最, best... are built in)"
    )
    medical_claims: list[Text] = Field(
        default_factory=list, description="more medical claims to flag on food and cosmetics"
    )
    off_platform: list[Text] = Field(
        default_factory=list, description="more words that send viewers off the platform"
    )
    allow: list[Text] = Field(
        default_factory=list,
        description="phrases to ignore: a flagged word inside one of them is not reported",
    )
    regulated_categories: list[Text] = Field(
        default_factory=list,
        description="product categories that count as food or cosmetics, besides the built-in ones",
    )


# What a platform changes in the show's defaults (docs/formats.md#platform-profiles): TV shopping
# airs a product for a quarter of an hour and more, and its viewers buy on steadily (a phone
# line stays open), so its sales decay more slowly. Only defaults: a value show.yaml gives wins.
PLATFORM_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "tv": {
        "segment_minutes": {"default": 15, "min": 10, "max": 30},
        "demand": {"decay": 0.95},
    },
}


class Show(Model):
    """show.yaml: when and where the show airs, who runs it, its rules and promotions."""

    title: Text
    date: Day
    start: Clock
    duration_minutes: Annotated[int, Field(ge=5, le=24 * 60)] | None = None
    end: Clock | None = None
    slot_minutes: Annotated[int, Field(ge=1, le=15)] = 5
    language: Language = "zh"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    platform: Platform = "douyin"
    room: Text | None = None
    theme: Text | None = None
    objective: Objective = "profit"
    stock_reserve: Annotated[float, Field(ge=0, le=0.9)] = 0.10
    allow_gaps: bool = False
    templates: Text | None = None
    model: Text | None = Field(
        default=None,
        description="a MODEL file from lqplan learn to plan with (relative to show.yaml)",
    )
    history: Text | None = Field(
        default=None, description="the folder of this room's past shows, for lqplan learn"
    )
    files: Files = Field(default_factory=Files)
    hosts: list[Host] = Field(min_length=1)
    team: dict[TeamRole, list[Text]] = Field(default_factory=dict)
    breaks: list[Break] = Field(default_factory=list)
    kpi: Kpi = Field(default_factory=Kpi)
    rules: Rules = Field(default_factory=Rules)
    promotions: list[Promotion] = Field(default_factory=list)
    demand: DemandSettings = Field(default_factory=DemandSettings)
    compliance: Compliance = Field(default_factory=Compliance)
    time_zone: TimeZone | None = Field(
        default=None, description="IANA time zone of the show's clock times; printed when given"
    )
    words: Words | None = Field(
        default=None,
        description="the show's own words for its platform profile's terms, per language",
    )

    @model_validator(mode="before")
    @classmethod
    def _platform_defaults(cls, data: Any) -> Any:
        """The platform's defaults under every field the show leaves out."""
        if not isinstance(data, dict) or not isinstance(data.get("platform"), str):
            return data
        defaults = PLATFORM_DEFAULTS.get(data["platform"])
        if not defaults:
            return data
        data = dict(data)
        rules = data.get("rules", {})
        if isinstance(rules, dict):
            given = rules.get("segment_minutes", {})
            if isinstance(given, dict):
                merged = {**defaults["segment_minutes"], **given}
                data["rules"] = {**rules, "segment_minutes": merged}
        demand = data.get("demand", {})
        if isinstance(demand, dict):
            data["demand"] = {**defaults["demand"], **demand}
        return data

    @model_validator(mode="after")
    def _length(self) -> Show:
        if (self.duration_minutes is None) == (self.end is None):
            raise ValueError("give exactly one of duration_minutes or end")
        return self

    @property
    def minutes(self) -> int:
        """Length of the show in minutes (an end before the start means after midnight)."""
        if self.duration_minutes is not None:
            return self.duration_minutes
        assert self.end is not None
        return (self.end - self.start) % 1440 or 1440

    def offset(self, clock: int) -> int:
        """Minutes from the show's start to a clock time (later the same night, after midnight)."""
        return (clock - self.start) % 1440

    def clock(self, offset: int) -> str:
        """The clock time `offset` minutes after the show's start, 'HH:MM'."""
        return format_clock(self.start + offset)

    def hosts_at(self, offset: int) -> list[str]:
        """The hosts (not co-hosts) on shift `offset` minutes into the show, in show.yaml's
        order; a host without shifts is on for the whole show."""
        return [
            h.name
            for h in self.hosts
            if h.role == "host"
            and (
                not h.shifts
                or any(
                    self.offset(w.from_) <= offset < (self.offset(w.to) or self.minutes)
                    for w in h.shifts
                )
            )
        ]


# --- catalog.yaml ------------------------------------------------------------------------------


class SellingPoint(Model):
    """`selling_points[]`: what a host says about the product, and the proof."""

    point: Text
    proof: Text | None = Field(
        default=None, description="evidence a host may cite: a test, a figure"
    )


class Objection(Model):
    """`objections[]`: a question viewers ask, and the host's answer."""

    question: Text
    answer: Text


class CoBrand(Model):
    """`collab`: the partner of a co-branded product and the contract's dates."""

    partner: Text
    contract_from: Day | None = None
    contract_to: Day | None = None


class Product(Model):
    """`products[]`: one product: its prices, cost, role and what hosts say about it."""

    sku: Code
    name: Text
    brand: Text | None = None
    category: Text
    role: Role
    list_price: Money
    live_price: Money
    unit_cost: Money
    segment_minutes: ProductSegmentMinutes | None = None
    cart_link: Annotated[int, Field(ge=1, le=9999)] | None = None
    selling_points: list[SellingPoint] = Field(default_factory=list, max_length=3)
    usage_scene: Text | None = None
    objections: list[Objection] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)
    collab: CoBrand | None = None
    gifts: list[Text] = Field(
        default_factory=list, description="items always packed with it (cost in unit_cost)"
    )


class Catalog(Model):
    """catalog.yaml: the products a show may put on air."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    products: list[Product] = Field(min_length=1)


# --- audience.yaml -----------------------------------------------------------------------------


class AudienceSegment(Model):
    """`segments[]`: one kind of viewer: its share and what it buys."""

    name: Text
    share: Fraction
    age: list[Annotated[int, Field(ge=0, le=120)]] | None = Field(
        default=None, min_length=2, max_length=2, description="[youngest, oldest]"
    )
    gender: Gender = "any"
    interests: list[Text] = Field(default_factory=list)
    affinity: dict[str, Factor] = Field(
        default_factory=dict, description="conversion multiplier per category (1 = average)"
    )
    tag_affinity: dict[str, Factor] = Field(
        default_factory=dict, description="conversion multiplier per product tag"
    )
    price_sensitivity: Factor = Field(
        default=1.0, description="how strongly discounts move this segment"
    )


class CurvePoint(Model):
    """`viewer_curve[]`: concurrent viewers at a clock time (linear between points)."""

    at: Clock
    viewers: Annotated[int, Field(ge=0, le=100_000_000)]


class Audience(Model):
    """audience.yaml: who watches and how many, minute by minute."""

    base_conversion: Annotated[float, Field(gt=0, le=0.5), BeforeValidator(finite)] = Field(
        description="orders per concurrent viewer per minute on air, for an average product"
    )
    segments: list[AudienceSegment] = Field(min_length=1)
    viewer_curve: list[CurvePoint] = Field(min_length=1)
    viewer_curve_fixed: bool = Field(
        default=False,
        description="plan with this curve even when a learned model has one of its own",
    )


# --- stock.yaml / stock.csv --------------------------------------------------------------------


class StockItem(Model):
    """`stock[]`: units on hand of one SKU."""

    sku: Code
    units: Annotated[int, Field(ge=0, le=100_000_000)]
    per_buyer_limit: Annotated[int, Field(ge=1)] | None = None
    batch_size: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="units released at a time during a segment"
    )


class Stock(Model):
    """stock.yaml: units available per SKU (or stock.csv with the same columns)."""

    stock: list[StockItem] = Field(default_factory=list)


FILE_MODELS: dict[str, type[Model]] = {
    "show": Show,
    "catalog": Catalog,
    "audience": Audience,
    "stock": Stock,
}
