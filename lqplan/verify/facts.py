"""The checker's reading of every fact a plan carries, against the show's files.

The paperwork is rendered from plan.json alone (`lqplan render` needs no show), so a fact edited
in the plan (a flash price of 0.01, another cart link, a product renamed, a prize, a total) is
printed as if the show said it. These checks rebuild each such fact from the show's files (the
catalog, stock, show.yaml's promotions, breaks, hosts and header) in plain Python, the
checker's own way, and name every one the plan gives otherwise by its place in plan.json:
`segments[4].price.flash_sale: the plan says 0.01, the show's files 15.9`.

Totals and stock figures are the plan's own segments added up: the checker recomputes the
segments themselves (checker.py), and here that what the plan sums and carries over from them
agrees. A section the plan does not hold (a plan built in code for a test) is not judged here;
plan.json's reader (plan/planfile.py) requires every one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from lqplan.plan.demand import Demand, Mode, Outcome
from lqplan.show.model import format_clock
from lqplan.show.validate import ShowInputs

_ABSENT = object()  # a key the plan or the files do not have (None counts as absent too)


@dataclass(frozen=True)
class Seg:
    """A segment as the checker reads it from plan.json: its number (its place, from 1), product,
    start and length in minutes from the show's start, airing, mode, and the row as written."""

    number: int
    sku: str
    start: int
    minutes: int
    airing: int
    mode: Mode
    raw: dict[str, Any]

    @property
    def end(self) -> int:
        """The minute it ends."""
        return self.start + self.minutes


def money(cents: int) -> float:
    """Cents as plan.json writes money: currency units, to the cent."""
    return round(cents / 100, 2)


