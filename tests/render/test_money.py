"""lqplan.money: every form an amount takes in the paperwork and on the terminal, by hand, and
the currencies' decimals as CLDR (through Babel) gives them."""

from __future__ import annotations

import pytest

from lqplan.money import SYMBOLS, TERMINAL_SYMBOLS, TO_CONFIRM, decimals, money
from lqplan.render import spreadsheets
from lqplan.render.i18n import LANGUAGES

# (value, currency, lang, keywords, expected)
CASES = [
    # The paperwork (the defaults): CNY drops the decimals of a whole amount only.
    (149, "CNY", "zh", {}, "¥149"),
    (149.0, "CNY", "en", {}, "¥149"),
    (19.9, "CNY", "zh", {}, "¥19.90"),
    (1234567.891, "CNY", "en", {}, "¥1,234,567.89"),
    (24.9, "USD", "en", {}, "$24.90"),
    (149, "USD", "en", {}, "$149.00"),
    (1234, "HKD", "zh", {}, "HK$1,234.00"),
    # No minor unit (CLDR): never decimals, a fraction (an expected GMV) rounds half to even.
    (3000, "JPY", "en", {}, "¥3,000"),
    (1234.56, "JPY", "zh", {}, "¥1,235"),
    (2.5, "JPY", "en", {}, "¥2"),
    # A currency without a symbol: its ISO code after the number, in its own decimals.
    (1234.6, "KRW", "en", {}, "1,235 KRW"),
    (125000.4, "VND", "en", {}, "125,000 VND"),
    (49900, "IDR", "zh", {}, "49,900 IDR"),
    (1234.5, "MYR", "en", {}, "1,234.50 MYR"),
    (1.5, "KWD", "en", {}, "1.500 KWD"),
    (-0.4, "KRW", "en", {}, "-0 KRW"),
    # The minus sign goes before the symbol, and follows the amount, not its rounded digits.
    (-1234.56, "CNY", "en", {}, "-¥1,234.56"),
    (-0.001, "CNY", "en", {}, "-¥0.00"),
    (0, "CNY", "en", {}, "¥0"),
    (-0.0, "USD", "en", {}, "$0.00"),
    # Nothing in the inputs: the to-confirm marker in the document's language, or `missing`.
    (None, "CNY", "zh", {}, "未确认"),
    (None, "USD", "en", {}, "to confirm"),
    (None, "CNY", "en", {"missing": "n/a"}, "n/a"),
    # A coupon's figures: bare numbers in Chinese (满199减30), money in English.
    (199, "CNY", "zh", {"coupon": True}, "199"),
    (19.5, "CNY", "zh", {"coupon": True}, "19.5"),
    (60, "USD", "en", {"coupon": True}, "$60.00"),
    (None, "CNY", "zh", {"coupon": True}, "未确认"),
    # Whole units, half to even as Python's format rounds: 2.5 -> 2, 3.5 -> 4.
    (2.5, "CNY", "en", {"whole": True}, "¥2"),
    (3.5, "USD", "en", {"whole": True}, "$4"),
    (-0.4, "CNY", "en", {"whole": True}, "-¥0"),
    # Cents in: 12345 cents are ¥123.45.
    (12345, "CNY", "en", {"cents": True}, "¥123.45"),
    (12300, "CNY", "en", {"cents": True}, "¥123"),
    (-12345, "CNY", "en", {"cents": True, "whole": True}, "-¥123"),
    # Signs for a change: "+" marks gains, "±" also marks no change.
    (500, "CNY", "en", {"sign": "+"}, "+¥500"),
    (0, "CNY", "en", {"sign": "+"}, "¥0"),
    (-500, "CNY", "en", {"sign": "+"}, "-¥500"),
    (0, "CNY", "en", {"sign": "±"}, "±¥0"),
    (7, "USD", "en", {"sign": "±"}, "+$7.00"),
    # The terminal's five symbols: HKD has none there, so its code follows, or nothing does.
    (1234, "HKD", "en", {"whole": True, "symbols": TERMINAL_SYMBOLS}, "1,234 HKD"),
    (1234, "HKD", "en", {"whole": True, "symbols": TERMINAL_SYMBOLS, "code": False}, "1,234"),
    (1234, "GBP", "en", {"whole": True, "symbols": TERMINAL_SYMBOLS}, "£1,234"),
]


@pytest.mark.parametrize(("value", "currency", "lang", "keywords", "expected"), CASES)
def test_money(value, currency, lang, keywords, expected):
    assert money(value, currency, lang, **keywords) == expected


def test_the_terminal_symbols_are_a_subset_of_the_paperworks():
    assert TERMINAL_SYMBOLS.items() <= SYMBOLS.items()


def test_the_to_confirm_marker_is_in_every_language():
    assert set(TO_CONFIRM) == set(LANGUAGES)


# (currency, decimals): CLDR's, not a table of lqplan's own; an unknown code gets CLDR's default.
DECIMALS = [
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("IDR", 0),
    ("CNY", 2),
    ("USD", 2),
    ("TWD", 2),
    ("KWD", 3),
    ("XQQ", 2),
]


@pytest.mark.parametrize(("currency", "places"), DECIMALS)
def test_decimals_come_from_cldr(currency, places):
    assert decimals(currency) == places


@pytest.mark.parametrize(("currency", "places"), DECIMALS)
def test_the_xlsx_number_format_has_the_same_decimals(currency, places):
    """run_sheet.xlsx shows an amount with as many decimals as the paperwork writes."""
    positive = spreadsheets.currency_format(currency).split(";")[0]
    written = positive.split(".")[1].count("0") if "." in positive else 0
    assert written == places
