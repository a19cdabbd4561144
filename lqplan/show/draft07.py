"""The draft-07 JSON Schema of an input model: pydantic's, in standard keywords only.

schema.py says which files have a schema; this module, which imports no file's model, turns one
model into its schema, so that a file kind's module (live/actuals.py) can publish its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

# What a key's schema may say about the key, in JSON Schema's words for an object's property names.
_KEY_WORDS = ("enum", "pattern", "minLength", "maxLength")


class _StandardSchema(GenerateJsonSchema):
    """pydantic's JSON Schema less its OpenAPI extras, with the keys of a mapping checked as
    strictly as lqplan checks them, so that validators in strict mode (ajv) take it as it is."""

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        """The union's oneOf without `discriminator`: OpenAPI's keyword, not JSON Schema's (ajv's
        strict mode refuses it); each choice's `type` const already picks the one that fits."""
        generated = super().tagged_union_schema(schema)
        generated.pop("discriminator", None)
        return generated

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A mapping whose keys carry every constraint of their type in `propertyNames`.

        pydantic puts a key's pattern in `patternProperties`, which lets a key that does not match
        through unchecked, and drops the constraints of a key that also reads a YAML integer."""
        generated = super().dict_schema(schema)
        patterns = generated.pop("patternProperties", None)
        if patterns:
            generated["additionalProperties"] = next(iter(patterns.values()))
        keys = self.generate_inner(schema["keys_schema"]) if "keys_schema" in schema else {}
        text: dict[str, Any] = next(
            (k for k in keys.get("anyOf", [keys]) if k.get("type") == "string"), {}
        )
        names = {word: text[word] for word in _KEY_WORDS if word in text}
        if names:
            generated["propertyNames"] = names
        return generated


def draft07(model: type[BaseModel], kind: str) -> dict[str, Any]:
    """The draft-07 JSON Schema of a pydantic model, with lqplan's `$id` for `kind`."""
    schema = model.model_json_schema(
        by_alias=True, ref_template="#/definitions/{model}", schema_generator=_StandardSchema
    )
    # pydantic writes 2020-12 `$defs`; draft-07 editors look under `definitions`.
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://lqplan.dev/schemas/{kind}.schema.json",
        **schema,
    }
