"""parse_yaml's two readers agree: the values-only one (`_plain_values`, which gives up on
anything but plain YAML) and the position reader (`read_located`), which reads every value
with its line and column, gives the errors, and is asked for positions only when a message
needs one.

Every case is run through both, and the two must give the same value (to the object: an alias
is the anchored object itself) and the same positions, or the same errors.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate
from lqplan.errors import InputError
from lqplan.io import yamlio
from lqplan.io.yamlio import parse_yaml, read_located
from lqplan.show.validate import check_show

ROOT = Path(__file__).resolve().parents[2]


def outcome(read: Any, text: str) -> tuple[Any, ...]:
    """What a reader makes of `text`: ("value", value, marks) or ("error", diagnostics)."""
    try:
        doc = read(text, "f.yaml")
    except InputError as exc:
        return ("error", [d.format() for d in exc.diagnostics])
    return ("value", shape(doc.data), doc.value_marks, doc.key_marks)


def shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """`value` with its types and its sharing spelled out: the same object twice (an alias) is
    ("again", n), so two readers agree only if they share the same objects."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list):
        if id(value) in seen:
            return ("again", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            return ("map", [(shape(k, seen), shape(v, seen)) for k, v in value.items()])
        return ("list", [shape(v, seen) for v in value])
    return (type(value).__name__, repr(value))


def assert_agree(text: str) -> tuple[Any, ...]:
    """Both readers give the same outcome for `text`; return it."""
    fast = outcome(parse_yaml, text)
    assert fast == outcome(read_located, text)
    return fast


def nested(depth: int) -> list[Any]:
    """A list inside a list ... `depth` lists in all."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


# Each row: YAML text and the value lqplan reads from it.
VALUES = [
    ("start: 20:30\nsku: 0123\n", {"start": "20:30", "sku": "0123"}),  # no base 60, no octal
    ("a: [NO, yes, On, off, y, n]\n", {"a": ["NO", "yes", "On", "off", "y", "n"]}),  # YAML 1.1
    ("a: [true, False, TRUE]\n", {"a": [True, False, True]}),
    ("a: [0, -7, +3, 1.5, .5, 2., 1e3]\n", {"a": [0, -7, 3, 1.5, 0.5, 2.0, 1000.0]}),
    ("a: [0x1F, 0o17, 1_000, '12', \"true\"]\n", {"a": ["0x1F", "0o17", "1_000", "12", "true"]}),
    ("a: [~, null, NULL, ]\nb:\n", {"a": [None, None, None], "b": None}),
    ("a: [.inf, -.inf]\n", {"a": [float("inf"), float("-inf")]}),
    ("a: |\n  12\nb: >\n  true\n", {"a": "12\n", "b": "true\n"}),  # block scalars are text
    ("a: !!str 12\nb: !!float 3\nc: !!int 4\n", {"a": "12", "b": 3.0, "c": 4}),  # tags
    ("s: !!set {a, b}\n", {"s": {"a": None, "b": None}}),  # a tagged mapping is a mapping
    ("base: &b {x: 1}\ncopy: *b\n", {"base": {"x": 1}, "copy": {"x": 1}}),
    ("a: &s text\nb: *s\n", {"a": "text", "b": "text"}),
    ("b: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 5\n", {"b": {"x": 1, "y": 2}, "d": {"x": 1, "y": 5}}),
    ("d:\n  y: 5\n  <<: {y: 1, z: 2}\n", {"d": {"y": 5, "z": 2}}),
    ("'<<': {x: 1}\n", {"x": 1}),  # a quoted << merges too
    ("--- {a: 1}\n...\n", {"a": 1}),
    ("[" * 64 + "]" * 64, nested(64)),  # at the depth limit
    ("", None),
    ("# a comment only\n", None),
    ("just text\n", "just text"),
]  # fmt: skip

# Each row: YAML text lqplan refuses, and a fragment of the message.
ERRORS = [
    ("a: !!int abc\n", "not a valid !!int"),
    ("a: !!python/object:os.system x\n", "unsupported YAML tag"),
    ("a: !local x\n", "unsupported YAML tag"),
    ("title: A\ntitle: B\n", "duplicate key 'title' (first at line 1)"),
    ("a: {1: x, 1: y}\n", "duplicate key 1"),
    ("a: {1: x, true: y}\n", "duplicate key True"),  # 1 == True as Python keys
    ("{.nan: 1, .NaN: 2}\n", "duplicate key nan"),  # both are the one math.nan
    ("a: *nowhere\n", "unknown alias *nowhere"),
    ("a: &a [*a]\n", "unknown alias *a"),  # an anchor is not there inside itself
    ("a: &a 1\nc:\n  <<: *a\n", "merges only mappings"),
    ("---\na: 1\n---\nb: 2\n", "more than one YAML document"),
    ("? [a, b]\n: 1\n", "cannot be used as a key"),
    ("a: &k [1]\nb: {*k : 2}\n", "cannot be used as a key"),
    ("a:\n  b: 1\nc: - x\n", "invalid YAML"),
    ("hosts:\n\tname: Mia\n", "not tabs"),
    ("a: 1\nb: x\x07y\n", "control character"),
    ("units: " + "9" * 400 + "\n", "400 digits"),
    ("price: 1e400\n", "out of range"),
    ("[" * 65 + "]" * 65, "nesting deeper than 64"),
]


@pytest.mark.parametrize(("text", "value"), VALUES, ids=range(len(VALUES)))
def test_both_readers_read_the_same_value(text: str, value: Any) -> None:
    assert assert_agree(text)[0] == "value"
    assert parse_yaml(text, "f.yaml").data == value


@pytest.mark.parametrize(("text", "fragment"), ERRORS, ids=range(len(ERRORS)))
def test_both_readers_give_the_same_error(text: str, fragment: str) -> None:
    result = assert_agree(text)
    assert result[0] == "error"
    assert fragment in result[1][0]


def test_an_alias_is_the_anchored_object() -> None:
    doc = parse_yaml("base: &b {x: [1]}\ncopy: *b\nlist: &l [1]\nagain: *l\n", "f.yaml")
    assert doc.data["copy"] is doc.data["base"]
    assert doc.data["again"] is doc.data["list"]


def test_alias_bomb_is_refused_by_both() -> None:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]")
    result = assert_agree("\n".join(lines) + "\n")
    assert result[0] == "error" and "alias bomb" in result[1][0]


def repository_yaml() -> list[Path]:
    """Every YAML file of the repository: samples, test shows, hostile inputs, docs."""
    skip = {".git", ".venv", "node_modules"}
    return sorted(p for p in ROOT.rglob("*.y*ml") if not skip & set(p.relative_to(ROOT).parts))


@pytest.mark.parametrize("path", repository_yaml(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_files(path: Path) -> None:
    assert_agree(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize("path", sorted((ROOT / "samples").glob("*/*.yaml")), ids=str)
def test_pure_python_parser_when_libyaml_is_missing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML built without libyaml has no CSafeLoader: the same values with its own parser."""
    text = path.read_text(encoding="utf-8")
    expected = outcome(parse_yaml, text)
    monkeypatch.setattr(yamlio, "_LOADER", yaml.SafeLoader)
    assert outcome(parse_yaml, text) == expected


# Scalars whose typing differs between YAML 1.1, 1.2 and lqplan, written plain by safe_dump.
TRICKY = st.sampled_from(
    ["no", "Yes", "on", "0123", "20:30", "1e3", "1_000", ".inf", "-.inf", ".nan", "~", "null",
     "", "0x1F", "+3", "2.", "<<", "true", "False", "12:30:00", "-", "?", ":", "#"]
)  # fmt: skip
KEYS = st.one_of(st.text(max_size=6), st.integers(-5, 5), TRICKY)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=12),
    TRICKY,
)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.booleans(), st.booleans())
def test_generated_documents(value: Any, flow: bool, share: bool) -> None:
    """Random documents as safe_dump writes them, block or flow style, with a shared part
    (safe_dump writes it once with an anchor and then as aliases)."""
    if share and isinstance(value, dict | list):
        value = {"first": value, "second": value, "items": [value, value]}
    assert_agree(yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))


