"""lqplan learn, simulate and plan --model: the estimator on data made from known coefficients,
censoring at a stock-out, the bad inputs of issue 11, determinism, and the commands end to end."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from lqplan.cli import app
from lqplan.learning import PastShow, learn_history, read_history
from lqplan.learning.observations import show_data
from lqplan.learning.simulate import actuals_text, simulate
from lqplan.pipeline import load_and_validate, plan_json, plan_show
from lqplan.plan.result import SolveSettings

runner = CliRunner(env={"COLUMNS": "200"})
MINIMAL = SAMPLES / "minimal"


@pytest.fixture(scope="module")
def files():
    return load_and_validate(MINIMAL)


@pytest.fixture(scope="module")
def minimal_plan(files):
    return json.loads(
        plan_json(plan_show(files, SolveSettings(time_limit=2, deterministic=True)).plan)
    )


def history(folder: Path, plan: dict, market, seeds: range) -> Path:
    """One past show per seed: the same plan played out in `market`."""
    for seed in seeds:
        show = folder / f"show-{seed:02d}"
        show.mkdir(parents=True)
        (show / "plan.json").write_text(plan_json(plan), encoding="utf-8")
        actuals = simulate(plan, market, seed=seed)
        (show / "actuals.yaml").write_text(actuals_text(actuals), encoding="utf-8")
    return folder


def known_market(files, *, conversion: float = 2.0, decay: float = 0.8, flash: float = 1.5):
    """The files with three coefficients changed by known factors."""
    settings = files.show.demand.model_copy(
        update={"decay": decay, "flash_sale_lift": files.show.demand.flash_sale_lift * flash}
    )
    audience = files.audience.model_copy(
        update={"base_conversion": files.audience.base_conversion * conversion}
    )
    return replace(
        files, show=files.show.model_copy(update={"demand": settings}), audience=audience
    )


def coefficient(model: dict, name: str) -> dict:
    return next(c for c in model["coefficients"] if c["name"] == name)


def test_recovers_known_coefficients_within_their_standard_errors(tmp_path, files, minimal_plan):
    """Sixteen shows sold ×2 conversion, decay 0.8 (files 0.9) and a flash-sale lift ×1.5:
    each correction lands within 3 standard errors of the truth."""
    market = known_market(files)
    shows, skipped = read_history([history(tmp_path, minimal_plan, market, range(16))])
    assert not skipped and len(shows) == 16
    model = learn_history(shows, deterministic=True)
    decay = coefficient(model, "decay")
    assert abs(decay["estimate"] - math.log(0.8 / 0.9)) < 3 * decay["se"]
    assert decay["se"] < 0.03 and decay["identifiable"]
    flash = coefficient(model, "promotion[flash_sale]")
    assert abs(flash["estimate"] - math.log(1.5)) < 3 * flash["se"]
    for sku, effect in model["products"].items():
        assert abs(effect["log_factor"] - math.log(2.0)) < 3 * effect["se"], sku
    accuracy = model["diagnostics"]["accuracy"]
    assert abs(accuracy["gmv_bias_percent"]) < abs(accuracy["prior_gmv_bias_percent"])
    assert not model["diagnostics"]["fallback"]


def test_a_short_history_gives_the_prior_back(tmp_path, files, minimal_plan):
    """One show sold exactly as the files say: every correction stays within its uncertainty of
    0, and what one show cannot tell (a gift never run) is reported, not guessed."""
    shows, _ = read_history([history(tmp_path, minimal_plan, files, range(1))])
    model = learn_history(shows, deterministic=True)
    for c in model["coefficients"]:
        assert abs(c["estimate"]) < 2.5 * c["se"], c["name"]
        # the data can only narrow a prior (scaled by the sales' overdispersion, if any)
        dispersion = model["diagnostics"]["dispersion"]
        assert c["se"] <= c["prior_sd"] * math.sqrt(dispersion) + 1e-6
    warnings = " ".join(model["diagnostics"]["warnings"])
    assert "promotion[gift]: never run" in warnings
    assert model["diagnostics"]["accuracy"] is None  # one show: no leave-one-out


def test_minutes_after_a_stock_out_are_censored(tmp_path, files, minimal_plan):
    """The oolong has 20 units in the market: the minute it sells out and every later minute of
    it are left out of the fit, and its conversion is not read as low."""
    stock = files.stock.model_copy(
        update={
            "stock": [
                s.model_copy(update={"units": 20}) if s.sku == "TEA-OOLONG" else s
                for s in files.stock.stock
            ]
        }
    )
    market = replace(known_market(files, conversion=1.0, decay=0.9, flash=1.0), stock=stock)
    folder = history(tmp_path, minimal_plan, market, range(6))
    shows, _ = read_history([folder])
    data = show_data(shows[0])
    oolong = [s for s in data.segments if s.sku == "TEA-OOLONG"]
    minutes = [m for s in oolong for m in range(s.minutes)]
    flags = [c for s in oolong for c in s.censored]
    units = [u for s in oolong for u in (s.units or [])]
    out = next(i for i in range(len(units)) if sum(units[: i + 1]) >= 20)
    assert flags == [i >= out for i in range(len(minutes))]
    model = learn_history(shows, deterministic=True)
    assert model["diagnostics"]["censored"] > 0
    oolong_effect = model["products"]["TEA-OOLONG"]
    assert abs(oolong_effect["log_factor"]) < 3 * oolong_effect["se"]  # the truth is 0


def test_learn_and_plan_with_the_model_end_to_end(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "history", minimal_plan, known_market(files), range(3))
    model = tmp_path / "room.model.json"
    result = runner.invoke(app, ["learn", str(folder), "-o", str(model), "--deterministic"])
    assert result.exit_code == 0, result.output
    assert "leave-one-show-out" in result.output and "segment WAPE" in result.output
    data = json.loads(model.read_text(encoding="utf-8"))
    assert data["schema"] == "lqplan.model/1" and len(data["history"]) == 3
    plan = runner.invoke(
        app, ["plan", str(MINIMAL), "--model", str(model), "--json", "-q", "--deterministic"]
    )
    assert plan.exit_code == 0, plan.output
    again = runner.invoke(
        app, ["plan", str(MINIMAL), "--model", str(model), "--json", "-q", "--deterministic"]
    )
    assert again.stdout == plan.stdout  # byte-identical, bands and all
    planned = json.loads(plan.stdout)
    assert planned["demand"]["source"] == "model"
    assert planned["demand"]["model"]["id"] == data["id"]
    assert planned["totals"]["band"]["source"] == "model"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.stdout, encoding="utf-8")
    checked = runner.invoke(app, ["check", str(plan_file), str(MINIMAL), "--model", str(model)])
    assert checked.exit_code == 0, checked.output
    without = runner.invoke(app, ["check", str(plan_file), str(MINIMAL)])
    assert without.exit_code == 2 and "give it with --model" in without.output
    # learn is rerun after every show: it replaces its own model file
    again = runner.invoke(app, ["learn", str(folder), "-o", str(model), "--deterministic", "-q"])
    assert again.exit_code == 0 and json.loads(model.read_text(encoding="utf-8")) == data


def test_learn_is_deterministic_and_simulate_repeats_for_a_seed(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, known_market(files), range(2))
    texts = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        assert (
            runner.invoke(app, ["learn", str(folder), "-o", str(out), "--deterministic"]).exit_code
            == 0
        )
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]
    plan_file = folder / "show-00" / "plan.json"
    runs = []
    for name in ("x.yaml", "y.yaml"):
        out = tmp_path / name
        result = runner.invoke(
            app,
            ["simulate", str(plan_file), "--market", str(MINIMAL), "--seed", "4", "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    other = tmp_path / "z.yaml"
    runner.invoke(
        app, ["simulate", str(plan_file), "--market", str(MINIMAL), "--seed", "5", "-o", str(other)]
    )
    assert other.read_bytes() != runs[0]


def test_simulate_until_at_and_with_a_model_market(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, files, range(2))
    model = tmp_path / "m.json"
    assert runner.invoke(app, ["learn", str(folder), "-o", str(model), "-q"]).exit_code == 0
    out = tmp_path / "half.yaml"
    result = runner.invoke(
        app,
        [
            "simulate",
            str(folder / "show-00" / "plan.json"),
            "--market",
            str(model),
            "--show",
            str(MINIMAL),
            "--at",
            "20:30",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "at: '20:30'" in text
    from lqplan.live.actuals import read_actuals

    actuals = read_actuals(out).actuals
    assert all(s.start < 20 * 60 + 30 for s in actuals.segments)
    assert all(r.at < 20 * 60 + 30 for r in actuals.viewer_log)
    needs_show = runner.invoke(
        app,
        ["simulate", str(folder / "show-00" / "plan.json"), "--market", str(model), "-o", str(out)],
    )
    assert needs_show.exit_code == 2 and "--show" in needs_show.output


# --- bad input --------------------------------------------------------------------------------


def test_no_usable_show_is_exit_1_and_writes_nothing(tmp_path):
    (tmp_path / "h" / "empty-show").mkdir(parents=True)
    model = tmp_path / "m.json"
    result = runner.invoke(app, ["learn", str(tmp_path / "h"), "-o", str(model)])
    assert result.exit_code == 1
    assert "empty-show: skipped: no plan.json" in result.output
    assert "no usable past show" in result.output
    assert not model.exists()


def test_a_show_that_cannot_be_used_is_named_and_the_others_are_used(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, files, range(2))
    other = folder / "show-99"
    other.mkdir()
    (other / "plan.json").write_text(plan_json(minimal_plan), encoding="utf-8")
    # actuals of another show, naming a SKU the plan does not have
    (other / "actuals.yaml").write_text(
        'plan: Another show\nsegments:\n  - {sku: NOPE, start: "20:00", end: "20:05", units: 3}\n',
        encoding="utf-8",
    )
    bad = folder / "show-98"
    bad.mkdir()
    (bad / "plan.json").write_text(plan_json(minimal_plan), encoding="utf-8")
    (bad / "actuals.yaml").write_text(
        'segments:\n  - {sku: TEA-OOLONG, start: "20:20", end: "20:30", units: -4}\n',
        encoding="utf-8",
    )
    model = tmp_path / "m.json"
    result = runner.invoke(app, ["learn", str(folder), "-o", str(model)])
    assert result.exit_code == 0, result.output
    assert "show-99: skipped:" in result.output and "show-98: skipped:" in result.output
    assert "actuals.yaml:2:60: error: segments[0].units" in result.output  # where it is
    assert len(json.loads(model.read_text(encoding="utf-8"))["history"]) == 2
    strict = runner.invoke(app, ["learn", str(folder), "-o", str(tmp_path / "s.json"), "--strict"])
    assert strict.exit_code == 1 and not (tmp_path / "s.json").exists()


def test_shows_are_ordered_by_date_and_start_not_folder_name(tmp_path, minimal_plan, files):
    early = json.loads(json.dumps(minimal_plan))
    early["show"]["date"] = "2026-11-01"
    late = json.loads(json.dumps(minimal_plan))
    for name, plan, seed in (("a-late", late, 1), ("b-early", early, 2)):
        show = tmp_path / name
        show.mkdir()
        (show / "plan.json").write_text(plan_json(plan), encoding="utf-8")
        (show / "actuals.yaml").write_text(
            actuals_text(simulate(plan, files, seed=seed)), encoding="utf-8"
        )
    shows, _ = read_history([tmp_path])
    assert [s.folder.name for s in shows] == ["b-early", "a-late"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # a coefficient changed by hand: the id no longer matches
        (
            lambda d: d["coefficients"][0].update(estimate=1.5),
            "changed after lqplan learn wrote it",
        ),
        # a model from another lqplan version
        (lambda d: d.update(schema="lqplan.model/2"), "this lqplan reads lqplan.model/1"),
        # a field of the wrong type
        (lambda d: d["diagnostics"].update(converged="yes"), "diagnostics.converged"),
    ],
)
def test_a_model_file_edited_or_from_another_version_is_refused(
    tmp_path, minimal_plan, files, edit, message
):
    folder = history(tmp_path / "h", minimal_plan, files, range(1))
    model = tmp_path / "m.json"
    assert runner.invoke(app, ["learn", str(folder), "-o", str(model), "-q"]).exit_code == 0
    data = json.loads(model.read_text(encoding="utf-8"))
    edit(data)
    model.write_text(json.dumps(data, indent=2), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(MINIMAL), "--model", str(model), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "m.json:" in result.output and message in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_learn_does_not_overwrite_a_file_that_is_not_a_model(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, files, range(1))
    precious = tmp_path / "notes.json"
    precious.write_text('{"mine": true}', encoding="utf-8")
    result = runner.invoke(app, ["learn", str(folder), "-o", str(precious)])
    assert result.exit_code == 4 and precious.read_text(encoding="utf-8") == '{"mine": true}'


@pytest.mark.parametrize("kind", ["pipe", "deep", "huge"])
def test_learn_reads_what_is_at_its_output_bounded(tmp_path, minimal_plan, files, kind):
    """What -o names is read to tell an lqplan model, bounded like every reader: a named pipe
    (a plain read would wait for a writer forever), JSON nested 100,000 deep, a 6 GB sparse
    file. None is a model: refused at once, exit 4, nothing changed, no traceback."""
    folder = history(tmp_path / "h", minimal_plan, files, range(1))
    there = tmp_path / "model.json"
    if kind == "pipe":
        os.mkfifo(there)
    elif kind == "deep":
        there.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    else:
        with there.open("wb") as big:
            big.truncate(6 << 30)
    before = there.stat()
    result = runner.invoke(app, ["learn", str(folder), "-o", str(there)])
    assert result.exit_code == 4, result.output
    assert "is not an lqplan model" in result.output and "Traceback" not in result.output
    after = there.stat()
    assert (after.st_ino, after.st_size, after.st_mtime) == (
        before.st_ino, before.st_size, before.st_mtime)  # fmt: skip


def test_simulate_refuses_a_market_of_another_show(tmp_path, minimal_plan):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan_json(minimal_plan), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "simulate",
            str(plan_file),
            "--market",
            str(SAMPLES / "home-tiktok"),
            "-o",
            str(tmp_path / "a.yaml"),
        ],
    )
    assert result.exit_code == 2 and "the market has no product" in result.output
    assert not (tmp_path / "a.yaml").exists()


def test_the_model_is_used_for_the_viewer_curve_unless_audience_pins_it(
    tmp_path, minimal_plan, files
):
    from lqplan.learning import with_model

    market = replace(
        files,
        audience=files.audience.model_copy(
            update={
                "viewer_curve": [
                    p.model_copy(update={"viewers": p.viewers * 3})
                    for p in files.audience.viewer_curve
                ]
            }
        ),
    )
    folder = history(tmp_path / "h", minimal_plan, market, range(3))
    model = tmp_path / "m.json"
    assert runner.invoke(app, ["learn", str(folder), "-o", str(model), "-q"]).exit_code == 0
    learned = with_model(files, model)
    assert learned.calibration.viewer_curve
    peak = max(p.viewers for p in learned.audience.viewer_curve)
    assert 2.4 * 1800 < peak < 3.6 * 1800  # the files' peak is 1,800; the room's is ×3
    pinned = replace(files, audience=files.audience.model_copy(update={"viewer_curve_fixed": True}))
    assert with_model(pinned, model).audience.viewer_curve == files.audience.viewer_curve


def test_learn_accepts_a_show_folder_naming_its_history(tmp_path, minimal_plan, files):
    (tmp_path / ".git").mkdir()  # a repository holds the show and its history, side by side
    history(tmp_path / "past", minimal_plan, files, range(1))
    show = tmp_path / "myshow"
    show.mkdir()
    for name in ("catalog.yaml", "audience.yaml", "stock.yaml"):
        (show / name).write_text((MINIMAL / name).read_text(encoding="utf-8"), encoding="utf-8")
    (show / "show.yaml").write_text(
        (MINIMAL / "show.yaml").read_text(encoding="utf-8") + "history: ../past\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["learn", str(show), "-o", str(tmp_path / "m.json"), "-q"])
    assert result.exit_code == 0, result.output
    assert load_and_validate(show).show.history == "../past"


def test_past_show_api(tmp_path, minimal_plan, files):
    """The library path the CLI wraps: PastShow in, MODEL data out."""
    folder = history(tmp_path, minimal_plan, files, range(1))
    shows, _ = read_history([folder])
    assert isinstance(shows[0], PastShow)
    assert learn_history(shows, deterministic=True)["diagnostics"]["seconds"] is None


def test_explain_says_which_figures_came_from_the_model(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, known_market(files), range(2))
    model = tmp_path / "m.json"
    assert runner.invoke(app, ["learn", str(folder), "-o", str(model), "-q"]).exit_code == 0
    plan = runner.invoke(app, ["plan", str(MINIMAL), "--model", str(model), "--json", "-q"])
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.stdout, encoding="utf-8")
    result = runner.invoke(
        app,
        ["explain", str(plan_file), str(MINIMAL), "TEA-OOLONG", "--model", str(model), "--json"],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    assert figures["source"] == "model" and figures["viewer_curve"] == "model"
    assert {m["name"] for m in figures["from_model"]} >= {"decay"}
    assert figures["products"]["TEA-OOLONG"]["basis"] == "its own airings"
    text = runner.invoke(app, ["explain", str(plan_file), str(MINIMAL), "--model", str(model)])
    assert "from the files: rules, stock, prices" in text.output


def test_a_fit_that_forecasts_worse_than_the_files_falls_back_to_them(
    tmp_path, minimal_plan, files, monkeypatch
):
    """Leave-one-out says the fit forecasts worse than the files: every correction is 0, and the
    model and learn's report say why (never silently)."""
    import lqplan.learning.fit as fit_module

    folder = history(tmp_path / "h", minimal_plan, known_market(files), range(3))
    real = fit_module.accuracy

    def worse(*args, **kwargs):
        figures = real(*args, **kwargs)
        return {**figures, "segment_wape_percent": figures["prior_segment_wape_percent"] + 1}

    monkeypatch.setattr(fit_module, "accuracy", worse)
    model = tmp_path / "m.json"
    result = runner.invoke(app, ["learn", str(folder), "-o", str(model)])
    assert result.exit_code == 0, result.output
    assert "forecast worse than the files' model" in result.output
    data = json.loads(model.read_text(encoding="utf-8"))
    assert data["diagnostics"]["fallback"] is True
    assert all(c["estimate"] == 0 for c in data["coefficients"])
    assert all(p["log_factor"] == 0 for p in data["products"].values())


