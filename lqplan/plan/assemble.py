"""Stage 5, assemble: turn the chosen options into a plan (plain, JSON-ready data).

The plan is what plan.json holds (docs/plan-json.md documents it, PLAN_SCHEMA versions it): show
metadata, segments in order with clock times and expected figures, lucky-bag drops, breaks, the
actions each team takes at clock times, stock use, totals, the solver's report and the baseline.
Rendering (run sheets, scripts, checklists) reads only this.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from lqplan import __version__
from lqplan.plan.demand import Demand, Option, build_modes, product_conversion
from lqplan.plan.result import Solution, SolveSettings
from lqplan.plan.unused import unused_promotions
from lqplan.show.fields import format_clock
from lqplan.show.model import Show
from lqplan.show.validate import ShowInputs

PLAN_SCHEMA = "lqplan.plan/1"


def money(cents: int) -> float:
    """Cents as the plan's money figures: currency units, to the cent."""
    return round(cents / 100, 2)


def _clock(demand: Demand, minute: int) -> str:
    """The clock time `minute` minutes after the show's start."""
    return demand.inputs.show.clock(minute)


def _phase(option: Option, first: bool, last: bool) -> str:
    """The segment's place in the show: opening, encore, closing or an ordinary segment."""
    if first:
        return "opening"
    if option.airing > 1:
        return "encore"
    return "closing" if last else "segment"


def _segment(
    demand: Demand, o: Option, number: int, phase: str, stock_before: int, sold_before: float
) -> dict[str, Any]:
    product = demand.inputs.products[o.sku]
    stock = demand.inputs.stock_by_sku.get(o.sku)
    start = o.start * demand.slot
    minutes = o.slots * demand.slot
    out = o.outcome
    promo_price = money(o.mode.price_cents) if o.mode.kind != "normal" else None
    price = {
        "list": product.list_price,
        "live": product.live_price,
        "flash_sale": promo_price if o.mode.kind == "flash_sale" else None,
        "after_coupon": promo_price if o.mode.kind == "coupon" else None,
    }
    actions = _actions(demand, o, product.cart_link, stock.batch_size if stock else None)
    hosts = demand.inputs.show.hosts_at(start)
    return {
        "number": number,
        "start": _clock(demand, start),
        "end": _clock(demand, start + minutes),
        "start_minute": start,
        "minutes": minutes,
        "phase": phase,
        "sku": o.sku,
        "name": product.name,
        "brand": product.brand,
        "category": product.category,
        "role": product.role,
        "cart_link": product.cart_link,
        "hosts": hosts,
        "airing": o.airing,
        "mode": o.mode.kind,
        "promotion": o.mode.promotion,
        "promotion_minutes": (
            min(minutes, o.mode.promo_minutes)
            if o.mode.kind == "flash_sale" and o.mode.promo_minutes
            else None
        ),
        "price": price,
        "expected": {
            "units": round(out.units, 2),
            "promotion_units": round(out.promo_units, 2),
            "gmv": money(out.gmv_cents),
            "profit": money(out.profit_cents),
            "pull_value": money(out.pull_cents),
            "value_cents": o.value_cents,
            "preference_cents": o.preference_cents,
        },
        "stock": {
            "available": demand.available[o.sku],
            "before": round(stock_before - sold_before, 2),
            "after": round(stock_before - sold_before - out.units, 2),
        },
        "actions": actions,
    }


def _go_on(before: dict[str, Any], seg: dict[str, Any]) -> None:
    """`seg` goes on with the pitch of the segment `before` it (the same product, back to back):
    it says so, keeps that pitch's phase, and the cart link stays up between the two."""
    seg["continues"] = before["number"]
    seg["phase"] = before["phase"]
    before["actions"] = [a for a in before["actions"] if a["action"] != "delist_product"]
    seg["actions"] = [a for a in seg["actions"] if a["action"] != "list_product"]


