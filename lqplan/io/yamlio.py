"""Read YAML the way show files mean it, and remember where every value came from.

PyYAML follows YAML 1.1, whose implicit typing trips people who write show files by hand:
`start: 20:30` becomes the integer 1230 (base-60), `sku: 0123` becomes 83 (octal), `NO` becomes
False. We therefore build Python values from PyYAML's *event* stream ourselves, with YAML 1.2
core-schema resolution (only true/false are booleans, only plain decimal numbers are numbers),
and record the line and column of every key and value so that validation can point at them.

Building from events (not PyYAML's recursive composer) also lets us refuse hostile input before
it hurts: nesting deeper than MAX_DEPTH, alias expansion beyond MAX_NODES (an "alias bomb") and
duplicate keys are reported as clean errors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lqplan.errors import Diagnostic, InputError

# libyaml's parser when PyYAML was built with it: the pure-Python one takes ~7 s per MB.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 32 * 1024 * 1024  # a 10,000-SKU catalog is about 4 MB
MAX_DEPTH = 64  # real show files nest 5-6 levels
MAX_NODES = 2_000_000  # values after alias expansion; a bomb reaches billions

Path_ = tuple[str | int, ...]
Scalar = str | bool | int | float | None  # what one YAML scalar resolves to

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")
# Leading zeros ("0123") are not numbers here: they are SKUs and codes, so they stay strings.
_FLOAT = re.compile(r"[-+]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
MAX_DIGITS = 30  # a 400-digit number is a mistake, not a price
# The Python types a value written with an explicit standard tag may resolve to.
_EXPECTED: dict[str, type | tuple[type, ...]] = {
    "int": int,
    "float": (int, float),
    "bool": bool,
    "null": type(None),
}


@dataclass
class Document:
    """A parsed YAML file: its value and where each path inside it starts."""

    file: str
    data: Any
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at `path`, or of the nearest enclosing value.

        With `key`, prefer the position of the mapping key itself (for an unexpected field).
        """
        path = tuple(path)
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path:
            if path in self.value_marks:
                return self.value_marks[path]
            if path in self.key_marks:
                return self.key_marks[path]
            path = path[:-1]
        return self.value_marks.get((), (1, 1))


@dataclass(slots=True)
class _Open:
    """A mapping or list still being read: its value so far and what it waits for."""

    value: dict[Any, Any] | list[Any]
    path: Path_
    key: Any  # the mapping key read, waiting for its value; _NO_KEY when a key comes next
    key_mark: tuple[int, int]
    size: int  # values inside it so far, aliases expanded
    anchor: str | None
    merged: set[Any]  # keys merged in by '<<', which an explicit key later may override
    mark: tuple[int, int]


class _Anchor:
    __slots__ = ("size", "value")

    def __init__(self, value: Any, size: int):
        self.value = value
        self.size = size


def _mark(event: yaml.Event) -> tuple[int, int]:
    """Where `event` starts, 1-based."""
    mark = event.start_mark
    # The stubs allow a mark-less event (one built by hand); the parser marks every event it emits.
    assert mark is not None
    return mark.line + 1, mark.column + 1


def _fail(file: str, where: tuple[int, int], message: str) -> InputError:
    """The error for one problem at one place in `file`."""
    return InputError([Diagnostic(file, where[0], where[1], "error", "", message)])


def _scalar(file: str, event: yaml.ScalarEvent) -> Scalar:
    """Resolve a scalar with the YAML 1.2 core schema (plus explicit standard tags)."""
    text = event.value
    tag = event.tag
    plain = not event.style and event.implicit[0]  # libyaml says "" where PyYAML says None
    if tag in (None, "!") and not plain:
        return text
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag not in (None, "!"):
        kind = tag.rsplit(":", 1)[-1]
        if tag.startswith("tag:yaml.org,2002:") and kind in ("int", "float", "bool", "null"):
            value = _resolve_plain(file, event, text)
            fits = isinstance(value, _EXPECTED[kind])
            if fits and not (kind != "bool" and isinstance(value, bool)):
                # "!!float 3" is the float 3.0; a float stays itself.
                return float(value) if kind == "float" and isinstance(value, int) else value
            raise _fail(file, _mark(event), f"{text!r} is not a valid !!{kind}")
        raise _fail(file, _mark(event), f"unsupported YAML tag {tag!r}")
    return _resolve_plain(file, event, text)