def test_a_fit_that_does_not_converge_falls_back(tmp_path, minimal_plan, files, monkeypatch):
    import lqplan.learning.fit as fit_module

    folder = history(tmp_path / "h", minimal_plan, known_market(files), range(1))
    real = fit_module.fit
    monkeypatch.setattr(fit_module, "fit", lambda *a, **k: replace(real(*a, **k), converged=False))
    shows, _ = read_history([folder])
    model = learn_history(shows, deterministic=True)
    assert model["diagnostics"]["fallback_reason"] == "the regression did not converge"
    assert all(c["estimate"] == 0 for c in model["coefficients"])


def test_the_viewer_curve_tells_the_clock_from_the_minute_into_the_show():
    """Shows of 2 hours starting at 20:00 and at 21:00; the room has 1.5× the viewers from 21:00
    to 22:00 and is flat otherwise. The curve learns that half-hours of 21:xx are busier, so a
    show starting at 20:00 peaks in its second hour and one at 21:00 in its first."""
    from lqplan.learning.fit import clock_factor, curve_at, viewer_curve
    from lqplan.learning.observations import ShowData

    def room(clock: int) -> float:
        return 1500.0 if 21 * 60 <= clock % 1440 < 22 * 60 else 1000.0

    shows = []
    for i in range(6):
        start = 20 * 60 if i % 2 == 0 else 21 * 60
        show = ShowData(f"s{i}", "t", f"2026-11-0{i + 1}", f"{start // 60}:00", 120, True, "files")
        show.readings = [(float(m), room(start + m)) for m in range(0, 121, 5)]
        shows.append(show)
    curve = viewer_curve(shows)
    assert curve is not None and curve["clock"]

    def viewers(start: int, minute: int) -> float:
        return curve_at(curve, minute) * clock_factor(curve, start + minute)

    for start, busy, quiet in ((20 * 60, 90, 30), (21 * 60, 30, 90)):
        assert viewers(start, busy) / viewers(start, quiet) > 1.3, start


