"""The field types every input file shares: clock times, codes, money, the strict base model.

The show's model (model.py) and the rule families (lqplan/rules/) build on these, so that a rule
module can hold its own input model without importing the whole show.
"""

from __future__ import annotations

import math
import re
import string
import zoneinfo
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Role = Literal["traffic", "welfare", "bridge", "hero", "profit", "image", "test"]
ROLES: tuple[str, ...] = get_args(Role)
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")


def parse_clock(value: Any) -> int:
    """'20:30' -> minutes after midnight (1230). Numbers are refused: 1230 is not a time."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"expected a clock time 'HH:MM', got the number {value}")
    if not isinstance(value, str):
        raise ValueError(f"expected a clock time 'HH:MM', got {type(value).__name__}")
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(f"expected a clock time 'HH:MM' (00:00 to 23:59), got {value!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_clock(minutes: int) -> str:
    """Minutes after midnight (any day) -> 'HH:MM'."""
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_after(start: str, minute: float, seconds: bool = False) -> str:
    """The clock time `minute` minutes after `start` (HH:MM), as HH:MM or HH:MM:SS; after
    midnight it starts again at 00:00."""
    total = round((parse_clock(start) + minute) * 60)
    hours, rest = divmod(total, 3600)
    text = f"{hours % 24:02d}:{rest // 60:02d}"
    return f"{text}:{rest % 60:02d}" if seconds else text


def _parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"expected a date 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{value} is not a real date ({exc})") from None


def _number_to_text(value: Any) -> Any:
    # `sku: 10023` unquoted is an integer in YAML; a code is meant, so keep its digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class _DigitsToo:
    """In the JSON Schema, a text field also takes an integer, as _number_to_text does, so that an
    editor does not flag the `sku: 10023` lqplan accepts."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The text's own schema, or any integer."""
        return {"anyOf": [handler(core_schema), {"type": "integer"}]}


def finite(value: Any) -> Any:
    """Refuse NaN and infinity (a BeforeValidator: YAML's .nan is a float)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Clock = Annotated[
    int,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$",
            "description": "clock time HH:MM",
        }
    ),
]
Day = Annotated[
    date, BeforeValidator(_parse_date), WithJsonSchema({"type": "string", "format": "date"})
]
# Constraints come before a BeforeValidator: after it, pydantic checks them in a wrapper of its own
# and the JSON Schema gets pydantic's names (ge, le) instead of minimum/maximum, or nothing at all.
Text = Annotated[
    str, Field(min_length=1, max_length=500), BeforeValidator(_number_to_text), _DigitsToo()
]
Code = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[^\s/\\]+$"),
    BeforeValidator(_number_to_text),
    _DigitsToo(),
]
Money = Annotated[float, Field(ge=0, le=1e9), BeforeValidator(finite)]
Fraction = Annotated[float, Field(ge=0, le=1), BeforeValidator(finite)]
Factor = Annotated[float, Field(ge=0, le=100), BeforeValidator(finite)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]


class Model(BaseModel):
    """The strict, frozen base of every input model: unknown fields are errors, no coercion."""

    # defer_build: a model's validator is made when first used, and only the file models are used
    # on their own: made at import, every nested model's validator and serializer would be built
    # again inside its file's, and the models of commands not run would be built for nothing.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, populate_by_name=True, defer_build=True
    )


# --- the paperwork's words and the show's clock ------------------------------------------------

# The named terms a platform profile sets (lqplan/render/profiles.py) and show.yaml's `words:`
# may override. The placeholders each may hold are filled from the plan: a term can hold no other.
Term = Literal[
    "lucky_bag",
    "lucky_bags",
    "room",
    "room_label",
    "cart",
    "link",
    "link_up",
    "link_up_moment",
    "call",
    "entry",
    "follow",
]
TERMS: tuple[str, ...] = get_args(Term)
TERM_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "link": frozenset({"n"}),
    "call": frozenset({"link"}),
}
_TERM_REF = re.compile(r"\{\{(\w+)\}\}")


def _check_term(term: str, text: str) -> None:
    """A term's text may hold its own placeholders and `{{other_term}}`s, nothing else."""
    allowed = TERM_PLACEHOLDERS.get(term, frozenset())
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise ValueError(f"{term}: {exc} (write a literal brace as {{{{ or }}}})") from None
    unknown = sorted(fields - allowed)
    if unknown:
        may = ", ".join(f"{{{f}}}" for f in sorted(allowed)) or "none"
        raise ValueError(f"{term}: unknown placeholder {{{unknown[0]}}} (it may hold: {may})")
    for ref in _TERM_REF.findall(text):
        ref = ref[:1].lower() + ref[1:]  # {{Cart}}: the term, capitalised
        if ref not in TERMS or ref == term:
            raise ValueError(f"{term}: {{{{{ref}}}}} names no other term")


Terms = dict[Term, Annotated[str, Field(min_length=1, max_length=500)]]


class Words(Model):
    """`words`: the show's own words for the platform profile's terms, per language."""

    zh: Terms = Field(default_factory=dict)
    en: Terms = Field(default_factory=dict)

    @model_validator(mode="after")
    def _placeholders(self) -> Words:
        for table in (self.zh, self.en):
            for term, text in table.items():
                _check_term(term, text)
        return self


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not an IANA time zone name (e.g. Asia/Shanghai, America/New_York)"
        ) from None
    return value


TimeZone = Annotated[
    str,
    AfterValidator(_zone),
    Field(
        min_length=1,
        max_length=64,
        description="IANA time zone of the show's clock times, e.g. America/New_York",
    ),
]
