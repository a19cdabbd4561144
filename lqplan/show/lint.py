"""Compliance lint: what a host must not say (absolute, medical, off-platform), in the show's text.

Runs after validate, on trusted ShowInputs, and reports each finding as a Diagnostic at the
file:line:column of the offending word, like validate does. Four rules:

- absolute_claim: 最, 第一, 全网最低, best, lowest ever... (广告法 bans them). An error in a selling
  point or its proof (the host reads those aloud as facts), a warning in any other text.
- medical_claim: 治疗, 减肥, cure, detox... on a product whose category is food or cosmetics.
  Claims to treat illness are errors; efficacy claims that need a registration or a test
  report (美白, 祛斑, clinically proven...) are warnings.
- price: a live price above the list price (an invented 原价), a flash-sale price not below the
  live price, a coupon that takes the whole order off. validate refuses these too; lint reports
  them as well so that a lint run on its own is complete.
- off_platform: 微信, 加V, 私聊, another platform's name, WhatsApp, "DM me"... (warnings).

Matching: Chinese words match anywhere in a text; a word whose first or last character is a
Latin letter or digit matches only where the text has no letter or digit next to it ("best" is
not found in "bestow", "#1" not in "#10"), ignoring case. Ordinary words that contain a flagged
one (最近, 第一次...) are on the built-in allow list; show.yaml's `compliance:` section adds
words to every list (docs/formats.md#compliance).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lqplan.errors import Diagnostic, LqplanError, Severity, sort_diagnostics
from lqplan.show.load import RawShow, load_show, read_text
from lqplan.show.model import Coupon, FlashSale, Gift, LuckyBag, Product
from lqplan.show.validate import ShowInputs, validate

RULES = ("absolute_claim", "medical_claim", "price", "off_platform")


def _words(text: str) -> tuple[str, ...]:
    """A word list written as comma-separated text (words may contain spaces)."""
    return tuple(w.strip() for w in text.replace("\n", ",").split(",") if w.strip())


# 广告法 §9(三): no 国家级/最高级/最佳-style words. "最" alone catches 最好, 最强, 最火...; the
# longer entries only make the message name the whole phrase.
ABSOLUTE_CLAIMS = _words("""
    最, 第一, 全网最低, 史上最低, 最低价, 最便宜, 全网首发, 首选, 首家, 唯一, 顶级, 极致, 极品,
    终极, 绝对, 万能, 无敌, 国家级, 世界级, 独家,
    销量冠军, 百分之百, 100％, 零风险, 无副作用
    100%, best, best ever, bestseller, best-selling, lowest ever, lowest price, cheapest,
    greatest, finest, #1, number one, no. 1, no.1, top 1, guaranteed, guarantee, miracle,
    unbeatable, risk-free, world-class
""")

# A content figure ("100% cotton", 羊毛含量100%) is a fact, not a boast, but lint cannot tell the
# two apart: these stay warnings even in a selling point.
SOFT_ABSOLUTE: frozenset[str] = frozenset({"100%", "100％", "百分之百"})

# Food and cosmetics may not claim to prevent, treat or cure illness (食品安全法, 化妆品监督管理
# 条例, and the FTC/FDA in the US): errors. Efficacy claims that need a registration (特殊化妆品:
# 美白, 祛斑, 防脱...) or a test report: warnings. "cured" is left out (cured ham).
MEDICAL_CLAIMS: dict[str, Severity] = {
    **dict.fromkeys(
        _words("""
    治疗, 治愈, 根治, 药效, 疗效, 消炎, 抗炎, 抗癌, 防癌, 降血压, 降血糖, 降血脂, 降三高, 减肥,
    瘦身, 燃脂, 排毒, 杀菌, 抗菌, 抑菌, 丰胸,
    包治百病, 处方
    cure, cures, heal, heals, healing, remedy, anti-inflammatory, antibacterial,
    kills bacteria, anti-cancer, prevents cancer, lowers blood pressure,
    lower blood pressure, lowers blood sugar, lowers cholesterol, detox, weight loss,
    lose weight, burns fat, fat burning
"""),
        "error",
    ),
    **dict.fromkeys(
        _words("""
    祛斑, 淡斑, 美白, 祛痘, 防脱, 生发, 增强免疫力, 提高免疫力
    treat, treats, treating, clinically proven, whitening, skin whitening, acne,
    hair growth, boosts immunity
