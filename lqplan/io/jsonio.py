"""Read JSON that lqplan wrote (plan.json, the manifest), bounded like the YAML reader.

The standard library's parser recurses once per level (100,000 levels of `[` is a
RecursionError), turns a 5,000-digit integer into a ValueError (Python's int-string limit), and
reads `Infinity` and `NaN`, which JSON does not have and which no lqplan file holds. `parse_json`
refuses each of these with the line and column where it starts, before any caller loops on the
values: nesting deeper than MAX_DEPTH, numbers of more than MAX_DIGITS digits, a number that
overflows to infinity, and the non-JSON constants.

The checks cost two passes of regular expressions (in C), a loop over the brackets and a hook
per number; the token walk that finds the place of a problem runs only once one was found.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from lqplan.errors import Diagnostic, InputError
from lqplan.io.yamlio import MAX_DEPTH, MAX_DIGITS

# A JSON string (escapes included) as one token, so that brackets and digits inside it are text.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[^\[\]{}]+")
# Every token the scan for a problem's place needs: strings, brackets, numbers and bare words.
_TOKEN = re.compile(
    r'(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<open>[\[{])|(?P<close>[\]}])'
    r"|(?P<number>-?[0-9][0-9.eE+-]*)|(?P<word>-?[A-Za-z_]+)",
    re.DOTALL,
)


class _Refused(Exception):
    """A value the hooks refuse; parse_json finds its place and says why."""


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH: two passes in C, and a loop
    over the brackets alone."""
    brackets = _BRACKETS.sub("", _STRING.sub('""', text))
    if len(brackets) <= 2 * MAX_DEPTH:
        return False
    depth = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _int(text: str) -> int:
    """An integer of at most MAX_DIGITS digits (Python refuses 4,300 with a ValueError)."""
    if len(text) > MAX_DIGITS and sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise _Refused
    return int(text)


def _float(text: str) -> float:
    """A finite number of at most MAX_DIGITS digits (1e400 reads as infinity)."""
    value = float(text)
    if math.isinf(value) or (len(text) > MAX_DIGITS and _number_problem(text)):
        raise _Refused
    return value


def _constant(text: str) -> Any:
    """NaN and Infinity: Python writes them, JSON has no such numbers."""
    raise _Refused


def _number_problem(token: str) -> str | None:
    """Why a number token is refused (None: it is not)."""
    mantissa = re.split("[eE]", token)[0]
    digits = sum(c.isdigit() for c in mantissa)
    if digits > MAX_DIGITS:
        return f"number with {digits} digits is out of range"
    try:
        if math.isinf(float(token)):
            return f"number {token:.40} is out of range"
    except ValueError:
        pass  # not a number after all: the parser says so
    return None


def _problem(text: str) -> tuple[int, str]:
    """(offset, message) of the first refused token: the slow walk, once parsing has failed."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "open":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start(), f"nesting deeper than {MAX_DEPTH} levels"
        elif kind == "close":
            depth -= 1
        elif kind == "word" and token.lstrip("-") in ("Infinity", "NaN"):
            return match.start(), f"{token} is not a JSON number (numbers must be finite)"
        elif kind == "number" and (why := _number_problem(token)) is not None:
            return match.start(), why
    return 0, "not valid JSON"


def _place(text: str, offset: int) -> tuple[int, int]:
    """(line, column), from 1, of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_json(text: str, file: str) -> Any:
    """The value of JSON `text`; InputError at the place of the first problem (invalid JSON,
    nesting, a huge or infinite number, NaN or Infinity)."""
    try:
        if _too_deep(text):
            raise _Refused
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}"
        raise InputError([Diagnostic(file, exc.lineno, exc.colno, "error", "", message)]) from None
    except (_Refused, RecursionError, ValueError):
        offset, message = _problem(text)
        line, column = _place(text, offset)
        raise InputError([Diagnostic(file, line, column, "error", "", message)]) from None


__all__ = ["parse_json"]
