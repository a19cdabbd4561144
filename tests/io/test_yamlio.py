"""Unit tests of lqplan.io.yamlio: YAML 1.2-style typing, positions and the hostile-input guards."""

from __future__ import annotations

import math

import pytest

from lqplan.errors import InputError
from lqplan.io import yamlio
from lqplan.io.yamlio import decode, parse_yaml


def data(text: str):
    """The Python value of a YAML text."""
    return parse_yaml(text, "f.yaml").data


def only_error(exc: pytest.ExceptionInfo[InputError]):
    """The single diagnostic an InputError carries."""
    assert len(exc.value.diagnostics) == 1, exc.value.diagnostics
    return exc.value.diagnostics[0]


# --- typing ------------------------------------------------------------------------------------


def test_clock_time_stays_text():
    """YAML 1.1 reads 20:30 as the base-60 integer 1230; a show file means a time."""
    assert data("start: 20:30\n") == {"start": "20:30"}


def test_leading_zero_code_stays_text():
    """YAML 1.1 reads 0123 as octal 83; a SKU keeps its digits."""
    assert data("sku: 0123\n") == {"sku": "0123"}


@pytest.mark.parametrize("word", ["NO", "no", "No", "yes", "Yes", "on", "ON", "off", "y", "n"])
def test_yaml11_booleans_stay_text(word):
    assert data(f"a: {word}\n") == {"a": word}


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("false", False), ("True", True), ("FALSE", False)],
)
def test_true_false_are_booleans(text, value):
    assert data(f"a: {text}\n")["a"] is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+3", 3),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("2.", 2.0),
    ],
)
def test_decimal_numbers(text, value):
    result = data(f"a: {text}\n")["a"]
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("text", ["0x1F", "0o17", "1_000", "12:30:00", "1,000", "0123.5x"])
def test_non_decimal_numbers_stay_text(text):
    assert data(f"a: {text}\n") == {"a": text}


def test_infinity_and_nan():
    result = data("a: .inf\nb: -.inf\nc: .nan\n")
    assert result["a"] == math.inf
    assert result["b"] == -math.inf
    assert math.isnan(result["c"])


@pytest.mark.parametrize("text", ["", "~", "null", "Null", "NULL"])
def test_nulls(text):
    assert data(f"a: {text}\n") == {"a": None}


def test_quoted_scalars_are_always_text():
    assert data("a: '12'\nb: \"true\"\nc: 'null'\n") == {"a": "12", "b": "true", "c": "null"}


def test_explicit_str_tag():
    assert data("a: !!str 12\nb: !!str true\n") == {"a": "12", "b": "true"}


def test_explicit_int_and_float_tags():
    result = data("a: !!int 12\nb: !!float 3\nc: !!bool true\nd: !!null ~\n")
    assert result == {"a": 12, "b": 3.0, "c": True, "d": None}
    assert type(result["b"]) is float


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: !!int abc\n", "not a valid !!int"),
        ("a: !!int 1.5\n", "not a valid !!int"),
        ("a: !!int true\n", "not a valid !!int"),
        ("a: !!bool yes\n", "not a valid !!bool"),
        ("a: !foo x\n", "unsupported YAML tag"),
        ("a: !!python/object:os.system x\n", "unsupported YAML tag"),
    ],
)
def test_bad_tags_are_refused_at_their_place(text, fragment):
    with pytest.raises(InputError) as exc:
        data(text)
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (1, 4)
    assert fragment in diagnostic.message


# --- duplicate keys, anchors, merges -----------------------------------------------------------


def test_duplicate_key_names_both_lines():
    with pytest.raises(InputError) as exc:
        data("title: A\ndate: 2026-01-01\ntitle: B\n")
    diagnostic = only_error(exc)
    assert diagnostic.file == "f.yaml"
    assert (diagnostic.line, diagnostic.column) == (3, 1)
    assert "duplicate key 'title'" in diagnostic.message
    assert "line 1" in diagnostic.message


def test_duplicate_key_in_nested_flow_mapping():
    with pytest.raises(InputError) as exc:
        data("a:\n  - {sku: X, units: 1, sku: Y}\n")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (2, 24)
    assert "line 2" in diagnostic.message


def test_anchor_and_alias():
    result = data("base: &b {x: 1, y: [2, 3]}\ncopy: *b\n")
    assert result["copy"] == {"x": 1, "y": [2, 3]}