def _resolve_plain(file: str, event: yaml.ScalarEvent, text: str) -> Scalar:
    """Resolve an untagged plain scalar: null, true/false, a plain decimal number, or the text."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    whole = _INT.match(text)
    if whole or _FLOAT.match(text):
        # A number has no more digits than characters: count them only for a long one.
        digits = sum(c.isdigit() for c in text) if len(text) > MAX_DIGITS else 0
        if digits > MAX_DIGITS:
            raise _fail(file, _mark(event), f"number with {digits} digits is out of range")
        if whole:
            return int(text)
        number = float(text)
        if math.isinf(number):
            raise _fail(file, _mark(event), f"number {text} is out of range")
        return number
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document from `text`; raise InputError naming `file` on any problem."""
    doc = Document(file, None)
    anchors: dict[str, _Anchor] = {}
    stack: list[_Open] = []
    nodes = 0
    seen_document = False

    def attach(value: Any, size: int, mark: tuple[int, int], anchor: str | None) -> None:
        nonlocal nodes
        nodes += size
        if nodes > MAX_NODES:
            raise _fail(
                file,
                mark,
                f"more than {MAX_NODES:,} values after expanding aliases (an alias bomb?)",
            )
        if anchor:
            anchors[anchor] = _Anchor(value, size)
        if not stack:
            doc.data = value
            return
        parent = stack[-1]
        container = parent.value
        parent.size += size
        if isinstance(container, list):
            container.append(value)
            return
        if parent.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise _fail(file, mark, "a mapping or list cannot be used as a key")
            parent.key = value
            parent.key_mark = mark
            return
        key = parent.key
        parent.key = _NO_KEY
        if key == "<<" and isinstance(key, str):
            _merge(container, value, parent, mark)
            return
        if key in container and key not in parent.merged:
            first = doc.key_marks.get((*parent.path, key), (0, 0))
            raise _fail(file, parent.key_mark, f"duplicate key {key!r} (first at line {first[0]})")
        parent.merged.discard(key)
        container[key] = value
        doc.key_marks[(*parent.path, key)] = parent.key_mark
        doc.value_marks.setdefault((*parent.path, key), mark)

    def _merge(container: dict[Any, Any], value: Any, parent: _Open, mark: tuple[int, int]) -> None:
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                raise _fail(file, mark, "'<<' merges only mappings")
            for k, v in source.items():
                if k not in container:
                    container[k] = v
                    parent.merged.add(k)  # an explicit key later may override a merged one

    def child_path() -> Path_:
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        if parent.key is _NO_KEY:
            return parent.path  # a key, not a value
        return (*parent.path, parent.key)

    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.DocumentStartEvent):
                if seen_document:
                    raise _fail(file, _mark(event), "more than one YAML document in one file")
                seen_document = True
            elif isinstance(event, yaml.ScalarEvent):
                value = _scalar(file, event)
                mark = _mark(event)
                # A mapping key needs no path of its own (attach records where the key is).
                if not (
                    stack and not isinstance(stack[-1].value, list) and stack[-1].key is _NO_KEY
                ):
                    doc.value_marks[child_path()] = mark
                attach(value, 1, mark, event.anchor)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _fail(file, _mark(event), f"nesting deeper than {MAX_DEPTH} levels")
                path = child_path()
                if stack and not isinstance(stack[-1].value, list) and stack[-1].key is _NO_KEY:
                    raise _fail(file, _mark(event), "a mapping or list cannot be used as a key")
                doc.value_marks[path] = _mark(event)
                container: dict[Any, Any] | list[Any] = (
                    {} if isinstance(event, yaml.MappingStartEvent) else []
                )
                stack.append(
                    _Open(container, path, _NO_KEY, (0, 0), 0, event.anchor, set(), _mark(event))
                )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                attach(done.value, done.size + 1, done.mark, done.anchor)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    raise _fail(file, _mark(event), f"unknown alias *{event.anchor}")
                target = anchors[event.anchor]
                path = child_path()
                doc.value_marks.setdefault(path, _mark(event))
                attach(target.value, target.size, _mark(event), None)
    except yaml.MarkedYAMLError as exc:
        at = exc.problem_mark or exc.context_mark
        where = (at.line + 1, at.column + 1) if at else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit (PyYAML >= 6.0.4) is far deeper
            raise _fail(file, where, f"nesting deeper than {MAX_DEPTH} levels") from None
        if (
            "\t" in problem
            or "'\\t'" in problem
            or "tab character" in problem
            or _char_at(text, where) == "\t"
        ):
            problem += " (indent with spaces, not tabs)"
        raise _fail(file, where, f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character, for one
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise _fail(
            file,
            (line, column),
            f"invalid YAML: control character {exc.character!r} is not allowed",
        ) from None
    except yaml.YAMLError as exc:
        raise _fail(file, (0, 0), f"invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise _fail(file, (0, 0), f"nesting deeper than {MAX_DEPTH} levels") from None
    return doc


def _char_at(text: str, where: tuple[int, int]) -> str:
    """The character at a 1-based (line, column), or '' (libyaml names no tab in its errors)."""
    lines = text.split("\n")
    line, column = where
    if 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]):
        return lines[line - 1][column - 1]
    return ""


class _NoKey:
    """The sentinel for "no key read yet" (None is a valid YAML key)."""

    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY = _NoKey()


def decode(raw: bytes, file: str) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is fine); name the file and place when it is not."""
    if len(raw) > MAX_BYTES:
        raise _fail(
            file,
            (0, 0),
            f"file is {len(raw) / 1e6:.0f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MiB",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(file, (1, 1), "file is UTF-16; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _fail(
            file,
            (line, column),
            f"file is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
            "save it as UTF-8 (GBK and Latin-1 are not read)",
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise _fail(file, (line, column), "file contains a NUL byte (a binary file?)")
    return text
