"""The platform's defaults, show.yaml's `words:` and `time_zone:` as validate reads them, on tiny
shows (tests/conftest.py's tiny_show sets its own segment_minutes and decay, so each test takes
out what it wants the platform to fill)."""

from __future__ import annotations

import yaml
from conftest import tiny_show

from lqplan.show.validate import check_show, load_and_validate


def _folder(tmp_path, **show):
    folder = tiny_show(tmp_path / "show", [{"sku": "A"}], **show)
    doc = yaml.safe_load((folder / "show.yaml").read_text(encoding="utf-8"))
    del doc["rules"]["segment_minutes"]
    del doc["demand"]["decay"]
    (folder / "show.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def _errors(folder) -> list[str]:
    return [f"{d.path}: {d.message}" for d in check_show(folder) if d.severity == "error"]


def test_tv_airs_longer_and_decays_slower_by_default(tmp_path):
    show = load_and_validate(_folder(tmp_path, platform="tv", slots=6)).show
    rule = show.rules.segment_minutes
    assert (rule.default, rule.min, rule.max) == (15, 10, 30)
    assert show.demand.decay == 0.95


def test_what_the_show_gives_wins_over_the_platform(tmp_path):
    folder = _folder(tmp_path, platform="tv", slots=6)
    doc = yaml.safe_load((folder / "show.yaml").read_text(encoding="utf-8"))
    doc["rules"]["segment_minutes"] = {"max": 20}
    doc["demand"]["decay"] = 0.8
    (folder / "show.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    show = load_and_validate(folder).show
    rule = show.rules.segment_minutes
    assert (rule.default, rule.min, rule.max) == (15, 10, 20) and show.demand.decay == 0.8


def test_douyin_keeps_lqplans_own_defaults(tmp_path):
    show = load_and_validate(_folder(tmp_path, platform="douyin")).show
    rule = show.rules.segment_minutes
    assert (rule.default, rule.min, rule.max) == (5, 3, 10) and show.demand.decay == 0.9


def test_bad_words_and_time_zones_are_refused(tmp_path):
    errors = _errors(_folder(tmp_path / "a", words={"en": {"basket": "cart"}}))
    assert len(errors) == 1 and errors[0].startswith("words.en.basket: Input should be 'lucky_bag'")
    errors = _errors(_folder(tmp_path / "b", words={"en": {"call": "Buy {n} now"}}))
    assert errors == ["words: call: unknown placeholder {n} (it may hold: {link})"]
    errors = _errors(_folder(tmp_path / "c", time_zone="Mars/Olympus"))
    assert any("'Mars/Olympus' is not an IANA time zone name" in e for e in errors), errors
    assert _errors(_folder(tmp_path / "d", time_zone="Asia/Shanghai")) == []
