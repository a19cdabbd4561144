"""Compliance lint: each finding is a sample with ONE textual edit, found at its exact place.

samples/minimal (English, TikTok, tea) and samples/beauty-douyin (Chinese, Douyin, cosmetics)
are copied into tmp_path/show; a row replaces one text and names the diagnostic expected: its
`file:line:column` (the column of the offending word inside the scalar), severity and a
fragment of its message.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lqplan.errors import Diagnostic, InputError
from lqplan.show.lint import lint_raw, lint_show
from lqplan.show.load import load_show
from lqplan.show.validate import validate

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
FOLDER = "show"


def copy_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str = "minimal") -> Path:
    """A private copy of a sample in tmp_path/show; messages then name show/<file>."""
    folder = tmp_path / FOLDER
    shutil.copytree(SAMPLES / name, folder)
    monkeypatch.chdir(tmp_path)
    return folder


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) by `new` in one file of the folder."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_compliance(folder: Path, section: str) -> None:
    with (folder / "show.yaml").open("a", encoding="utf-8") as f:
        f.write("compliance:\n" + section)


def where(d: Diagnostic) -> str:
    file = Path(d.file).as_posix()
    assert file.startswith(f"{FOLDER}/"), d.file
    return f"{file[len(FOLDER) + 1 :]}:{d.line}:{d.column}"


def summary(findings: list[Diagnostic]) -> list[tuple[str, str, str]]:
    return [(where(d), d.severity, d.message) for d in findings]


class Row(NamedTuple):
    sample: str
    file: str
    old: str
    new: str
    place: str  # file:line:column, relative to the show folder
    severity: str
    fragment: str


ROWS = {
    # --- absolute claims, English (samples/minimal) ---
    # a selling point is read aloud as fact: error, at the word's column (16 + 4)
    "best in a selling point": Row(
        "minimal",
        "catalog.yaml",
        "- point: Brews five to seven times",
        "- point: The best oolong of the year",
        "catalog.yaml:29:20",
        "error",
        'products[1].selling_points[1].point: absolute claim "best"',
    ),
    # a proof too; the word keeps the case it was written in
    "guaranteed in a proof": Row(
        "minimal",
        "catalog.yaml",
        "proof: Harvest date printed on the tin",
        "proof: Guaranteed harvest date",
        "catalog.yaml:28:16",
        "error",
        'products[1].selling_points[0].proof: absolute claim "Guaranteed"',
    ),
    # a product name: warning
    "#1 in a name": Row(
        "minimal",
        "catalog.yaml",
        "name: Tieguanyin oolong, 100 g tin",
        "name: Tieguanyin oolong (#1 in Anxi)",
        "catalog.yaml:18:30",
        "warning",
        'products[1].name: absolute claim "#1"',
    ),
    # a usage scene: warning
    "cheapest in a usage scene": Row(
        "minimal",
        "catalog.yaml",
        "usage_scene: Find your favourite before buying a full tin",
        "usage_scene: The cheapest way to find your favourite",
        "catalog.yaml:16:22",
        "warning",
        'products[0].usage_scene: absolute claim "cheapest"',
    ),
    # an objection's answer: warning; two words, the longer phrase is named
    "number one in an answer": Row(
        "minimal",
        "catalog.yaml",
        "it is floral, not bitter.",
        "it is number one for beginners.",
        "catalog.yaml:32:58",
        "warning",
        'products[1].objections[0].answer: absolute claim "number one"',
    ),
    # the show's title: warning
    "best in the title": Row(
        "minimal",
        "show.yaml",
        "title: Tea & Teaware Evening",
        "title: Best Tea & Teaware Evening",
        "show.yaml:3:8",
        "warning",
        'title: absolute claim "Best"',
    ),
    # a quoted scalar without escapes: the column skips the opening quote
    "quoted title": Row(
        "minimal",
        "show.yaml",
        "title: Tea & Teaware Evening",
        'title: "Tea night, lowest ever"',
        "show.yaml:3:20",
        "warning",
        'title: absolute claim "lowest ever"',
    ),
    # escapes make the source differ from the value: the scalar's start
    "escaped title": Row(
        "minimal",
        "show.yaml",
        "title: Tea & Teaware Evening",
        'title: "Tea\\x20night, lowest ever"',
        "show.yaml:3:8",
        "warning",
        'title: absolute claim "lowest ever"',
    ),
    # a folded block scalar: the scalar's start (its indicator)
    "block scalar": Row(
        "minimal",
        "catalog.yaml",
        "usage_scene: Find your favourite before buying a full tin",
        "usage_scene: >-\n      Find the cheapest\n      tin",
        "catalog.yaml:16:18",
        "warning",
        'absolute claim "cheapest"',
    ),
    # a lucky bag's prize
    "miracle prize": Row(
        "minimal",
        "show.yaml",
        "prize: Ceramic tea cup",
        "prize: Miracle ceramic cup",
        "show.yaml:39:12",
        "warning",
        'promotions[1].prize: absolute claim "Miracle"',
    ),
    # --- medical claims, English: tea is food ---
    "cure on tea": Row(
        "minimal",
        "catalog.yaml",
        "- point: Five single-origin teas, two cups of each",
        "- point: Five teas that cure colds",
        "catalog.yaml:14:31",
        "error",
        "products[0].selling_points[0].point: medical claim \"cure\" on a 'tea' product",
    ),
    "治疗 on tea": Row(
        "minimal",
        "catalog.yaml",
        "- point: Five single-origin teas, two cups of each",
        "- point: 可以治疗失眠",
        "catalog.yaml:14:18",
        "error",
        'medical claim "治疗"',
    ),
    # an efficacy claim that needs evidence: warning
    "clinically proven on tea": Row(
        "minimal",
        "catalog.yaml",
        "- point: Brews five to seven times",
        "- point: Clinically proven to calm",
        "catalog.yaml:29:16",
        "warning",
        'medical claim "Clinically proven"',
    ),
    # --- off-platform, English ---
    "DM me in a lucky bag's entry": Row(
        "minimal",
        "show.yaml",
        "entry: follow and comment",
        "entry: follow and DM me",
        "show.yaml:42:23",
        "warning",
        'promotions[1].entry: off-platform "DM me"',
    ),
    # another shop's name on a TikTok show
    "Amazon in the theme": Row(
        "minimal",
        "show.yaml",
        "theme: Winter tea gifts",
        "theme: Winter tea gifts, also on Amazon",
        "show.yaml:11:34",
        "warning",
        'theme: off-platform "Amazon"',
    ),
    # --- Chinese (samples/beauty-douyin) ---
    # the longest listed phrase is named, at the scalar's first character
    "全网最低 in a selling point": Row(
        "beauty-douyin",
        "catalog.yaml",
        "- point: 三个春季常用色号：豆沙、蜜桃、枫叶红，一次试全",
        "- point: 全网最低价，三个色号一次试全",
        "catalog.yaml:17:16",
        "error",
        'products[0].selling_points[0].point: absolute claim "全网最低" (广告法 bans it; '
        "say what the inputs can prove)",
    ),
    # columns count characters, not bytes: 销量 is two columns
    "第一 in a selling point": Row(
        "beauty-douyin",
        "catalog.yaml",
        "- point: 三种分子量玻尿酸，春季换季补水",
        "- point: 销量第一的玻尿酸精华",
        "catalog.yaml:358:18",
        "error",
        'products[18].selling_points[0].point: absolute claim "第一"',
    ),
    # 最 in an ordinary word that is not on the allow list
    "最好 in an answer": Row(
        "beauty-douyin",
        "catalog.yaml",
        "answer: 生产日期为 2027 年 1 月，保质期三年，详情页可查批次。",
        "answer: 这是最好用的唇釉。",
        "catalog.yaml:23:19",
        "warning",
        'products[0].objections[0].answer: absolute claim "最"',
    ),
    # a serum is a cosmetic
    "消炎 on a serum": Row(
        "beauty-douyin",
        "catalog.yaml",
        "- point: 三种分子量玻尿酸，春季换季补水",
        "- point: 玻尿酸补水，还能消炎",
        "catalog.yaml:358:24",
        "error",
        "medical claim \"消炎\" on a 'serum' product (food and cosmetics may not claim",
    ),
    # 美白 needs a 特殊化妆品 registration: warning
    "美白 on a mask": Row(
        "beauty-douyin",
        "catalog.yaml",
        "- point: 天丝膜布，贴合脸型",
        "- point: 天丝膜布，美白补水",
        "catalog.yaml:798:21",
        "warning",
        'products[42].selling_points[0].point: medical claim "美白"',
    ),
    # a gift promotion's item counts as its product's (SER-002, a serum)
    "祛痘 in a gift item": Row(
        "beauty-douyin",
        "show.yaml",
        "item: 素研 便携化妆包",
        "item: 素研 祛痘贴",
        "show.yaml:152:14",
        "warning",
        'promotions[11].item: medical claim "祛痘"',
    ),
    # steering to WeChat: the longer phrase is named
    "加微信 in an entry": Row(
        "beauty-douyin",
        "show.yaml",
        "entry: 关注主播并评论「春日好气色」",
        "entry: 加微信领取",
        "show.yaml:114:12",
        "warning",
        'promotions[6].entry: off-platform "加微信"',
    ),
    # another platform on a Douyin show
    "淘宝 in the theme": Row(
        "beauty-douyin",
        "show.yaml",
        "theme: 春季妆容",
        "theme: 春季妆容 淘宝同款",
        "show.yaml:12:13",
        "warning",
        'theme: off-platform "淘宝"',
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_one_defect_is_found_at_its_place(tmp_path, monkeypatch, row: Row):
    folder = copy_sample(tmp_path, monkeypatch, row.sample)
    edit(folder, row.file, row.old, row.new)
    findings = lint_show(folder)
    assert len(findings) == 1, summary(findings)
    found = findings[0]
    assert where(found) == row.place
    assert found.severity == row.severity
    assert row.fragment in found.format()


# --- the samples --------------------------------------------------------------------------------

DOUBLE11_100 = (
    'absolute claim "100%" (fine as a content figure like 100% cotton; as a promise, 广告法 bans '
    "it; say what the inputs can prove)"
)
SAMPLE_FINDINGS: dict[str, list[tuple[str, str, str]]] = {
    "minimal": [],
    "beauty-douyin": [],
    "home-tiktok": [],
    # 100%椰子水, 羊毛含量100%, 100%芝麻: content figures, so warnings even in selling points
    "double11-marathon": [
        ("catalog.yaml:1126:9", "warning", DOUBLE11_100),
        ("catalog.yaml:1993:16", "warning", DOUBLE11_100),
        ("catalog.yaml:3060:12", "warning", DOUBLE11_100),
    ],
}


@pytest.mark.parametrize("name", sorted(SAMPLE_FINDINGS))
def test_samples_lint_clean_of_errors(tmp_path, monkeypatch, name):
    folder = copy_sample(tmp_path, monkeypatch, name)
    assert summary(lint_show(folder)) == SAMPLE_FINDINGS[name]


# --- word rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "最近换季，皮肤容易干",  # 最近: lately
        "最后一轮福袋马上开始",  # 最后: the last
        "每人最多两件",  # 最多: a limit
        "第一次用也能上手",  # 第一 + measure word: an ordinal
        "第一波福袋",
        "开封后第一天就能看到色号",
    ],
)
def test_ordinary_words_with_最_or_第一_are_allowed(tmp_path, monkeypatch, text):
    folder = copy_sample(tmp_path, monkeypatch, "beauty-douyin")
    edit(folder, "catalog.yaml", "- point: 三种分子量玻尿酸，春季换季补水", f"- point: {text}")
    assert lint_show(folder) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("A bestowed family recipe", []),  # "best" inside a word
        ("Our bestseller", ["bestseller"]),  # a sales-rank claim of its own
        ("Best-selling tin", ["Best-selling"]),
        ("Pick (#10)", []),  # "#1" needs a non-digit after it
        ("Rated (#1).", ["#1"]),
        ("Sold in 100 cities", []),
        ("100% cotton sleeve", ["100%"]),  # a warning: lint cannot tell a figure from a boast
        ("The BEST tin", ["BEST"]),  # case ignored
        ("最好的茶best", ["最", "best"]),  # a Chinese neighbour is a boundary
    ],
)
def test_english_word_boundaries(tmp_path, monkeypatch, text, found):
    folder = copy_sample(tmp_path, monkeypatch)
    edit(folder, "catalog.yaml", "- point: Brews five to seven times", f"- point: {text}")
    words = [d.message.split('"')[1] for d in lint_show(folder)]
    assert words == found


def test_medical_claim_needs_a_regulated_category(tmp_path, monkeypatch):
    """Teaware is not food: 治疗 on a teapot is odd but not a medical claim on food."""
    folder = copy_sample(tmp_path, monkeypatch)
    edit(
        folder,
        "catalog.yaml",
        "- point: Borosilicate glass, safe on a gas stove",
        "- point: 治疗 cures nothing, it is a teapot",
    )
    assert lint_show(folder) == []


def test_regulated_categories_extend_the_built_in_ones(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path, monkeypatch)
    edit(
        folder,
        "catalog.yaml",
        "- point: Borosilicate glass, safe on a gas stove",
        "- point: Heals any kettle",
    )
    add_compliance(folder, "  regulated_categories: [TEAWARE]\n")
    assert summary(lint_show(folder)) == [
        (
            "catalog.yaml:44:16",
            "error",
            "medical claim \"Heals\" on a 'teaware' product (food and cosmetics may not claim "
            "to prevent, treat or cure illness)",
        )
    ]
    # the built-in categories still apply
    edit(folder, "catalog.yaml", "- point: Brews five to seven times", "- point: A detox tea")
    assert [where(d) for d in lint_show(folder)] == ["catalog.yaml:29:18", "catalog.yaml:44:16"]


def test_compliance_lists_extend_the_built_in_ones(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path, monkeypatch)
    edit(folder, "catalog.yaml", "- point: Brews five to seven times", "- point: Unrivalled brew")
    edit(folder, "catalog.yaml", "- point: Raw, unfiltered", "- point: Raw, helps you sleep")
    edit(folder, "show.yaml", "entry: follow and comment", "entry: follow and ring my bell")
    edit(folder, "show.yaml", "title: Tea & Teaware Evening", "title: Best Tea & Teaware Evening")
    add_compliance(
        folder,
        "  absolute_claims: [unrivalled]\n"
        "  medical_claims: [helps you sleep]\n"
        "  off_platform: [ring my bell]\n"
        "  regulated_categories: [pantry]\n",
    )
    assert [(where(d), d.severity, d.message.split(" (")[0]) for d in lint_show(folder)] == [
        ("catalog.yaml:29:16", "error", 'absolute claim "Unrivalled"'),
        ("catalog.yaml:79:21", "error", "medical claim \"helps you sleep\" on a 'pantry' product"),
        ("show.yaml:3:8", "warning", 'absolute claim "Best"'),  # built-ins still apply
        ("show.yaml:42:23", "warning", 'off-platform "ring my bell"'),
    ]


def test_allow_suppresses_a_phrase_not_the_word_everywhere(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path, monkeypatch)
    edit(folder, "catalog.yaml", "- point: Brews five to seven times", "- point: Best brewed hot")
    edit(folder, "show.yaml", "title: Tea & Teaware Evening", "title: Best Tea Evening")
    add_compliance(folder, "  allow: [best brewed]\n")
    assert [where(d) for d in lint_show(folder)] == ["show.yaml:3:8"]


def test_own_platform_is_not_off_platform(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path, monkeypatch, "beauty-douyin")
    edit(folder, "show.yaml", "theme: 春季妆容", "theme: 抖音春季妆容")
    assert lint_show(folder) == []


def test_findings_are_in_reading_order(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path, monkeypatch)
    edit(folder, "catalog.yaml", "- point: Brews five to seven times", "- point: cheapest, best")
    edit(folder, "show.yaml", "title: Tea & Teaware Evening", "title: Best Tea Evening")
    edit(folder, "catalog.yaml", "name: Five-tea sampler pack", "name: Best sampler")
    assert [where(d) for d in lint_show(folder)] == [
        "catalog.yaml:5:11",
        "catalog.yaml:29:16",
        "catalog.yaml:29:26",
        "show.yaml:3:8",
    ]


# --- prices -------------------------------------------------------------------------------------


def test_invalid_shows_raise_input_error(tmp_path, monkeypatch):
    """validate refuses a live price above the list price before lint runs."""
    folder = copy_sample(tmp_path, monkeypatch)
    edit(folder, "catalog.yaml", "live_price: 24.9", "live_price: 35")
    with pytest.raises(InputError, match="above the list price"):
        lint_show(folder)


def test_prices_are_reported_at_their_place(tmp_path, monkeypatch):
    """lint_raw on inputs that skipped validation's price checks reports them itself."""
    folder = copy_sample(tmp_path, monkeypatch)
    raw = load_show(folder)
    inputs = validate(raw)
    products = list(inputs.catalog.products)
    products[1] = products[1].model_copy(update={"live_price": 35.0})
    promotions = list(inputs.show.promotions)
    promotions[0] = promotions[0].model_copy(update={"price": 40.0})
    promotions[2] = promotions[2].model_copy(update={"amount": 50.0})
    inputs = dataclasses.replace(
        inputs,
        catalog=inputs.catalog.model_copy(update={"products": products}),
        show=inputs.show.model_copy(update={"promotions": promotions}),
    )
    assert summary(lint_raw(raw, inputs)) == [
        (
            "catalog.yaml:23:17",
            "error",
            "price: live price 35 is above the list price 29.9 (原价 must be real)",
        ),
        (
            "show.yaml:33:12",
            "error",
            "price: flash-sale price 40 is not below the live price 35",
        ),
        (
            "show.yaml:47:13",
            "error",
            "price: coupon takes 50 off orders of 50, so an order may cost nothing",
        ),
    ]