"""),
        "warning",
    ),
}

# Categories that count as food or cosmetics, matched inside a product's category. "茶" alone
# would take in 茶具 (teaware); Latin names match whole words, so "tea" does not.
REGULATED_CATEGORIES = _words("""
    美妆, 彩妆, 护肤, 化妆品, 面膜, 精华, 口红, 唇, 粉底, 底妆, 眼妆, 防晒, 洁面, 卸妆, 香水,
    香氛, 个护, 洗护, 食品, 零食, 饮品, 饮料,
    冲饮, 茶叶, 咖啡, 乳品, 奶粉, 粮油, 生鲜, 保健, 营养, 滋补
    makeup, make-up, cosmetic, skincare, skin care, beauty, lipstick, lip, foundation, base,
    eye, serum, mask, sunscreen, cleanser, fragrance, perfume, blush, haircare, hair care,
    shampoo, food, snack, drink, beverage, tea, coffee, juice, pantry, grocery, supplement,
    vitamin, nutrition
""")

# Words that send viewers away from the platform's checkout (every platform bans it).
OFF_PLATFORM = _words("""
    微信, 加微信, 加微, 加v, 微信号, 加群, 私聊, 私下交易, 私下转账, 线下交易
    vx, qq, wechat, whatsapp, telegram, dm me, dm us, message me, text me, link in bio,
    link in my bio, venmo, paypal, zelle, cash app