def _actions(
    demand: Demand, o: Option, cart_link: int | None, batch: int | None
) -> list[dict[str, Any]]:
    """Control-room actions this segment needs, at clock times, as data (the renderers word
    them in the show's language). Every figure comes from the inputs or the plan."""
    start = o.start * demand.slot
    end = start + o.slots * demand.slot
    base: dict[str, str | int | None] = {
        "team": "control_room",
        "sku": o.sku,
        "cart_link": cart_link,
    }
    # Each kind of action has fields of its own (units, promotion, price): plan.json's mixed
    # values, which planfile's `Action` types when a plan is read back.
    acts: list[dict[str, Any]] = [{"minute": start, "action": "list_product", **base}]
    if batch:
        acts.append({"minute": start, "action": "release_stock", "units": batch, **base})
    if o.mode.kind == "flash_sale":
        flash_end = start + min(o.slots * demand.slot, o.mode.promo_minutes or 0)
        acts.append(
            {
                "minute": start,
                "action": "start_flash_sale",
                "promotion": o.mode.promotion,
                "price": money(o.mode.price_cents),
                **base,
            }
        )
        if flash_end < end:  # the flash sale ends before the segment: the price goes back
            acts.append(
                {
                    "minute": flash_end,
                    "action": "end_flash_sale",
                    "promotion": o.mode.promotion,
                    "price": demand.inputs.products[o.sku].live_price,
                    **base,
                }
            )
    elif o.mode.kind == "coupon":
        acts.append(
            {"minute": start, "action": "send_coupon", "promotion": o.mode.promotion, **base}
        )
    elif o.mode.kind == "gift":
        acts.append(
            {"minute": start, "action": "announce_gift", "promotion": o.mode.promotion, **base}
        )
    acts.append({"minute": end, "action": "delist_product", **base})
    for act in acts:
        act["at"] = _clock(demand, act["minute"])
    return acts


def assemble(
    demand: Demand, solution: Solution, baseline: Solution | None, settings: SolveSettings
) -> dict[str, Any]:
    """The plan as plain data, ready for plan.json and for the renderers."""
    inputs = demand.inputs
    show = inputs.show
    chosen = sorted((demand.options[i] for i in solution.options), key=lambda o: o.start)
    segments: list[dict[str, Any]] = []
    sold: dict[str, float] = {}
    for n, o in enumerate(chosen, start=1):
        seg = _segment(
            demand,
            o,
            n,
            _phase(o, n == 1, n == len(chosen)),
            demand.available[o.sku],
            sold.get(o.sku, 0.0),
        )
        sold[o.sku] = sold.get(o.sku, 0.0) + o.outcome.units
        if o.lead and segments and segments[-1]["sku"] == o.sku:
            _go_on(segments[-1], seg)
        segments.append(seg)
    bags = []
    prizes = {p.id: p for p in show.promotions if p.type == "lucky_bag"}
    for i in sorted(solution.drops, key=lambda i: demand.drops[i].start):
        drop = demand.drops[i]
        bag = prizes[drop.promotion]
        start = drop.start * demand.slot
        bags.append(
            {
                "id": drop.promotion,
                "prize": bag.prize,
                "winners": bag.winners,
                "entry": bag.entry,
                "at": _clock(demand, start),
                "minute": start,
                "countdown_minutes": bag.countdown_minutes,
                "draw_at": _clock(demand, start + bag.countdown_minutes),
                "retention_value": money(drop.retention_cents),
                "prize_cost": money(drop.prize_cents),
                "value_cents": drop.value_cents,
            }
        )
    totals = plan_totals(segments, bags)
    report = _solver_report(solution, settings, totals, baseline, demand)
    return {
        "schema": PLAN_SCHEMA,
        "generator": f"lqplan {__version__}",
        "show": _show_meta(demand),
        "segments": segments,
        "breaks": breaks_data(show),
        "lucky_bags": bags,
        "totals": totals,
        "stock_use": [
            {
                "sku": sku,
                "units": _stock_units(inputs, sku),
                "available": demand.available[sku],
                "planned_units": round(units, 2),
                "remaining": round(demand.available[sku] - units, 2),
            }
            for sku, units in sorted(sold.items())
        ],
        "solver": report,
        "baseline": _baseline_report(demand, baseline),
        # What the paperwork needs and the plan alone does not say: rendering reads plan.json
        # only, so `lqplan render` works without the show's files.
        "products": product_facts(inputs, sorted({s["sku"] for s in segments})),
        "promotions": promotions_data(show),
        "unused_promotions": unused_promotions(demand, solution),
        "viewer_curve": [
            {"minute": m, "viewers": round(demand.viewers[m])}
            for m in range(0, show.minutes + 1, demand.slot)
        ],
        "demand": demand_provenance(inputs, sorted({s["sku"] for s in segments})),
    }


