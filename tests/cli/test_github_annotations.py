"""`--format github`: workflow commands that GitHub's runner reads back to the same file, place and
message, with the file's path in the repository whatever folder lqplan ran in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import Diagnostic, github_annotation, printable

ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}

# The runner's unescaping, in its order (actions/runner, src/Runner.Common/ActionCommand.cs:
# _escapePropertyMappings and _escapeDataMappings, each replacement turned back into its token).
PROPERTY_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))


def unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    """The runner's Unescape: each replacement in turn, over the whole text."""
    for replacement, token in escapes:
        text = text.replace(replacement, token)
    return text


def runner_reads(line: str) -> tuple[str, dict[str, str], str]:
    """A line of output as the runner's TryParseV2 reads it: (command, properties, data). The
    properties end at the first `::` after the leading one; each is split at `,`, then at the
    first `=`, and empty entries are dropped."""
    line = line.lstrip()
    assert line.startswith("::"), line
    end = line.index("::", 2)
    name, _, rest = line[2:end].partition(" ")
    properties = {}
    for item in filter(None, rest.strip().split(",")):
        key, _, value = item.partition("=")
        if key and value:
            properties[key] = unescape(value, PROPERTY_ESCAPES)
    return name, properties, unescape(line[end + 2 :], DATA_ESCAPES)


# --- the escaping --------------------------------------------------------------------------------

# Any text not ending in white space (the runner trims the properties, and no escape keeps a
# space): `%0A` written out, the runner's `::`, a NUL or a lone surrogate no path can hold.
PATHS = st.text(min_size=1).filter(lambda s: s == s.strip())


@given(file=PATHS, message=st.text(), path=st.text(), line=st.integers(0, 10**6))
def test_the_runner_reads_back_what_lqplan_meant(file, message, path, line):
    # a root no generated file is under: the file is kept as given, to be read back exactly
    d = Diagnostic(file, line, 7, "warning", path, message)
    text = github_annotation(d, root=Path("/no-such-root-for-this-test"))
    assert "\n" not in text and "\r" not in text  # one command, one line
    command, properties, data = runner_reads(text)
    assert command == "warning"
    place = {"line": str(line), "col": "7"} if line else {}
    # what lqplan meant: the text with the control characters a terminal would obey escaped
    # (CR and LF are the runner's to carry)
    assert properties == {"file": printable(file, allow="\r"), **place}
    assert data == printable((f"{path}: " if path else "") + message, allow="\r")


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        # `,` and `:` would end the property, `%` would start an escape
        (
            Diagnostic("a,b:c%/x.yaml", 2, 0, "error", "", "m"),
            "::error file=a%2Cb%3Ac%25/x.yaml,line=2,col=1::m",
        ),
        # the message keeps `,` and `:` (data runs to the end of the line), escapes %, CR and LF
        (
            Diagnostic("x.yaml", 0, 0, "warning", "products[0].name", "50% off,\r\nnow: 1::2"),
            "::warning file=x.yaml::products[0].name: 50%25 off,%0D%0Anow: 1::2",
        ),
        # an escape written out is not one: %0A stays the three characters
        (
            Diagnostic("x.yaml", 1, 3, "error", "", "literally %0A"),
            "::error file=x.yaml,line=1,col=3::literally %250A",
        ),
    ],
)
def test_the_escapes_of_actions_toolkit(d, expected):
    assert github_annotation(d, root=Path("/no-such-root-for-this-test")) == expected


# --- the repository path -------------------------------------------------------------------------


def broken_show(
    folder: Path, old: str = "live_price: 1.99", new: str = "live_price: -1.99"
) -> Path:
    """samples/minimal in `folder`, its catalog's first `old` replaced by `new` (by default the
    first product's live price made negative)."""
    shutil.copytree(SAMPLES / "minimal", folder)
    catalog = folder / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert old in text
    catalog.write_text(text.replace(old, new, 1), "utf-8")
    return folder


def annotated_files(cwd: Path, monkeypatch, *args: str | Path) -> list[str]:
    """The `file=` of every annotation `lqplan ARGS` prints when run in `cwd` (exit 1)."""
    monkeypatch.chdir(cwd)
    result = CliRunner(env=ENV).invoke(app, [str(a) for a in args])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines, result.output
    return [runner_reads(line)[1]["file"] for line in lines]


@pytest.fixture
def repository(tmp_path) -> Path:
    """tmp_path/repo, a git repository (a .git folder) with a broken show at shows/spring,3:30
    (a folder name with the runner's `,` and `:`)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    broken_show(repo / "shows" / "spring,3:30")
    return repo


@pytest.mark.parametrize("where", [".", "shows", "shows/spring,3:30", "..", "../elsewhere"])
def test_the_file_is_named_from_the_repository_root_whatever_the_folder(
    repository, monkeypatch, where
):
    cwd = repository / where
    cwd.mkdir(exist_ok=True)
    show = repository / "shows" / "spring,3:30"
    files = annotated_files(cwd, monkeypatch, "validate", show, "--format", "github")
    assert files == ["shows/spring,3:30/catalog.yaml"]


def test_root_names_the_files_from_another_folder(repository, monkeypatch):
    show = repository / "shows" / "spring,3:30"
    args = ("validate", show, "-f", "github", "--root", repository / "shows")
    assert annotated_files(repository, monkeypatch, *args) == ["spring,3:30/catalog.yaml"]


def test_a_git_worktree_is_a_repository_too(tmp_path, monkeypatch):
    # a worktree's .git is a file naming the real git folder
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text("gitdir: /somewhere/.git/worktrees/wt\n", "utf-8")
    broken_show(tmp_path / "wt" / "show")
    files = annotated_files(tmp_path / "wt" / "show", monkeypatch, "validate", ".", "-f", "github")
    assert files == ["show/catalog.yaml"]


def test_outside_a_repository_the_path_is_the_one_shown(tmp_path, monkeypatch):
    broken_show(tmp_path / "show")
    files = annotated_files(tmp_path, monkeypatch, "validate", "show", "-f", "github")
    assert files == ["show/catalog.yaml"]


def test_lint_takes_root_too(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    # an absolute claim in the first product's name: a warning, that --strict fails on
    show = broken_show(tmp_path / "shows" / "a", "    name: ", "    name: 全网最低 ")
    args = ("lint", show, "-f", "github", "--strict", "--root", tmp_path / "shows")
    assert annotated_files(tmp_path, monkeypatch, *args) == ["a/catalog.yaml"]


def test_a_root_that_is_not_a_folder_is_a_usage_error(repository, monkeypatch):
    monkeypatch.chdir(repository)
    result = CliRunner(env=ENV).invoke(
        app, ["validate", "shows/spring,3:30", "-f", "github", "--root", "nowhere"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
