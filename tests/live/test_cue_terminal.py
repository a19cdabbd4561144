"""The live view and its terminal: the frame fits 80 × 24 with the key legend in sight, `live`
without a terminal (or without termios) is one clear error, --record never writes over a file
lqplan did not write, and recording into an existing actuals file keeps its comments."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES
from rich.cells import cell_len
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.cli.app import PrintableConsole
from lqplan.live.actuals import dump_actuals, read_actuals
from lqplan.live.cue import DONE, LATE, WORDS, Mark, frame, record_mark, run_live

ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "120"}


@pytest.fixture(scope="module")
def plans(sample_plans) -> dict[str, dict]:
    """The minimal (English) and the beauty (Chinese) samples' plans."""
    return {name: sample_plans[name] for name in ("minimal", "beauty-douyin")}


def _screen(renderable, width: int = 80, height: int = 24) -> list[str]:
    console = PrintableConsole(
        file=io.StringIO(), width=width, height=height, color_system=None, record=True
    )
    console.print(renderable)
    return console.export_text().rstrip("\n").split("\n")


def _market(plan: dict):
    from lqplan.learning import simulate
    from lqplan.pipeline import load_and_validate

    return simulate(plan, load_and_validate(SAMPLES / "minimal"), seed=1)


# --- 80 × 24 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["minimal", "beauty-douyin"])
@pytest.mark.parametrize("when", ["before", "first", "middle", "late", "after"])
@pytest.mark.parametrize("rehearsal", [False, True])
def test_the_frame_fits_80_by_24_with_the_legend_last(plans, name, when, rehearsal):
    plan = plans[name]
    segments = plan["segments"]
    minute = {
        "before": -3,
        "first": 0.5,
        "middle": segments[len(segments) // 2]["start_minute"] + 0.5,
        "late": segments[-1]["start_minute"] + 0.5,
        "after": plan["show"]["minutes"] + 1,
    }[when]
    lang = plan["show"]["language"]
    market = _market(plan) if rehearsal and name == "minimal" else None
    lines = _screen(frame(plan, minute, (), lang, market=market, height=24))
    assert len(lines) <= 24, "\n".join(lines)
    assert all(cell_len(line) <= 80 for line in lines), "\n".join(lines)
    assert lines[-1].strip() == WORDS[lang]["keys"]


def test_without_a_height_the_frame_is_as_tall_as_its_content(plans):
    """Printed outside the live view (tests, a log): nothing is cut."""
    plan = plans["beauty-douyin"]
    lines = _screen(frame(plan, 12.5, (), "zh"), height=24)
    assert len(lines) > 24


def test_run_live_fills_the_terminal_and_keeps_the_legend(plans):
    """The view draws each frame at the console's height: on an 80 × 24 terminal the legend is
    on screen."""
    from lqplan.live.cue import LiveClock

    plan = plans["beauty-douyin"]
    out = io.StringIO()
    console = PrintableConsole(file=out, width=80, height=24, force_terminal=True)
    clock = LiveClock(12.5, 0.0, 1.0)
    run_live(plan, clock, "zh", None, console, lambda _timeout: "q", lambda: 0.0)
    assert WORDS["zh"]["keys"] in out.getvalue()


def test_the_view_escapes_control_characters_of_the_plan(plans):
    plan = json.loads(json.dumps(plans["minimal"]))
    seg = plan["segments"][0]
    seg["name"] = "Tea \x1b]0;owned\x07 \x1b[2J"
    plan["products"][seg["sku"]]["selling_points"] = [{"point": "\x9b31m red"}]
    out = io.StringIO()
    console = PrintableConsole(file=out, width=80, height=24, force_terminal=True)
    console.print(frame(plan, 0.5, (), "en", height=24))
    shown = out.getvalue()
    assert "\x1b]0;" not in shown and "\x1b[2J" not in shown and "\x9b" not in shown
    assert "\\x1b]0;owned" in shown and "\\x9b31m" in shown


# --- a terminal, or a clear error --------------------------------------------------------------


def _live(tmp_path: Path, plan: dict, *args: str):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    return CliRunner(env=ENV).invoke(app, ["live", str(plan_file), "--at", "20:10", *args])


def test_live_without_a_terminal_is_one_clear_error(plans, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _live(tmp_path, plans["minimal"])
    assert result.exit_code == 2
    assert "lqplan live needs a terminal" in result.stderr
    assert "Traceback" not in result.output


def test_live_without_termios_is_one_clear_error(plans, tmp_path, monkeypatch):
    """As on Windows: `import termios` fails."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "termios", None)
    result = _live(tmp_path, plans["minimal"])
    assert result.exit_code == 2
    assert "needs a POSIX terminal (termios)" in result.stderr
    assert "Traceback" not in result.output


# --- what --record may write over --------------------------------------------------------------

OURS = dump_actuals(
    {"plan": "x", "segments": [{"number": 1, "sku": "A", "start": "20:00", "end": "20:05"}]}
)
IMPORTED = "# Imported by lqplan import actuals from sales.xlsx: 1 records.\nsegments: []\n"


def _make(path: Path, kind: str) -> None:
    if kind == "new":
        return
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to ours":
        (path.parent / "target.yaml").write_text(OURS, encoding="utf-8")
        path.symlink_to(path.parent / "target.yaml")
    else:
        texts = {
            "empty": "",
            "blank": "\n  \n",
            "ours": OURS,
            "imported": IMPORTED,
            "show.yaml": (SAMPLES / "minimal" / "show.yaml").read_text(encoding="utf-8"),
            "catalog": (SAMPLES / "minimal" / "catalog.yaml").read_text(encoding="utf-8"),
            "hand-written actuals": OURS.split("\n", 1)[1],  # the same, without our first line
            "ours, broken": OURS + "segments: [1]\n",
        }
        path.write_text(texts[kind], encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "exit_code", "message"),
    [
        # accepted: the terminal check that follows is what stops the command here
        ("new", 2, "needs a terminal"),
        ("empty", 2, "needs a terminal"),
        ("blank", 2, "needs a terminal"),
        ("ours", 2, "needs a terminal"),
        ("imported", 2, "needs a terminal"),
        # the show's own file, another show file, an actuals file lqplan did not write
        ("show.yaml", 4, "not an actuals file lqplan wrote"),
        ("catalog", 4, "not an actuals file lqplan wrote"),
        ("hand-written actuals", 4, "not an actuals file lqplan wrote"),
        # not a regular file: never written through, never read (a pipe would block)
        ("link to ours", 4, "not a regular file"),
        ("fifo", 4, "not a regular file"),
        ("folder", 2, "is a folder"),
        # ours, but edited out of shape: its problems, before the view starts
        ("ours, broken", 1, "error"),
    ],
)
def test_record_refuses_what_lqplan_did_not_write(
    plans, tmp_path, monkeypatch, kind, exit_code, message
):
    monkeypatch.chdir(tmp_path)
    record = tmp_path / "record.yaml"
    _make(record, kind)
    before = record.read_bytes() if record.is_file() and kind != "link to ours" else None
    result = _live(tmp_path, plans["minimal"], "--record", str(record))
    assert result.exit_code == exit_code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    if before is not None:
        assert record.read_bytes() == before


def test_record_into_a_missing_folder_is_a_usage_error(plans, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _live(tmp_path, plans["minimal"], "--record", str(tmp_path / "no" / "a.yaml"))
    assert result.exit_code == 2
    assert "no folder" in result.stderr


# --- recording keeps the file's comments -------------------------------------------------------


def test_recording_into_an_existing_file_keeps_its_comments(plans, tmp_path):
    plan = plans["minimal"]
    first, second, third = plan["segments"][:3]
    record = tmp_path / "actuals.yaml"
    record_mark(record, plan, [Mark(third["number"], DONE, third["start_minute"] + 2)])
    text = record.read_text(encoding="utf-8")
    assert text.startswith("# lqplan actuals")
    # The team annotates the file between marks.
    text = text.replace("segments:\n", "# the host lost her voice here\nsegments:\n")
    text = text.rstrip("\n") + "  # cut: the samples ran out\n"
    text += "sales:\n  - {sku: TEA-GREEN, at: '20:06', units: 4}  # counted by hand\n"
    record.write_text(text, encoding="utf-8")
    marks = [
        Mark(third["number"], DONE, third["start_minute"] + 3),  # pressed again: later
        Mark(first["number"], LATE, 2.0),  # a new entry, before the others in time
    ]
    record_mark(record, plan, marks)
    after = record.read_text(encoding="utf-8")
    for comment in ("# the host lost her voice here", "# cut: the samples ran out",
                    "# counted by hand"):  # fmt: skip
        assert comment in after
    entries = read_actuals(record).actuals.segments
    assert [e.number for e in entries] == [first["number"], third["number"]]
    assert len(after.splitlines()) == len(text.splitlines()) + 1  # one line more: the new entry
    # The same marks again change nothing.
    record_mark(record, plan, marks)
    assert record.read_text(encoding="utf-8") == after
    assert second["number"] not in [e.number for e in entries]


def test_recording_into_an_imported_file_keeps_its_header_and_rows(plans, tmp_path):
    plan = plans["minimal"]
    seg = plan["segments"][0]
    record = tmp_path / "actuals.yaml"
    sku = seg["sku"]
    record.write_text(
        IMPORTED + f"sales:\n  - {{sku: {sku}, at: '20:01', units: 3}}  # row 2: 备注 加急\n",
        encoding="utf-8",
    )
    record_mark(record, plan, [Mark(seg["number"], DONE, 3.0)])
    text = record.read_text(encoding="utf-8")
    assert text.startswith(IMPORTED.splitlines()[0])
    assert "# row 2: 备注 加急" in text
    actuals = read_actuals(record).actuals
    assert [s.number for s in actuals.segments] == [seg["number"]]
    assert sum(s.units for s in actuals.sales) == 3
