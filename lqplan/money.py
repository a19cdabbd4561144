"""How lqplan writes an amount of money, in every document and on the terminal.

One function, `money`, so that a price reads the same wherever it appears: the currency's
symbol in front (or its ISO code after, for a currency without one), thousands separators, a
minus sign before the symbol, and a marker instead of a number that the inputs do not give.
Amounts are in the show's currency units (yuan for CNY) unless `cents=True` says they are in
hundredths, as the plan's objective values are. Nothing is converted between currencies.

How many decimals a currency has comes from Babel's copy of the Unicode CLDR (`decimals`): none
for JPY, KRW, VND and IDR, two for CNY and USD, three for KWD; the .xlsx number formats
(render/spreadsheets.py) take theirs from the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Literal

from babel.numbers import get_currency_precision

__all__ = ["SYMBOLS", "TERMINAL_SYMBOLS", "TO_CONFIRM", "Sign", "decimals", "money"]

TO_CONFIRM = {"zh": "未确认", "en": "to confirm"}
SYMBOLS = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "C$",
}
# The terminal's summary and change tables have only ever known these five; a HKD show reads
# "1,234 HKD" there and "HK$1,234" in its paperwork. An accident of history, kept so that no
# output changes; pass `symbols=SYMBOLS` (the default) to write every symbol lqplan knows.
TERMINAL_SYMBOLS = {code: SYMBOLS[code] for code in ("CNY", "USD", "EUR", "GBP", "JPY")}
# Chinese price tags drop the 分 of a whole amount (¥149 but ¥19.90; $149.00 for a dollar
# price): house style for CNY on top of its two CLDR decimals.
_WHOLE_WHEN_EXACT = ("CNY",)

Sign = Literal["-", "+", "±"]


@cache
def decimals(currency: str) -> int:
    """The decimals an amount in `currency` is written with (CLDR, through Babel): 0 for JPY,
    KRW, VND and IDR, 2 for CNY, USD and a code CLDR does not know, 3 for KWD."""
    return int(get_currency_precision(currency))


def money(
    value: float | None,
    currency: str,
    lang: str = "en",
    *,
    cents: bool = False,
    whole: bool = False,
    sign: Sign = "-",
    missing: str | None = None,
    coupon: bool = False,
    symbols: Mapping[str, str] = SYMBOLS,
    code: bool = True,
) -> str:
    """An amount as lqplan writes it: ¥149, ¥19.90, $24.90, -¥1,234, ¥3,000 (JPY), 1,235 KRW.

    A currency keeps the decimals CLDR gives it (`decimals`: JPY and KRW none, USD two), and
    CNY drops the decimals of a whole amount; `whole` rounds to whole units (half to even), as
    the terminal's totals do. `sign` says which amounts carry one: "-" negatives only; "+" a
    change, positives with a plus; "±" as "+" and zero with ±. None reads `missing`, by default
    "to confirm" in `lang`. `coupon` writes a coupon's threshold and amount: Chinese says
    满199减30 with bare numbers. Without a symbol in `symbols` the ISO code follows the number,
    or with `code=False` nothing does.
    """
    if value is None:
        return TO_CONFIRM[lang] if missing is None else missing
    if coupon and lang == "zh":
        return f"{float(value):g}"
    amount = float(value) / 100 if cents else float(value)
    # The sign comes from the amount itself, not from its rounded digits: -0.4 reads -¥0.
    if amount < 0:
        prefix = "-"
    elif amount > 0:
        prefix = "" if sign == "-" else "+"
    else:
        prefix = "±" if sign == "±" else ""
    amount = abs(amount)
    exact = amount == int(amount) and currency in _WHOLE_WHEN_EXACT
    places = 0 if whole or exact else decimals(currency)
    digits = f"{amount:,.{places}f}"
    symbol = symbols.get(currency)
    if symbol:
        return f"{prefix}{symbol}{digits}"
    return f"{prefix}{digits} {currency}" if code else f"{prefix}{digits}"
