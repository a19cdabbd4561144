"""The `lqplan` command in-process (validate, schema, init, --version, --help) and the writer."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lqplan import __version__
from lqplan.cli import app
from lqplan.errors import InputError, LqplanError, RefusedError
from lqplan.io.write import MANIFEST, safe_name, write_files
from lqplan.show.schema import SCHEMA_KINDS, schema_files
from lqplan.show.validate import check_show

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal"
# Plain output at a fixed width, whatever the terminal running the tests says.
ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}


def run(*args: str):
    return CliRunner(env=ENV).invoke(app, list(args))


def broken_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """samples/minimal copied to tmp_path/show with three field defects; cwd is tmp_path.

    Returns the places (show/file:line:column) the three errors must be reported at, in order.
    """
    folder = tmp_path / "show"
    shutil.copytree(MINIMAL, folder)
    monkeypatch.chdir(tmp_path)
    replace(folder / "show.yaml", "slot_minutes: 5", "slot_minute: 5")
    replace(folder / "catalog.yaml", "    list_price: 35\n", "    list_price: thirty-five\n")
    replace(folder / "audience.yaml", "    share: 0.45\n", "    share: 1.45\n")
    return [
        place(folder / "audience.yaml", "1.45"),
        place(folder / "catalog.yaml", "thirty-five"),
        place(folder / "show.yaml", "slot_minute:"),
    ]


def place(path: Path, needle: str) -> str:
    """show/<file>:line:column where `needle` (occurring once) starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(needle) == 1
    at = text.index(needle)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return f"show/{path.name}:{line}:{column}"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# --- validate ----------------------------------------------------------------------------------


def test_validate_minimal_exits_0():
    result = run("validate", str(MINIMAL))
    assert result.exit_code == 0, result.output
    assert "valid" in result.stderr
    assert "0 errors" in result.stderr


def test_validate_broken_copy_lists_every_defect(tmp_path, monkeypatch):
    expected = broken_copy(tmp_path, monkeypatch)
    result = run("validate", "show")
    assert result.exit_code == 1
    for where in expected:
        assert where in result.stderr, result.output
    assert "Traceback" not in result.output
    assert "invalid" in result.stderr
    places = re.findall(r"^(\S+:\d+:\d+): error:", result.stderr, re.MULTILINE)
    assert places == expected


