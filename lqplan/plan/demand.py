"""Stage 3, demand: what each product would sell if it aired at a given time, for how long, how.

This is the demand model of docs/model.md, in plain Python: the formula, which the independent
checker shares to recompute a plan's figures from its own segments (`segment_outcome`). The
optimiser chooses among the `Option`s that options.py builds with it, under the rule families'
shortlist and start grid. Money is in integer cents from here on.

Expected units of product p airing minutes [s, s+d) in mode m (normal, a flash sale, a gift, a
coupon), airing a (1 = first, 2+ = encore):

    units = sum over k < d of viewers(s+k) * conversion(p, m, a) * decay**k

capped by the mode's own units (flash-sale units, gift units) and by the stock available
(stock * (1 - reserve)). conversion mixes the audience segments (share * category affinity *
tag affinities * price response) and the product's role; a flash sale, gift or coupon multiplies
it by its lift and changes the price. Effects on viewers (a lucky bag's countdown, a traffic
item pulling viewers in) are valued at the show's reference value per viewer-minute, so that
every option keeps a constant value and the model stays linear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from lqplan.show.model import Coupon, FlashSale, Gift, LuckyBag, Product
from lqplan.show.validate import ShowInputs

NORMAL = "normal"


def cents(amount: float) -> int:
    """Money in cents, rounded to the nearest cent."""
    return round(amount * 100)


@dataclass(frozen=True)
class Mode:
    """How a product is sold in a segment: at its live price or under one promotion."""

    kind: str  # normal | flash_sale | gift | coupon
    promotion: str | None = None
    price_cents: int = 0  # the price a buyer pays in this mode (flash price, price after coupon)
    lift: float = 1.0
    promo_minutes: int | None = None  # flash sale: minutes at the flash price from the start
    units_cap: int | None = None  # flash-sale units, gift units, coupons issued
    extra_cost_cents: int = 0  # gift's cost per gifted unit
    coupon_amount_cents: int = 0
    window: tuple[int, int] | None = None  # minutes from the show's start, [from, to)


# Slotted: an XL show holds 315k options and their outcomes, and a __dict__ each was a third of
# the demand's memory.
@dataclass(frozen=True, slots=True)
class Outcome:
    """Expected result of one segment."""

    units: float
    promo_units: float  # units sold under the promotion (flash price, with a gift, with coupon)
    gmv_cents: int
    profit_cents: int
    pull_cents: int  # value of viewers a traffic item pulls into the next minutes


@dataclass(frozen=True, slots=True)
class Option:
    """One way a segment can air: product, airing, mode, start slot, length. A 0/1 choice."""

    index: int
    sku: str
    airing: int
    mode: Mode
    start: int  # slot
    slots: int
    outcome: Outcome
    value_cents: int  # the objective's money: profit or GMV, plus traffic pull
    preference_cents: int  # soft rules (price ladder, role pacing), never reported as money
    # A piece that goes on with the product's pitch the slot its previous airing ends (a repeat
    # rule's gap of 0): the viewer sees one pitch, so its decay continues after the `lead` slots
    # already on air, and its encore factor is that of the airing that began the pitch (`pitch`:
    # 1 when that was the first airing, 2 an encore; 0 when this airing begins a pitch of its
    # own). Without it, cutting one pitch into ten airings would restart the decay ten times and
    # pay.
    lead: int = 0
    pitch: int = 0

    @property
    def end(self) -> int:
        """The slot after the option's last (its span is [start, end))."""
        return self.start + self.slots

    @property
    def pitch_airing(self) -> int:
        """The airing whose encore factor the option sells with: its own, unless it goes on
        with a pitch (1: begun on the first airing, 2: on an encore)."""
        return self.pitch or self.airing


@dataclass(frozen=True)
class BagDrop:
    """A lucky bag of kind `promotion` dropping at slot `start`."""

    promotion: str
    start: int
    value_cents: int  # retention value of its countdown less the prize cost (profit objective)
    retention_cents: int
    prize_cents: int