FRAGMENTS = [
    "a: 1", "a: 2", "b: &x [1, 2]", "c: *x", "<<: *x", "<<: {m: 1}", "d: !!int 3",
    "e: !!int x", "- item", "  nested: yes", "---", "? [k]", "f: {g: 1, g: 2}", "h: 'q'",
    "i: |", "  block", "j: 00123", "k: 1e400", "l: &y {p: 1}", "m: *y", "n: [*y, *y]",
    "o: *missing", "\tp: 1", "q: [1, 2", "r: }", "s: 9999999999999999999999999999999999",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8))
def test_generated_fragments(lines: list[str]) -> None:
    """Lines of valid and broken YAML in any order: values, errors and their places agree."""
    assert_agree("\n".join(lines) + "\n")


def test_positions_are_read_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid file is read once, for its values; its positions the first time one is asked
    for, and then kept."""
    calls: list[str] = []
    real = yamlio.read_located

    def counted(text: str, file: str) -> yamlio.Document:
        calls.append(file)
        return real(text, file)

    monkeypatch.setattr(yamlio, "read_located", counted)
    doc = parse_yaml("title: x\nhosts:\n  - name: Mia\n", "show.yaml")
    assert calls == []
    assert doc.locate(("hosts", 0, "name")) == (3, 11)
    assert doc.key_marks[("title",)] == (1, 1)
    assert calls == ["show.yaml"]


# --- a 10,000-SKU catalog ------------------------------------------------------------------------


def big_show(folder: Path) -> Path:
    """The benchmark's XL show with its catalog and stock grown to 10,000 SKUs (as
    `python -m benchmarks extras` validates it)."""
    docs = generate("XL", 0)
    products, stock = docs["catalog.yaml"]["products"], docs["stock.yaml"]["stock"]
    grown, rows = list(products), list(stock)
    for copy in range(1, 10):
        for p, s in zip(products, stock, strict=True):
            sku = f"{p['sku']}-{copy}"
            grown.append({**p, "sku": sku})
            grown[-1].pop("cart_link", None)
            rows.append({**s, "sku": sku})
    docs["catalog.yaml"]["products"], docs["stock.yaml"]["stock"] = grown, rows
    folder.mkdir()
    for name, data in docs.items():
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def plant(path: Path, occurrence: int, old: str, new: str) -> tuple[int, int]:
    """Replace the `occurrence`-th `old` in the file with `new`; (line, column) where it starts."""
    text = path.read_text(encoding="utf-8")
    at = [m.start() for m in re.finditer(re.escape(old), text)][occurrence]
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_show(tmp_path_factory.mktemp("big") / "show")


# Each row: the file, which occurrence of a text to change deep inside it, the change, where
# the error points from the changed text's start, and the message.
DEEP_ERRORS = [
    # a value out of range, at the value
    ("catalog.yaml", 8765, "  live_price: ", "  live_price: -", 14, "products[8765].live_price"),
    # an unknown field, at its key
    ("catalog.yaml", 7000, "  brand: ", "  brnad: ", 2, "unknown field 'brnad'"),
    # a duplicate key, found by the YAML reader itself
    ("catalog.yaml", 9321, "  role: ", "  name: x\n  role: ", 2, "duplicate key 'name'"),
    # a stock row for a product the catalog does not have
    ("stock.yaml", 9876, "- sku: ", "- sku: NOPE-", 7, "stock[9876].sku"),
]


@pytest.mark.parametrize(("file", "occurrence", "old", "new", "shift", "message"), DEEP_ERRORS)
def test_one_error_deep_in_10000_skus(
    big: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    file: str,
    occurrence: int,
    old: str,
    new: str,
    shift: int,
    message: str,
) -> None:
    """The error names its file, line and column, exactly as the position reader alone gives
    them (every diagnostic, word for word)."""
    folder = tmp_path / "show"
    shutil.copytree(big, folder)
    line, column = plant(folder / file, occurrence, old, new)
    monkeypatch.chdir(tmp_path)
    found = check_show(Path("show"))
    errors = [d for d in found if d.severity == "error"]
    assert len(errors) == 1, errors
    assert (errors[0].file, errors[0].line, errors[0].column) == (
        f"show/{file}",
        line,
        column + shift,
    )
    assert message in errors[0].format()
    monkeypatch.setattr(yamlio, "_plain_values", lambda text, name: yamlio._GAVE_UP)
    assert [d.format() for d in check_show(Path("show"))] == [d.format() for d in found]


def test_valid_10000_skus_never_read_positions(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "read_located", lambda text, file: pytest.fail(file))
    assert [d for d in check_show(big) if d.severity == "error"] == []
