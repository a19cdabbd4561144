"""Read YAML the way show files mean it, and remember where every value came from.

PyYAML follows YAML 1.1, whose implicit typing trips people who write show files by hand:
`start: 20:30` becomes the integer 1230 (base-60), `sku: 0123` becomes 83 (octal), `NO` becomes
False. We therefore build Python values from PyYAML's *event* stream ourselves, with YAML 1.2
core-schema resolution (only true/false are booleans, only plain decimal numbers are numbers),
and record the line and column of every key and value so that validation can point at them.

Building from events (not PyYAML's recursive composer) also lets us refuse hostile input before
it hurts: nesting deeper than MAX_DEPTH, alias expansion beyond MAX_NODES (an "alias bomb") and
duplicate keys are reported as clean errors.

Two readers share this work. Recording a position for every value cost five times reading the
values on a 10,000-SKU catalog, and positions are needed only to point at a problem, so
`parse_yaml` first reads the values alone (`_plain_values`, which gives up on whatever is not
plain YAML: a tag, a merge key, an error); the position reader (`read_located`) reads the text
again for those, and for a Document's positions the first time one is asked for. PyYAML's own
CSafeLoader is no help here: it resolves YAML 1.1, and its constructor, in Python, is slower
than these loops. tests/io/test_yaml_fast.py holds the two readers to the same values, positions
and errors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from lqplan.errors import Diagnostic, InputError
from lqplan.io.collector import collector_paused

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


class Document:
    """A parsed YAML file: its value and where each path inside it starts.

    `parse_yaml` reads the values alone and leaves the positions until something asks for one
    (an error or a warning to place): recording them costs several times the values on a large
    catalog. Documents made by other readers (CSV, sheets) fill the marks themselves.
    """

    def __init__(
        self,
        file: str,
        data: Any,
        value_marks: dict[Path_, tuple[int, int]] | None = None,
        key_marks: dict[Path_, tuple[int, int]] | None = None,
        *,
        source: str | None = None,
    ):
        self.file = file
        self.data = data
        self._value_marks = {} if value_marks is None else value_marks
        self._key_marks = {} if key_marks is None else key_marks
        self._source = source  # the text whose positions are still to be read

    def __repr__(self) -> str:
        return f"Document(file={self.file!r}, data={self.data!r})"

    @property
    def value_marks(self) -> dict[Path_, tuple[int, int]]:
        """Line and column (1-based) where the value at each path starts."""
        self._read_marks()
        return self._value_marks

    @property
    def key_marks(self) -> dict[Path_, tuple[int, int]]:
        """Line and column (1-based) of each mapping key, by the path of its value."""
        self._read_marks()
        return self._key_marks

    def _read_marks(self) -> None:
        if self._source is not None:
            text, self._source = self._source, None
            located = read_located(text, self.file)
            self._value_marks, self._key_marks = located.value_marks, located.key_marks

    def locate(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at `path`, or of the nearest enclosing value.

        With `key`, prefer the position of the mapping key itself (for an unexpected field).
        """
        path = tuple(path)
        key_marks, value_marks = self.key_marks, self.value_marks
        if key and path in key_marks:
            return key_marks[path]
        while path:
            if path in value_marks:
                return value_marks[path]
            if path in key_marks:
                return key_marks[path]
            path = path[:-1]
        return value_marks.get((), (1, 1))


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
    """Parse one YAML document from `text`; raise InputError naming `file` on any problem.

    The values are read by `_plain_values`, which gives up on anything but plain YAML; then, and
    for the positions when they are asked for, `read_located` reads the text again."""
    with collector_paused():
        data = _plain_values(text, file)
        if data is _GAVE_UP:
            return read_located(text, file)
    return Document(file, data, source=text)


def read_located(text: str, file: str) -> Document:
    """Parse one YAML document from `text` with the line and column of every key and value;
    raise InputError naming `file` on any problem."""
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


class _GaveUp:
    """The sentinel for "not plain YAML: ask the position reader" (None is a valid document)."""

    def __repr__(self) -> str:
        return "<gave up>"


_GAVE_UP = _GaveUp()
# A plain scalar that may be other than text starts so, or is one of these words.
_NUMBER_START = frozenset("0123456789+-.")
_WORDS = _NULL | _TRUE | _FALSE


def _plain_values(text: str, file: str) -> Any:
    """The value of `text` as read_located reads it, or _GAVE_UP when the text has anything
    beyond plain mappings, lists, scalars, anchors and aliases (a tag, a merge key, a second
    document) or anything read_located refuses (a duplicate key, a syntax error, too deep, too
    many values). read_located then gives the value or the error at its place.

    This is read_located's loop without the positions, in local variables: the open containers
    on a stack of (container, key awaiting its value, values inside so far, anchor)."""
    loader = _LOADER(text)
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    stack: list[tuple[Any, Any, int, str | None]] = []
    top: Any = None  # the innermost open mapping or list; None at the document's top
    key: Any = _NO_KEY
    size = 0
    anchor: str | None = None
    anchors: dict[str, tuple[Any, int]] = {}
    nodes = 0
    documents = 0
    result: Any = None
    try:
        while True:
            event = loader.get_event()
            kind = event.__class__
            if kind is scalar_event:
                if event.tag is not None:
                    return _GAVE_UP
                value = event.value
                if (
                    not event.style
                    and event.implicit[0]
                    and (value[:1] in _NUMBER_START or value in _WORDS)
                ):
                    value = _resolve_plain(file, event, value)
                count = 1
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind is alias_event:
                if event.anchor not in anchors:
                    return _GAVE_UP
                value, count = anchors[event.anchor]
            elif kind is mapping_start or kind is sequence_start:
                if (top.__class__ is dict and key is _NO_KEY) or len(stack) >= MAX_DEPTH:
                    return _GAVE_UP  # a mapping or list as a key; too deep
                stack.append((top, key, size, anchor))
                top, key, size, anchor = (
                    ({} if kind is mapping_start else []),
                    _NO_KEY,
                    0,
                    event.anchor,
                )
                continue
            elif kind is mapping_end or kind is sequence_end:
                value, count = top, size + 1
                if anchor:
                    anchors[anchor] = (value, count)
                top, key, size, anchor = stack.pop()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return _GAVE_UP
                continue
            elif kind is yaml.StreamEndEvent:
                return result
            else:
                continue  # the stream's start, a document's end
            nodes += count
            if nodes > MAX_NODES:
                return _GAVE_UP
            if top is None:
                result = value
            elif top.__class__ is list:
                top.append(value)
                size += count
            elif key is _NO_KEY:
                if value.__class__ is dict or value.__class__ is list:
                    return _GAVE_UP
                key = value
                size += count
            else:
                if key in top or key == "<<":
                    return _GAVE_UP  # a duplicate key; a merge
                top[key] = value
                key = _NO_KEY
                size += count
    except (yaml.YAMLError, InputError, RecursionError):
        return _GAVE_UP
    finally:
        loader.dispose()


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
