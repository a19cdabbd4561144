"""host_script.md (主播话术): what the host says, segment by segment, from the plan's facts only.

Hooks and transitions are wording templates filled with the plan's own facts (product name, a
selling point, clock times); prices, quantities and promotions are copied from plan.json. The
templates never add a claim of their own: no superlative, no discount, no benefit the inputs do
not state. A fact the inputs lack (selling point, proof, usage scene, objections, a list price
above the live price, a cart link) is written as the visible to-confirm marker instead.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lqplan.money import money
from lqplan.render import phrases, profiles
from lqplan.render.actions import collab_partner, segment_cues
from lqplan.render.env import render as render_template
from lqplan.render.i18n import minutes, phrase
from lqplan.show.fields import clock_after

MAX_POINTS = 3  # a host script carries 1-3 selling points per product: more are not said on air


def render(env: Any, context: dict[str, Any]) -> dict[str, str | bytes]:
    """host_script.md for the plan in `context`, in context['lang']."""
    script = build(context)
    text = render_template(env, "host_script.md.j2", {**context, "script": script})
    return {"host_script.md": text}


def build(context: dict[str, Any]) -> dict[str, Any]:
    """The script as worded data: opening, blocks (segments and breaks) in time order, closing."""
    return _Script(context).build()


class _Script:
    def __init__(self, context: dict[str, Any]):
        self.ctx = context
        self.lang: str = context["lang"]
        self.show = context["show"]
        self.w = profiles.words(phrases.HOST_SCRIPT, self.lang, self.show)
        self.cur = self.show["currency"]
        self.money = partial(money, currency=self.cur, lang=self.lang)
        self.marker: str = context["to_confirm"]
        self.mark = f"**{self.marker}**"  # bold in Markdown so that it cannot be missed
        self.products: dict[str, Any] = context["products"]
        self.promotions: dict[str, dict[str, Any]] = context["promotions"]
        self.segments: list[dict[str, Any]] = context["segments"]
        self.hosts = [h["name"] for h in self.show["hosts"] if h["role"] == "host"]
        co_hosts = [h["name"] for h in self.show["hosts"] if h["role"] == "co_host"]
        co_hosts += [n for n in self.show["team"].get("co_host", []) if n not in co_hosts]
        self.co_hosts = co_hosts

    # -- helpers -------------------------------------------------------------------------------
    def link(self, cart_link: int | None) -> str:
        """How the host names a cart link, or the marked to-confirm text without one."""
        if cart_link is None:
            return self.w["no_link"].format(marker=self.mark)
        return profiles.link(cart_link, self.lang, self.show)

    def product_ref(self, seg: dict[str, Any]) -> str:
        """The segment's product as the host says it: its link, then its name."""
        return f"{self.link(seg['cart_link'])} {seg['name']}"

    def join(self, items: list[str]) -> str:
        """Items as one list in the language (、 in Chinese)."""
        return self.w["list_sep"].join(items)

    def clock(self, minute: int) -> str:
        """The clock time (HH:MM) of a minute from the show's start."""
        return clock_after(self.show["start"], minute)

    # -- the document --------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """The script for the template: title, legend, hosts, opening, blocks and closing."""
        blocks = self._blocks()
        return {
            "title": self.w["title"],
            "legend": self.w["legend"].format(marker=self.marker),
            "hosts_line": self.w["hosts_line"].format(names=self.join(self.hosts)),
            "co_hosts_line": self.w["co_hosts_line"].format(names=self.join(self.co_hosts))
            if self.co_hosts
            else None,
            "words": dict(self.w),
            "mark": self.mark,
            "opening": self._opening(),
            "blocks": blocks,
            "closing": self._closing(),
            "shifts": len(self.hosts) > 1,
        }

    def _opening(self) -> dict[str, Any]:
        w = self.w
        names = self.join(self.hosts)
        room = self.show.get("room")
        lines = [
            w["welcome"].format(room=room, hosts=names)
            if room
            else w["welcome_no_room"].format(hosts=names)
        ]
        if self.co_hosts:
            lines.append(w["welcome_co_host"].format(names=self.join(self.co_hosts)))
        theme = self.show.get("theme")
        lines.append(
            w["theme"].format(title=self.show["title"], theme=theme)
            if theme
            else w["no_theme"].format(title=self.show["title"])
        )
        return {"at": self.show["start"], "lines": lines, "coming": self._coming()}

    def _coming(self) -> list[str]:
        """What's coming: only the products and promotions this plan airs."""
        w = self.w
        segs = self.segments
        out: list[str] = []
        if segs:
            out.append(w["first_up"].format(product=self.product_ref(segs[0])))
        heroes = [
            w["timed"].format(product=self.product_ref(s), at=s["start"])
            for s in segs
            if s["role"] == "hero" and s["airing"] == 1
        ]
        if heroes:
            out.append(w["heroes"].format(items=self.join(heroes)))
        flashes, coupons, gifts, collabs = [], [], [], []
        seen: set[str] = set()
        for s in segs:
            promo = self.promotions.get(s["promotion"] or "")
            if s["mode"] == "flash_sale" and promo:
                flashes.append(
                    w["flash_item"].format(
                        product=self.product_ref(s),
                        price=self.money(s["price"]["flash_sale"]),
                        at=s["start"],
                    )
                )
            elif s["mode"] == "coupon" and promo and promo["id"] not in seen:
                seen.add(promo["id"])
                coupons.append(
                    w["coupon_item"].format(
                        threshold=self.money(promo["threshold"], coupon=True),
                        amount=self.money(promo["amount"], coupon=True),
                    )
                )
            elif s["mode"] == "gift" and promo and promo["id"] not in seen:
                seen.add(promo["id"])
                gifts.append(w["gift_item"].format(name=s["name"], item=promo["item"]))
            partner = collab_partner(self.products[s["sku"]], self.promotions, s["sku"])
            if partner and s["airing"] == 1:
                collabs.append(
                    w["collab_item"].format(product=self.product_ref(s), partner=partner)
                )
        for key, items in (("flash_sales", flashes), ("coupons", coupons), ("gifts", gifts)):
            if items:
                out.append(w[key].format(items=self.join(items)))
        bags: dict[str, list[dict[str, Any]]] = {}
        for bag in self.ctx["lucky_bags"]:
            bags.setdefault(bag["id"], []).append(bag)
        if bags:
            items = [
                w["bag_item"].format(
                    prize=drops[0]["prize"], times=self.join([d["at"] for d in drops])
                )
                for drops in bags.values()
            ]
            out.append(w["lucky_bags"].format(items=self.join(items)))
        if collabs:
            out.append(w["collabs"].format(items=self.join(collabs)))
        return out

    def _blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        for i, seg in enumerate(self.segments):
            blocks.append(self._segment(seg, i))
        for brk in self.ctx["breaks"]:
            blocks.append(self._break(brk))
        blocks.sort(key=lambda b: (b["minute"], b["kind"] != "break"))
        # Lucky-bag lines go to the block on air when the bag starts (and when it is drawn);
        # never under an uncovered break, where nobody is on air to say them.
        bags = self.ctx["lucky_bags"]
        for n, bag in enumerate(bags):
            next_at = bags[n + 1]["at"] if n + 1 < len(bags) else None
            self._place(blocks, bag["minute"], bag["at"], self._bag_line(bag))
            draw = bag["minute"] + bag["countdown_minutes"]
            self._place(blocks, draw, bag["draw_at"], self._draw_line(bag, next_at))
        for b in blocks:
            b["lines"].sort(key=lambda line: line["minute"])
        return blocks

    def _place(self, blocks: list[dict[str, Any]], minute: int, at: str, text: str) -> None:
        # A checked plan has no bag in an uncovered break; a hand-edited one goes to the block
        # on air before the break rather than under a heading where nobody speaks.
        blocks = [b for b in blocks if b["kind"] != "break" or b["cover"]]
        target = blocks[-1] if blocks else None
        for b in blocks:
            if b["minute"] <= minute < b["end_minute"]:
                target = b
                break
            if b["minute"] > minute:
                break
            target = b
        if target is not None:
            target["lines"].append({"minute": minute, "at": at, "text": text})

    def winners(self, n: int) -> str:
        """How many win a lucky bag, as the language counts them (English has a singular)."""
        return phrase(self.w["winners"], self.lang, n=n)

    def _bag_line(self, bag: dict[str, Any]) -> str:
        return self.w["line_bag"].format(
            prize=bag["prize"],
            winners=self.winners(bag["winners"]),
            entry=profiles.entry(bag, self.lang, self.show),
            draw_at=bag["draw_at"],
        )

    def _draw_line(self, bag: dict[str, Any], next_at: str | None) -> str:
        if next_at:
            return self.w["line_draw_next"].format(
                prize=bag["prize"], winners=self.winners(bag["winners"]), next_at=next_at
            )
        return self.w["line_draw"].format(prize=bag["prize"], winners=self.winners(bag["winners"]))

    def _break(self, brk: dict[str, Any]) -> dict[str, Any]:
        w = self.w
        back = self.clock(brk["minute"] + brk["minutes"])
        return {
            "kind": "break",
            "minute": brk["minute"],
            "end_minute": brk["minute"] + brk["minutes"],
            "heading": w["break_heading"].format(
                at=brk["at"], back=back, minutes=minutes(brk["minutes"], self.lang)
            ),
            "label": w["break_label"].format(sep=w["sep"], label=brk["label"])
            if brk.get("label")
            else None,
            # Who stays on air (a co-host's 串场): the break's lines are theirs to say.
            "cover": w["break_cover"].format(sep=w["sep"], names=self.join(brk["covered_by"]))
            if brk.get("covered_by")
            else None,
            "lines": [],
        }

    def _segment(self, seg: dict[str, Any], index: int) -> dict[str, Any]:
        w = self.w
        mark = self.mark
        product = self.products[seg["sku"]]
        role = self.ctx["roles"].get(seg["role"], seg["role"])
        heading = w["heading"].format(
            number=seg.get("label") or seg["number"],
            start=seg["start"],
            end=seg["end"],
            minutes=minutes(seg["minutes"], self.lang),
            link=self.link(seg["cart_link"]),
            name=seg["name"],
            role=role,
        )
        tags = []
        if seg["airing"] > 1:
            tags.append(w["encore_tag"])
        if self.ctx["modes"].get(seg["mode"]):
            tags.append(self.ctx["modes"][seg["mode"]])
        if tags:
            heading += " · " + " · ".join(tags)
        points = [
            {
                "point": p["point"],
                "line": w["point_proof"].format(point=p["point"], proof=p.get("proof") or mark),
            }
            for p in product.get("selling_points", [])[:MAX_POINTS]
        ]
        objections = [
            w["objection"].format(question=o["question"], answer=o.get("answer") or mark)
            for o in product.get("objections", [])
        ]
        partner = collab_partner(product, self.promotions, seg["sku"])
        return {
            "kind": "segment",
            "number": seg["number"],
            "minute": seg["start_minute"],
            "end_minute": seg["start_minute"] + seg["minutes"],
            "heading": heading,
            "hosts": w["hosts_line"].format(names=self.join(seg["hosts"]))
            if len(self.hosts) > 1 and seg["hosts"]
            else None,
            "hook": self._hook(seg, points),
            "points": points,
            "scene": product.get("usage_scene") or mark,
            "objections": objections,
            "collab": w["collab"].format(partner=partner) if partner else None,
            "price": self._price(seg),
            "ends": self._ends(seg),
            "call": self._call(seg, product),
            "cues": self._cues(seg),
            "lines": self._promotion_lines(seg, index),
            "transition": self._transition(index),
        }

    def _hook(self, seg: dict[str, Any], points: list[dict[str, Any]]) -> str:
        key = "encore" if seg["airing"] > 1 else seg["role"]
        hooks = profiles.words(phrases.HOOKS, self.lang, self.show)
        text = hooks.get(key, hooks["profit"]).format(name=seg["name"])
        if points:
            return text + self.w["hook_point"].format(point=points[0]["point"])
        return text + self.w["hook_end"]

    def _promo(self, seg: dict[str, Any]) -> dict[str, Any]:
        return self.promotions.get(seg["promotion"] or "", {})

    def _price(self, seg: dict[str, Any]) -> str:
        """Anchoring in the order list -> coupon -> gifts -> live (or flash) price."""
        w = self.w
        price = seg["price"]
        promo = self._promo(seg)
        live = price["live"]
        parts: list[str] = []
        has_list = price["list"] is not None and live is not None and price["list"] > live
        if has_list:
            parts.append(w["price_list"].format(price=self.money(price["list"])))
        coupon_ok = False
        if seg["mode"] == "coupon" and promo:
            parts.append(
                w["price_coupon"].format(
                    threshold=self.money(promo["threshold"], coupon=True),
                    amount=self.money(promo["amount"], coupon=True),
                )
            )
            coupon_ok = price["after_coupon"] is not None and live >= promo["threshold"]
        if seg["mode"] == "gift" and promo:
            value = (
                w["gift_value"].format(value=self.money(promo["value"]))
                if promo.get("value")
                else ""
            )
            parts.append(
                w["price_gift"].format(item=promo["item"], value=value, units=promo["units"])
            )
        if seg["mode"] == "flash_sale" and price["flash_sale"] is not None:
            parts.append(
                w["price_live_flash"].format(
                    live=self.money(live), flash=self.money(price["flash_sale"])
                )
            )
        elif seg["mode"] == "coupon" and promo and coupon_ok:
            parts.append(
                w["price_live_coupon"].format(
                    live=self.money(live), after=self.money(price["after_coupon"])
                )
            )
        elif seg["mode"] == "coupon" and promo:
            parts.append(
                w["price_live_coupon_threshold"].format(
                    live=self.money(live), threshold=self.money(promo["threshold"], coupon=True)
                )
            )
        else:
            parts.append(w["price_live"].format(live=self.money(live)))
        text = w["price_join"].join(parts)
        text = text[0].upper() + text[1:] + w["price_end"]
        if not has_list:
            text += w["no_list"].format(sep=w["sep"], marker=self.mark)
        return text

    def _flash_end(self, seg: dict[str, Any]) -> str:
        for act in seg["actions"]:
            if act["action"] == "end_flash_sale":
                return str(act["at"])
        return str(seg["end"])

    def _ends(self, seg: dict[str, Any]) -> str:
        w = self.w
        flash = seg["mode"] == "flash_sale" and seg["price"]["flash_sale"] is not None
        if flash and self._flash_end(seg) == seg["end"]:
            text = w["ends_flash_full"].format(end=seg["end"])
        elif flash:
            text = w["ends_flash"].format(
                flash_end=self._flash_end(seg),
                live=self.money(seg["price"]["live"]),
                end=seg["end"],
            )
        else:
            text = w["ends"].format(end=seg["end"])
        promo = self._promo(seg)
        if seg["mode"] == "coupon" and promo.get("count"):
            text += (" " if self.lang == "en" else "") + phrase(
                w["ends_coupon_count"], self.lang, count=promo["count"]
            )
        return text

    def _call(self, seg: dict[str, Any], product: dict[str, Any]) -> str:
        # A flash sale's own per-buyer limit is the one buyers meet during the segment.
        limit = product.get("per_buyer_limit")
        if seg["mode"] == "flash_sale":
            limit = self._promo(seg).get("per_buyer_limit") or limit
        if limit:
            return self.w["call_limit"].format(link=self.link(seg["cart_link"]), limit=limit)
        return self.w["call"].format(link=self.link(seg["cart_link"]))

    def _cues(self, seg: dict[str, Any]) -> list[dict[str, Any]]:
        """Co-host cues at the segment's control-room moments."""
        return segment_cues(
            self.w,
            seg,
            self._promo(seg),
            self.cur,
            self.lang,
            self.link(seg["cart_link"]),
        )

    def _promotion_lines(self, seg: dict[str, Any], index: int) -> list[dict[str, Any]]:
        w = self.w
        promo = self._promo(seg)
        product = self.products[seg["sku"]]
        at, minute = seg["start"], seg["start_minute"]
        out = []
        if seg["mode"] == "flash_sale" and promo:
            limit = promo.get("per_buyer_limit") or product.get("per_buyer_limit")
            text = phrase(
                w["line_flash"],
                self.lang,
                name=seg["name"],
                price=self.money(seg["price"]["flash_sale"]),
                units=promo["units"],
                limit=w["flash_limit"].format(limit=limit) if limit else "",
                end=self._flash_end(seg),
            )
            out.append({"minute": minute, "at": at, "text": text})
        elif seg["mode"] == "coupon" and promo:
            text = w["line_coupon"].format(
                threshold=self.money(promo["threshold"], coupon=True),
                amount=self.money(promo["amount"], coupon=True),
                link=self.link(seg["cart_link"]),
            )
            out.append({"minute": minute, "at": at, "text": text})
        elif seg["mode"] == "gift" and promo:
            text = w["line_gift"].format(name=seg["name"], item=promo["item"], units=promo["units"])
            out.append({"minute": minute, "at": at, "text": text})
        later = [s for s in self.segments[index + 1 :] if s["sku"] == seg["sku"]]
        if later and seg["airing"] == 1:
            end = seg["start_minute"] + seg["minutes"]
            text = w["line_encore_ahead"].format(at=later[0]["start"])
            out.append({"minute": end, "at": seg["end"], "text": text})
        return out

    def _transition(self, index: int) -> str:
        w = self.w
        seg = self.segments[index]
        end = seg["start_minute"] + seg["minutes"]
        if index + 1 >= len(self.segments):
            return w["last"]
        nxt = self.segments[index + 1]
        for brk in self.ctx["breaks"]:
            if end <= brk["minute"] < nxt["start_minute"] + 1:
                return w["next_break"].format(
                    at=brk["at"],
                    minutes=minutes(brk["minutes"], self.lang),
                    back=self.clock(brk["minute"] + brk["minutes"]),
                )
        if len(self.hosts) > 1 and nxt["hosts"] and nxt["hosts"] != seg["hosts"]:
            return w["next_host"].format(
                link=self.link(nxt["cart_link"]), name=nxt["name"], hosts=self.join(nxt["hosts"])
            )
        return w["next"].format(link=self.link(nxt["cart_link"]), name=nxt["name"])

    def _closing(self) -> dict[str, Any]:
        w = self.w
        lines = [w["thanks"]]
        encores = [
            w["timed"].format(product=self.product_ref(s), at=s["start"])
            for s in self.segments
            if s["airing"] > 1
        ]
        if encores:
            lines.append(w["encores"].format(items=self.join(encores)))
        lines += [w["after_sales"], w["follow"]]
        last_end = (
            self.segments[-1]["start_minute"] + self.segments[-1]["minutes"] if self.segments else 0
        )
        return {"at": self.clock(last_end), "lines": lines}
