"""Platform profiles: the words each platform's paperwork uses for its own things.

A phrase of the message catalog (phrases.py) that names a platform-specific thing (the lucky bag,
the live room, the cart, the link-up call, the call to buy) writes it as a term in double braces,
`{{lucky_bag}}`; `words()` fills the terms from the show's platform profile, then from the show's
own `words:` overrides (show.yaml, carried in plan.json so that `lqplan render` needs no show
files). Whatnot says giveaway and has no live room; TV shopping says "call now" and "order number"
and never "tap the cart"; Douyin keeps 小黄车 and 上链接. Profiles live here and nowhere else.

A term's text may hold the format placeholders its default holds (`{link}` in `call`, `{n}` in
`link`), filled later with the plan's facts like any phrase's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The terms every platform starts from (one per name of lqplan.show.fields.TERMS, which
# show.yaml's `words:` may override); a profile below changes only what differs.
_BASE: dict[str, dict[str, str]] = {
    "zh": {
        "lucky_bag": "福袋",
        "lucky_bags": "福袋",
        "room": "直播间",
        "room_label": "直播间",
        "cart": "购物车",
        "link": "{n}号链接",
        "link_up": "3、2、1，上链接！",
        "link_up_moment": "上链接",
        "call": "想要的宝宝点开{{cart}}，直接拍{link}！",
        "entry": "评论",
        "follow": "喜欢今天的直播记得点个关注。",
    },
    "en": {
        "lucky_bag": "lucky bag",
        "lucky_bags": "lucky bags",
        "room": "live room",
        "room_label": "room",
        "cart": "cart",
        "link": "link #{n}",
        "link_up": "3, 2, 1, link up!",
        "link_up_moment": "link up",
        "call": "Tap {link} in the {{cart}} and check out now!",
        "entry": "comment",
        "follow": "If you enjoyed the show, follow the room.",
    },
}

PROFILES: dict[str, dict[str, dict[str, str]]] = {
    "douyin": {"zh": {"cart": "小黄车"}, "en": {"cart": "yellow cart"}},
    "taobao": {"zh": {"cart": "购物袋"}, "en": {"cart": "shopping bag"}},
    "kuaishou": {"zh": {"cart": "小黄车"}, "en": {"cart": "yellow cart"}},
    "channels": {},
    "tiktok": {"en": {"cart": "shopping cart"}},
    # Whatnot's draws are giveaways, its items are numbered in the show, and there is no room.
    "whatnot": {
        "zh": {
            "lucky_bag": "抽奖活动",
            "lucky_bags": "抽奖活动",
            "room": "直播",
            "room_label": "频道",
            "link": "{n}号商品",
            "link_up": "3、2、1，开拍！",
            "link_up_moment": "开拍",
            "call": "想要的朋友现在就拍下{link}！",
            "follow": "喜欢今天的直播记得关注主播。",
        },
        "en": {
            "lucky_bag": "giveaway",
            "lucky_bags": "giveaways",
            "room": "show",
            "room_label": "channel",
            "link": "item #{n}",
            "link_up": "3, 2, 1, it's live!",
            "link_up_moment": "item live",
            "call": "Grab {link} now!",
            "follow": "If you enjoyed the show, follow the seller.",
        },
    },
    # TV shopping sells by phone: an order number, lines that open, a call to action.
    "tv": {
        "zh": {
            "lucky_bag": "抽奖活动",
            "lucky_bags": "抽奖活动",
            "room": "节目",
            "room_label": "频道",
            "link": "订购号 {n}",
            "link_up": "订购热线现已开通！",
            "link_up_moment": "开通订购热线",
            "call": "现在就拨打订购热线，报{link}！",
            "entry": "按屏幕提示参与",
            "follow": "欢迎继续收看本频道。",
        },
        "en": {
            "lucky_bag": "giveaway",
            "lucky_bags": "giveaways",
            "room": "show",
            "room_label": "channel",
            "link": "order number {n}",
            "link_up": "Lines are open, call now!",
            "link_up_moment": "lines open",
            "call": "Call now and give {link}!",
            "entry": "follow the on-screen instructions",
            "follow": "Stay with us on this channel.",
        },
    },
    "other": {},
}

NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "douyin": "抖音",
        "taobao": "淘宝直播",
        "kuaishou": "快手",
        "channels": "视频号",
        "tiktok": "TikTok Shop",
        "whatnot": "Whatnot",
        "tv": "电视购物",
        "other": "其他",
    },
    "en": {
        "douyin": "Douyin",
        "taobao": "Taobao Live",
        "kuaishou": "Kuaishou",
        "channels": "WeChat Channels",
        "tiktok": "TikTok Shop",
        "whatnot": "Whatnot",
        "tv": "TV shopping",
        "other": "other",
    },
}

_TERM = re.compile(r"\{\{(\w+)\}\}")


def terms(show: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Every term in `lang` for the show: base, then its platform's profile, then its own
    `words:` (a term may name another, `{{cart}}` in `call`, filled here too)."""
    own = (show.get("words") or {}).get(lang) or {}
    merged: dict[str, str] = {
        **_BASE[lang],
        **PROFILES.get(show.get("platform") or "other", {}).get(lang, {}),
        **own,
    }
    # One level of nesting is all the built-in terms use; two rounds cover an override's too.
    for _ in range(2):
        merged = {k: fill(v, merged) for k, v in merged.items()}
    return merged


def _term(name: str, table: Mapping[str, str]) -> str:
    """A term's word; `{{Lucky_bag}}` capitalises it for the start of a sentence."""
    if name in table:
        return table[name]
    word = table[name[:1].lower() + name[1:]]  # a KeyError names an unknown term
    return word[:1].upper() + word[1:]


def fill(text: str, table: Mapping[str, str]) -> str:
    """`text` with its `{{term}}`s filled from `table`."""
    return _TERM.sub(lambda m: _term(m[1], table), text)


def words(
    catalog: Mapping[str, Mapping[str, str]], lang: str, show: Mapping[str, Any]
) -> dict[str, str]:
    """One phrase table of phrases.py in `lang`, its terms filled for the show's platform."""
    table = terms(show, lang)
    return {key: fill(text, table) for key, text in catalog[lang].items()}


def link(cart_link: int | None, lang: str, show: Mapping[str, Any]) -> str:
    """'3号链接' / 'link #3' (TV: 'order number 3'): how the team names a cart link; empty
    without one."""
    if cart_link is None:
        return ""
    return terms(show, lang)["link"].format(n=cart_link)


def platform_name(show: Mapping[str, Any], lang: str) -> str:
    """The show's platform as people write it."""
    platform = show.get("platform") or ""
    return NAMES[lang].get(platform, platform)


def entry(bag: Mapping[str, Any], lang: str, show: Mapping[str, Any]) -> str:
    """How a viewer enters a lucky bag: the show's words, else the profile's in `lang` (never
    one language's default inside the other's paperwork)."""
    return bag.get("entry") or terms(show, lang)["entry"]