def test_plan_robust_plans_on_the_mean_over_markets_beside_the_point_plan(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["plan", str(MINIMAL), "--robust", "--deterministic", "--time-limit", "2", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "robust planning (--robust):" in result.output and "point plan" in result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    robust = plan["robust"]
    assert robust["draws"] == 16
    for key in ("robust_plan", "point_plan"):
        assert set(robust[key]) == {"value_cents", "mean_value_cents", "band"}
    # What the solver optimised is recorded; objective_cents stays the point value as documented.
    totals = plan["totals"]
    assert plan["solver"]["objective_cents"] == totals["value_cents"] + totals["preference_cents"]
    assert plan["solver"]["robust_objective_cents"] is not None
    # The robust plan is the best of the two on the markets it was valued on.
    assert robust["robust_plan"]["mean_value_cents"] >= robust["point_plan"]["mean_value_cents"] - 1
    checked = runner.invoke(app, ["check", str(out / "plan.json"), str(MINIMAL)])
    assert checked.exit_code == 0, checked.output


def test_show_yaml_names_its_model(tmp_path, minimal_plan, files):
    """`model:` in show.yaml: plan uses it without --model; a missing one is an error there."""
    folder = history(tmp_path / "h", minimal_plan, known_market(files), range(2))
    show = tmp_path / "myshow"
    show.mkdir()
    for name in ("catalog.yaml", "audience.yaml", "stock.yaml"):
        (show / name).write_text((MINIMAL / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (MINIMAL / "show.yaml").read_text(encoding="utf-8")
    (show / "show.yaml").write_text(text + "model: room.model.json\n", encoding="utf-8")
    missing = runner.invoke(app, ["validate", str(show)])
    assert missing.exit_code == 1
    line = len(text.splitlines()) + 1
    assert (
        f"show.yaml:{line}:8: error: model: model file not found: room.model.json" in missing.output
    )
    learned = runner.invoke(app, ["learn", str(folder), "-o", str(show / "room.model.json"), "-q"])
    assert learned.exit_code == 0, learned.output
    plan = runner.invoke(app, ["plan", str(show), "--json", "-q", "--deterministic"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["demand"]["model"]["file"] == "room.model.json"


def test_learn_json_writes_the_model_to_stdout_and_the_report_to_stderr(
    tmp_path, minimal_plan, files
):
    folder = history(tmp_path / "h", minimal_plan, files, range(2))
    result = runner.invoke(app, ["learn", str(folder), "--json", "--deterministic"])
    assert result.exit_code == 0, result.output
    model = json.loads(result.stdout)  # stdout is data: the MODEL and nothing else
    assert model["schema"] == "lqplan.model/1"
    assert "learned from 2 shows" in result.stderr and "learned from" not in result.stdout
    usage = runner.invoke(app, ["learn", str(folder)])
    assert usage.exit_code == 2 and "-o MODEL" in usage.output


def test_a_plan_edited_by_hand_in_the_history_is_skipped_and_named(tmp_path, minimal_plan, files):
    folder = history(tmp_path / "h", minimal_plan, files, range(2))
    broken = json.loads((folder / "show-01" / "plan.json").read_text(encoding="utf-8"))
    for facts in broken["products"].values():
        del facts["live_price"]
    (folder / "show-01" / "plan.json").write_text(json.dumps(broken), encoding="utf-8")
    model = tmp_path / "m.json"
    result = runner.invoke(app, ["learn", str(folder), "-o", str(model)])
    assert result.exit_code == 0, result.output
    # plan.json is read through its model: the place of the first missing price, one line
    assert "show-01: skipped: " in result.output and "live_price" in result.output
    assert len(json.loads(model.read_text(encoding="utf-8"))["history"]) == 1
    strict = runner.invoke(app, ["learn", str(folder), "-o", str(tmp_path / "s.json"), "--strict"])
    assert strict.exit_code == 1 and "Traceback" not in strict.output


def test_the_time_into_show_effect_counts_from_the_start_of_the_whole_show():
    """A replan's rest starts at its cut: minute 0 of the rest is minute `cut` of the show."""
    from lqplan.plan.calibration import Calibration

    whole = Calibration("m", "m.json", "x", {}, time_slope=0.1)
    rest = replace(whole, offset_minutes=90)
    assert rest.time_weight(0) == pytest.approx(whole.time_weight(90))
    assert whole.time_weight(60) == pytest.approx(math.exp(0.1))


def test_the_fit_is_the_statsmodels_fit(tmp_path, minimal_plan, files):
    """learn's Newton's method gives statsmodels' GLM estimates, covariance, dispersion and
    deviance, on the whole history and on every leave-one-out fold."""
    import numpy as np

    from lqplan.learning.fit import design, fit, fit_statsmodels, refit
    from lqplan.learning.observations import history_rows

    shows, _ = read_history([history(tmp_path, minimal_plan, known_market(files), range(4))])
    table = design(history_rows(shows))
    full = fit(table)
    everything = np.ones(len(shows), dtype=bool)
    folds = [everything]
    for held in range(len(shows)):
        mask = everything.copy()
        mask[held] = False
        folds.append(mask)
    for mask in folds:
        ours = fit(table, mask) if mask is everything else refit(table, mask, full)
        theirs = fit_statsmodels(table, mask)
        assert ours.converged and theirs.converged
        assert np.allclose(ours.params, theirs.params, atol=1e-8)
        assert np.allclose(ours.cov, theirs.cov, atol=1e-8)
        assert ours.dispersion == pytest.approx(theirs.dispersion)
        assert ours.deviance == pytest.approx(theirs.deviance)


def test_where_newton_does_not_converge_statsmodels_fits(
    tmp_path, minimal_plan, files, monkeypatch
):
    import lqplan.learning.fit as fit_module

    shows, _ = read_history([history(tmp_path, minimal_plan, files, range(1))])
    from lqplan.learning.observations import history_rows

    table = fit_module.design(history_rows(shows))
    real = fit_module._newton
    monkeypatch.setattr(
        fit_module, "_newton", lambda *a, **k: replace(real(*a, **k), converged=False)
    )
    result = fit_module.fit(table)
    reference = fit_module.fit_statsmodels(table, np.ones(1, dtype=bool))
    assert result.converged and (result.params == reference.params).all()
