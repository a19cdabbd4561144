"""The paperwork from the command line: plan writes it all, render re-renders, lint reports."""

from __future__ import annotations

import io
import json
import shutil

from conftest import SAMPLES, with_model, without_bands
from rich.console import Console
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.plan.summary import print_summary

runner = CliRunner()
DOCUMENTS = {
    "plan.json",
    "run_sheet.md",
    "run_sheet.csv",
    "run_sheet.html",
    "run_sheet.xlsx",
    "ontime.csv",
    "ontime.xlsx",
    "host_script.md",
    "checklists/host.md",
    "checklists/control_room.md",
}


def files_in(folder) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.name != ".lqplan-manifest.json"
    }


def test_plan_writes_every_document(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(SAMPLES / "beauty-douyin"),
            "-o",
            str(out),
            "--deterministic",
            "--time-limit",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    written = files_in(out)
    assert written >= DOCUMENTS
    assert "checklists/supply_chain.md" in written
    wrote = [line for line in result.stderr.splitlines() if line.startswith("wrote ")]
    assert {line.split(str(out) + "/", 1)[-1] for line in wrote} >= DOCUMENTS
    assert "直播脚本" in (out / "run_sheet.md").read_text(encoding="utf-8")


def test_render_rerenders_in_the_other_language_without_the_show(tmp_path):
    out = tmp_path / "out"
    made = runner.invoke(
        app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "-q", "--deterministic"]
    )
    assert made.exit_code == 0, made.output
    plan_file = tmp_path / "plan.json"
    shutil.copy(out / "plan.json", plan_file)  # render needs nothing but the plan
    zh = tmp_path / "zh"
    result = runner.invoke(app, ["render", str(plan_file), "-o", str(zh), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "主播话术" in (zh / "host_script.md").read_text(encoding="utf-8")
    assert "plan.json" in files_in(zh)
    # The English run sheet from plan and from render are the same document.
    en = tmp_path / "en"
    assert runner.invoke(app, ["render", str(plan_file), "-o", str(en)]).exit_code == 0
    assert (en / "run_sheet.md").read_bytes() == (out / "run_sheet.md").read_bytes()


def test_templates_folder_overrides_a_builtin(tmp_path):
    out = tmp_path / "out"
    assert (
        runner.invoke(
            app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "-q", "--deterministic"]
        ).exit_code
        == 0
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "run_sheet.md.j2").write_text(
        "{% for s in segments %}{{ s.start }} {{ s.sku }}\n{% endfor %}", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["render", str(out / "plan.json"), "-o", str(tmp_path / "r"), "--templates", str(mine)]
    )
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "r" / "run_sheet.md").read_text(encoding="utf-8").splitlines()
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert lines == [f"{s['start']} {s['sku']}" for s in plan["segments"]]


def test_a_broken_template_names_its_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    assert (
        runner.invoke(
            app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "-q", "--deterministic"]
        ).exit_code
        == 0
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "host_script.md.j2").write_text("ok\n{{ ''.__class__ }}\n", encoding="utf-8")
    target = tmp_path / "r"
    result = runner.invoke(
        app, ["render", str(out / "plan.json"), "-o", str(target), "--templates", str(mine)]
    )
    assert result.exit_code == 1
    assert "host_script.md.j2:2:" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_render_refuses_to_overwrite_an_edited_document(tmp_path):
    out = tmp_path / "out"
    assert (
        runner.invoke(
            app, ["plan", str(SAMPLES / "minimal"), "-o", str(out), "-q", "--deterministic"]
        ).exit_code
        == 0
    )
    sheet = out / "run_sheet.md"
    sheet.write_text("edited by hand", encoding="utf-8")
    result = runner.invoke(app, ["render", str(out / "plan.json"), "-o", str(out)])
    assert result.exit_code == 4
    assert sheet.read_text(encoding="utf-8") == "edited by hand"


