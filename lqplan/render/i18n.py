"""Words and formats shared by every document, in Chinese and English.

Each document module keeps its own phrases beside its code; this module holds what they share:
role, phase, mode and team names, and how dates and times are written per language (money:
lqplan.money).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

# Money is written by lqplan.money alone; `money` stays importable from here for the modules
# (review, the cue view, explain) that still take it from i18n.
from lqplan.money import money as money
from lqplan.show.fields import clock_after

LANGUAGES = ("zh", "en")

ROLES = {
    "zh": {
        "traffic": "引流款",
        "welfare": "福利款",
        "bridge": "承接款",
        "hero": "主推款",
        "profit": "利润款",
        "image": "形象款",
        "test": "测款",
    },
    "en": {
        "traffic": "traffic",
        "welfare": "welfare",
        "bridge": "bridge",
        "hero": "hero",
        "profit": "profit",
        "image": "image",
        "test": "test",
    },
}
PHASES = {
    "zh": {
        "opening": "开场",
        "segment": "过款",
        "encore": "返场",
        "closing": "收尾",
        "break": "休息",
        "giveaway": "{{lucky_bag}}",  # the platform profile's word (profiles.py)
    },
    "en": {
        "opening": "opening",
        "segment": "segment",
        "encore": "encore",
        "closing": "closing",
        "break": "break",
        "giveaway": "giveaway",
    },
}
MODES = {
    "zh": {"normal": "", "flash_sale": "限时秒杀", "coupon": "优惠券", "gift": "赠品"},
    "en": {"normal": "", "flash_sale": "flash sale", "coupon": "coupon", "gift": "gift"},
}
TEAMS = {
    "zh": {
        "host": "主播",
        "co_host": "助播",
        "floor_control": "场控",
        "control_room": "中控",
        "operations": "运营",
        "paid_traffic": "投手",
        "supply_chain": "供应链",
        "customer_service": "客服",
        "tech": "技术",
    },
    "en": {
        "host": "host",
        "co_host": "co-host",
        "floor_control": "floor control",
        "control_room": "control room",
        "operations": "operations",
        "paid_traffic": "paid traffic",
        "supply_chain": "supply chain",
        "customer_service": "customer service",
        "tech": "tech",
    },
}
WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(iso: str, lang: str) -> str:
    """'2027-03-12' -> '2027年3月12日（周五）' or 'Friday 12 March 2027'."""
    day = date.fromisoformat(iso)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日（周{WEEKDAYS['zh'][day.weekday()]}）"
    return f"{WEEKDAYS['en'][day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def number(value: Any, lang: str) -> str:
    """Whole units with thousands separators (expected units are rounded for people)."""
    return f"{float(value):,.0f}"


def minutes(value: int, lang: str) -> str:
    """A length in minutes: '10 分钟' / '10 min'."""
    return f"{value} 分钟" if lang == "zh" else f"{value} min"


def plan_clock(context: Mapping[str, Any], minute: int) -> str:
    """The clock time of a minute from the plan's start: the plan's one clock (clock_after)."""
    return clock_after(context["show"]["start"], int(minute))
