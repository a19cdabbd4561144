"""Seeded generator of realistic shows for the benchmark ladder (rungs S, M, L, XL).

Proportions follow samples/double11-marathon (160 products, 14 categories): roles about 5 %
traffic, 7.5 % welfare, 16 % bridge, 9 % hero, 6 % image, 33 % profit, 22.5 % test; a few pins,
precedences, exclusions and repeats per 100 products; flash sales in spaced windows, threshold
coupons with budgets, gifts, lucky bags with enough drops for the cadence, a collab in a contract
window. The same (rung, seed) always writes the same four files; they load through lqplan's own
loader and must validate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Rung:
    name: str
    products: int
    minutes: int
    slot: int
    categories: int
    segment: dict[str, int]  # segment_minutes: default, min, max
    breaks: tuple[int, ...]  # minutes from the start; each break lasts 10 minutes
    hosts: int  # hosts in consecutive shifts (plus one co-host throughout)


RUNGS = {
    "S": Rung("S", 30, 180, 5, 6, {"default": 5, "min": 5, "max": 10}, (), 1),
    "M": Rung("M", 100, 240, 2, 10, {"default": 6, "min": 4, "max": 8}, (120,), 1),
    "L": Rung("L", 300, 480, 2, 14, {"default": 6, "min": 4, "max": 8}, (120, 300), 2),
    "XL": Rung("XL", 1000, 720, 1, 20, {"default": 5, "min": 4, "max": 6}, (180, 360, 540), 3),
}

ROLES = [  # (role, share of the catalog), as in the marathon sample
    ("traffic", 0.05),
    ("welfare", 0.075),
    ("bridge", 0.16),
    ("hero", 0.09),
    ("image", 0.06),
    ("profit", 0.335),
    ("test", 0.23),
]
CATEGORY_NAMES = [
    "makeup",
    "skincare",
    "snacks",
    "drinks",
    "kitchen",
    "home",
    "cleaning",
    "digital",
    "apparel",
    "shoes",
    "pets",
    "baby",
    "grain",
    "personal-care",
    "outdoor",
    "books",
    "toys",
    "jewellery",
    "sports",
    "stationery",
]
TAGS = ["gift", "family-pack", "limited", "student", "office", "new-customer", "stock-up", "men"]
START = 12 * 60  # the show starts at 12:00


def clock(offset: int) -> str:
    minute = (START + offset) % 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _roles(count: int, rng: random.Random) -> list[str]:
    roles: list[str] = []
    for role, share in ROLES:
        roles += [role] * max(1, round(share * count))
    roles = roles[:count]
    while len(roles) < count:
        roles.append("profit")
    rng.shuffle(roles)
    return roles


def _product(i: int, role: str, category: str, rng: random.Random) -> dict[str, Any]:
    base = rng.choice([19, 29, 39, 59, 79, 99, 129, 159, 199, 259, 299, 399, 599])
    if role == "image":
        base *= 3
    if role == "traffic":  # small loss leaders, as the marathon's 1-yuan lipstick sample
        base = rng.choice([19, 29, 39, 59])
    list_price = float(base)
    live = round(list_price * rng.uniform(0.55, 0.9), 1)
    margin = {
        "traffic": rng.uniform(-0.6, -0.1),
        "welfare": rng.uniform(-0.05, 0.1),
        "bridge": rng.uniform(0.2, 0.35),
        "hero": rng.uniform(0.35, 0.55),
        "image": rng.uniform(0.45, 0.6),
        "profit": rng.uniform(0.45, 0.65),
        "test": rng.uniform(0.25, 0.5),
    }[role]
    if role == "traffic":
        live = min(round(rng.choice([1, 1.9, 9.9, 19.9]), 1), round(list_price * 0.5, 1))
        cost = round(live + list_price * 0.1 * rng.uniform(0.5, 1.5), 1)
    else:
        cost = round(max(0.5, live * (1 - margin)), 1)
    return {
        "sku": f"{category[:4].upper()}-{i:04d}",
        "name": f"{category} item {i}",
        "brand": f"brand-{rng.randrange(1, 40)}",
        "category": category,
        "role": role,
        "list_price": list_price,
        "live_price": live,
        "unit_cost": cost,
        "cart_link": i,
        "selling_points": [{"point": f"point of item {i}"}],
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
    }


def _stock(role: str, rng: random.Random, scale: float) -> int:
    low, high = {
        "traffic": (800, 3000),
        "welfare": (600, 2000),
        "hero": (900, 3000),
        "image": (60, 300),
        "test": (80, 500),
    }.get(role, (200, 1500))
    return int(rng.randint(low, high) * scale)


def generate(rung_name: str, seed: int) -> dict[str, dict[str, Any]]:
    """The four documents of one show: {"show.yaml": ..., "catalog.yaml": ..., ...}."""
    rung = RUNGS[rung_name]
    rng = random.Random(f"{rung_name}-{seed}")
    categories = CATEGORY_NAMES[: rung.categories]
    roles = _roles(rung.products, rng)
    products = []
    for i, role in enumerate(roles, start=1):
        products.append(_product(i, role, categories[(i - 1) % len(categories)], rng))
    by_role: dict[str, list[dict[str, Any]]] = {}
    for p in products:
        by_role.setdefault(p["role"], []).append(p)
    minutes, slot = rung.minutes, rung.slot
    per100 = rung.products / 100
    # Viewers: a midday bump, a dip, an evening peak (as the marathon's curve), with noise.
    peak = rng.randint(20_000, 50_000) if rung.products >= 100 else rng.randint(3_000, 8_000)
    curve = []
    for at in range(0, minutes + 1, 30):
        x = at / minutes
        shape = 0.35 + 0.35 * x + 0.3 * max(0.0, 1 - abs(x - 0.25) * 6) + 0.3 * x**3
        curve.append({"at": clock(at), "viewers": int(peak * shape * rng.uniform(0.9, 1.1))})
    segments = []
    shares = [rng.uniform(0.5, 1.5) for _ in range(4)]
    for s, share in enumerate(shares):
        segments.append(
            {
                "name": f"segment-{s + 1}",
                "share": round(share / sum(shares), 4),
                "affinity": {c: round(rng.uniform(0.5, 1.7), 2) for c in categories},
                "tag_affinity": {t: round(rng.uniform(0.8, 1.5), 2) for t in rng.sample(TAGS, 3)},
                "price_sensitivity": round(rng.uniform(0.8, 1.6), 2),
            }
        )
    shares_sum = sum(s["share"] for s in segments)
    segments[0]["share"] = round(segments[0]["share"] + 1 - shares_sum, 4)
    audience = {
        "base_conversion": 0.001 if peak > 10_000 else 0.003,
        "segments": segments,
        "viewer_curve": curve,
    }
    stock_scale = max(0.6, minutes / 480)
    stock = {p["sku"]: _stock(p["role"], rng, stock_scale) for p in products}

    breaks = [{"at": clock(b), "minutes": 10, "label": "break"} for b in rung.breaks]
    blocked = [(b, b + 10) for b in rung.breaks]

    def free_at(t: int, length: int = 10) -> bool:
        return t + length <= minutes and all(t + length <= a or t >= b for a, b in blocked)

    used: set[str] = set()

    def take(pool: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
        free = [p for p in pool if p["sku"] not in used]
        picked = rng.sample(free, min(count, len(free)))
        used.update(p["sku"] for p in picked)
        return picked

    non_heroes = [p for p in products if p["role"] in ("profit", "bridge", "test", "image")]
    # Repeats: heroes and profit items get encores.
    repeat_items = take(by_role["hero"], max(1, round(1.5 * per100)))
    repeat_items += take(by_role["profit"], max(0, round(1.5 * per100)))
    repeats = [
        {
            "id": f"rep-{p['sku'].lower()}",
            "sku": p["sku"],
            "max_airings": 3 if k == 0 else 2,
            "min_gap_minutes": 60 if minutes <= 240 else 120,
        }
        for k, p in enumerate(repeat_items)
    ]
    for p in repeat_items:
        stock[p["sku"]] *= 2
    # Pins: at grid times after the first-hero window, spaced, never in a break.
    pins = []
    n_pins = max(1, round(1.2 * per100)) if rung.products > 30 else 1
    pin_times = [t for t in range(45, minutes - 40, 5) if free_at(t) and t % slot == 0]
    step = max(1, len(pin_times) // n_pins)
    for k, p in enumerate(take(non_heroes, n_pins)):
        t = pin_times[min(len(pin_times) - 1, k * step + rng.randrange(step))]
        pins.append({"id": f"pin-{p['sku'].lower()}", "sku": p["sku"], "at": clock(t)})
    # Precedence within a category: a cheap item before a dearer one.
    precedence = []
    for _ in range(max(1, round(2 * per100))):
        category = rng.choice(categories)
        pool = [p for p in products if p["category"] == category and p["sku"] not in used]
        if len(pool) < 2:
            continue
        a, b = sorted(rng.sample(pool, 2), key=lambda p: p["live_price"])
        used.update((a["sku"], b["sku"]))
        precedence.append({"id": f"pre-{a['sku'].lower()}", "before": a["sku"], "after": b["sku"]})
    exclusions = []
    for _ in range(round(1.2 * per100)):
        pair = take(non_heroes, 2)
        if len(pair) == 2:
            exclusions.append(
                {
                    "id": f"ex-{pair[0]['sku'].lower()}",
                    "skus": [p["sku"] for p in pair],
                    "reason": "competing brands",
                }
            )
    promotions: list[dict[str, Any]] = []
    # Flash sales: spaced windows across the show, on heroes, profit items and repeats.
    n_flash = max(2, round(4 * per100 * 480 / max(minutes, 240) * minutes / 480))
    n_flash = min(n_flash, max(2, minutes // 30))
    flash_pool = [p for p in repeat_items if p["role"] != "image"]
    flash_pool += [p for p in by_role["hero"] + by_role["profit"] if p["sku"] not in used]
    spacing = minutes / n_flash
    for k, p in enumerate(flash_pool[:n_flash]):
        start = int(k * spacing) // 5 * 5 + 10
        window = (start, min(minutes, start + 40))
        units = min(stock[p["sku"]] // 3, rng.choice([150, 200, 300, 500]))
        promotions.append(
            {
                "id": f"fs-{p['sku'].lower()}",
                "type": "flash_sale",
                "sku": p["sku"],
                "price": round(p["live_price"] * 0.8, 1),
                "units": max(1, units),
                "max_minutes": 5,
                "per_buyer_limit": 1,
                "window": {"from": clock(window[0]), "to": clock(window[1])},
            }
        )
        used.add(p["sku"])
    promotions += [
        {
            "id": "cp-199-30",
            "type": "coupon",
            "threshold": 199,
            "amount": 30,
            "budget": 300 * rung.products,
        },
        {
            "id": "cp-399-60",
            "type": "coupon",
            "threshold": 399,
            "amount": 60,
            "budget": 400 * rung.products,
            "window": {"from": clock(minutes // 2), "to": clock(minutes)},
        },
    ]
    for p in take(by_role["profit"] + by_role["bridge"], max(1, round(2 * per100))):
        promotions.append(
            {
                "id": f"gift-{p['sku'].lower()}",
                "type": "gift",
                "sku": p["sku"],
                "item": "sample pack",
                "units": max(20, stock[p["sku"]] // 3),
                "unit_cost": round(max(1.0, p["unit_cost"] * 0.08), 1),
            }
        )
    # Collabs: an image item in a 1-2 hour contract window (one per 500 products, at least one).
    for k, p in enumerate(take(by_role["image"], max(1, rung.products // 500))):
        start = (minutes // 3 + k * 90) // 10 * 10
        end = min(minutes, start + 60 + 60 * (k % 2))
        p["collab"] = {
            "partner": f"partner-{k + 1}",
            "contract_from": "2027-01-01",
            "contract_to": "2027-12-31",
        }
        promotions.append(
            {
                "id": f"collab-{p['sku'].lower()}",
                "type": "collab",
                "sku": p["sku"],
                "partner": f"partner-{k + 1}",
                "window": {"from": clock(start), "to": clock(end)},
            }
        )
    # Lucky bags: enough drops for one every 20 minutes, plus spares.
    needed = minutes // 15 + 2
    bags = [("tote", 39, 20), ("coffee", 39.9, 10), ("mask", 49, 10), ("earbuds", 349, 1)]
    for k, (name, prize_value, winners) in enumerate(bags):
        promotions.append(
            {
                "id": f"bag-{name}",
                "type": "lucky_bag",
                "prize": name,
                "prize_value": prize_value,
                "winners": winners,
                "count": max(1, needed // 3) if k < 3 else 3,
                "countdown_minutes": 5,
            }
        )
    hosts = []
    shift = minutes // rung.hosts
    for h in range(rung.hosts):
        host: dict[str, Any] = {"name": f"host-{h + 1}", "role": "host", "max_stretch_minutes": 240}
        if rung.hosts > 1:
            host["shifts"] = [{"from": clock(h * shift), "to": clock((h + 1) * shift)}]
        hosts.append(host)
    hosts.append({"name": "co-host", "role": "co_host", "max_stretch_minutes": 240})
    show = {
        "title": f"benchmark {rung_name} seed {seed}",
        "date": "2027-06-18",
        "start": clock(0),
        "duration_minutes": minutes,
        "slot_minutes": slot,
        "language": "en",
        "currency": "CNY",
        "objective": "profit",
        "stock_reserve": 0.1,
        "hosts": hosts,
        "breaks": breaks,
        "rules": {
            "opening": {"roles": ["traffic", "welfare"], "within_minutes": 5},
            "first_hero": {"from_minute": 10, "to_minute": 30},
            "hero_encore": {"last_minutes": 30},
            "no_back_to_back": {"category": True},
            "segment_minutes": rung.segment,
            "lucky_bag_cadence": {"min_gap_minutes": 15, "max_gap_minutes": 20},
            "pins": pins,
            "precedence": precedence,
            "exclusions": exclusions,
            "repeats": repeats,
        },
        "promotions": promotions,
    }
    return {
        "show.yaml": show,
        "catalog.yaml": {"currency": "CNY", "products": products},
        "audience.yaml": audience,
        "stock.yaml": {"stock": [{"sku": s, "units": u} for s, u in stock.items()]},
    }


def write_show(folder: Path, rung: str, seed: int) -> Path:
    """Write one generated show into `folder` (created); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in generate(rung, seed).items():
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
        (folder / name).write_text(text, encoding="utf-8")
    return folder
