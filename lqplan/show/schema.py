"""JSON Schemas of the input files, for editors (yaml-language-server) and CI validators."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from lqplan.show.model import FILE_MODELS

# The show's four files, the MODEL file that lqplan learn writes and the plan.json lqplan plan
# writes.
SCHEMA_KINDS = (*FILE_MODELS, "model", "plan")


def draft07(model: type[BaseModel], kind: str) -> dict[str, Any]:
    """The draft-07 JSON Schema of a pydantic model, with lqplan's `$id` for `kind`."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    # pydantic writes 2020-12 `$defs`; draft-07 editors look under `definitions`.
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://lqplan.dev/schemas/{kind}.schema.json",
        **schema,
    }


def json_schema(kind: str) -> dict[str, Any]:
    """A draft-07 JSON Schema for one file kind (show, catalog, audience, stock, model, plan)."""
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