def _number(value: object) -> TypeGuard[int | float]:
    """An int or a float, and not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(claimed: Any, truth: Any) -> bool:
    """Equal as plan.json means it: 12 is 12.0, null is an absent key, true is not 1."""
    if claimed is None or claimed is _ABSENT or truth is None or truth is _ABSENT:
        return (claimed is None or claimed is _ABSENT) and (truth is None or truth is _ABSENT)
    if _number(claimed) and _number(truth):
        return bool(claimed == truth)
    return type(claimed) is type(truth) and bool(claimed == truth)


def _text(value: Any) -> str:
    """A value as a message quotes it, kept short (a tampered fact may be long)."""
    text = "nothing" if value is _ABSENT or value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(where: str, claimed: Any, truth: Any) -> Iterator[str]:
    """Every place under `where` at which `claimed` (the plan) differs from `truth` (the files),
    as a message naming it."""
    if isinstance(claimed, dict) and isinstance(truth, dict):
        for key in list(truth) + [k for k in claimed if k not in truth]:
            yield from differences(
                f"{where}.{key}", claimed.get(key, _ABSENT), truth.get(key, _ABSENT)
            )
    elif isinstance(claimed, list) and isinstance(truth, list) and len(claimed) == len(truth):
        for i, (a, b) in enumerate(zip(claimed, truth, strict=True)):
            yield from differences(f"{where}[{i}]", a, b)
    elif isinstance(claimed, list) and isinstance(truth, list):
        yield f"{where}: the plan lists {len(claimed)}, the show's files {len(truth)}"
    elif not _same(claimed, truth):
        yield f"{where}: the plan says {_text(claimed)}, the show's files {_text(truth)}"


def _near(claimed: Any, truth: float, tolerance: float) -> bool:
    """A sum the plan rounds its own way (each part to the cent, or the whole)."""
    return _number(claimed) and abs(claimed - truth) <= tolerance + 1e-9


class Facts:
    """The fact checks of one plan (a part of the checker, which holds the plan and the show)."""

    def __init__(self, inputs: ShowInputs, plan: dict[str, Any], d: Demand, recompute: bool):
        self.inputs = inputs
        self.show = inputs.show
        self.plan = plan
        self.d = d
        self.recompute = recompute
        self.problems: list[str] = []
        self.outcomes: dict[int, Outcome] = {}

    def _compare(self, where: str, claimed: Any, truth: Any) -> None:
        self.problems.extend(differences(where, claimed, truth))

    def _row(self, where: str, row: dict[str, Any], truth: dict[str, Any]) -> None:
        """The facts of one row (a segment, an action, a drop, the header) that it holds: a key
        it leaves out is plan.json's reader's to require, not a fact given otherwise."""
        for key, value in truth.items():
            if key in row:
                self._compare(f"{where}.{key}", row[key], value)

    def check(self, segs: list[Seg], outcomes: dict[int, Outcome]) -> list[str]:
        """Every fact of the plan against the files; the problems found, each naming its place.
        `outcomes` are the checker's figures of the segments it could value, by number: sums and
        stock are judged by them, so that one wrong figure is one violation (the checker's)."""
        self.outcomes = outcomes
        self.header()
        self.catalog(segs)
        for seg in segs:
            self.segment(seg)
        self.stock(segs)
        self.drops()
        self.totals()
        self.curve()
        return self.problems

    def header(self) -> None:
        """plan.json's `show`, `breaks` and `promotions` as show.yaml gives them."""
        show = self.show
        meta = self.plan.get("show")
        if isinstance(meta, dict):
            truth = {
                "title": show.title,
                "date": show.date.isoformat(),
                "start": format_clock(show.start),
                "minutes": show.minutes,
                "slot_minutes": show.slot_minutes,
                "language": show.language,
                "currency": show.currency,
                "platform": show.platform,
                "room": show.room,
                "theme": show.theme,
                "objective": show.objective,
                "stock_reserve": show.stock_reserve,
                "hosts": [{"name": h.name, "role": h.role} for h in show.hosts],
                "team": {role: list(names) for role, names in show.team.items()},
                "kpi": show.kpi.model_dump(),
                "time_zone": show.time_zone,
                "words": show.words.model_dump(mode="json", exclude_defaults=True)
                if show.words
                else None,
            }
            self._row("show", meta, truth)
        if "breaks" in self.plan:
            breaks = [
                {
                    "at": format_clock(b.at),
                    "minute": show.offset(b.at),
                    "minutes": b.minutes,
                    "label": b.label,
                    "covered_by": list(b.covered_by),
                }
                for b in sorted(show.breaks, key=lambda b: show.offset(b.at))
            ]
            self._compare("breaks", self.plan["breaks"], breaks)
        if "promotions" in self.plan:
            promotions = [
                p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in show.promotions
            ]
            self._compare("promotions", self.plan["promotions"], promotions)

    def catalog(self, segs: list[Seg]) -> None:
        """plan.json's `products`: the catalog's facts of each product on air, with its stock's
        limits."""
        products = self.plan.get("products")
        if not isinstance(products, dict):
            return
        on_air = sorted({s.sku for s in segs})
        for sku in on_air + sorted(k for k in products if k not in on_air):
            product = self.inputs.products.get(sku) if isinstance(sku, str) else None
            if product is None:
                self.problems.append(f"products.{sku}: not in the catalog")
                continue
            stock = self.inputs.stock_by_sku.get(sku)
            truth = product.model_dump(mode="json", exclude_none=True)
            truth["per_buyer_limit"] = stock.per_buyer_limit if stock else None
            truth["batch_size"] = stock.batch_size if stock else None
            self._compare(f"products.{sku}", products.get(sku, _ABSENT), truth)

    def _hosts(self, start: int) -> list[str]:
        """The hosts (not co-hosts) on shift at `start`."""
        return self.show.hosts_at(start)

    def segment(self, seg: Seg) -> None:
        """A segment's product facts, prices, promotion minutes, hosts and actions."""
        product = self.inputs.products[seg.sku]
        mode, raw, where = seg.mode, seg.raw, f"segments[{seg.number - 1}]"
        promo = money(mode.price_cents) if mode.kind != "normal" else None
        truth: dict[str, Any] = {
            "name": product.name,
            "brand": product.brand,
            "category": product.category,
            "role": product.role,
            "cart_link": product.cart_link,
            "hosts": self._hosts(seg.start),
            "price": {
                "list": product.list_price,
                "live": product.live_price,
                "flash_sale": promo if mode.kind == "flash_sale" else None,
                "after_coupon": promo if mode.kind == "coupon" else None,
            },
        }
        if raw.get("frozen") is not True:
            # A segment that aired (a replan's past) ran as long as it ran.
            truth["promotion_minutes"] = (
                min(seg.minutes, mode.promo_minutes)
                if mode.kind == "flash_sale" and mode.promo_minutes
                else None
            )
        self._row(where, raw, truth)
        actions = raw.get("actions")
        if isinstance(actions, list):
            self.actions(seg, actions, where)

    def actions(self, seg: Seg, actions: list[Any], where: str) -> None:
        """Each control-room action of a segment: its product, cart link and its kind's figures
        (the flash price, the live price back, the batch)."""
        product = self.inputs.products[seg.sku]
        stock = self.inputs.stock_by_sku.get(seg.sku)
        promo = money(seg.mode.price_cents)
        for j, act in enumerate(actions):
            if not isinstance(act, dict):
                continue  # plan.json's reader refuses it; a plan built in code is not judged
            kind = act.get("action")
            truth: dict[str, Any] = {"sku": seg.sku, "cart_link": product.cart_link}
            if kind == "release_stock":
                truth["units"] = stock.batch_size if stock else None
            if kind in ("start_flash_sale", "end_flash_sale", "send_coupon", "announce_gift"):
                truth["promotion"] = seg.mode.promotion
            if kind == "start_flash_sale":
                truth["price"] = promo
            elif kind == "end_flash_sale":
                truth["price"] = product.live_price
            self._row(f"{where}.actions[{j}]", act, truth)

    def figures(self, number: int, row: Any) -> dict[str, Any]:
        """Segment `number`'s figures: the checker's where it valued the segment, else the row's
        own (`row` is its `expected`)."""
        given = dict(row) if isinstance(row, dict) else {}
        out = self.outcomes.get(number)
        if out is None:
            return given
        return {
            **given,
            "units": round(out.units, 2),
            "gmv": money(out.gmv_cents),
            "profit": money(out.profit_cents),
            "pull_value": money(out.pull_cents),
        }

    def stock(self, segs: list[Seg]) -> None:
        """Each segment's stock before and after it, and `stock_use`, from the stock file and
        the segments' units."""
        units_by_sku: dict[str, list[float]] = defaultdict(list)
        for seg in segs:
            raw = seg.raw
            stock = raw.get("stock")
            units = self.figures(seg.number, raw.get("expected")).get("units")
            if not isinstance(stock, dict) or not _number(units):
                continue
            where = f"segments[{seg.number - 1}].stock"
            before, after = stock.get("before"), stock.get("after")
            if _number(before) and not _near(after, before - units, 0.01):
                self.problems.append(
                    f"{where}.after: the plan says {_text(after)}; {before} before less "
                    f"{units} units is {round(before - units, 2)}"
                )
            sold = units_by_sku[seg.sku]
            if self.recompute and raw.get("frozen") is not True:
                available = self.d.available.get(seg.sku, 0)
                self._compare(f"{where}.available", stock.get("available", _ABSENT), available)
                if not _near(before, available - sum(sold), 0.005 * (len(sold) + 1)):
                    self.problems.append(
                        f"{where}.before: the plan says {_text(before)}; {available} available "
                        f"less {round(sum(sold), 2)} units before it is "
                        f"{round(available - sum(sold), 2)}"
                    )
            sold.append(float(units))
        stock_use = self.plan.get("stock_use")
        if not isinstance(stock_use, list):
            return
        listed = [u.get("sku") for u in stock_use if isinstance(u, dict)]
        read_all = len(segs) == len(self.plan.get("segments") or [])
        if read_all and sorted(map(str, listed)) != sorted(units_by_sku):
            self.problems.append(
                f"stock_use: lists {sorted(map(str, listed))}, the products on air are "
                f"{sorted(units_by_sku)}"
            )
        for i, use in enumerate(stock_use):
            sku = use.get("sku") if isinstance(use, dict) else None
            if not isinstance(use, dict) or sku not in units_by_sku:
                continue
            item = self.inputs.stock_by_sku.get(sku)
            self._compare(f"stock_use[{i}].units", use.get("units"), item.units if item else 0)
            planned = sum(units_by_sku[sku])
            tolerance = 0.005 * len(units_by_sku[sku])
            if not _near(use.get("planned_units"), planned, tolerance):
                self.problems.append(
                    f"stock_use[{i}].planned_units: the plan says "
                    f"{_text(use.get('planned_units'))}, its segments {round(planned, 2)}"
                )
            given = use.get("available")
            if self.recompute and "replan" not in self.plan:
                self._compare(f"stock_use[{i}].available", given, self.d.available.get(sku, 0))
            if _number(given) and not _near(use.get("remaining"), given - planned, tolerance):
                self.problems.append(
                    f"stock_use[{i}].remaining: the plan says {_text(use.get('remaining'))}; "
                    f"{given} available less {round(planned, 2)} planned"
                )

    def drops(self) -> None:
        """Each lucky-bag drop's prize, winners, entry, countdown and draw time, as show.yaml's
        bag says (its value is the checker's lucky_bags())."""
        drops = self.plan.get("lucky_bags")
        bags = {p.id: p for p in self.show.promotions if p.type == "lucky_bag"}
        for i, drop in enumerate(drops if isinstance(drops, list) else []):
            bag = bags.get(str(drop.get("id"))) if isinstance(drop, dict) else None
            minute = drop.get("minute") if isinstance(drop, dict) else None
            if bag is None or not isinstance(minute, int):
                continue  # reported by lucky_bags()
            truth = {
                "prize": bag.prize,
                "winners": bag.winners,
                "entry": bag.entry,
                "countdown_minutes": bag.countdown_minutes,
                "draw_at": self.show.clock(minute + bag.countdown_minutes),
            }
            self._row(f"lucky_bags[{i}]", drop, truth)

    def totals(self) -> None:
        """plan.json's `totals`: its segments' and drops' figures added up."""
        totals = self.plan.get("totals")
        segments, drops = self.plan.get("segments"), self.plan.get("lucky_bags") or []
        if not isinstance(totals, dict) or not isinstance(segments, list):
            return
        if not isinstance(drops, list) or not all(
            isinstance(row, dict) and isinstance(row.get("expected", {}), dict) for row in segments
        ):
            return  # a malformed row: reported where the checker reads it
        figures = [self.figures(n, s.get("expected")) for n, s in enumerate(segments, start=1)]
        if not all(isinstance(d, dict) for d in drops):
            return

        def total(rows: list[Any], key: str) -> float | None:
            values = [r.get(key) for r in rows]
            if not all(_number(v) for v in values):
                return None
            return float(sum(values))

        sums = {
            "units": total(figures, "units"),
            "gmv": total(figures, "gmv"),
            "profit": total(figures, "profit"),
            "pull_value": total(figures, "pull_value"),
            "preference_cents": total(figures, "preference_cents"),
            "lucky_bag_retention_value": total(drops, "retention_value"),
            "lucky_bag_prize_cost": total(drops, "prize_cost"),
        }
        for key, value in sums.items():
            if value is None or key not in totals:
                continue
            if not _near(totals[key], value, 0.005):
                self.problems.append(
                    f"totals.{key}: the plan says {_text(totals[key])}, its "
                    f"{'lucky bags' if key.startswith('lucky') else 'segments'} add up to "
                    f"{round(value, 2)}"
                )

    def curve(self) -> None:
        """The viewer curve the plan drew its figures from: the files' (or its MODEL's)."""
        curve = self.plan.get("viewer_curve")
        if not isinstance(curve, list) or not self.recompute or "replan" in self.plan:
            return  # a replanned plan's curve is the one its actuals observed
        show = self.show
        truth = [
            {"minute": m, "viewers": round(self.d.viewers[m])}
            for m in range(0, show.minutes + 1, show.slot_minutes)
        ]
        self._compare("viewer_curve", curve, truth)


__all__ = ["Facts", "Seg", "differences"]
