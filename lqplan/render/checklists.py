"""checklists/<team>.md: one checklist per team that has members or duties in the plan.

Three sections: before the show (T-4 h to T-2 h listings, prices, stock, promotions; T-2 h to
T-1 h equipment and samples; T-30 min team sync and the "3, 2, 1, link up" rehearsal), in the
show (each team's actions at clock times, from context['actions'] and the segments), and after
the show (review within 2 h, against the plan's KPI targets). Every product, time and quantity
an item names comes from the plan; the pre-show offsets are the trade's usual timeline.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lqplan.money import money
from lqplan.render import phrases, profiles
from lqplan.render.actions import promotion_text, segment_cues
from lqplan.render.env import render as render_template
from lqplan.render.i18n import number, phrase
from lqplan.show.fields import clock_after, parse_clock

TEAM_ORDER = (
    "host",
    "co_host",
    "control_room",
    "floor_control",
    "operations",
    "paid_traffic",
    "supply_chain",
    "customer_service",
    "tech",
)
# The usual pre-show timeline of a live-commerce team, in minutes relative to the show.
SETUP_FROM, SETUP_TO = -240, -120  # listings, prices, stock, promotions configured
GEAR_FROM, GEAR_TO = -120, -60  # equipment and network checked
SYNC_AT = -30  # team sync and link-up rehearsal
DATA_CHECK_EVERY = 15  # operations checks the data every 15 minutes on air
REVIEW_WITHIN = 120  # review within 2 h after the show
MIN_UPLOAD_MBPS = 5  # network: at least 5 Mbps up, with a backup link


def render(env: Any, context: dict[str, Any]) -> dict[str, str | bytes]:
    """checklists/<team>.md for each team with members or duties."""
    files: dict[str, str | bytes] = {}
    for sheet in build(context):
        text = render_template(env, "checklist.md.j2", {**context, "checklist": sheet})
        files[f"checklists/{sheet['team']}.md"] = text
    return files


def build(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The checklists as data: team, title, members, sections of items (`at` may be None)."""
    return _Checklists(context).build()


def members(show: dict[str, Any], team: str) -> list[str]:
    """Names on a team: show.team, plus the hosts and co-hosts listed under `hosts`."""
    names = list(show["team"].get(team, []))
    if team in ("host", "co_host"):
        names += [h["name"] for h in show["hosts"] if h["role"] == team and h["name"] not in names]
    return names