def test_merge_key_with_override():
    text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 5\n"
    assert data(text)["d"] == {"x": 1, "y": 5}


def test_merge_key_does_not_override_earlier_explicit_key():
    text = "d:\n  y: 5\n  <<: {y: 1, z: 2}\n"
    assert data(text)["d"] == {"y": 5, "z": 2}


def test_merge_of_a_list_of_mappings():
    text = "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n"
    assert data(text)["c"] == {"x": 1, "y": 2}


def test_merge_of_a_scalar_is_refused():
    with pytest.raises(InputError) as exc:
        data("a: &a 1\nc:\n  <<: *a\n")
    assert "merges only mappings" in only_error(exc).message


def test_unknown_alias():
    with pytest.raises(InputError) as exc:
        data("a: *nowhere\n")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (1, 4)
    assert "unknown alias" in diagnostic.message


def test_alias_bomb_is_refused():
    """Ten levels of ten aliases each would expand to 10**10 values."""
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 10)
        lines.append(f"l{i}: &l{i} [{refs}]")
    with pytest.raises(InputError) as exc:
        data("\n".join(lines) + "\n")
    diagnostic = only_error(exc)
    assert "alias bomb" in diagnostic.message
    assert diagnostic.line > 0


# --- structure guards --------------------------------------------------------------------------

DEEP = 10_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        "{a: " * DEEP + "1" + "}" * DEEP,
        "".join("  " * i + "a:\n" for i in range(DEEP)) + "  " * DEEP + "b\n",
        "".join("  " * i + "-\n" for i in range(DEEP)),
    ],
    ids=["flow-list", "flow-mapping", "block-mapping", "block-list"],
)
def test_deep_nesting_is_a_clean_error(text):
    with pytest.raises(InputError) as exc:
        data(text)
    diagnostic = only_error(exc)
    assert "nesting deeper than" in diagnostic.message
    assert diagnostic.line > 0


def test_nesting_at_the_limit_is_fine():
    depth = yamlio.MAX_DEPTH
    assert data("[" * depth + "]" * depth) is not None


def test_tab_indentation_says_use_spaces():
    with pytest.raises(InputError) as exc:
        data("hosts:\n\tname: Mia\n")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (2, 1)
    assert "not tabs" in diagnostic.message


def test_two_documents_are_refused():
    with pytest.raises(InputError) as exc:
        data("---\na: 1\n---\nb: 2\n")
    diagnostic = only_error(exc)
    assert diagnostic.line == 3
    assert "more than one YAML document" in diagnostic.message


def test_mapping_as_key_is_refused():
    with pytest.raises(InputError) as exc:
        data("? [a, b]\n: 1\n")
    assert "cannot be used as a key" in only_error(exc).message


def test_syntax_error_is_located():
    with pytest.raises(InputError) as exc:
        data("a:\n  b: 1\nc: - x\n")
    diagnostic = only_error(exc)
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("f.yaml", 3, 4)
    assert diagnostic.message.startswith("invalid YAML")


def test_control_character_is_located():
    """A control character that decode() lets through still gets a line and column."""
    with pytest.raises(InputError) as exc:
        data("a: 1\nb: x\x07y\n")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (2, 5)
    assert "\n" not in diagnostic.message


# --- numbers and empty input -------------------------------------------------------------------


def test_400_digit_number_is_refused():
    with pytest.raises(InputError) as exc:
        data("units: " + "9" * 400 + "\n")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (1, 8)
    assert "400 digits" in diagnostic.message


def test_400_digit_float_is_refused():
    with pytest.raises(InputError):
        data("price: 1." + "5" * 400 + "\n")


def test_overflowing_exponent_is_refused():
    with pytest.raises(InputError) as exc:
        data("price: 1e400\n")
    assert "out of range" in only_error(exc).message


def test_long_quoted_digits_stay_text():
    assert data("sku: '" + "9" * 400 + "'\n") == {"sku": "9" * 400}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_has_no_value(text):
    assert data(text) is None


# --- positions ---------------------------------------------------------------------------------


POSITIONS = """\
# comment
title: Tea night
hosts:
  - name: Mia
    role: host
  - {name: Leo, role: co_host}
rules:
  pins: [{sku: A, at: "20:40"}]
"""


