"""Property tests of the loader: hostile text never escapes as anything but InputError, and a
mutated show folder always yields a list of diagnostics, never an exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import apply, copy, paths, replacements

from lqplan.errors import Diagnostic, InputError
from lqplan.io.yamlio import decode, parse_yaml
from lqplan.show.validate import check_show

MINIMAL = Path(__file__).resolve().parents[1] / "samples" / "minimal"
FILES = ("show.yaml", "catalog.yaml", "audience.yaml", "stock.yaml")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to YAML's grammar, so random text reaches deep into the parser.
YAML_ALPHABET = [*":-[]{},&*!|>'\"#%@`?<=~ \n\t.0123456789abexyzNOtrue\\", "\ufeff", "中"]
yaml_like = st.text(alphabet=YAML_ALPHABET, max_size=200)


def only_input_errors(call) -> None:
    """Run `call`; an InputError with well-formed diagnostics is fine, anything else is not."""
    try:
        call()
    except InputError as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert isinstance(d, Diagnostic)
            assert d.file == "f.yaml"
            assert d.line >= 0 and d.column >= 0
            assert d.message


@FAST
@given(st.text(max_size=300))
def test_random_text_raises_only_input_error(text):
    only_input_errors(lambda: parse_yaml(text, "f.yaml"))


@FAST
@given(yaml_like)
def test_yaml_like_text_raises_only_input_error(text):
    only_input_errors(lambda: parse_yaml(text, "f.yaml"))


@FAST
@given(st.lists(yaml_like, min_size=1, max_size=6))
def test_yaml_like_documents_raise_only_input_error(parts):
    """Lines of YAML-ish text glued with indentation, to exercise block structure."""
    text = "".join(f"{'  ' * (i % 3)}{part}\n" for i, part in enumerate(parts))
    only_input_errors(lambda: parse_yaml(text, "f.yaml"))


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_input_error(raw):
    only_input_errors(lambda: parse_yaml(decode(raw, "f.yaml"), "f.yaml"))


@FAST
@given(st.binary(max_size=60), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
def test_bytes_after_a_bom_raise_only_input_error(raw, bom):
    only_input_errors(lambda: parse_yaml(decode(bom + raw, "f.yaml"), "f.yaml"))


# --- mutated show folders ----------------------------------------------------------------------


def _load(name: str) -> Any:
    return parse_yaml((MINIMAL / name).read_text(encoding="utf-8"), name).data


ORIGINAL = {name: _load(name) for name in FILES}


@st.composite
def mutation(draw):
    """(file, path, operation, value): one edit to the minimal sample's parsed data."""
    name = draw(st.sampled_from(FILES))
    path = draw(st.sampled_from(paths(ORIGINAL[name])))
    op = draw(st.sampled_from(["drop", "duplicate", "replace", "replace"]))
    value = draw(replacements) if op == "replace" else None
    return name, path, op, value


@SLOW
@given(st.lists(mutation(), min_size=1, max_size=3))
def test_mutated_show_gives_diagnostics_never_an_exception(mutations):
    data = {name: copy(value) for name, value in ORIGINAL.items()}
    for name, path, op, value in mutations:
        apply(data, name, path, op, value)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "show"
        shutil.copytree(MINIMAL, folder)
        texts = {}
        for name in {m[0] for m in mutations}:
            texts[name] = yaml.safe_dump(data[name], allow_unicode=True, sort_keys=False)
            (folder / name).write_text(texts[name], encoding="utf-8")
        diagnostics = check_show(folder)
        assert isinstance(diagnostics, list)
        for d in diagnostics:
            assert isinstance(d, Diagnostic)
            assert d.severity in ("error", "warning")
            assert d.message
            assert Path(d.file).name in FILES, d.file
            text = (folder / Path(d.file).name).read_text(encoding="utf-8")
            assert 0 <= d.line <= text.count("\n") + 1, d.format()
        keys = [(d.file, d.line, d.column) for d in diagnostics]
        assert keys == sorted(keys)


@SLOW
@given(st.sampled_from(FILES), st.binary(max_size=200))
def test_garbage_file_in_a_show_gives_diagnostics(name, raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "show"
        shutil.copytree(MINIMAL, folder)
        (folder / name).write_bytes(raw)
        diagnostics = check_show(folder)
        assert isinstance(diagnostics, list)
        assert all(isinstance(d, Diagnostic) for d in diagnostics)
