"""Every team's actions at clock times, worded in the show's language, derived from the plan.

The plan carries the control room's segment actions as data (assemble.py); this module adds the
ones that follow from the plan as a whole (lucky bags, paid-traffic spend around viewer peaks,
supply-chain alerts when a product runs low, customer-service briefs for promotions) and words
them. Every product, time, price and quantity comes from plan.json: nothing is invented.
"""

from __future__ import annotations

from typing import Any

from lqplan.money import money
from lqplan.render import phrases, profiles
from lqplan.render.i18n import number, phrase
from lqplan.show.model import clock_after

LOW_STOCK_SHARE = 0.2  # alert supply chain when a product's expected stock left falls below this
SPEND_LEAD_MINUTES = 10  # raise paid traffic this long before a viewer peak


def team_actions(plan: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every action of every team, in time order, each with `text` in `lang`."""
    show = plan["show"]
    words = profiles.words(phrases.ACTIONS, lang, show)
    cur = show["currency"]
    products = plan["products"]
    promotions = {p["id"]: p for p in plan["promotions"]}
    out: list[dict[str, Any]] = []

    def add(minute: int, team: str, action: str, **facts: Any) -> None:
        out.append(
            {
                "minute": minute,
                "at": clock_after(plan["show"]["start"], minute),
                "team": team,
                "action": action,
                "text": phrase(words[action], lang, **facts),
                **{k: v for k, v in facts.items() if k in ("sku", "promotion")},
            }
        )

    for seg in plan["segments"]:
        product = products[seg["sku"]]
        name, sku = product["name"], seg["sku"]
        for act in seg["actions"]:
            promo = promotions.get(act.get("promotion") or "", {})
            facts = {
                "sku": sku,
                "name": name,
                "link": profiles.link(act.get("cart_link"), lang, show),
                "units": act.get("units", promo.get("units", "")),
                "price": money(act.get("price"), cur, lang),
                "promotion": act.get("promotion") or "",
                "threshold": money(promo.get("threshold"), cur, lang, coupon=True),
                "amount": money(promo.get("amount"), cur, lang, coupon=True),
                "item": promo.get("item", ""),
            }
            add(act["minute"], act["team"], act["action"], **facts)
            if act["action"] in ("start_flash_sale", "send_coupon", "announce_gift"):
                add(
                    act["minute"],
                    "customer_service",
                    "brief_promotion",
                    sku=sku,
                    name=name,
                    promotion=act.get("promotion") or "",
                    promotion_text=promotion_text(promo, product, lang, cur),
                )
        left, available = seg["stock"]["after"], seg["stock"]["available"]
        if available and left < LOW_STOCK_SHARE * available:
            add(
                seg["start_minute"],
                "supply_chain",
                "low_stock",
                sku=sku,
                name=name,
                left=number(max(0.0, left), lang),
                available=number(available, lang),
            )
    for bag in plan["lucky_bags"]:
        facts = {
            "promotion": bag["id"],
            "prize": bag["prize"],
            "winners": bag["winners"],
            "entry": profiles.entry(bag, lang, show),
        }
        add(bag["minute"], "control_room", "start_lucky_bag", **facts)
        add(bag["minute"], "floor_control", "pin_lucky_bag", **facts)
        add(bag["minute"] + bag["countdown_minutes"], "control_room", "draw_lucky_bag", **facts)
    for minute, kind, viewers, peak in _spend_windows(plan):
        add(
            minute,
            "paid_traffic",
            kind,
            viewers=number(viewers, lang),
            peak_at=clock_after(plan["show"]["start"], peak),
            at=clock_after(plan["show"]["start"], minute),
        )
    order = {
        "control_room": 0,
        "floor_control": 1,
        "paid_traffic": 2,
        "customer_service": 3,
        "supply_chain": 4,
    }
    out.sort(key=lambda a: (a["minute"], order.get(a["team"], 9), a["action"]))
    return out


CUE_KEYS = {
    "list_product": "cue_link_up",
    "release_stock": "cue_release",
    "start_flash_sale": "cue_flash_start",
    "end_flash_sale": "cue_flash_end",
    "send_coupon": "cue_coupon",
    "announce_gift": "cue_gift",
}


def segment_cues(
    words: dict[str, str],
    seg: dict[str, Any],
    promo: dict[str, Any],
    cur: str,
    lang: str,
    link_text: str,
) -> list[dict[str, Any]]:
    """The co-host's cues at a segment's control-room moments, worded with `words` (the host
    script and the co-host checklist phrase them differently; the moments are the same), with
    money in `cur` as `lang` writes it."""
    out = []
    for act in seg["actions"]:
        key = CUE_KEYS.get(act["action"])
        if key is None or (act["action"] in ("send_coupon", "announce_gift") and not promo):
            continue
        facts = {
            "link": link_text,
            "name": seg["name"],
            "units": act.get("units"),
            "price": money(act.get("price"), cur, lang),
            "threshold": money(promo.get("threshold"), cur, lang, coupon=True),
            "amount": money(promo.get("amount"), cur, lang, coupon=True),
            "item": promo.get("item"),
        }
        text = phrase(words[key], lang, **facts)
        out.append({"minute": act["minute"], "at": act["at"], "text": text})
    return out


def promotion_text(promo: dict[str, Any], product: dict[str, Any], lang: str, cur: str) -> str:
    """What a promotion offers, in words, from its own figures only."""
    # Its phrases name nothing of a platform's own, so the base profile's words serve every show.
    words = profiles.words(phrases.ACTIONS, lang, {})
    kind = promo.get("type")
    if kind == "flash_sale":
        limit = promo.get("per_buyer_limit") or product.get("per_buyer_limit")
        return phrase(
            words["flash_rules"],
            lang,
            price=money(promo["price"], cur, lang),
            units=promo["units"],
            limit=words["per_buyer"].format(limit=limit) if limit else "",
        )
    if kind == "coupon":
        return words["coupon_rules"].format(
            promotion=promo["id"],
            threshold=money(promo["threshold"], cur, lang, coupon=True),
            amount=money(promo["amount"], cur, lang, coupon=True),
        )
    if kind == "gift":
        return words["gift_rules"].format(item=promo["item"], units=promo["units"])
    return ""


def collab_partner(
    product: dict[str, Any], promotions: dict[str, dict[str, Any]], sku: str
) -> str | None:
    """The partner brand of a co-branded product: the catalog's `collab`, else a collab
    promotion's `partner` for this SKU (the contract's window is a promotion in show.yaml)."""
    partner = (product.get("collab") or {}).get("partner")
    if partner:
        return str(partner)
    for promo in promotions.values():
        if promo.get("type") == "collab" and promo.get("sku") == sku:
            return str(promo["partner"])
    return None


def unused_promotion_text(entry: dict[str, Any], plan: dict[str, Any], lang: str) -> str:
    """One unused promotion (plan.json `unused_promotions`) in words: what it offers and why the
    plan leaves it out, from the plan's own figures only."""
    words = profiles.words(phrases.UNUSED, lang, plan["show"])
    cur = plan["show"]["currency"]
    promo: dict[str, Any] = next((p for p in plan["promotions"] if p["id"] == entry["id"]), {})
    kind = entry["type"]
    best = entry.get("best") or {}
    # A coupon names no one product: its own list, or the product where it would earn most.
    sku = entry.get("sku") or best.get("sku") or ", ".join(promo.get("skus") or [])
    what = words[kind].format(
        sku=sku,
        price=money(promo.get("price"), cur, lang),
        units=promo.get("units", ""),
        item=promo.get("item", ""),
        threshold=money(promo.get("threshold"), cur, lang, coupon=True),
        amount=money(promo.get("amount"), cur, lang, coupon=True),
        prize=promo.get("prize", ""),
    )
    reason = entry["reason"]
    if reason == "cannot_fit":
        needs, window = entry.get("needs_minutes"), entry.get("window_minutes")
        longest = entry.get("longest_minutes")
        if needs is not None and longest is not None and needs > longest:
            why = words["cannot_fit_longest"].format(needs=needs, longest=longest)
        elif needs is not None and window is not None:
            why = words["cannot_fit"].format(needs=needs, window=window)
        elif window is not None:
            why = words["cannot_fit_window"].format(window=window)
        else:
            why = words["cannot_fit_no_window"]
    elif reason == "no_stock":
        why = words["no_stock"].format(sku=sku)
    else:
        key = ("bag_" if kind == "lucky_bag" else "") + reason
        gain = best.get("gain_cents", 0)
        why = words[key].format(
            sku=sku,
            amount=money(gain, cur, lang, cents=True),
            less=money(abs(gain), cur, lang, cents=True),  # "earns ¥212 less", in Chinese
            at=best.get("at", ""),
            minutes=best.get("minutes", ""),
        )
    return words["entry"].format(promotion=entry["id"], what=what, why=why)


def _spend_windows(plan: dict[str, Any]) -> list[tuple[int, str, float, int]]:
    """(minute, raise_spend | lower_spend, viewers, peak minute) around the curve's peaks."""
    curve = [(p["minute"], p["viewers"]) for p in plan["viewer_curve"]]
    out: list[tuple[int, str, float, int]] = []
    for i in range(1, len(curve) - 1):
        (_, v0), (m1, v1), (_, v2) = curve[i - 1], curve[i], curve[i + 1]
        if v1 > v0 and v1 >= v2:  # a peak (the first minute of a plateau)
            out.append((max(0, m1 - SPEND_LEAD_MINUTES), "raise_spend", v1, m1))
            # Spend comes down where viewers fall away after the peak.
            for m, v in curve[i + 1 :]:
                if v < 0.85 * v1:
                    out.append((m, "lower_spend", v, m1))
                    break
    return out