def test_validate_json(tmp_path, monkeypatch):
    expected = broken_copy(tmp_path, monkeypatch)
    result = run("validate", "show", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["errors"] == 3
    assert payload["warnings"] == 0
    assert payload["show"] == "show"
    places = [f"{d['file']}:{d['line']}:{d['column']}" for d in payload["diagnostics"]]
    assert places == expected
    assert {d["severity"] for d in payload["diagnostics"]} == {"error"}


def test_validate_json_on_a_valid_show():
    result = run("validate", str(MINIMAL), "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["valid"] is True
    assert (payload["errors"], payload["warnings"], payload["diagnostics"]) == (0, 0, [])


def test_validate_github_annotations(tmp_path, monkeypatch):
    expected = broken_copy(tmp_path, monkeypatch)
    result = run("validate", "show", "-f", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    pattern = re.compile(r"::error file=([^,]+),line=(\d+),col=(\d+)::\S.*")
    found = []
    for line in lines:
        match = pattern.fullmatch(line)
        assert match, line
        found.append(f"{match[1]}:{match[2]}:{match[3]}")
    assert found == expected


def test_validate_missing_path_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate", "no-such-show")
    assert result.exit_code == 2
    assert "no-such-show" in result.stderr
    assert "Traceback" not in result.output


def test_validate_folder_without_show_yaml_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    result = run("validate", "empty")
    assert result.exit_code == 2
    assert "show.yaml" in result.stderr


def test_validate_unreadable_file_exits_1_without_traceback(tmp_path, monkeypatch):
    folder = tmp_path / "show"
    shutil.copytree(MINIMAL, folder)
    monkeypatch.chdir(tmp_path)
    (folder / "catalog.yaml").write_bytes("products:\n  - name: 乌龙茶\n".encode("gbk"))
    result = run("validate", "show")
    assert result.exit_code == 1
    assert "show/catalog.yaml:2:11" in result.stderr
    assert "Traceback" not in result.output


def test_strict_fails_on_a_warning(tmp_path, monkeypatch):
    folder = tmp_path / "show"
    shutil.copytree(MINIMAL, folder)
    monkeypatch.chdir(tmp_path)
    replace(folder / "audience.yaml", "    share: 0.45\n", "    share: 0.55\n")
    lenient = run("validate", "show")
    assert lenient.exit_code == 0, lenient.output
    warning = place(folder / "audience.yaml", "- name: Tea lovers")
    assert f"{warning}: warning:" in lenient.stderr
    strict = run("validate", "show", "--strict")
    assert strict.exit_code == 1
    assert "invalid" in strict.stderr
    strict_json = run("validate", "show", "--strict", "--format", "json")
    assert strict_json.exit_code == 1
    assert json.loads(strict_json.stdout)["warnings"] == 1


# --- schema ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schema_prints_draft07_json(kind):
    result = run("schema", kind)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "definitions" in schema
    assert "$defs" not in schema
    assert "$defs" not in result.stdout  # every $ref points into definitions
    assert schema["type"] == "object"


def test_schema_defaults_to_show():
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$id"].endswith("/show.schema.json")


def test_schema_unknown_kind_exits_2():
    assert run("schema", "menu").exit_code == 2


def test_committed_schemas_are_current():
    """schemas/ holds exactly what `lqplan schema --dir schemas` would write today."""
    committed = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.json")}
    assert committed == schema_files()


def test_schema_dir_writes_all_four(tmp_path):
    out = tmp_path / "schemas"
    result = run("schema", "--dir", str(out))
    assert result.exit_code == 0, result.output
    for name, text in schema_files().items():
        assert (out / name).read_text(encoding="utf-8") == text
    again = run("schema", "--dir", str(out))  # its own files: overwritten without --force
    assert again.exit_code == 0, again.output


def test_schema_dir_refuses_foreign_file(tmp_path):
    out = tmp_path / "schemas"
    out.mkdir()
    (out / "show.schema.json").write_text("{}", encoding="utf-8")
    result = run("schema", "--dir", str(out))
    assert result.exit_code == 4
    assert (out / "show.schema.json").read_text(encoding="utf-8") == "{}"
    assert run("schema", "--dir", str(out), "--force").exit_code == 0


# --- init --------------------------------------------------------------------------------------


def test_init_writes_a_valid_show_and_refuses_a_second_time(tmp_path):
    target = tmp_path / "new-show"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    for name in ("show.yaml", "catalog.yaml", "audience.yaml", "stock.yaml"):
        assert (target / name).is_file(), name
    assert check_show(target) == []
    assert run("validate", str(target)).exit_code == 0
    (target / "show.yaml").write_text(
        (target / "show.yaml").read_text(encoding="utf-8") + "# my notes\n", encoding="utf-8"
    )
    before = snapshot(target)
    second = run("init", str(target))
    assert second.exit_code == 4
    assert "Traceback" not in second.output
    assert snapshot(target) == before


def test_init_points_the_modeline_at_its_own_schemas(tmp_path):
    target = tmp_path / "s"
    assert run("init", str(target)).exit_code == 0
    first_line = (target / "show.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=.schemas/show.schema.json"
    assert (target / ".schemas" / "show.schema.json").read_text(encoding="utf-8") == (
        schema_files()["show.schema.json"]
    )


def test_init_into_an_existing_empty_folder(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    assert check_show(tmp_path) == []


def test_init_with_language(tmp_path):
    target = tmp_path / "zh"
    result = run("init", str(target), "--sample", "minimal", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "\nlanguage: zh\n" in (target / "show.yaml").read_text(encoding="utf-8")
    assert check_show(target) == []


def test_init_unknown_sample_exits_2(tmp_path):
    result = run("init", str(tmp_path / "x"), "--sample", "no-such-sample")
    assert result.exit_code == 2
    assert "no-such-sample" in result.stderr
    assert not (tmp_path / "x").exists()


# --- version, help, README ---------------------------------------------------------------------


def command_names() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_commands_are_registered():
    assert {"validate", "schema", "init"} <= set(command_names())


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lqplan {__version__}"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_top_level_help(flag):
    result = run(flag)
    assert result.exit_code == 0
    for name in command_names():
        assert name in result.stdout


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name):
    result = run(name, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_in_the_readme(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"lqplan {name}" in readme


# --- write_files -------------------------------------------------------------------------------


def test_write_files_writes_and_records(tmp_path):
    out = tmp_path / "out"
    written = write_files({"plan.md": "# 计划\n", "sheets/run.csv": b"a,b\n"}, out)
    assert written == [out / "plan.md", out / "sheets" / "run.csv"]
    assert (out / "plan.md").read_text(encoding="utf-8") == "# 计划\n"
    assert (out / "sheets" / "run.csv").read_bytes() == b"a,b\n"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"plan.md", "sheets/run.csv"}
    leftovers = [p.name for p in out.rglob("*.tmp")]
    assert leftovers == []


def test_write_is_atomic(tmp_path, monkeypatch):
    """A failure during the rename leaves the old file whole and no temporary file behind."""
    out = tmp_path / "out"
    write_files({"plan.md": "old\n"}, out)

    replace = os.replace

    def broken_replace(src, dst, **kwargs):
        if dst == "plan.md":  # the file's own rename (the journal's goes through)
            raise OSError(28, "No space left on device", str(dst))
        replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(LqplanError):
        write_files({"plan.md": "new\n"}, out)
    monkeypatch.undo()
    assert (out / "plan.md").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "plan.md"])


def test_write_refuses_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(RefusedError) as exc:
        write_files({"other.md": "x\n", "plan.md": "theirs\n"}, out)
    assert exc.value.exit_code == 4
    assert "plan.md" in str(exc.value)
    assert (out / "plan.md").read_text(encoding="utf-8") == "mine\n"
    assert not (out / "other.md").exists()  # refused before writing anything


def test_write_overwrites_its_own_files(tmp_path):
    out = tmp_path / "out"
    write_files({"plan.md": "one\n"}, out)
    write_files({"plan.md": "two\n"}, out)
    assert (out / "plan.md").read_text(encoding="utf-8") == "two\n"


def test_write_refuses_a_file_edited_since(tmp_path):
    out = tmp_path / "out"
    write_files({"plan.md": "one\n"}, out)
    (out / "plan.md").write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(RefusedError):
        write_files({"plan.md": "two\n"}, out)
    assert (out / "plan.md").read_text(encoding="utf-8") == "edited by hand\n"


def test_write_force_overwrites(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.md").write_text("mine\n", encoding="utf-8")
    write_files({"plan.md": "new\n"}, out, force=True)
    assert (out / "plan.md").read_text(encoding="utf-8") == "new\n"
    write_files({"plan.md": "newer\n"}, out)  # now recorded as lqplan's own
    assert (out / "plan.md").read_text(encoding="utf-8") == "newer\n"


def test_write_without_manifest_refuses_every_existing_file(tmp_path):
    out = tmp_path / "out"
    write_files({"a.md": "1\n"}, out, manifest=False)
    assert not (out / MANIFEST).exists()
    with pytest.raises(RefusedError):
        write_files({"a.md": "2\n"}, out, manifest=False)


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/x", "..", ""])
def test_write_rejects_names_outside_the_folder(tmp_path, name):
    out = tmp_path / "out"
    with pytest.raises((ValueError, LqplanError)):
        write_files({name: "x\n"}, out)
    assert not (tmp_path / "x").exists()
    assert not out.exists() or not any(out.iterdir())


def test_write_detects_case_folded_collisions(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError) as exc:
        write_files({"sku-Tea.md": "a\n", "SKU-tea.md": "b\n"}, out)
    assert "sku-Tea.md" in str(exc.value.diagnostics[0].message)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("乌龙茶", "乌龙茶"),
        ("乌龙茶/礼盒", "乌龙茶_礼盒"),
        ("TEA GIFT box", "TEA_GIFT_box"),
        ("a\\b:c*d?e", "a_b_c_d_e"),
        ("tab\there", "tab_here"),
        ("ＴＥＡ－１", "TEA-1"),  # full-width letters and digits folded by NFKC
        ("", "_"),
        ("..", "_"),
    ],
)
def test_safe_name(text, expected):
    assert safe_name(text) == expected


@pytest.mark.parametrize("text", ["../../etc/passwd", "..\\..\\x", "a/../b", " ../ x", "/abs"])
def test_safe_name_never_escapes(text):
    name = safe_name(text)
    assert "/" not in name and "\\" not in name and " " not in name
    assert not name.startswith(".")
    assert name not in ("", ".", "..")


def test_safe_name_limits_length():
    assert len(safe_name("茶" * 500)) == 80
