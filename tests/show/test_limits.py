"""What cannot be meant is refused at its line, and the longest show there is is allowed.

- Pins: at most one a slot. Two pins at one time cannot both start there; 10,000 pins on a
  12-slot show were "valid" and made `plan --time-limit 5` run past a minute.
- A 24-hour show: its end is its start's clock time, which the viewer curve can only name as
  the start, so the curve covers it when it reaches the last slot (docs/formats.md).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.errors import InputError
from lqplan.pipeline import load_and_validate

PIN = '    - {id: pin-gift-set, sku: TEA-GIFT, at: "20:40"}\n'


def _minimal(tmp_path: Path, pins: str = "", curve_end: str | None = None, day: bool = False):
    """samples/minimal with `pins` after its own; a 24-hour show (`day`) whose viewer curve
    ends at `curve_end`."""
    folder = tmp_path / "show"
    shutil.copytree(SAMPLES / "minimal", folder)
    show = (folder / "show.yaml").read_text("utf-8").replace(PIN, PIN + pins)
    if day:
        show = show.replace("duration_minutes: 60", "duration_minutes: 1440")
        show = show.replace("objective: profit\n", "objective: profit\nallow_gaps: true\n")
        show = show.replace("    count: 3\n", "    count: 60\n")  # the cadence over a day
        audience = (folder / "audience.yaml").read_text("utf-8")
        last = '  - {at: "21:00", viewers: 900}\n'
        audience = audience.replace(last, last + f'  - {{at: "{curve_end}", viewers: 700}}\n')
        (folder / "audience.yaml").write_text(audience, "utf-8")
    (folder / "show.yaml").write_text(show, "utf-8")
    return folder


def _errors(folder: Path) -> list[tuple[int | None, str, str]]:
    try:
        load_and_validate(folder)
    except InputError as exc:
        return [(d.line, d.path, d.message) for d in exc.diagnostics if d.severity == "error"]
    return []


@pytest.mark.parametrize(
    ("pins", "expected"),
    [
        # Another product at the gift set's time: the second pin is the error, at its line.
        pytest.param(
            '    - {sku: TEA-OOLONG, at: "20:40"}\n',
            [(27, "rules.pins[1].at", "TEA-GIFT is pinned at 20:40 already (rules.pins[0])")],
            id="two-products-one-slot",
        ),
        # The same pin twice.
        pytest.param(
            PIN,
            [(27, "rules.pins[1].at", "TEA-GIFT is pinned at 20:40 already")],
            id="the-same-pin-twice",
        ),
        # 10,000 pins round the clock: one error a slot, each counting the pins after it.
        pytest.param(
            "".join(
                f'    - {{sku: TEA-OOLONG, at: "20:{5 * (i % 12):02d}"}}\n' for i in range(10_000)
            ),
            12,
            id="10000-pins",
        ),
        # Pins at different times are fine (whether they fit is the planner's to say).
        pytest.param('    - {sku: TEA-OOLONG, at: "20:20"}\n', [], id="two-slots"),
    ],
)
def test_at_most_one_pin_a_slot(tmp_path, pins: str, expected):
    # (Pins without an id share the id made of their SKU and time: also an error, at `rules`.)
    errors = [e for e in _errors(_minimal(tmp_path, pins)) if e[1].startswith("rules.pins")]
    if isinstance(expected, int):
        assert len(errors) == expected, errors[:3]
        assert all("at most one pin a slot" in message for _, _, message in errors)
        assert any("and 832 more after it" in message for _, _, message in errors), errors[:3]
        return
    assert [(line, path) for line, path, _ in errors] == [
        (line, path) for line, path, _ in expected
    ]
    for (_, _, message), (_, _, fragment) in zip(errors, expected, strict=True):
        assert fragment in message and "at most one pin a slot" in message


def test_10000_pins_stop_plan_at_once(tmp_path):
    """`plan --time-limit 5` on 10,000 pins: a validation error well inside the limit."""
    pins = "".join(
        f'    - {{sku: TEA-OOLONG, at: "20:{5 * (i % 12):02d}"}}\n' for i in range(10_000)
    )
    folder = _minimal(tmp_path, pins)
    start = time.monotonic()
    result = CliRunner().invoke(app, ["plan", str(folder), "-o", str(tmp_path / "out"),
                                      "--time-limit", "5"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "at most one pin a slot" in result.output
    assert not (tmp_path / "out").exists()
    assert time.monotonic() - start < 30  # validation only: seconds on a loaded machine


def test_a_24_hour_show_is_allowed(tmp_path):
    inputs = load_and_validate(_minimal(tmp_path, day=True, curve_end="19:55"))
    assert inputs.show.minutes == 1440 and inputs.show.clock(1440) == "20:00"


def test_a_24_hour_curve_short_of_the_last_slot_says_why(tmp_path):
    errors = _errors(_minimal(tmp_path, day=True, curve_end="19:50"))
    assert [(path, message) for _, path, message in errors] == [
        (
            "viewer_curve[4].at",
            "the viewer curve ends at 19:50, before the show's last slot at 19:55 (a 24-hour "
            "show ends at its start's clock time, which names its start: the curve must reach "
            "its last slot)",
        )
    ]
