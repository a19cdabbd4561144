"""lqplan/render/i18n.py: plural forms and dates from the CLDR (through Babel), and the message
catalog's counts written with them, never as "winner(s)"."""

from __future__ import annotations

import copy
import string

import pytest

from lqplan.render import base_context, filters, i18n, phrases, runsheet
from lqplan.render.env import make_environment

TABLES = {
    name: getattr(phrases, name)
    for name in ("RUN_SHEET", "HOST_SCRIPT", "CHECKLIST", "ACTIONS", "UNUSED")
}

# (text, lang, values, expected)
PHRASES = [
    ("{n} {n:one=winner|other=winners}", "en", {"n": 1}, "1 winner"),
    ("{n} {n:one=winner|other=winners}", "en", {"n": 2}, "2 winners"),
    ("{n} {n:one=winner|other=winners}", "en", {"n": 0}, "0 winners"),
    # A float count from a plan file: 1.0 is one, 1.5 is not.
    ("{n} {n:one=unit|other=units}", "en", {"n": 1.0}, "1.0 unit"),
    ("{n} {n:one=unit|other=units}", "en", {"n": 1.5}, "1.5 units"),
    # A count the inputs do not give reads as plural.
    ("{n} {n:one=unit|other=units}", "en", {"n": "to confirm"}, "to confirm units"),
    # Two counts in one phrase, each with its own form; a verb can agree as well.
    (
        "{w} {w:one=winner|other=winners}, {d} {d:one=drop|other=drops}",
        "en",
        {"w": 1, "d": 3},
        "1 winner, 3 drops",
    ),
    ("{n:one=There is|other=There are} {n} left", "en", {"n": 1}, "There is 1 left"),
    # Chinese has only "other": a spec there would still pick it.
    ("{n} 名{n:one=X|other=}", "zh", {"n": 1}, "1 名"),
    # Ordinary specs and fields are str.format's.
    ("{x:.2f} / {y}", "en", {"x": 1, "y": "a"}, "1.00 / a"),
]


@pytest.mark.parametrize(("text", "lang", "values", "expected"), PHRASES)
def test_phrase(text, lang, values, expected):
    assert i18n.phrase(text, lang, **values) == expected


def test_a_plural_phrase_refuses_plain_format():
    """A call site that forgets i18n.phrase fails loudly instead of printing the spec."""
    with pytest.raises(ValueError):
        phrases.HOST_SCRIPT["en"]["winners"].format(n=1)


def _catalog() -> list[tuple[str, str, str, str]]:
    return [
        (name, lang, key, text)
        for name, table in TABLES.items()
        for lang, words in table.items()
        for key, text in words.items()
    ]


def _plural_fields(text: str) -> dict[str, str]:
    return {
        field: spec
        for _, field, spec, _ in string.Formatter().parse(text)
        if field and spec and "=" in spec
    }


def test_no_phrase_writes_a_count_as_s_in_brackets():
    assert [where for *where, text in _catalog() if "(s)" in text] == []


def test_plural_specs_name_cldr_categories_and_other():
    """Every plural form is one CLDR names, `other` is always there, and Chinese has none."""
    specs = 0
    for table, lang, key, text in _catalog():
        for field, spec in _plural_fields(text).items():
            specs += 1
            assert lang != "zh", f"{table}[zh][{key}] has a plural form for {field}"
            forms = dict(part.split("=", 1) for part in spec.split("|"))
            assert "other" in forms, (table, key, field)
            assert set(forms) <= {"zero", "one", "two", "few", "many", "other"}, (table, key)
    assert specs >= 15


# (table, key, values, singular text, plural text): the counts that used to read "(s)".
COUNTS = [
    ("RUN_SHEET", "bag_prize", {"prize": "P"}, "P, 1 winner", "P, 2 winners"),
    ("HOST_SCRIPT", "winners", {}, "1 winner", "2 winners"),
    ("CHECKLIST", "ship_bag", {"prize": "P"}, "of 1 drop", "of 2 drops"),
    ("CHECKLIST", "host_bag", {"prize": "P", "draw_at": "20:00"}, "1 winner,", "2 winners,"),
    ("CHECKLIST", "read_script", {}, ": 1 segment", ": 2 segments"),
    ("ACTIONS", "release_stock", {"name": "N"}, "Release 1 unit of N", "Release 2 units of N"),
    (
        "ACTIONS",
        "start_lucky_bag",
        {"promotion": "b", "prize": "P", "entry": "e"},
        "1 winner,",
        "2 winners,",
    ),
]
COUNT_FIELDS = ("n", "winners", "drops", "segments", "units")


@pytest.mark.parametrize(("table", "key", "values", "one", "two"), COUNTS)
def test_english_counts_have_a_singular(table, key, values, one, two):
    text = TABLES[table]["en"][key]
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f in COUNT_FIELDS}
    assert fields, key
    assert one in i18n.phrase(text, "en", **values, **dict.fromkeys(fields, 1))
    assert two in i18n.phrase(text, "en", **values, **dict.fromkeys(fields, 2))


def test_setup_bag_counts_winners_and_drops_apart():
    text = phrases.CHECKLIST["en"]["setup_bag"]
    values = {"id": "b", "prize": "P", "entry": "e", "countdown": 5, "times": "20:00"}
    out = i18n.phrase(text, "en", **values, winners=1, drops=3)
    assert "1 winner per drop" in out and "3 drops (20:00)" in out


# (show, lang, locale, date as written)
DATES = [
    ({"platform": "whatnot", "currency": "CAD"}, "en", "en_US", "Thu, December 3, 2026"),
    ({"platform": "tiktok", "currency": "USD"}, "en", "en_US", "Thu, December 3, 2026"),
    ({"platform": "tiktok", "currency": "GBP"}, "en", "en_001", "Thu, 3 December 2026"),
    ({"platform": "douyin", "currency": "CNY"}, "en", "en_001", "Thu, 3 December 2026"),
    ({"platform": "douyin", "currency": "CNY"}, "zh", "zh", "2026年12月3日（周四）"),
    ({"platform": "whatnot", "currency": "USD"}, "zh", "zh", "2026年12月3日（周四）"),
    (None, "en", "en_001", "Thu, 3 December 2026"),
]


@pytest.mark.parametrize(("show", "lang", "locale", "written"), DATES)
def test_dates_follow_the_show(show, lang, locale, written):
    assert i18n.date_locale(show, lang) == locale
    assert i18n.long_date("2026-12-03", lang, show) == written


def test_the_run_sheet_dates_a_pound_show_day_first(sample_plans):
    """End to end: the minimal sample (USD, TikTok) reads month first; the same show priced in
    pounds reads day first, and its prices keep two decimals."""
    plan = sample_plans["minimal"]
    pounds = copy.deepcopy(plan)
    pounds["show"]["currency"] = "GBP"
    for one, date in ((plan, "Thu, December 3, 2026"), (pounds, "Thu, 3 December 2026")):
        env = make_environment(None, filters("en", one["show"]["currency"]))
        md = str(runsheet.render(env, base_context(one, "en"))["run_sheet.md"])
        assert date in md
    assert "£" in md
