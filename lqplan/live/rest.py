"""The rest of a show as a show of its own: what replan optimises after the cut.

`rest_of_show(inputs, past)` returns the same ShowInputs starting at the cut (pydantic
`model_copy(update=...)`): the time left, the stock left, the audience rescaled to the viewers
and conversion observed, and every rule carried over as far as it still means something, with
the list of rules that could not be (and why). What the past rules out but a show cannot say
(an encore too soon after its last airing, back to back across the cut, flash-sale and lucky-bag
spacing across it, a flash sale at the draw of a bag dropped before it) is `Rest.restrict`,
applied to the options before solving.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

from lqplan.live.past import Past
from lqplan.plan.demand import BagDrop, Demand, Option
from lqplan.plan.options import renumbered
from lqplan.rules import carry_over_order
from lqplan.show.model import (
    Collab,
    Coupon,
    CurvePoint,
    FlashSale,
    Gift,
    LuckyBag,
    Promotion,
    Window,
    format_clock,
)
from lqplan.show.validate import ShowInputs
from lqplan.words import counted

# A product that aired before the cut sells its next airings as an encore (repeat_factor): the
# rest of the show sees it through this tag, whose affinity is the repeat factor.
ENCORE_TAG = "lqplan:encore"


@dataclass(frozen=True)
class RuleChange:
    """What became of a rule or promotion at the cut, and why."""

    rule: str
    status: str  # dropped (not imposed on the rest) | adjusted (imposed as far as it can be)
    reason: str
    past: str | None = None  # how it fared before the cut: met | missed | used


@dataclass(frozen=True)
class Rest:
    """The rest of the show as a show of its own, and what the frozen past rules out in it."""

    inputs: ShowInputs
    changes: list[RuleChange]
    why_not: dict[str, str]  # SKU -> why it cannot air again
    earliest: dict[str, int]  # SKU -> first minute of the rest an encore may start
    clash: tuple[str | None, str | None]  # category, brand that may not open the rest
    flash_from: int  # first minute of the rest a flash sale may start
    bags_from: int  # first minute a lucky bag may drop
    bags_by: int | None  # the first drop comes by this minute (the cadence from the cut)
    # Minutes of the rest where a bag dropped before the cut is drawn: no flash sale starts
    # there (lucky_bag_cadence's no_flash_sale_at_draw).
    draws: frozenset[int] = frozenset()

    def restrict(self, demand: Demand) -> Demand:
        """The demand without the options and drops the past rules out (pipeline's hook)."""
        slot = demand.slot
        products = self.inputs.products
        category, brand = self.clash

        def keep(o: Option) -> bool:
            start = o.start * slot
            if o.airing == 1 and start < self.earliest.get(o.sku, 0):
                return False  # the encore gap counts from the airing before the cut
            if start == 0 and (
                products[o.sku].category == category
                or (brand is not None and products[o.sku].brand == brand)
            ):
                return False  # no back to back across the cut
            return not (
                o.mode.kind == "flash_sale" and (start < self.flash_from or start in self.draws)
            )

        def keep_drop(d: BagDrop) -> bool:
            return d.start * slot >= self.bags_from  # the minimum gap from the last drop

        options = [renumbered(o, i) for i, o in enumerate(o for o in demand.options if keep(o))]
        return replace(
            demand,
            options=options,
            drops=[d for d in demand.drops if keep_drop(d)],
            bag_due=None if self.bags_by is None else self.bags_by // slot,
        )


def rest_of_show(inputs: ShowInputs, past: Past) -> Rest:
    """The rest of the show (from the cut) as a ShowInputs, with every rule carried over as far as
    it can be, and the list of those that could not (and why)."""
    return RestBuilder(inputs, past).build()


class RestBuilder:
    """Carries every rule across the cut (each family's `carry_over`, lqplan/rules/; the
    promotions and lucky bags here) and records what it did."""

    def __init__(self, inputs: ShowInputs, past: Past) -> None:
        self.inputs, self.past = inputs, past
        self.show, self.rules = inputs.show, inputs.show.rules
        self.cut, self.total = past.cut, inputs.show.minutes
        self.changes: list[RuleChange] = []
        self.why_not: dict[str, str] = {}
        self.earliest: dict[str, int] = {}
        self.flash_from = 0
        self.bags_from = 0
        self.bags_by: int | None = None
        self.draws: set[int] = set()
        # The likeness (category, brand) the rest's first segment may not share (no back to back).
        self.clash: tuple[str | None, str | None] = (None, None)
        self.update: dict[str, Any] = {}  # rules' new values
        self.first_airing: dict[str, int] = {}
        for seg in past.segments:
            self.first_airing.setdefault(seg.sku, seg.start)
        self._airable()

    def clock(self, minute: int) -> str:
        """The clock time `minute` minutes into the (whole) show."""
        return self.show.clock(minute)

    def note(self, rule: str, status: str, reason: str) -> None:
        """Record a rule's fate; met, missed and used (settled in the past) drop it."""
        if status in ("met", "missed", "used"):
            self.changes.append(RuleChange(rule, "dropped", reason, status))
        else:
            self.changes.append(RuleChange(rule, status, reason))

    def _airable(self) -> None:
        """Which products may still air, and why the others may not."""
        reserve = self.show.stock_reserve
        for sku in self.inputs.products:
            done = self.past.airings(sku)
            if sku in self.past.pulled:
                reason = self.past.pulled[sku]
                self.why_not[sku] = f"{sku} was pulled" + (f" ({reason})" if reason else "")
            elif done >= self.rules.airings_allowed(sku):
                times = "once" if done == 1 else f"{done} times"
                self.why_not[sku] = f"{sku} aired {times} already, its limit"
            elif math.floor(round(self.past.stock_left[sku] * (1 - reserve), 6)) <= 0:
                self.why_not[sku] = f"{sku} has no stock left"

    def can_air(self, sku: str) -> bool:
        """May `sku` still air after the cut (not pulled, under its airings, stock left)?"""
        return sku not in self.why_not

    def build(self) -> Rest:
        """Carry every family, the promotions and the lucky-bag cadence over; the Rest."""
        for family in carry_over_order():
            family.carry_over(self)
        promotions = self._promotions()
        self._lucky_bag_cadence(promotions)
        inputs = self._inputs(promotions)
        return Rest(
            inputs,
            self.changes,
            self.why_not,
            self.earliest,
            self.clash,
            self.flash_from,
            self.bags_from,
            self.bags_by,
            frozenset(self.draws),
        )

    def heroes_left(self) -> bool:
        """Can any hero still air in the rest of the show?"""
        return any(p.role == "hero" and self.can_air(p.sku) for p in self.inputs.catalog.products)

    def _window(self, window: Window | None) -> tuple[Window | None, bool]:
        """The window clipped to the rest of the show, and whether any of it is left."""
        if window is None:
            return None, True
        low = self.show.offset(window.from_)
        high = self.show.offset(window.to) or self.total
        if high <= self.cut:
            return window, False
        if low < self.cut:
            start = (self.show.start + self.cut) % 1440
            window = window.model_copy(update={"from_": start})
        return window, True

    def _promotions(self) -> list[Promotion]:
        """Promotions with what is left of them: a flash sale that ran, used-up gifts, coupons
        and bags, closed windows and products that cannot air are taken out."""
        used: dict[str, float] = defaultdict(float)
        ran: dict[str, int] = {}
        for seg in self.past.segments:
            if seg.mode.promotion:
                used[seg.mode.promotion] += seg.promo_units
                ran.setdefault(seg.mode.promotion, seg.start)
        drops = Counter(bag for bag, _ in self.past.drops)
        kept: list[Promotion] = []
        for promo in self.show.promotions:
            window, open_ = self._window(promo.window)
            sku = promo.sku if isinstance(promo, FlashSale | Gift | Collab) else None
            if isinstance(promo, FlashSale) and promo.id in ran:
                self.note(promo.id, "used", f"ran at {self.clock(ran[promo.id])}")
                continue
            if isinstance(promo, FlashSale) and self.past.airings(promo.sku):
                self.note(
                    promo.id,
                    "dropped",
                    f"{promo.sku} aired already; a flash sale runs on a first airing only",
                )
                continue
            if promo.type == "collab" and sku in self.first_airing:
                self.note(promo.id, "met", f"{sku} aired at {self.clock(self.first_airing[sku])}")
                continue
            if sku is not None and not self.can_air(sku):
                self.note(promo.id, "dropped", self.why_not[sku])
                continue
            if not open_ and promo.window is not None:  # only a window can close
                status = "missed" if promo.type == "collab" else "dropped"
                self.note(promo.id, status, f"its window closed at {format_clock(promo.window.to)}")
                continue
            update: dict[str, Any] = {"window": window} if promo.window is not None else {}
            if isinstance(promo, Gift) and promo.id in used:
                left = promo.units - math.ceil(used[promo.id] - 1e-9)
                if left <= 0:
                    self.note(promo.id, "used", f"all {promo.units} gifts given")
                    continue
                update["units"] = left
                self.note(promo.id, "adjusted", f"{left} of {promo.units} gifts left")
            elif isinstance(promo, Coupon) and promo.id in used:
                spent = math.ceil(used[promo.id] - 1e-9)
                if promo.count is not None:
                    update["count"] = promo.count - spent
                if promo.budget is not None:
                    update["budget"] = round(promo.budget - spent * promo.amount, 2)
                if update.get("count", 1) < 1 or update.get("budget", promo.amount) < promo.amount:
                    self.note(promo.id, "used", "its coupons are used up")
                    continue
                self.note(promo.id, "adjusted", f"about {counted(spent, 'coupon')} used")
            elif isinstance(promo, LuckyBag) and drops[promo.id]:
                left = promo.count - drops[promo.id]
                if left <= 0:
                    self.note(
                        promo.id, "used", f"dropped {counted(drops[promo.id], 'time')}, its count"
                    )
                    continue
                update["count"] = left
            kept.append(promo.model_copy(update=update) if update else promo)
        return kept

    def _lucky_bag_cadence(self, promotions: list[Promotion]) -> None:
        """The cadence continues from the last drop before the cut; with too few drops left it
        asks only for one more."""
        rule = self.rules.lucky_bag_cadence
        if not any(isinstance(p, LuckyBag) for p in self.show.promotions):
            return
        if rule.no_flash_sale_at_draw:
            # A bag dropped just before the cut is drawn after it, in the rest of the show.
            countdown = {
                p.id: p.countdown_minutes for p in self.show.promotions if p.type == "lucky_bag"
            }
            self.draws = {
                minute + countdown[bag] - self.cut
                for bag, minute in self.past.drops
                if bag in countdown and minute + countdown[bag] >= self.cut
            }
        bags = [p for p in promotions if isinstance(p, LuckyBag)]
        if not bags:
            self.note(rule.id, "dropped", "no lucky-bag drops left")
            return
        slot, rest = self.show.slot_minutes, self.total - self.cut
        high = max(1, rule.max_gap_minutes // slot)
        needed = math.ceil(max(0, rest // slot - high + 1) / high)
        offered = sum(b.count for b in bags)
        last = self.past.drops[-1][1] if self.past.drops else None
        if last is not None:
            self.bags_from = max(0, last + rule.min_gap_minutes - self.cut)
        if offered < needed:
            self.update["lucky_bag_cadence"] = rule.model_copy(update={"max_gap_minutes": rest})
            self.note(
                rule.id,
                "adjusted",
                f"{counted(offered, 'drop')} left, {needed} needed for one every "
                f"{rule.max_gap_minutes} min: at least one more, spacing kept",
            )
            return
        if last is None:
            return
        by = last + rule.max_gap_minutes - self.cut
        if by < 0:
            self.note(
                rule.id,
                "missed",
                f"last bag at {self.clock(last)}; the cadence restarts at {self.clock(self.cut)}",
            )
        elif by < (high - 1) * slot:
            # Only the first drop is due early: the ones after keep the cadence from it, as
            # in the whole show (a rule on the first alone; leaving drops out of (by, ...] to
            # force it also forbade a legal second drop there).
            self.bags_by = by
            self.note(
                rule.id,
                "adjusted",
                f"continues from the bag at {self.clock(last)}: next one "
                f"{self.clock(self.cut + self.bags_from)}–{self.clock(self.cut + by)}",
            )

    # --- the derived inputs ---
    def _inputs(self, promotions: list[Promotion]) -> ShowInputs:
        """The ShowInputs of the rest: its clock, breaks, hosts, rules, promotions, audience and
        stock from the cut on."""
        inputs, show, past, cut = self.inputs, self.show, self.past, self.cut
        rules = self.rules.model_copy(update=self.update)
        start = (show.start + cut) % 1440
        breaks = []
        for brk in show.breaks:
            low = show.offset(brk.at)
            high = low + brk.minutes
            if high > cut:
                breaks.append(
                    brk
                    if low >= cut
                    else brk.model_copy(update={"at": start, "minutes": high - cut})
                )
        hosts = []
        for host in show.hosts:
            shifts = [self._window(w) for w in host.shifts]
            if host.shifts and not any(open_ for _, open_ in shifts):
                continue  # off shift for the rest of the show
            hosts.append(host.model_copy(update={"shifts": [w for w, ok in shifts if ok]}))
        new_show = show.model_copy(
            update={
                "start": start,
                "duration_minutes": self.total - cut,
                "end": None,
                "breaks": breaks,
                "hosts": hosts,
                "rules": rules,
                "promotions": promotions,
            }
        )
        encores = {s.sku for s in past.segments if self.can_air(s.sku)}
        products = [
            p.model_copy(update={"tags": [*p.tags, ENCORE_TAG]}) if p.sku in encores else p
            for p in inputs.catalog.products
        ]
        factors = {n.category: n.factor for n in past.nudges if n.factor != 1.0}
        repeat = show.demand.repeat_factor
        segments = [
            s.model_copy(
                update={
                    "affinity": {
                        **s.affinity,
                        **{c: s.affinity.get(c, 1.0) * f for c, f in factors.items()},
                    },
                    "tag_affinity": {**s.tag_affinity, ENCORE_TAG: repeat},
                }
            )
            for s in inputs.audience.segments
        ]
        curve = [
            CurvePoint.model_construct(at=(show.start + m) % 1440, viewers=round(past.viewers[m]))
            for m in _curve_minutes(inputs, cut)
        ]
        stock = [
            item.model_copy(
                update={"units": past.stock_left[item.sku] if self.can_air(item.sku) else 0}
            )
            for item in inputs.stock.stock
        ]
        return replace(
            inputs,
            show=new_show,
            catalog=inputs.catalog.model_copy(update={"products": products}),
            audience=inputs.audience.model_copy(
                update={"segments": segments, "viewer_curve": curve}
            ),
            stock=inputs.stock.model_copy(update={"stock": stock}),
            warnings=(),
            calibration=None
            if inputs.calibration is None
            else replace(
                inputs.calibration, offset_minutes=inputs.calibration.offset_minutes + past.cut
            ),
        )


def _curve_minutes(inputs: ShowInputs, cut: int) -> list[int]:
    """Minutes of the rest of the show where the viewer curve needs a point: the cut, the original
    curve's points after it and the end (linear between them, as before)."""
    show = inputs.show
    points = {show.offset(p.at) for p in inputs.audience.viewer_curve}
    return sorted({cut, show.minutes} | {m for m in points if cut < m < show.minutes})


__all__ = ["ENCORE_TAG", "Rest", "RuleChange", "rest_of_show"]
