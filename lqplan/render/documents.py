"""Every document for a plan, as {relative path: text}; nothing is written here.

Reads only plan.json's data, so `lqplan render PLAN.json` works without the show's files.
Documents (each built-in template in Chinese and English, chosen by the show's language):

    run_sheet.md / .csv / .html   the run-of-show (直播脚本); CSV opens in Excel and WPS
    run_sheet.xlsx                the same, typed: numbers, times, frozen header, A4 print setup
    ontime.xlsx / ontime.csv      the run-of-show in Ontime's spreadsheet-import layout
    host_script.md                主播话术: per segment, promotions and transitions
    checklists/<team>.md          one per team that has members or duties
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from lqplan.money import TO_CONFIRM, money
from lqplan.render import (
    checklists,
    i18n,
    phrases,
    profiles,
    runsheet,
    scripts,
    spreadsheets,
)
from lqplan.render.actions import team_actions, unused_promotion_text
from lqplan.render.env import make_environment
from lqplan.render.pitch import one_row_per_pitch

__all__ = ["base_context", "filters", "render_documents"]


def base_context(plan: dict[str, Any], lang: str) -> dict[str, Any]:
    """What every template sees: the plan, its actions worded in `lang`, and the word lists."""
    show = plan["show"]
    return {
        "lang": lang,
        "plan": plan,
        "show": show,
        # Back-to-back airings of one product are one pitch: one row (render/pitch.py).
        "segments": one_row_per_pitch(plan["segments"]),
        "breaks": plan["breaks"],
        "lucky_bags": plan["lucky_bags"],
        "products": plan["products"],
        "promotions": {p["id"]: p for p in plan["promotions"]},
        # The promotions the plan leaves out, each in words with its reason (plan/unused.py).
        "unused_promotions": [
            unused_promotion_text(entry, plan, lang) for entry in plan.get("unused_promotions", [])
        ],
        "unused_words": profiles.words(phrases.UNUSED, lang, show),
        "totals": plan["totals"],
        "solver": plan["solver"],
        "actions": team_actions(plan, lang),
        "compliance": plan.get("compliance", []),
        "roles": i18n.ROLES[lang],
        "phases": profiles.words(i18n.PHASES, lang, show),
        "modes": i18n.MODES[lang],
        "teams": i18n.TEAMS[lang],
        "to_confirm": TO_CONFIRM[lang],
        "long_date": i18n.long_date(show["date"], lang, show),
    }


def filters(lang: str, currency: str) -> dict[str, Any]:
    """Template filters, registered in one place (partials, not lambdas: the child process
    that renders a user's templates receives them pickled)."""
    return {
        "money": partial(money, currency=currency, lang=lang),
        "number": partial(i18n.number, lang=lang),
        "minutes": partial(i18n.minutes, lang=lang),
    }


def render_documents(
    plan: dict[str, Any], *, lang: str | None = None, templates: Path | None = None
) -> dict[str, str | bytes]:
    """Every document for `plan`, keyed by its path relative to the output folder."""
    lang = lang or plan["show"]["language"]
    env = make_environment(templates, filters(lang, plan["show"]["currency"]))
    context = base_context(plan, lang)
    files: dict[str, str | bytes] = {}
    for module in (runsheet, spreadsheets, scripts, checklists):
        files.update(module.render(env, context))
    return files