@dataclass
class Demand:
    """Everything the optimiser, the baseline and the checker need, precomputed."""

    inputs: ShowInputs
    slot: int
    slots: int
    blocked: frozenset[int]  # slots inside breaks
    viewers: list[float]  # per minute of the show (one extra at the end for interpolation)
    conversion: dict[str, float]  # per SKU, normal mode, first airing
    available: dict[str, int]  # stock less the reserve, per SKU
    reference_cents_per_viewer_minute: float
    modes: dict[str, list[Mode]] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)
    drops: list[BagDrop] = field(default_factory=list)
    max_airings: dict[str, int] = field(default_factory=dict)
    # (sku, price in cents, lift) -> conversion: all a mode's conversion depends on (hashing a
    # whole Mode per option cost a tenth of building the XL rung).
    mode_conversion: dict[tuple[str, int, float], float] = field(default_factory=dict, repr=False)
    # (start minute, minutes, promo minutes, lead) -> viewer-minutes sold under the promotion and
    # after it, decay included: shared by every product, so each is summed once.
    viewer_sums: dict[tuple[int, int, int, int], tuple[float, float]] = field(
        default_factory=dict, repr=False
    )
    left_out: tuple[str, ...] = ()  # SKUs with stock that the shortlist did not keep
    stride: int = 1  # segments start every `stride` slots (the grid restarts after breaks)
    # Per minute of the show: what a viewer-minute sells there relative to the files' model (a
    # fitted model's time-into-show effect); None when every minute counts the same.
    sales_weights: list[float] | None = None
    # The slot by which the first lucky bag must drop, when the cadence began before this show's
    # first slot (replan's rest: max_gap_minutes counts from the last drop before the cut);
    # None when the cadence starts with the show.
    bag_due: int | None = None

    @cached_property
    def mean_viewers(self) -> float:
        """Mean concurrent viewers over the show's minutes."""
        return sum(self.viewers[:-1]) / max(1, len(self.viewers) - 1)

    @cached_property
    def price_range(self) -> tuple[float, float]:
        """The lowest and highest live price in the catalog."""
        prices = [p.live_price for p in self.inputs.catalog.products]
        return min(prices), max(prices)

    @property
    def objective(self) -> str:
        """What the plan maximises: profit or GMV (show.yaml's `objective`)."""
        return self.inputs.show.objective


def viewer_minutes(inputs: ShowInputs) -> list[float]:
    """Concurrent viewers at each minute of the show, linear between the curve's points."""
    show = inputs.show
    points = sorted((show.offset(p.at), float(p.viewers)) for p in inputs.audience.viewer_curve)
    return interpolate(points, show.minutes)


def interpolate(points: Sequence[tuple[float, float]], minutes: int) -> list[float]:
    """Values at minutes 0…`minutes` of sorted (minute, value) points: linear between them and
    held beyond the first and the last."""
    out = []
    j = 0
    for m in range(minutes + 1):
        while j + 1 < len(points) and points[j + 1][0] <= m:
            j += 1
        t0, v0 = points[j]
        if j + 1 < len(points) and m > t0:
            t1, v1 = points[j + 1]
            out.append(v0 + (v1 - v0) * (m - t0) / (t1 - t0))
        else:
            out.append(v0)
    return out


def product_conversion(inputs: ShowInputs, product: Product, price: float) -> float:
    """Orders per viewer-minute for `product` sold at `price` (before mode lifts and decay)."""
    settings = inputs.show.demand
    audience = inputs.audience
    discount = max(0.0, 1 - price / product.list_price) if product.list_price > 0 else 0.0
    mix = 0.0
    for weight, segment in zip(inputs.share_weights(), audience.segments, strict=True):
        affinity = segment.affinity.get(product.category, 1.0)
        for tag in product.tags:
            affinity *= segment.tag_affinity.get(tag, 1.0)
        response = 1 + settings.price_elasticity * segment.price_sensitivity * discount
        mix += weight * affinity * response
    role = settings.role_conversion.get(product.role, 1.0)
    conversion = audience.base_conversion * role * mix
    calibration = inputs.calibration
    if calibration is not None:
        live_discount = (
            max(0.0, 1 - product.live_price / product.list_price) if product.list_price > 0 else 0.0
        )
        conversion *= calibration.factor(product.sku)
        conversion *= calibration.discount_term(discount, live_discount)
    return conversion