class _Checklists:
    def __init__(self, context: dict[str, Any]):
        self.ctx = context
        self.lang: str = context["lang"]
        self.show = context["show"]
        self.w = profiles.words(phrases.CHECKLIST, self.lang, self.show)
        self.cur = self.show["currency"]
        self.money = partial(money, currency=self.cur, lang=self.lang)
        self.segments: list[dict[str, Any]] = context["segments"]
        self.products: dict[str, Any] = context["products"]
        self.promotions: dict[str, Any] = context["promotions"]
        self.first: dict[str, dict[str, Any]] = {}
        for seg in self.segments:
            self.first.setdefault(seg["sku"], seg)
        self.end_minute = self.show["minutes"]

    # -- helpers -------------------------------------------------------------------------------
    def clock(self, minute: int) -> tuple[str, str]:
        """(HH:MM, day note) for a minute from the show's start; negative is before it."""
        start = self.show["start"]
        total = parse_clock(start) + minute
        day = ""
        if total < 0:
            day = self.w["prev_day"]
        elif total >= 24 * 60:
            day = self.w["next_day"]
        return clock_after(start, minute), day

    def at(self, minute: int) -> str:
        """The clock time of a minute from the show's start, with its day note when not today."""
        hhmm, day = self.clock(minute)
        return hhmm + day

    def join(self, items: list[str]) -> str:
        """Items as one list in the language (、 in Chinese)."""
        return self.w["list_sep"].join(items)

    def link(self, seg: dict[str, Any]) -> str:
        """The segment's cart link, or the to-confirm marker: a checklist must not guess one."""
        return profiles.link(seg["cart_link"], self.lang, self.show) or self.ctx["to_confirm"]

    def span(self, minutes_: int) -> str:
        """A length of time, in whole hours where it is one ('2 h', '30 min')."""
        if minutes_ % 60 == 0:
            return self.w["hours"].format(n=minutes_ // 60)
        return self.w["mins"].format(n=minutes_)

    def percent(self, share: float) -> str:
        """A share as a percentage with no trailing zeros (0.035 -> '3.5%')."""
        return f"{share * 100:g}%"

    def kpi(self) -> str:
        """The show's KPI targets in one line, for the review after the show."""
        k = self.show["kpi"]
        return self.w["kpi"].format(
            watch=f"{k['watch_time_seconds']:g}",
            engagement=self.percent(k["engagement"]),
            conversion=self.percent(k["payment_conversion"]),
            gpm=self.money(k["gpm"]),
        )

    def used_promotions(self, kind: str) -> dict[str, list[dict[str, Any]]]:
        """Promotions of `kind` that segments use, by id, with their segments."""
        out: dict[str, list[dict[str, Any]]] = {}
        for seg in self.segments:
            promo = self.promotions.get(seg["promotion"] or "")
            if promo and promo["type"] == kind:
                out.setdefault(promo["id"], []).append(seg)
        return out

    def bags(self) -> dict[str, list[dict[str, Any]]]:
        """The lucky bags by id, each with its drops in the plan's order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for bag in self.ctx["lucky_bags"]:
            out.setdefault(bag["id"], []).append(bag)
        return out

    # -- the checklists ------------------------------------------------------------------------
    def build(self) -> list[dict[str, Any]]:
        """One sheet per team that has members or duties (the host's always), in TEAM_ORDER."""
        duties = {a["team"] for a in self.ctx["actions"]}
        sheets = []
        for team in TEAM_ORDER:
            names = members(self.show, team)
            if team != "host" and not names and team not in duties:
                continue
            sheets.append(self._sheet(team, names))
        return sheets

    def _sheet(self, team: str, names: list[str]) -> dict[str, Any]:
        w = self.w
        team_name = self.ctx["teams"][team]
        title = w["title"].format(team=team_name[:1].upper() + team_name[1:])
        before = []
        for key, a, b in (("setup", SETUP_FROM, SETUP_TO), ("gear", GEAR_FROM, GEAR_TO)):
            items: list[str] = getattr(self, f"_{key}_{team}", lambda: [])()
            if items:
                from_at, to_at = self.at(a), self.at(b)
                heading = w["window"].format(
                    a=self.span(-a), b=self.span(-b), from_at=from_at, to_at=to_at
                )
                before.append(
                    {"heading": heading, "entries": [{"at": None, "text": t} for t in items]}
                )
        before.append(
            {
                "heading": w["window_at"].format(a=self.span(-SYNC_AT), at=self.at(SYNC_AT)),
                "entries": [{"at": None, "text": t} for t in self._sync()],
            }
        )
        during: list[dict[str, Any]] = getattr(self, f"_during_{team}", lambda: [])()
        during.extend(
            {"minute": a["minute"], "at": a["at"], "text": a["text"]}
            for a in self.ctx["actions"]
            if a["team"] == team
        )
        during.sort(key=lambda item: item["minute"])
        after = [{"at": None, "text": t} for t in getattr(self, f"_after_{team}", lambda: [])()]
        review_at, review_day = self.clock(self.end_minute + REVIEW_WITHIN)
        review = w["review_kpi"] if team in ("operations", "host") else w["review"]
        after.append(
            {"at": None, "text": review.format(at=review_at, day=review_day, kpi=self.kpi())}
        )
        return {
            "team": team,
            "title": title,
            "members": w["members"].format(
                names=self.join(names) if names else f"**{self.ctx['to_confirm']}**"
            ),
            "show_line": w["show_line"].format(
                title=self.show["title"],
                date=self.ctx["long_date"],
                start=self.show["start"],
                end=self.show["end"],
            )
            # The show's clock is its time zone's, said only when show.yaml names one.
            + (
                w["time_zone"].format(zone=self.show["time_zone"])
                if self.show.get("time_zone")
                else ""
            ),
            "before_title": w["before"],
            "before": before,
            "during_title": w["during"].format(start=self.show["start"], end=self.show["end"]),
            "during": during,
            "after_title": w["after"],
            "after": after,
        }

    def _sync(self) -> list[str]:
        first = self.segments[0] if self.segments else None
        first_text = f"{self.link(first)} {first['name']}" if first else ""
        return [self.w["sync"], self.w["rehearsal"].format(first=first_text)]

    # control room ------------------------------------------------------------------------------
    def _setup_control_room(self) -> list[str]:
        w = self.w
        items = []
        for sku, seg in self.first.items():
            product = self.products[sku]
            price = seg["price"]
            has_list = price["list"] is not None and price["list"] > price["live"]
            batch = product.get("batch_size")
            items.append(
                w["setup_product"].format(
                    link=self.link(seg),
                    name=seg["name"],
                    sku=sku,
                    list_price=w["list_price"].format(price=self.money(price["list"]))
                    if has_list
                    else w["no_list"].format(marker=f"**{self.ctx['to_confirm']}**"),
                    live=self.money(price["live"]),
                    available=number(seg["stock"]["available"], self.lang),
                    batch=phrase(w["batch"], self.lang, units=batch) if batch else "",
                )
            )
        for pid, segs in self.used_promotions("flash_sale").items():
            promo = self.promotions[pid]
            seg = segs[0]
            limit = promo.get("per_buyer_limit") or self.products[seg["sku"]].get("per_buyer_limit")
            times = self.join(
                [w["flash_time"].format(start=s["start"], end=self._flash_end(s)) for s in segs]
            )
            items.append(
                phrase(
                    w["setup_flash"],
                    self.lang,
                    id=pid,
                    name=seg["name"],
                    price=self.money(promo["price"]),
                    units=promo["units"],
                    limit=w["flash_limit"].format(limit=limit) if limit else "",
                    times=times,
                )
            )
        for pid, segs in self.used_promotions("coupon").items():
            promo = self.promotions[pid]
            cap = ""
            if promo.get("budget"):
                cap += w["coupon_budget"].format(budget=self.money(promo["budget"]))
            if promo.get("count"):
                cap += phrase(w["coupon_count"], self.lang, count=promo["count"])
            items.append(
                w["setup_coupon"].format(
                    id=pid,
                    threshold=self.money(promo["threshold"], coupon=True),
                    amount=self.money(promo["amount"], coupon=True),
                    cap=cap,
                    times=self.join([s["start"] for s in segs]),
                )
            )
        for pid, segs in self.used_promotions("gift").items():
            promo = self.promotions[pid]
            items.append(
                w["setup_gift"].format(
                    id=pid,
                    name=segs[0]["name"],
                    item=promo["item"],
                    units=promo["units"],
                    times=self.join([f"{s['start']}–{s['end']}" for s in segs]),
                )
            )
        for pid, drops in self.bags().items():
            bag = drops[0]
            items.append(
                phrase(
                    w["setup_bag"],
                    self.lang,
                    id=pid,
                    prize=bag["prize"],
                    winners=bag["winners"],
                    entry=profiles.entry(bag, self.lang, self.show),
                    countdown=bag["countdown_minutes"],
                    drops=len(drops),
                    times=self.join([d["at"] for d in drops]),
                )
            )
        return items

    def _flash_end(self, seg: dict[str, Any]) -> str:
        for act in seg["actions"]:
            if act["action"] == "end_flash_sale":
                return str(act["at"])
        return str(seg["end"])

    def _after_control_room(self) -> list[str]:
        w = self.w
        items = [w["close_links"].format(end=self.show["end"])]
        if self.ctx["lucky_bags"]:
            items.append(w["winners"].format(end=self.ctx["lucky_bags"][-1]["draw_at"]))
        return items

    # supply chain ------------------------------------------------------------------------------
    def _setup_supply_chain(self) -> list[str]:
        w = self.w
        planned = {s["sku"]: s["planned_units"] for s in self.ctx["plan"]["stock_use"]}
        items = [
            w["stock_product"].format(
                name=seg["name"],
                sku=sku,
                available=number(seg["stock"]["available"], self.lang),
                reserve=self.percent(self.show["stock_reserve"]),
                planned=number(planned.get(sku, 0), self.lang),
            )
            for sku, seg in self.first.items()
        ]
        for pid in self.used_promotions("gift"):
            promo = self.promotions[pid]
            text = phrase(
                w["stock_gift"], self.lang, item=promo["item"], units=promo["units"], id=pid
            )
            items.append(text)
        for drops in self.bags().values():
            items.append(
                phrase(
                    w["stock_bag"],
                    self.lang,
                    prize=drops[0]["prize"],
                    winners=drops[0]["winners"],
                    drops=len(drops),
                )
            )
        return items

    def _after_supply_chain(self) -> list[str]:
        w = self.w
        items = [w["ship"]]
        for pid in self.used_promotions("gift"):
            promo = self.promotions[pid]
            items.append(w["ship_gift"].format(item=promo["item"], units=promo["units"]))
        for drops in self.bags().values():
            items.append(
                phrase(w["ship_bag"], self.lang, prize=drops[0]["prize"], drops=len(drops))
            )
        return items

    # customer service --------------------------------------------------------------------------
    def _setup_customer_service(self) -> list[str]:
        w = self.w
        items = []
        for sku, seg in self.first.items():
            questions = [o["question"] for o in self.products[sku].get("objections", [])]
            if questions:
                items.append(
                    w["faq"].format(
                        link=self.link(seg), name=seg["name"], questions=self.join(questions)
                    )
                )
        seen: set[str] = set()
        for seg in self.segments:
            pid = seg["promotion"]
            if pid and pid not in seen and pid in self.promotions:
                seen.add(pid)
                text = promotion_text(
                    self.promotions[pid], self.products[seg["sku"]], self.lang, self.cur
                )
                if text:
                    items.append(w["promo_rules"].format(name=seg["name"], text=text))
        return items

    def _after_customer_service(self) -> list[str]:
        return [self.w["after_service"]]

    # operations --------------------------------------------------------------------------------
    def _setup_operations(self) -> list[str]:
        w = self.w
        items = [w["kpi_targets"].format(kpi=self.kpi())]
        # A promotion left out is often one a brand paid for: operations tells them before air.
        items += [w["unused_promotion"].format(text=t) for t in self.ctx["unused_promotions"]]
        for sku, seg in self.first.items():
            missing = self._missing(sku, seg)
            if missing:
                items.append(
                    w["confirm_facts"].format(
                        link=self.link(seg), name=seg["name"], missing=self.join(missing)
                    )
                )
        return items

    def _missing(self, sku: str, seg: dict[str, Any]) -> list[str]:
        w = self.w
        product = self.products[sku]
        points = product.get("selling_points", [])
        missing = []
        if not points:
            missing.append(w["missing_points"])
        elif any(not p.get("proof") for p in points):
            missing.append(w["missing_proof"])
        if not product.get("usage_scene"):
            missing.append(w["missing_scene"])
        if not product.get("objections"):
            missing.append(w["missing_objections"])
        price = seg["price"]
        if price["list"] is None or price["list"] <= price["live"]:
            missing.append(w["missing_list"])
        return missing

    def _during_operations(self) -> list[dict[str, Any]]:
        curve = {p["minute"]: p["viewers"] for p in self.ctx["plan"]["viewer_curve"]}
        items = []
        for minute in range(DATA_CHECK_EVERY, self.end_minute + 1, DATA_CHECK_EVERY):
            known = [m for m in curve if m <= minute]
            viewers = curve[max(known)] if known else 0
            gmv = sum(
                s["expected"]["gmv"]
                for s in self.segments
                if s["start_minute"] + s["minutes"] <= minute
            )
            items.append(
                {
                    "minute": minute,
                    "at": self.clock(minute)[0],
                    "text": self.w["data_check"].format(
                        viewers=number(viewers, self.lang), gmv=self.money(round(gmv))
                    ),
                }
            )
        return items

    # paid traffic ------------------------------------------------------------------------------
    def _setup_paid_traffic(self) -> list[str]:
        w = self.w
        spend = [
            w["spend_item"].format(
                at=a["at"], what=w["spend_raise" if a["action"] == "raise_spend" else "spend_lower"]
            )
            for a in self.ctx["actions"]
            if a["team"] == "paid_traffic"
        ]
        return [w["spend_plan"].format(items=self.join(spend))] if spend else []

    def _after_paid_traffic(self) -> list[str]:
        return [self.w["spend_export"].format(start=self.show["start"], end=self.show["end"])]

    # host and co-host --------------------------------------------------------------------------
    def _gear_host(self) -> list[str]:
        w = self.w
        items = [phrase(w["read_script"], self.lang, segments=len(self.segments))]
        for sku, seg in self.first.items():
            missing = self._missing(sku, seg)
            if missing:
                items.append(
                    w["confirm_facts"].format(
                        link=self.link(seg), name=seg["name"], missing=self.join(missing)
                    )
                )
        return items

    def _during_host(self) -> list[dict[str, Any]]:
        w = self.w
        several = sum(1 for h in self.show["hosts"] if h["role"] == "host") > 1
        items = []
        for seg in self.segments:
            promo = self.promotions.get(seg["promotion"] or "", {})
            mode = ""
            if seg["mode"] == "flash_sale" and seg["price"]["flash_sale"] is not None:
                mode = w["host_mode_flash"].format(
                    price=self.money(seg["price"]["flash_sale"]), end=self._flash_end(seg)
                )
            elif seg["mode"] == "coupon" and promo:
                mode = w["host_mode_coupon"].format(
                    threshold=self.money(promo["threshold"], coupon=True),
                    amount=self.money(promo["amount"], coupon=True),
                )
            elif seg["mode"] == "gift" and promo:
                mode = w["host_mode_gift"].format(item=promo["item"])
            if seg["airing"] > 1:
                mode = w["host_encore"] + mode
            hosts = (
                w["host_name"].format(names=self.join(seg["hosts"]))
                if several and seg["hosts"]
                else ""
            )
            text = w["host_segment"].format(
                link=self.link(seg),
                name=seg["name"],
                minutes=seg["minutes"],
                mode=mode,
                hosts=hosts,
            )
            items.append({"minute": seg["start_minute"], "at": seg["start"], "text": text})
        for bag in self.ctx["lucky_bags"]:
            items.append(
                {
                    "minute": bag["minute"],
                    "at": bag["at"],
                    "text": phrase(
                        w["host_bag"],
                        self.lang,
                        prize=bag["prize"],
                        winners=bag["winners"],
                        draw_at=bag["draw_at"],
                    ),
                }
            )
        items.extend(self._breaks())
        return items

    def _breaks(self) -> list[dict[str, Any]]:
        w = self.w
        return [
            {
                "minute": b["minute"],
                "at": b["at"],
                "text": w["break"].format(
                    minutes=b["minutes"],
                    label=w["break_label"].format(label=b["label"]) if b.get("label") else "",
                    back=self.clock(b["minute"] + b["minutes"])[0],
                ),
            }
            for b in self.ctx["breaks"]
        ]

    def _after_host(self) -> list[str]:
        return [self.w["host_review"]]

    def _gear_co_host(self) -> list[str]:
        return [
            self.w["samples"].format(link=self.link(seg), name=seg["name"])
            for seg in self.first.values()
        ]

    def _during_co_host(self) -> list[dict[str, Any]]:
        w = self.w
        items = []
        for seg in self.segments:
            promo = self.promotions.get(seg["promotion"] or "", {})
            items += segment_cues(w, seg, promo, self.cur, self.lang, self.link(seg))
        for bag in self.ctx["lucky_bags"]:
            items.append(
                {
                    "minute": bag["minute"],
                    "at": bag["at"],
                    "text": w["cue_bag"].format(entry=profiles.entry(bag, self.lang, self.show)),
                }
            )
        items.extend(self._breaks())
        return items

    # tech --------------------------------------------------------------------------------------
    def _gear_tech(self) -> list[str]:
        w = self.w
        return [w["gear"], w["network"].format(mbps=MIN_UPLOAD_MBPS), w["devices"]]

    def _during_tech(self) -> list[dict[str, Any]]:
        w = self.w
        items = [{"minute": 0, "at": self.show["start"], "text": w["on_air"]}]
        for b in self.ctx["breaks"]:
            items.append(
                {
                    "minute": b["minute"],
                    "at": b["at"],
                    "text": w["break_check"].format(minutes=b["minutes"]),
                }
            )
        items.append({"minute": self.end_minute, "at": self.show["end"], "text": w["off_air"]})
        return items