def _stock_units(inputs: ShowInputs, sku: str) -> int:
    """The units stock.yaml gives for `sku`; 0 for a product it does not list."""
    item = inputs.stock_by_sku.get(sku)
    return item.units if item else 0


# The demand coefficients plan.json records, as planned and as the files give them.
_COEFFICIENTS = (
    "decay",
    "repeat_factor",
    "price_elasticity",
    "flash_sale_lift",
    "coupon_lift",
    "gift_lift",
)


def demand_provenance(inputs: ShowInputs, skus: list[str]) -> dict[str, Any]:
    """Which coefficients the plan was made with (the files' or a fitted model's) and, per
    product on air, its conversion in every mode as planned and as the files alone give it: the
    prior that `lqplan learn` corrects when this show becomes history (docs/learn.md)."""
    calibration = inputs.calibration
    # A calibration made by `learn` keeps the files it corrects; one built by hand (tests) may
    # not, and then the plan's own inputs are the prior.
    files = calibration.files if calibration is not None and calibration.files else inputs
    planned = inputs.show.demand
    prior = files.show.demand
    conversion: dict[str, Any] = {}
    for sku in skus:
        modes = {}
        for mode in build_modes(inputs, inputs.products[sku]):
            price = mode.price_cents / 100
            lift = getattr(prior, f"{mode.kind}_lift") if mode.kind != "normal" else 1.0
            modes[mode.promotion or mode.kind] = {
                "planned": _sig(
                    product_conversion(inputs, inputs.products[sku], price) * mode.lift
                ),
                # The files' conversion at the same price, with the files' lift for its kind (a
                # replan's rest may have dropped or clipped promotions the whole show had).
                "prior": _sig(product_conversion(files, files.products[sku], price) * lift),
            }
        conversion[sku] = modes
    return {
        "source": "model" if calibration is not None else "files",
        "model": None
        if calibration is None
        else {"id": calibration.model_id, "file": calibration.file, "sha256": calibration.sha256},
        "viewer_curve": "model"
        if calibration is not None and calibration.viewer_curve
        else "files",
        "coefficients": {
            **{k: getattr(planned, k) for k in _COEFFICIENTS},
            "discount_slope": calibration.discount_slope if calibration else 0.0,
            "time_slope": calibration.time_slope if calibration else 0.0,
        },
        "prior": {k: getattr(prior, k) for k in _COEFFICIENTS},
        "conversion": conversion,
    }


def _sig(value: float) -> float:
    """Ten significant digits: exact enough to learn from, stable across platforms."""
    return float(f"{value:.10g}")


def breaks_data(show: Show) -> list[dict[str, Any]]:
    """The show's breaks in time order, as plan.json holds them."""
    return [
        {
            "at": format_clock(b.at),
            "minute": show.offset(b.at),
            "minutes": b.minutes,
            "label": b.label,
            "covered_by": list(b.covered_by),
        }
        for b in sorted(show.breaks, key=lambda b: show.offset(b.at))
    ]


def promotions_data(show: Show) -> list[dict[str, Any]]:
    """Every promotion of show.yaml as written there."""
    return [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in show.promotions]


def product_facts(inputs: ShowInputs, skus: list[str]) -> dict[str, Any]:
    """Catalog facts of the products on air (selling points, proofs, objections...), by SKU."""
    out = {}
    for sku in skus:
        product = inputs.products[sku]
        stock = inputs.stock_by_sku.get(sku)
        facts = product.model_dump(mode="json", exclude_none=True)
        facts["per_buyer_limit"] = stock.per_buyer_limit if stock else None
        facts["batch_size"] = stock.batch_size if stock else None
        out[sku] = facts
    return out


