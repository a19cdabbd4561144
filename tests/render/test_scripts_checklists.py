"""Host scripts and team checklists: golden files, truthfulness, to-confirm markers, languages."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import GOLDEN, SAMPLE_NAMES, SAMPLES, check_golden

import lqplan.render as render_pkg
from lqplan.render import checklists, phrases, scripts
from lqplan.render.env import make_environment

CLOCK = re.compile(r"\b\d{2}:\d{2}\b")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
MONEY = re.compile(r"[¥$€£]\s?(\d+(?:,\d{3})*(?:\.\d+)?)")
COUNTDOWN = re.compile(r"3、2、1|3, 2, 1")
ORDINAL = re.compile(r"^\s+\d+\. ", re.MULTILINE)
ABSOLUTE = ("最", "第一", "全网最低", "best", "lowest ever")


def _render(module: Any, plan: dict[str, Any], lang: str) -> dict[str, str]:
    env = make_environment(None, render_pkg.filters(lang, plan["show"]["currency"]))
    files = module.render(env, render_pkg.base_context(plan, lang))
    return {name: str(text) for name, text in files.items()}


def _script(plan: dict[str, Any], lang: str | None = None) -> str:
    return _render(scripts, plan, lang or plan["show"]["language"])["host_script.md"]


def _sections(text: str) -> dict[str, str]:
    """host_script.md by '## ' heading: segment sections keyed by their number."""
    out = {}
    for part in text.split("\n## ")[1:]:
        head = part.split("\n", 1)[0]
        match = re.match(r"(\d+)\. ", head)
        out[match.group(1) if match else head] = part
    return out


def _numbers(data: Any) -> set[float]:
    """Every number in a piece of plan data, in its values and in the text of its strings."""
    found: set[float] = set()
    if isinstance(data, bool) or data is None:
        return found
    if isinstance(data, int | float):
        found.add(round(float(data), 2))
    elif isinstance(data, str):
        found |= {round(float(n.replace(",", "")), 2) for n in NUMBER.findall(data)}
    elif isinstance(data, dict):
        for value in data.values():
            found |= _numbers(value)
    elif isinstance(data, list):
        for value in data:
            found |= _numbers(value)
    return found


def _plan_clocks(plan: dict[str, Any]) -> set[str]:
    times = {plan["show"]["start"], plan["show"]["end"]}
    for seg in plan["segments"]:
        times |= {seg["start"], seg["end"]} | {a["at"] for a in seg["actions"]}
    for bag in plan["lucky_bags"]:
        times |= {bag["at"], bag["draw_at"]}
    for brk in plan["breaks"]:
        times.add(brk["at"])
        times.add(_clock(plan, brk["minute"] + brk["minutes"]))
    return times


def _clock(plan: dict[str, Any], minute: int) -> str:
    start = plan["show"]["start"]
    total = int(start[:2]) * 60 + int(start[3:]) + minute
    return f"{total // 60 % 24:02d}:{total % 60:02d}"


# -- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_golden_host_script(sample_plans: dict[str, Any], name: str) -> None:
    check_golden(GOLDEN / name / "host_script.md", _script(sample_plans[name]))


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_golden_checklists(sample_plans: dict[str, Any], name: str) -> None:
    plan = sample_plans[name]
    files = _render(checklists, plan, plan["show"]["language"])
    for path, text in files.items():
        check_golden(GOLDEN / name / path, text)
    # No stale golden checklist for a team that no longer gets one.
    stale = {p.name for p in (GOLDEN / name / "checklists").glob("*.md")}
    assert stale == {Path(p).name for p in files}


# -- truthfulness ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_number_in_a_segment_comes_from_the_plan(
    sample_plans: dict[str, Any], name: str
) -> None:
    """Each segment's money, quantities and clock times appear in that segment's plan data."""
    plan = sample_plans[name]
    promotions = {p["id"]: p for p in plan["promotions"]}
    sections = _sections(_script(plan))
    clocks = _plan_clocks(plan)
    for i, seg in enumerate(plan["segments"]):
        text = sections[str(seg["number"])]
        nxt = plan["segments"][i + 1] if i + 1 < len(plan["segments"]) else None
        bags = [
            b
            for b in plan["lucky_bags"]
            if seg["start_minute"] - 10 <= b["minute"] <= seg["start_minute"] + seg["minutes"]
        ]
        later = [s["start"] for s in plan["segments"] if s["sku"] == seg["sku"]]
        facts = [
            seg,
            plan["products"][seg["sku"]],
            promotions.get(seg["promotion"] or "", {}),
            bags,
            nxt,
            plan["breaks"],
            later,
            [b["at"] for b in plan["lucky_bags"]],
        ]
        allowed = _numbers(facts)
        money_allowed = _numbers([seg["price"], promotions.get(seg["promotion"] or "", {})])
        for token in MONEY.findall(text):
            value = round(float(token.replace(",", "")), 2)
            assert value in money_allowed, f"segment {seg['number']}: money {token} not in plan"
        for hhmm in CLOCK.findall(text):
            assert hhmm in clocks, f"segment {seg['number']}: time {hhmm} not in the plan"
        # The countdown "3, 2, 1" and list ordinals are wording, not facts.
        words = COUNTDOWN.sub(" ", ORDINAL.sub(" ", CLOCK.sub(" ", text)))
        for token in NUMBER.findall(words):
            value = round(float(token.replace(",", "")), 2)
            assert value in allowed, f"segment {seg['number']}: number {token} not in its data"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_price_anchoring_states_the_plan_prices(sample_plans: dict[str, Any], name: str) -> None:
    plan = sample_plans[name]
    sections = _sections(_script(plan))
    lang = plan["show"]["language"]
    for seg in plan["segments"]:
        price_line = next(
            line
            for line in sections[str(seg["number"])].splitlines()
            if line.startswith(("- **价格**", "- **Price**"))
        )
        cur = plan["show"]["currency"]
        from lqplan.render.i18n import money

        assert money(seg["price"]["live"], cur, lang) in price_line
        for key in ("flash_sale", "after_coupon"):
            if seg["price"][key] is not None and key == "flash_sale":
                assert money(seg["price"][key], cur, lang) in price_line
        if seg["price"]["list"] > seg["price"]["live"]:
            list_at = price_line.index(money(seg["price"]["list"], cur, lang))
            assert list_at < price_line.index(money(seg["price"]["live"], cur, lang))


# -- to confirm --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bare_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """samples/minimal with one product stripped of selling points, scene, objections, list
    price above live, and another's proofs removed."""
    from lqplan.pipeline import load_and_validate, plan_show
    from lqplan.plan.result import SolveSettings

    folder = tmp_path_factory.mktemp("bare") / "minimal"
    shutil.copytree(SAMPLES / "minimal", folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    for product in catalog["products"]:
        product.pop("usage_scene", None)
        product.pop("objections", None)
        for point in product.get("selling_points", []):
            point.pop("proof", None)
        if product["sku"] == "TEA-OOLONG":
            product.pop("selling_points", None)
            product["list_price"] = product["live_price"]
    (folder / "catalog.yaml").write_text(
        yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    settings = SolveSettings(time_limit=2, deterministic=True)
    return plan_show(load_and_validate(folder), settings).plan


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_missing_facts_get_the_to_confirm_marker(bare_plan: dict[str, Any], lang: str) -> None:
    marker = "**未确认**" if lang == "zh" else "**to confirm**"
    points, scene, objections, price = (
        ("卖点", "使用场景", "顾虑解答", "价格")
        if lang == "zh"
        else ("Selling points", "Usage scene", "Objections", "Price")
    )
    sections = _sections(_script(bare_plan, lang))
    for seg in bare_plan["segments"]:
        text = sections[str(seg["number"])]
        # The selling-point block runs from its label to the next label (the usage scene).
        block = text.split(f"- **{points}**", 1)[1].split(f"- **{scene}**", 1)[0]
        assert marker in block  # no selling points, or points without proof
        lines = {ln.split("**")[1]: ln for ln in text.splitlines() if ln.startswith("- **")}
        assert marker in lines[scene]
        assert marker in lines[objections]
        if seg["sku"] == "TEA-OOLONG":
            assert lines[points].endswith(marker)  # no selling points at all
            assert marker in lines[price]  # list price not above the live price
    checklist = _render(checklists, bare_plan, lang)["checklists/operations.md"]
    assert ("缺少卖点" if lang == "zh" else "has no selling points") in checklist


def test_templates_add_no_absolute_claims(sample_plans: dict[str, Any]) -> None:
    """With neutral catalog text, nothing the templates word is an absolute claim."""
    plan = copy.deepcopy(sample_plans["beauty-douyin"])
    for product in plan["products"].values():
        product["name"] = "X"
        product["selling_points"] = [{"point": "P", "proof": "R"}]
        product["usage_scene"] = "S"
        product["objections"] = [{"question": "Q", "answer": "A"}]
        product.pop("collab", None)
    for seg in plan["segments"]:
        seg["name"] = "X"
    for promo in plan["promotions"]:
        for key in ("prize", "entry", "item"):
            if key in promo:
                promo[key] = "Z"
    for bag in plan["lucky_bags"]:
        bag["prize"] = bag["entry"] = "Z"
    plan["show"]["title"] = plan["show"]["theme"] = plan["show"]["room"] = "T"
    plan["breaks"] = [dict(b, label="L") for b in plan["breaks"]]
    for lang in ("zh", "en"):
        texts = [_script(plan, lang), *_render(checklists, plan, lang).values()]
        for text in texts:
            for word in ABSOLUTE:
                assert word not in text.lower(), f"{lang}: {word!r} in a rendered document"


# -- checklists --------------------------------------------------------------------------------


def test_team_without_members_or_duties_gets_no_checklist(sample_plans: dict[str, Any]) -> None:
    plan = sample_plans["minimal"]
    files = _render(checklists, plan, "en")
    teams = {Path(p).stem for p in files}
    assert "host" in teams
    assert {"control_room", "operations"} <= teams  # members
    assert "floor_control" in teams  # no members, but pins the lucky-bag comments
    assert "tech" not in teams and "co_host" not in teams  # neither members nor duties
    stripped = copy.deepcopy(plan)
    stripped["lucky_bags"] = []
    assert "floor_control" not in {Path(p).stem for p in _render(checklists, stripped, "en")}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_in_show_items_happen_at_plan_times(sample_plans: dict[str, Any], name: str) -> None:
    plan = sample_plans[name]
    lang = plan["show"]["language"]
    context = render_pkg.base_context(plan, lang)
    allowed = _plan_clocks(plan) | {a["at"] for a in context["actions"]}
    checks = {_clock(plan, m) for m in range(15, plan["show"]["minutes"] + 1, 15)}
    for path, text in _render(checklists, plan, lang).items():
        during = text.split("\n## ")[2]
        for line in during.splitlines()[1:]:
            if not line.startswith("- [ ]"):
                continue
            hhmm = re.match(r"- \[ \] \*\*(\d{2}:\d{2})\*\*", line)
            assert hhmm, f"{path}: in-show item without a time: {line}"
            ok = allowed | (checks if path.endswith("operations.md") else set())
            assert hhmm.group(1) in ok, f"{path}: {line}"


def test_checklist_lists_every_product_and_promotion(sample_plans: dict[str, Any]) -> None:
    plan = sample_plans["beauty-douyin"]
    text = _render(checklists, plan, "zh")["checklists/control_room.md"]
    setup = text.split("### ")[1]
    for sku in {s["sku"] for s in plan["segments"]}:
        assert f"（{sku}）" in setup
    used = {s["promotion"] for s in plan["segments"] if s["promotion"]}
    used |= {b["id"] for b in plan["lucky_bags"]}
    for pid in used:
        assert pid in setup
    review = text.split("\n## ")[-1]
    assert "01:00（次日）" in review
    kpi = _render(checklists, plan, "zh")["checklists/operations.md"]
    assert "GPM > ¥1,200" in kpi


# -- languages ---------------------------------------------------------------------------------


def test_language_switch(sample_plans: dict[str, Any]) -> None:
    plan = sample_plans["minimal"]
    en, zh = _script(plan, "en"), _script(plan, "zh")
    assert en.startswith("# Host script") and "**Hook**" in en and "link #" in en
    assert zh.startswith("# 主播话术") and "**钩子**" in zh and "号链接" in zh
    assert "钩子" not in en and "Hook" not in zh
    en_c = _render(checklists, plan, "en")["checklists/control_room.md"]
    zh_c = _render(checklists, plan, "zh")["checklists/control_room.md"]
    assert en_c.startswith("# Control room checklist") and "Before the show" in en_c
    assert zh_c.startswith("# 中控检查清单") and "开播前" in zh_c
    assert set(phrases.HOST_SCRIPT["zh"]) == set(phrases.HOST_SCRIPT["en"])
    assert set(phrases.CHECKLIST["zh"]) == set(phrases.CHECKLIST["en"])


def test_no_unrendered_template_syntax(sample_plans: dict[str, Any]) -> None:
    plan = sample_plans["home-tiktok"]
    for text in [_script(plan), *_render(checklists, plan, "en").values()]:
        assert "{{" not in text and "{%" not in text and "{name" not in text


def test_plan_json_round_trip_renders_the_same(sample_plans: dict[str, Any]) -> None:
    """`lqplan render PLAN.json` reads the plan back from JSON: the script must not change."""
    plan = sample_plans["minimal"]
    again = json.loads(json.dumps(plan, ensure_ascii=False))
    assert _script(plan) == _script(again)


# -- breaks and who covers them -----------------------------------------------------------------


@pytest.mark.parametrize(("covered_by", "under_break"), [([], False), (["Mia"], True)])
def test_bag_lines_go_under_a_break_only_when_it_is_covered(
    sample_plans: dict[str, Any], covered_by: list[str], under_break: bool
) -> None:
    """A break laid by hand over minimal's second lucky bag: the bag's lines go under the break
    heading only when a host covers it (and the heading's block names them); else they stay in
    the segment on air before it, where someone is there to say them."""
    plan = copy.deepcopy(sample_plans["minimal"])
    bag = plan["lucky_bags"][1]
    start, end = bag["minute"], bag["minute"] + 10
    plan["segments"] = [
        s
        for s in plan["segments"]
        if s["start_minute"] + s["minutes"] <= start or s["start_minute"] >= end
    ]
    plan["breaks"] = [
        {
            "at": bag["at"],
            "minute": bag["minute"],
            "minutes": 10,
            "label": None,
            "covered_by": covered_by,
        }
    ]
    sections = _sections(_script(plan, "en"))
    heading = next(h for h in sections if h.startswith(f"{bag['at']}–") and "Break" in h)
    in_break = sections[heading]
    assert (f"**{bag['at']}** Lucky bag" in in_break) == under_break
    assert (f"**{bag['draw_at']}** Lucky bag draw" in in_break) == under_break
    assert ("**Covering: Mia**" in in_break) == under_break
    assert f"**{bag['at']}** Lucky bag" in _script(plan, "en")


# Per platform and language, what the host script must say and must not: hand-checkable words.
PROFILE_WORDS = [
    # whatnot: giveaway, no lucky bag, no live room
    ("whatnot", "en", ["Giveaway", "Grab item #"], ["lucky bag", "Lucky bag", "live room"]),
    # tv: call now and an order number, never the cart or "link up"
    ("tv", "en", ["Call now", "order number"], ["cart", "link up", "Tap "]),
    ("tv", "zh", ["订购热线", "订购号"], ["上链接", "小黄车", "购物车"]),
    # douyin keeps 小黄车 and 上链接
    ("douyin", "zh", ["小黄车", "3、2、1，上链接！"], []),
]


@pytest.mark.parametrize(("platform", "lang", "says", "never"), PROFILE_WORDS)
def test_the_platform_profile_words_the_host_script(sample_plans, platform, lang, says, never):
    plan = copy.deepcopy(sample_plans["minimal"])
    plan["show"]["platform"] = platform
    script = _script(plan, lang)
    for word in says:
        assert word in script, word
    for word in never:
        assert word not in script, word


@pytest.mark.parametrize(("lang", "word"), [("zh", "参与方式：评论"), ("en", "To enter: comment")])
def test_a_bag_without_entry_is_worded_in_the_paperworks_language(sample_plans, lang, word):
    """An older plan's "comment" stays; a bag without an entry reads in the script's language."""
    plan = copy.deepcopy(sample_plans["minimal"])
    for bag in plan["lucky_bags"]:
        bag["entry"] = None
    script = _script(plan, lang)
    assert word in script
    if lang == "zh":
        assert "comment" not in script
