"""Nothing in the repository points at a file it does not contain: every .md, .py or .yaml path
named in the documentation (Markdown prose and links) and in the code's comments and docstrings
exists in the repository.

What is checked, and how it must resolve (inside the repository, never beside it):
- a path that climbs (`../shared/SOLVER_NOTES.md`): from the folder of the file naming it;
- a path in one of the repository's folders or the package's (`docs/model.md`, `io/write.py`):
  from that folder, one of its parents, or the package (tests name modules from lqplan/);
- a bare module name (`validate.py`) or a bare document in capitals (`README.md`, `DOMAIN.md`):
  the name of some file of the repository.
Not checked: other paths with a folder, which are a user's examples (`myshow/catalog.yaml`,
`out/checklists/tech.md`), bare lower-case .md and .yaml names, which are files lqplan writes or
reads in a show (`review.md`, `show.yaml`), and code blocks and code spans in Markdown.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Folders whose files are not the repository's own text: environments, outputs, caches, and the
# hostile corpora (whose inputs name missing files on purpose).
SKIPPED = {".git", ".venv", "out", "node_modules", "__pycache__", "hostile", "hostile_templates"}

# A path-like word ending in one of the checked extensions; `<team>` and `{name}` placeholders,
# globs and URLs never match (their characters are outside the class, or they are filtered).
REFERENCE = re.compile(r"(?<![\w./<{*-])((?:\.\.?/)*[\w-][\w.-]*(?:/[\w.-]+)*\.(?:md|py|yaml))\b")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def _walk() -> list[Path]:
    """Every file and folder of the repository, the skipped folders pruned."""
    found = []
    for folder, folders, files in os.walk(ROOT):
        folders[:] = sorted(f for f in folders if f not in SKIPPED)
        found += [Path(folder, name) for name in (*folders, *files)]
    return found


ALL = _walk()
NAMES = {p.name for p in ALL}
PACKAGE = ROOT / "lqplan"
# The first folder of a path that names the repository's own files: its top-level folders and
# the package's subpackages (`plan/`, `io/`).
FOLDERS = {p.name for p in ALL if p.is_dir() and p.parent in (ROOT, PACKAGE)}


def _python_prose(path: Path) -> str:
    """The comments and docstrings of a Python file: what it says, not what it computes."""
    text = path.read_text(encoding="utf-8")
    parts = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            parts.append(ast.get_docstring(node, clean=False) or "")
    return "\n".join(parts)


def _markdown_prose(text: str) -> str:
    """A Markdown file's prose: code blocks and code spans (examples of a user's paths) cut."""
    return CODE_SPAN.sub(" ", FENCE.sub(" ", text))


def _checked(reference: str) -> bool:
    """Whether a reference names the repository's own files (see the module's docstring)."""
    reference = reference.rstrip("/")
    if reference.startswith("../"):
        return True
    first, _, rest = reference.removeprefix("./").partition("/")
    if rest:
        return first in FOLDERS
    stem, _, suffix = reference.rpartition(".")
    return suffix == "py" or (suffix == "md" and stem.isupper())


def _exists(reference: str, source: Path) -> bool:
    """Whether `reference`, named in `source`, is a file or folder of the repository."""
    reference = reference.rstrip("/")
    if "/" not in reference:
        return reference in NAMES
    bases = [source.parent] if reference.startswith("../") else [*source.parents, PACKAGE]
    for base in bases:
        target = (base / reference).resolve()
        if target.is_relative_to(ROOT) and target.exists():
            return True
    return False


def _references(source: Path) -> list[str]:
    """The checked paths `source` names, in order."""
    if source.suffix == ".py":
        found = REFERENCE.findall(_python_prose(source))
    else:
        text = source.read_text(encoding="utf-8")
        links = [t for t in LINK.findall(text) if "://" not in t and not t.startswith("mailto:")]
        found = links + REFERENCE.findall(_markdown_prose(text))
    return [r for r in found if _checked(r)]


# This file is left out: its examples name missing files on purpose.
SOURCES = sorted(
    p for p in ALL if p.suffix in (".md", ".py") and p.is_file() and p != Path(__file__).resolve()
)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_named_file_exists(source):
    missing = sorted({r for r in _references(source) if not _exists(r, source)})
    assert not missing, f"{source.relative_to(ROOT)} names files the repository lacks: {missing}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the kinds of reference the test must catch, and the examples it must leave alone
        ("see ../shared/SOLVER_NOTES.md", ["../shared/SOLVER_NOTES.md"]),
        ("as DOMAIN.md says", ["DOMAIN.md"]),
        ("lqplan/plan/planfile.py's model", ["lqplan/plan/planfile.py"]),
        ("checklists/<team>.md and {name}.md", []),
        ("https://example.org/a.md", []),
    ],
)
def test_the_pattern_finds_references(text, expected):
    assert REFERENCE.findall(text) == expected


@pytest.mark.parametrize(
    ("reference", "source", "checked", "exists"),
    [
        # climbing out of the repository (to the notes the project was started from) is caught
        ("../shared/SOLVER_NOTES.md", "lqplan/show/model.py", True, False),
        ("DOMAIN.md", "lqplan/show/lint.py", True, False),
        ("plan/planfile.py", "lqplan/cli/app.py", True, True),
        ("plan/planfile.py", "tests/plan/test_planfile.py", True, True),
        ("plan/nowhere.py", "tests/plan/test_planfile.py", True, False),
        ("docs/model.md", "README.md", True, True),
        ("../rules/", "lqplan/cli/app.py", True, True),
        # a user's example paths and the files lqplan writes are not the repository's
        ("myshow/catalog.yaml", "README.md", False, False),
        ("review.md", "README.md", False, True),
    ],
)
def test_a_reference_is_checked_and_resolved(reference, source, checked, exists):
    assert _checked(reference) is checked
    assert _exists(reference, ROOT / source) is exists