""")


# Names of shopping platforms; a show flags every name except its own platform's. "whatnot" is
# left out: it is also an English word.
PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "douyin": ("抖音", "抖店", "douyin"),
    "taobao": ("淘宝", "天猫", "taobao", "tmall"),
    "kuaishou": ("快手", "kuaishou"),
    "channels": ("视频号", "微信", "wechat"),
    "tiktok": ("tiktok",),
    "": ("京东", "拼多多", "小红书", "闲鱼", "amazon", "ebay", "etsy", "shopify"),
}

# Ordinary words that contain a flagged one. 第一 + a measure word is an ordinal (第一次, 第一杯,
# 第一波福袋), not a ranking; 第一名 and 第一款 are left flagged.
ALLOW: tuple[str, ...] = (
    "最近",
    "最后",
    "最初",
    "最终",
    "最早",
    "最晚",
    "最多",
    "最少",
    *(f"第一{c}" for c in "次步天遍层口杯泡眼批期轮波单件支瓶盒套组个周"),
    "a treat",
    "sweet treat",
    "treat yourself",
    "treat someone",
)

_EDGE = "A-Za-z0-9"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # where PyYAML counts a new line


def _pattern(words: Iterable[str], *, plural: bool = False) -> re.Pattern[str] | None:
    """One regex for a word list: longest first; Latin edges need a non-letter/digit next to
    them; case ignored. With `plural`, a Latin word may take an s/es ("teas", "snacks")."""
    parts = []
    for word in sorted({w.strip() for w in words if w.strip()}, key=lambda w: (-len(w), w)):
        part = re.escape(word)
        if re.match(f"[{_EDGE}]", word):
            part = f"(?<![{_EDGE}]){part}"
        if re.search(f"[{_EDGE}]$", word):
            part += f"(?:e?s)?(?![{_EDGE}])" if plural else f"(?![{_EDGE}])"
        parts.append(part)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class _Text:
    """One piece of user text a host may say, and where it is."""

    kind: str  # show or catalog
    path: tuple[str | int, ...]
    text: str
    read_aloud: bool = False  # a selling point or its proof: the host states it as fact
    product: Product | None = None  # whose text it is, for the medical rule


class _Lexicon:
    """The compiled word lists for one show: built-ins plus its `compliance:` section."""

    def __init__(self, inputs: ShowInputs):
        show = inputs.show
        extra = show.compliance
        self.absolute = _pattern([*ABSOLUTE_CLAIMS, *extra.absolute_claims])
        self.custom_medical = {w.strip().casefold() for w in extra.medical_claims}
        self.medical_severity = {w.casefold(): s for w, s in MEDICAL_CLAIMS.items()}
        self.medical = _pattern([*MEDICAL_CLAIMS, *extra.medical_claims])
        own = set(PLATFORM_NAMES.get(show.platform, ()))
        others = (
            []
            if show.platform == "other"
            else [n for names in PLATFORM_NAMES.values() for n in names if n not in own]
        )
        self.off_platform = _pattern(
            [*(w for w in OFF_PLATFORM if w not in own), *others, *extra.off_platform]
        )
        self.allow = _pattern([*ALLOW, *extra.allow])
        self.regulated = _pattern([*REGULATED_CATEGORIES, *extra.regulated_categories], plural=True)
        self.language = show.language

    def find(self, pattern: re.Pattern[str] | None, text: str) -> Iterator[re.Match[str]]:
        """Matches of `pattern` in `text` that do not sit inside an allowed phrase."""
        if pattern is None:
            return
        allowed = self._allowed_spans(text)
        for match in pattern.finditer(text):
            if not any(a <= match.start() and match.end() <= b for a, b in allowed):
                yield match

    def _allowed_spans(self, text: str) -> list[tuple[int, int]]:
        if self.allow is None:
            return []
        spans = []
        for start in range(len(text)):  # overlapping: 最近 inside 最最近 too
            match = self.allow.match(text, start)
            if match:
                spans.append(match.span())
        return spans

    def is_regulated(self, product: Product | None) -> bool:
        return (
            product is not None
            and self.regulated is not None
            and bool(self.regulated.search(product.category))
        )


class _Locator:
    """file:line:column of a scalar, or of a word inside it when the source shows it verbatim."""

    def __init__(self, raw: RawShow):
        self.raw = raw
        self._lines: dict[str, list[str]] = {}

    def lines(self, kind: str) -> list[str]:
        if kind not in self._lines:
            try:
                text = read_text(self.raw.paths[kind])
            except (KeyError, LqplanError):
                text = ""
            self._lines[kind] = _LINE_BREAK.split(text)
        return self._lines[kind]

    def place(
        self, kind: str, path: Sequence[str | int], value: str, index: int
    ) -> tuple[int, int]:
        line, column = self.raw.documents[kind].locate(tuple(path))
        lines = self.lines(kind)
        if not 1 <= line <= len(lines) or column < 1:
            return line, column
        source = lines[line - 1][column - 1 :]
        if source.startswith(value):  # a plain scalar on one line
            return line, column + index
        quote = source[:1]
        if quote in ("'", '"') and source[1:].startswith(value + quote):  # quoted, no escapes
            return line, column + 1 + index
        return line, column


class _Linter:
    """Each `_check_*` method is one rule; `report` places a finding."""

    def __init__(self, raw: RawShow, inputs: ShowInputs):
        self.raw, self.inputs = raw, inputs
        self.lexicon = _Lexicon(inputs)
        self.locator = _Locator(raw)
        self.found: list[Diagnostic] = []
        self.texts = list(_texts(inputs))

    def run(self) -> list[Diagnostic]:
        self._check_absolute_claims()
        self._check_medical_claims()
        self._check_prices()
        self._check_off_platform()
        return sort_diagnostics(self.found)

    def report(
        self,
        kind: str,
        path: Sequence[str | int],
        message: str,
        severity: Severity,
        *,
        value: str | None = None,
        index: int = 0,
    ) -> None:
        doc = self.raw.documents[kind]
        if value is None:
            line, column = doc.locate(tuple(path))
        else:
            line, column = self.locator.place(kind, path, value, index)
        self.found.append(Diagnostic(doc.file, line, column, severity, _dotted(path), message))

    def _check_absolute_claims(self) -> None:
        """Absolute claims: errors in selling points and proofs, warnings elsewhere."""
        why = (
            "广告法 bans it; say what the inputs can prove"
            if self.lexicon.language == "zh"
            else "advertising rules ban unprovable superlatives; say what the inputs can prove"
        )
        for item in self.texts:
            for match in self.lexicon.find(self.lexicon.absolute, item.text):
                word = match.group()
                soft = word.casefold() in SOFT_ABSOLUTE
                severity: Severity = "error" if item.read_aloud and not soft else "warning"
                reason = (
                    f"fine as a content figure like 100% cotton; as a promise, {why}"
                    if soft
                    else why
                )
                self.report(
                    item.kind,
                    item.path,
                    f'absolute claim "{word}" ({reason})',
                    severity,
                    value=item.text,
                    index=match.start(),
                )

    def _check_medical_claims(self) -> None:
        """Medical claims on a product whose category is food or cosmetics."""
        for item in self.texts:
            if not self.lexicon.is_regulated(item.product):
                continue
            assert item.product is not None
            for match in self.lexicon.find(self.lexicon.medical, item.text):
                word = match.group()
                key = word.casefold()
                severity = self.lexicon.medical_severity.get(key, "error")
                if key in self.lexicon.custom_medical:
                    severity = "error"
                reason = (
                    "food and cosmetics may not claim to prevent, treat or cure illness"
                    if severity == "error"
                    else "an efficacy claim that needs a registration or test report; "
                    "cite it or drop the claim"
                )
                self.report(
                    item.kind,
                    item.path,
                    f'medical claim "{word}" on a {item.product.category!r} product ({reason})',
                    severity,
                    value=item.text,
                    index=match.start(),
                )

    def _check_prices(self) -> None:
        """Prices a host announces: 原价 real, promotions below the live price."""
        products = self.inputs.products
        for i, product in enumerate(self.inputs.catalog.products):
            if product.live_price > product.list_price:
                self.report(
                    "catalog",
                    ("products", i, "live_price"),
                    f"price: live price {product.live_price:g} is above the list price "
                    f"{product.list_price:g} (原价 must be real)",
                    "error",
                )
        for i, promo in enumerate(self.inputs.show.promotions):
            if isinstance(promo, FlashSale) and promo.sku in products:
                live = products[promo.sku].live_price
                if promo.price >= live:
                    self.report(
                        "show",
                        ("promotions", i, "price"),
                        f"price: flash-sale price {promo.price:g} is not below the live price "
                        f"{live:g}",
                        "error",
                    )
            elif isinstance(promo, Coupon) and promo.amount >= promo.threshold:
                self.report(
                    "show",
                    ("promotions", i, "amount"),
                    f"price: coupon takes {promo.amount:g} off orders of {promo.threshold:g}, "
                    "so an order may cost nothing",
                    "error",
                )

    def _check_off_platform(self) -> None:
        """Words that send viewers off the platform (another app, a private chat)."""
        for item in self.texts:
            for match in self.lexicon.find(self.lexicon.off_platform, item.text):
                self.report(
                    item.kind,
                    item.path,
                    f'off-platform "{match.group()}" (platforms ban sending viewers elsewhere; '
                    "keep the sale in the live room)",
                    "warning",
                    value=item.text,
                    index=match.start(),
                )


def _texts(inputs: ShowInputs) -> Iterator[_Text]:
    """Every piece of user text a host may say, with its place in the files."""
    show = inputs.show
    for name in ("title", "theme"):
        value = getattr(show, name)
        if value:
            yield _Text("show", (name,), value)
    for i, product in enumerate(inputs.catalog.products):
        row: tuple[str | int, ...] = ("products", i)
        yield _Text("catalog", (*row, "name"), product.name, product=product)
        for j, point in enumerate(product.selling_points):
            where = (*row, "selling_points", j)
            yield _Text("catalog", (*where, "point"), point.point, True, product)
            if point.proof:
                yield _Text("catalog", (*where, "proof"), point.proof, True, product)
        if product.usage_scene:
            yield _Text("catalog", (*row, "usage_scene"), product.usage_scene, product=product)
        for j, objection in enumerate(product.objections):
            where = (*row, "objections", j)
            yield _Text("catalog", (*where, "question"), objection.question, product=product)
            yield _Text("catalog", (*where, "answer"), objection.answer, product=product)
        for j, gift in enumerate(product.gifts):
            yield _Text("catalog", (*row, "gifts", j), gift, product=product)
    for i, promo in enumerate(show.promotions):
        where = ("promotions", i)
        if isinstance(promo, LuckyBag):
            yield _Text("show", (*where, "prize"), promo.prize)
            if promo.entry is not None:
                yield _Text("show", (*where, "entry"), promo.entry)
        elif isinstance(promo, Gift):
            yield _Text(
                "show", (*where, "item"), promo.item, product=inputs.products.get(promo.sku)
            )


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def lint_raw(raw: RawShow, inputs: ShowInputs) -> list[Diagnostic]:
    """Compliance findings for a validated show, in reading order (empty when all is well)."""
    return _Linter(raw, inputs).run()


def lint_show(target: str | Path) -> list[Diagnostic]:
    """Load, validate and lint a show folder (or its show.yaml); InputError if it is invalid."""
    raw = load_show(target)
    return lint_raw(raw, validate(raw))