def test_value_positions():
    doc = parse_yaml(POSITIONS, "show.yaml")
    assert doc.value_marks[("title",)] == (2, 8)
    assert doc.value_marks[("hosts",)] == (4, 3)
    assert doc.value_marks[("hosts", 0)] == (4, 5)
    assert doc.value_marks[("hosts", 0, "name")] == (4, 11)
    assert doc.value_marks[("hosts", 0, "role")] == (5, 11)
    assert doc.value_marks[("hosts", 1)] == (6, 5)
    assert doc.value_marks[("hosts", 1, "role")] == (6, 23)
    assert doc.value_marks[("rules", "pins", 0, "at")] == (8, 23)


def test_key_positions():
    doc = parse_yaml(POSITIONS, "show.yaml")
    assert doc.key_marks[("title",)] == (2, 1)
    assert doc.key_marks[("hosts", 0, "role")] == (5, 5)
    assert doc.key_marks[("hosts", 1, "role")] == (6, 17)
    assert doc.key_marks[("rules", "pins")] == (8, 3)


def test_locate_falls_back_to_the_enclosing_value():
    doc = parse_yaml(POSITIONS, "show.yaml")
    assert doc.locate(("hosts", 0, "max_stretch_minutes")) == (4, 5)
    assert doc.locate(("title",), key=True) == (2, 1)
    assert doc.locate(("title",)) == (2, 8)
    assert doc.locate(("nowhere", 3)) == (2, 1)


def test_alias_value_is_located_at_the_alias():
    doc = parse_yaml("a: &x 1\nb: *x\n", "f.yaml")
    assert doc.value_marks[("b",)] == (2, 4)


# --- decode ------------------------------------------------------------------------------------


def test_utf8_is_decoded():
    assert decode("title: 茶会\n".encode(), "f.yaml") == "title: 茶会\n"


def test_utf8_bom_is_accepted():
    text = decode(b"\xef\xbb\xbftitle: x\n", "f.yaml")
    assert text == "title: x\n"
    assert parse_yaml(text, "f.yaml").value_marks[("title",)] == (1, 8)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused(encoding):
    raw = "title: x\n".encode(encoding)
    if encoding != "utf-16":
        raw = ("\ufeff" + "title: x\n").encode(encoding)  # with its BOM, as editors save it
    with pytest.raises(InputError) as exc:
        decode(raw, "f.yaml")
    diagnostic = only_error(exc)
    assert diagnostic.file == "f.yaml"
    assert "UTF-16" in diagnostic.message


def test_gbk_names_file_line_and_column():
    raw = "title: x\nname: 乌龙茶\n".encode("gbk")
    with pytest.raises(InputError) as exc:
        decode(raw, "catalog.yaml")
    diagnostic = only_error(exc)
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("catalog.yaml", 2, 7)
    assert "not UTF-8" in diagnostic.message
    assert diagnostic.format().startswith("catalog.yaml:2:7: error:")


def test_latin1_names_file_line_and_column():
    raw = "a: 1\nb: 2\nname: café\n".encode("latin-1")
    with pytest.raises(InputError) as exc:
        decode(raw, "show.yaml")
    diagnostic = only_error(exc)
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("show.yaml", 3, 10)
    assert "0xe9" in diagnostic.message


def test_nul_byte_is_located():
    with pytest.raises(InputError) as exc:
        decode(b"title: x\nroom: a\x00b\n", "show.yaml")
    diagnostic = only_error(exc)
    assert (diagnostic.line, diagnostic.column) == (2, 8)
    assert "NUL" in diagnostic.message


def test_nul_byte_in_parse_yaml_is_an_input_error():
    with pytest.raises(InputError):
        data("a: x\x00y\n")


def test_oversize_file_is_refused(monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_BYTES", 100)
    decode(b"a" * 100, "f.yaml")  # at the limit is fine
    with pytest.raises(InputError) as exc:
        decode(b"a" * 101, "big.yaml")
    diagnostic = only_error(exc)
    assert diagnostic.file == "big.yaml"
    assert "limit" in diagnostic.message


def test_error_names_the_file():
    with pytest.raises(InputError) as exc:
        parse_yaml("a: [1\n", "show files/show.yaml")
    assert only_error(exc).file == "show files/show.yaml"
    assert "show files/show.yaml" in str(exc.value)
