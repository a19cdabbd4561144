"""Words and formats shared by every document, in Chinese and English.

Each document module keeps its own phrases beside its code; this module holds what they share:
role, phase, mode and team names, how dates and times are written per language (money:
lqplan.money), and `phrase`, which fills a phrase and picks its plural forms. Dates and plural
rules come from the Unicode CLDR through Babel, not from tables of our own.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton

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
# Shows that sell to the United States: Whatnot's live shopping is US-first, and a show priced in
# dollars is taken to be for American buyers; their English dates read month first.
US_PLATFORMS = ("whatnot",)
US_CURRENCIES = ("USD",)
# The Chinese paperwork's date: CLDR's month and weekday names in lqplan's own layout.
ZH_DATE = "y年M月d日（E）"
# Plural categories CLDR names; `{n:one=winner|other=winners}` in a phrase picks one of them.
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_PLURAL_SPEC = re.compile(rf"^(?:{'|'.join(_CATEGORIES)})=")


def date_locale(show: Mapping[str, Any] | None, lang: str) -> str:
    """The CLDR locale a show's dates are written in: 'zh'; 'en_US' for a show on a US
    platform (whatnot) or priced in USD; else 'en_001' (international English, day first)."""
    if lang == "zh":
        return "zh"
    show = show or {}
    if show.get("platform") in US_PLATFORMS or show.get("currency") in US_CURRENCIES:
        return "en_US"
    return "en_001"


def long_date(iso: str, lang: str, show: Mapping[str, Any] | None = None) -> str:
    """'2027-03-12' -> '2027年3月12日（周五）', 'Fri, March 12, 2027' (en_US) or
    'Fri, 12 March 2027': the show's date in the locale `date_locale` picks."""
    day = date.fromisoformat(iso)
    locale = date_locale(show, lang)
    if lang == "zh":
        return str(format_date(day, ZH_DATE, locale=locale))
    return str(format_skeleton("yMMMMEd", day, locale=locale))


@cache
def _plural_rule(lang: str) -> Any:
    return Locale.parse(lang).plural_form


class _PhraseFormatter(string.Formatter):
    """str.format, where a field whose spec names plural forms (`{n:one=drop|other=drops}`)
    writes the form CLDR's rule for the language picks for the field's number."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.rule = _plural_rule(lang)

    def format_field(self, value: Any, format_spec: str) -> Any:
        """The plural form of `value` for a plural spec, else the field formatted as usual."""
        if not _PLURAL_SPEC.match(format_spec):
            return super().format_field(value, format_spec)
        forms = dict(part.split("=", 1) for part in format_spec.split("|"))
        # A count the inputs do not give (to confirm) reads as "other": "to confirm units".
        number = isinstance(value, int | float) and not isinstance(value, bool)
        category = self.rule(abs(value)) if number else "other"
        return forms.get(category, forms["other"])


def phrase(text: str, lang: str, /, **values: Any) -> str:
    """A phrase of phrases.py filled with `values`, its plural forms chosen for `lang`:
    '{n} {n:one=winner|other=winners}' reads '1 winner', '2 winners'. Chinese has no plural
    forms, so its phrases carry none."""
    return _PhraseFormatter(lang).format(text, **values)


def number(value: Any, lang: str) -> str:
    """Whole units with thousands separators (expected units are rounded for people)."""
    return f"{float(value):,.0f}"


def minutes(value: int, lang: str) -> str:
    """A length in minutes: '10 分钟' / '10 min'."""
    return f"{value} 分钟" if lang == "zh" else f"{value} min"


def plan_clock(context: Mapping[str, Any], minute: int) -> str:
    """The clock time of a minute from the plan's start: the plan's one clock (clock_after)."""
    return clock_after(context["show"]["start"], int(minute))