# --- robustness ---------------------------------------------------------------------------------

MINIMAL_RAW = load_show(SAMPLES / "minimal")
MINIMAL_INPUTS = validate(MINIMAL_RAW)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=200))
def test_any_text_gives_only_diagnostics(text):
    """Any selling point, even one that is not in the file, lints without crashing."""
    products = list(MINIMAL_INPUTS.catalog.products)
    point = products[1].selling_points[1].model_copy(update={"point": text})
    points = [products[1].selling_points[0], point]
    products[1] = products[1].model_copy(update={"selling_points": points})
    inputs = dataclasses.replace(
        MINIMAL_INPUTS, catalog=MINIMAL_INPUTS.catalog.model_copy(update={"products": products})
    )
    for finding in lint_raw(MINIMAL_RAW, inputs):
        assert isinstance(finding, Diagnostic)
        assert finding.line >= 1 and finding.column >= 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=80) | st.sampled_from(["最", "best", "治疗 best 微信"]))
def test_any_text_in_the_file_gives_only_diagnostics(text):
    """Written into catalog.yaml, any text lints or is refused by validation; never a crash.

    A word found on a plain one-line scalar points inside that line.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "show"
        shutil.copytree(SAMPLES / "minimal", folder)
        catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
        catalog["products"][0]["selling_points"][0]["point"] = text
        dumped = yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False, width=10_000)
        (folder / "catalog.yaml").write_text(dumped, encoding="utf-8")
        try:
            findings = lint_show(folder)
        except InputError as exc:
            assert all(isinstance(d, Diagnostic) for d in exc.diagnostics)
            return
        lines = dumped.splitlines()
        for finding in findings:
            assert isinstance(finding, Diagnostic)
            assert finding.line >= 1 and finding.column >= 1
            if (
                finding.path == "products[0].selling_points[0].point"
                and text in lines[finding.line - 1]
            ):
                word = finding.message.split('"')[1]
                line = lines[finding.line - 1]
                assert line[finding.column - 1 :].casefold().startswith(word.casefold())