def segment_outcome(
    demand: Demand,
    sku: str,
    mode: Mode,
    start_minute: int,
    minutes: int,
    airing: int,
    lead: int = 0,
) -> Outcome:
    """Expected units and money of one segment: the formula of docs/model.md.

    `airing` is the airing that began the segment's pitch and `lead` the minutes of that pitch
    already on air before the segment (0 for a segment that begins its own): see `pitches`.
    """
    inputs = demand.inputs
    product = inputs.products[sku]
    settings = inputs.show.demand
    live = product.live_price
    repeat = settings.repeat_factor if airing > 1 else 1.0
    promo_price = mode.price_cents / 100
    base_conv = demand.conversion[sku] * repeat
    key = (sku, mode.price_cents, mode.lift)
    if key not in demand.mode_conversion:
        demand.mode_conversion[key] = product_conversion(inputs, product, promo_price) * mode.lift
    promo_conv = demand.mode_conversion[key] * repeat
    promo_minutes = minutes if mode.promo_minutes is None else min(minutes, mode.promo_minutes)
    if mode.kind == NORMAL:
        promo_minutes = 0
    promo_viewers, normal_viewers = _viewer_sums(demand, start_minute, minutes, promo_minutes, lead)
    promo_units = promo_viewers * promo_conv
    normal_units = normal_viewers * base_conv
    if mode.units_cap is not None and promo_units > mode.units_cap:
        promo_units = float(mode.units_cap)
    available = demand.available.get(sku, 0)
    if promo_units > available:
        promo_units = float(available)
    normal_units = min(normal_units, available - promo_units)
    units = promo_units + normal_units
    unit_cost = product.unit_cost
    # GMV counts what buyers pay: after a coupon, at the flash price.
    gmv = promo_units * promo_price + normal_units * live
    profit = gmv - units * unit_cost - promo_units * mode.extra_cost_cents / 100
    pull = 0
    if product.role == "traffic" and settings.traffic_viewer_lift > 0:
        end = start_minute + minutes
        horizon = demand.viewers[
            end : min(end + settings.traffic_lift_minutes, len(demand.viewers) - 1)
        ]
        pull = round(
            settings.traffic_viewer_lift * sum(horizon) * demand.reference_cents_per_viewer_minute
        )
    return Outcome(
        units=units,
        promo_units=promo_units,
        gmv_cents=cents(gmv),
        profit_cents=cents(profit),
        pull_cents=pull,
    )


def _viewer_sums(
    demand: Demand, start_minute: int, minutes: int, promo_minutes: int, lead: int
) -> tuple[float, float]:
    """Σ viewers(s+k) × decay^(lead+k) over the promotion minutes and over the rest of a
    segment that comes `lead` minutes into its pitch."""
    key = (start_minute, minutes, promo_minutes, lead)
    sums = demand.viewer_sums.get(key)
    if sums is None:
        decay = demand.inputs.show.demand.decay
        viewers = demand.viewers
        weights = demand.sales_weights
        promo = normal = 0.0
        for k in range(minutes):
            sold = viewers[start_minute + k] * decay ** (lead + k)
            if weights is not None:
                sold *= weights[start_minute + k]
            if k < promo_minutes:
                promo += sold
            else:
                normal += sold
        sums = demand.viewer_sums[key] = (promo, normal)
    return sums


def pitches(segments: Sequence[tuple[str, int, int, int]]) -> list[tuple[int, int]]:
    """(pitch airing, lead minutes) of each segment given as (sku, start minute, minutes,
    airing): see `pitch_before`."""
    return [pitch_before(segments, sku, start, airing) for sku, start, _, airing in segments]


def pitch_before(
    segments: Sequence[tuple[str, int, int, int]], sku: str, start: int, airing: int
) -> tuple[int, int]:
    """(pitch airing, lead minutes) of airing `airing` of `sku` starting at `start` minutes
    among `segments` (sku, start minute, minutes, airing): a segment that starts the minute the
    same product's previous one ends goes on with that pitch (the viewer sees one), the decay
    running on after `lead` minutes of it; else it begins its own (its airing, lead 0)."""
    ending = {(s, begin + minutes): (begin, a) for s, begin, minutes, a in segments if minutes > 0}
    began, lead = airing, 0
    while (sku, start - lead) in ending:
        begin, began = ending[(sku, start - lead)]
        lead = start - begin
    return began, lead


def option_value(demand: Demand, outcome: Outcome) -> int:
    """A segment's value in cents, as the solver counts it: profit or GMV, plus traffic pull."""
    money = outcome.profit_cents if demand.objective == "profit" else outcome.gmv_cents
    return money + outcome.pull_cents


def preference(demand: Demand, sku: str, start_minute: int) -> int:
    """Soft rules as a small linear bonus: a rising price ladder, image items late, traffic
    items early. Scaled to a share of the reference value so it breaks ties, not the bank."""
    inputs = demand.inputs
    rules = inputs.show.rules
    product = inputs.products[sku]
    scale = demand.reference_cents_per_viewer_minute * demand.mean_viewers * demand.slot * 0.05
    position = start_minute / max(1, inputs.show.minutes)  # 0 at the start, ~1 at the end
    bonus = 0.0
    if rules.price_ladder.enabled:
        low, high = demand.price_range
        relative = (product.live_price - low) / (high - low) if high > low else 0.5
        bonus += rules.price_ladder.weight * (relative - 0.5) * (position - 0.5) * 4
    if rules.role_pacing.enabled:
        pace = {"image": position - 0.5, "traffic": 0.5 - position, "test": 0.0}
        bonus += rules.role_pacing.weight * pace.get(product.role, 0.0)
    return round(bonus * scale)