def _show_meta(demand: Demand) -> dict[str, Any]:
    """plan.json's `show`: the show's facts the paperwork prints, and the files it came from."""
    inputs = demand.inputs
    show = inputs.show
    return {
        "title": show.title,
        "date": show.date.isoformat(),
        "start": format_clock(show.start),
        "end": show.clock(show.minutes),
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
        # Relative to show.yaml and hashed, so that a plan names exactly what it was made from
        # and does not depend on the folder lqplan ran in.
        "inputs": {
            kind: {
                "file": os.path.relpath(path, inputs.folder).replace(os.sep, "/"),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for kind, path in sorted(inputs.paths.items())
        },
        # Only when given, so that a plan of a show without them reads as before.
        **({"time_zone": show.time_zone} if show.time_zone else {}),
        **(
            {"words": show.words.model_dump(mode="json", exclude_defaults=True)}
            if show.words
            else {}
        ),
    }


def plan_totals(segments: list[dict[str, Any]], bags: list[dict[str, Any]]) -> dict[str, Any]:
    """plan.json's `totals`: the segments' expected figures and the lucky bags', summed (replan
    sums a stitched plan's segments with it too)."""
    value = sum(s["expected"]["value_cents"] for s in segments) + sum(
        b["value_cents"] for b in bags
    )
    return {
        "segments": len(segments),
        "units": round(sum(s["expected"]["units"] for s in segments), 2),
        "gmv": round(sum(s["expected"]["gmv"] for s in segments), 2),
        "profit": round(sum(s["expected"]["profit"] for s in segments), 2),
        "pull_value": round(sum(s["expected"]["pull_value"] for s in segments), 2),
        "lucky_bag_retention_value": round(sum(b["retention_value"] for b in bags), 2),
        "lucky_bag_prize_cost": round(sum(b["prize_cost"] for b in bags), 2),
        "value_cents": value,
        "preference_cents": sum(s["expected"]["preference_cents"] for s in segments),
    }


def plan_value(demand: Demand, solution: Solution) -> int:
    """Money value of a solution in cents (objective less the soft-rule preferences)."""
    return sum(demand.options[i].value_cents for i in solution.options) + sum(
        demand.drops[i].value_cents for i in solution.drops
    )


def _solver_report(
    solution: Solution,
    settings: SolveSettings,
    totals: dict[str, Any],
    baseline: Solution | None,
    demand: Demand,
) -> dict[str, Any]:
    uplift = None
    if baseline is not None and baseline.status == "feasible":
        base = plan_value(demand, baseline)
        if base > 0:
            uplift = round((totals["value_cents"] - base) / base * 100, 2)
    return {
        "status": str(solution.status),
        "objective_cents": solution.objective,
        "bound_cents": solution.bound,
        "gap_percent": None if solution.gap is None else round(solution.gap, 3),
        # Wall-clock times differ run to run; a --deterministic plan leaves them out so that
        # reruns are byte-identical.
        "seconds": None if settings.deterministic else round(solution.seconds, 2),
        "build_seconds": None if settings.deterministic else round(solution.build_seconds, 2),
        "time_limit": settings.time_limit,
        "seed": settings.seed,
        "workers": settings.worker_count,
        "deterministic": settings.deterministic,
        "model": solution.model_size,
        "returned_hint": solution.from_hint,
        "uplift_percent": uplift,
        "ortools": ortools_version(),
    }


def ortools_version() -> str | None:
    """The installed OR-Tools' version, from its package metadata (this module does not import
    OR-Tools): plans shift between its releases, so a plan says which one made it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ortools")
    except PackageNotFoundError:  # not installed as a distribution (a source tree on the path)
        return None


def _baseline_report(demand: Demand, baseline: Solution | None) -> dict[str, Any] | None:
    """plan.json's `baseline`: the greedy plan the solver is measured against, if one ran."""
    if baseline is None:
        return None
    feasible = baseline.status == "feasible"
    return {
        "name": "greedy",
        "feasible": feasible,
        "value_cents": plan_value(demand, baseline) if feasible else None,
        "segments": [
            {
                "start": _clock(demand, demand.options[i].start * demand.slot),
                "sku": demand.options[i].sku,
                "minutes": demand.options[i].slots * demand.slot,
                "mode": demand.options[i].mode.kind,
                "promotion": demand.options[i].mode.promotion,
            }
            for i in sorted(baseline.options, key=lambda i: demand.options[i].start)
        ]
        if feasible
        else [],
    }
