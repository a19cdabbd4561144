"""Counted nouns in lqplan's own English messages: '1 segment', '3 segments', never
'segment(s)'.

The paperwork's phrases choose their plural forms per language in render/i18n.py; messages on
the terminal are English, and their forms come from the same CLDR rule (Babel's), read here so
that every stage can use it without importing the renderer.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _english_rule() -> Any:
    # Imported here: `lqplan --help` and `validate` should not pay for Babel's locale data.
    from babel import Locale

    return Locale.parse("en").plural_form


def counted(n: int | float, one: str, other: str = "") -> str:
    """`n` and the noun in the form English's CLDR rule picks: counted(1, 'drop') is '1 drop',
    counted(2, 'drop') '2 drops'; `other` for a plural that is not `one` + 's'. Whole numbers
    get thousands separators."""
    form = one if _english_rule()(abs(n)) == "one" else (other or f"{one}s")
    shown = f"{n:,}" if isinstance(n, int) else f"{n:,g}"
    return f"{shown} {form}"