def build_modes(inputs: ShowInputs, product: Product) -> list[Mode]:
    """The normal mode plus one per promotion that applies to this product."""
    show = inputs.show
    live = cents(product.live_price)
    settings = show.demand
    modes = [Mode(NORMAL, price_cents=live)]

    def window(promo: FlashSale | Coupon | Gift) -> tuple[int, int] | None:
        if promo.window is None:
            return None
        return show.offset(promo.window.from_), show.offset(promo.window.to) or show.minutes

    for promo in show.promotions:
        if isinstance(promo, FlashSale) and promo.sku == product.sku:
            modes.append(
                Mode(
                    "flash_sale",
                    promo.id,
                    cents(promo.price),
                    settings.flash_sale_lift,
                    promo_minutes=promo.max_minutes,
                    units_cap=promo.units,
                    window=window(promo),
                )
            )
        elif isinstance(promo, Gift) and promo.sku == product.sku:
            modes.append(
                Mode(
                    "gift",
                    promo.id,
                    live,
                    settings.gift_lift,
                    units_cap=promo.units,
                    extra_cost_cents=cents(promo.unit_cost),
                    window=window(promo),
                )
            )
        elif isinstance(promo, Coupon) and _coupon_applies(promo, product):
            count = promo.count
            if promo.budget is not None and promo.amount > 0:
                by_budget = math.floor(promo.budget / promo.amount)
                count = by_budget if count is None else min(count, by_budget)
            modes.append(
                Mode(
                    "coupon",
                    promo.id,
                    cents(product.live_price - promo.amount),
                    settings.coupon_lift,
                    units_cap=count,
                    coupon_amount_cents=cents(promo.amount),
                    window=window(promo),
                )
            )
    return modes


def _coupon_applies(coupon: Coupon, product: Product) -> bool:
    if coupon.skus is not None:
        return product.sku in coupon.skus and product.live_price >= coupon.threshold
    # A single item must reach the threshold: lqplan does not guess at basket sizes.
    return product.live_price >= coupon.threshold


def demand_context(inputs: ShowInputs) -> Demand:
    """The show-wide quantities (viewers, conversions, stock, modes) without options: enough to
    value any given segment, as the checker does."""
    show = inputs.show
    slot = show.slot_minutes
    blocked: set[int] = set()
    for brk in show.breaks:
        first = show.offset(brk.at) // slot
        blocked.update(range(first, first + brk.minutes // slot))
    stock = {s.sku: s.units for s in inputs.stock.stock}
    available = {
        # Rounded before the floor: 90 × (1 − 0.3) is 62.99999999999999 in binary floating point.
        sku: math.floor(round(stock.get(sku, 0) * (1 - show.stock_reserve), 6))
        for sku in inputs.products
    }
    conversion = {
        p.sku: product_conversion(inputs, p, p.live_price) for p in inputs.catalog.products
    }
    margins = []
    for p in inputs.catalog.products:
        money = p.live_price - p.unit_cost if show.objective == "profit" else p.live_price
        margins.append(max(0.0, money) * conversion[p.sku] * 100)
    reference = sum(margins) / len(margins) if margins else 0.0
    demand = Demand(
        inputs,
        slot,
        show.minutes // slot,
        frozenset(blocked),
        viewer_minutes(inputs),
        conversion,
        available,
        reference,
    )
    calibration = inputs.calibration
    if calibration is not None and calibration.time_slope:
        demand.sales_weights = [calibration.time_weight(m) for m in range(len(demand.viewers))]
    for product in inputs.catalog.products:
        if available[product.sku] > 0:
            demand.modes[product.sku] = build_modes(inputs, product)
            demand.max_airings[product.sku] = show.rules.airings_allowed(product.sku)
    return demand


def bag_value(demand: Demand, bag: LuckyBag, start_minute: int) -> tuple[int, int]:
    """(retention value, prize cost) of a lucky bag dropping at `start_minute`."""
    settings = demand.inputs.show.demand
    countdown = demand.viewers[start_minute : start_minute + bag.countdown_minutes]
    retention = round(
        settings.lucky_bag_viewer_lift * sum(countdown) * demand.reference_cents_per_viewer_minute
    )
    prize = cents((bag.prize_value or 0) * bag.winners)
    return retention, prize