def test_lint_reports_claims_with_locations(tmp_path):
    show = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", show)
    catalog = (show / "catalog.yaml").read_text(encoding="utf-8")
    (show / "catalog.yaml").write_text(
        catalog.replace("point: Raw, unfiltered", "point: The best honey, lowest ever"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["lint", str(show)])
    assert result.exit_code == 1
    assert "catalog.yaml:" in result.stderr and "absolute claim" in result.stderr
    as_json = runner.invoke(app, ["lint", str(show), "--format", "json"])
    report = json.loads(as_json.stdout)
    assert report["errors"] >= 1
    assert runner.invoke(app, ["lint", str(SAMPLES / "minimal")]).exit_code == 0


def test_plan_carries_lint_findings_into_the_run_sheet(tmp_path):
    show = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", show)
    catalog = (show / "catalog.yaml").read_text(encoding="utf-8")
    (show / "catalog.yaml").write_text(
        catalog.replace("name: Bamboo tea tray", "name: Bamboo tea tray, the best"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(show), "-o", str(out), "--deterministic"])
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert any("absolute claim" in f["message"] for f in plan["compliance"])
    assert "absolute claim" in (out / "run_sheet.md").read_text(encoding="utf-8")


def test_plan_check_passes_when_up_to_date_and_exits_4_when_stale(tmp_path):
    """CI use: regenerate in memory, compare with what is committed, write nothing."""
    show = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", show)
    out = tmp_path / "out"
    args = ["plan", str(show), "-o", str(out), "-q"]
    assert runner.invoke(app, [*args, "--deterministic"]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fresh = runner.invoke(app, [*args, "--check"])
    assert fresh.exit_code == 0, fresh.output
    assert "up to date" in fresh.stderr
    # A price change in the catalog makes the committed run sheet stale.
    catalog = (show / "catalog.yaml").read_text(encoding="utf-8")
    (show / "catalog.yaml").write_text(
        catalog.replace("live_price: 26", "live_price: 24"), encoding="utf-8"
    )
    stale = runner.invoke(app, [*args, "--check"])
    assert stale.exit_code == 4, stale.output
    assert "stale" in stale.stderr and "plan.json" in stale.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # untouched


# ---------------------------------------------------------------------- the terminal summary

DEFAULT_BAND = (
    "80 % band from the default uncertainty of hand-set coefficients — `lqplan learn` narrows it"
)


def summary_text(plan, *, terminal: bool = False) -> str:
    """What `lqplan plan` prints for `plan` on stderr, in a terminal or not, without colour."""
    console = Console(
        file=io.StringIO(), width=100, force_terminal=terminal, color_system=None, highlight=False
    )
    print_summary(console, plan)
    return console.file.getvalue()


def test_plan_prints_the_band_and_its_source_in_plain_text(tmp_path):
    result = runner.invoke(
        app,
        ["plan", str(SAMPLES / "minimal"), "-o", str(tmp_path / "out"), "--deterministic"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    gmv, profit = plan["totals"]["band"]["gmv"], plan["totals"]["band"]["profit"]
    lines = result.stderr.splitlines()
    at = lines.index(
        f"P10–P90: GMV ${gmv['p10']:,.0f}–${gmv['p90']:,.0f} · "
        f"profit ${profit['p10']:,.0f}–${profit['p90']:,.0f}"
    )
    totals = plan["totals"]
    assert f"GMV ${totals['gmv']:,.0f} · profit ${totals['profit']:,.0f}" in lines[at - 1]
    assert lines[at + 1] == f"  {DEFAULT_BAND}"
    assert "\x1b" not in result.stderr


def test_summary_names_the_model_and_omits_a_missing_band(sample_plans):
    plan = sample_plans["minimal"]
    for terminal in (False, True):
        text = summary_text(plan, terminal=terminal)
        assert DEFAULT_BAND in text and "\x1b" not in text
    text = summary_text(with_model(plan, "beb907b8786c3cad"))
    assert "\n  80 % band, model beb907b8786c3cad\n" in text
    assert "default uncertainty" not in text
    text = summary_text(without_bands(plan))
    assert "P10" not in text and "band" not in text
    assert f"GMV ${plan['totals']['gmv']:,.0f} · profit" in text
