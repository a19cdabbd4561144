"""JSON Schemas of the input files, for editors (yaml-language-server) and CI validators."""

from __future__ import annotations

import json
from typing import Any

from lqplan.show.draft07 import draft07
from lqplan.show.model import FILE_MODELS

# The show's four files, the ACTUALS file of replan, review and learn, the MODEL file that lqplan
# learn writes and the plan.json lqplan plan writes.
SCHEMA_KINDS = (*FILE_MODELS, "actuals", "model", "plan")


def json_schema(kind: str) -> dict[str, Any]:
    """A draft-07 JSON Schema for one file kind (show, catalog, audience, stock, actuals, model,
    plan)."""
    if kind == "actuals":
        from lqplan.live.actuals import Actuals

        return draft07(Actuals, kind)
    if kind == "model":
        from lqplan.learning.modelfile import LearnedModel

        return draft07(LearnedModel, kind)
    if kind == "plan":
        from lqplan.plan.planfile import Plan

        return draft07(Plan, kind)
    return draft07(FILE_MODELS[kind], kind)


def schema_text(kind: str) -> str:
    """json_schema(kind) as the text schemas/ holds: sorted keys, so that it diffs stably."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_files() -> dict[str, str]:
    """{file name: text} for every kind, as the repository's schemas/ folder holds them."""
    return {f"{kind}.schema.json": schema_text(kind) for kind in SCHEMA_KINDS}
