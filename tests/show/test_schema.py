"""The JSON Schemas in real validators: check-jsonschema always, ajv in strict mode where node is.

Every sample's files pass, and a table of bad values, one row per kind of bound lqplan enforces,
fails in the validator at the same place as in lqplan (`lqplan validate` for the show's files,
the ACTUALS reader for actuals.yaml). The schemas are the committed ones in schemas/, which
tests/cli/test_cli_foundation.py keeps equal to what `lqplan schema --dir` writes.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SAMPLES

from lqplan.errors import InputError
from lqplan.live.actuals import read_actuals
from lqplan.show.schema import SCHEMA_KINDS
from lqplan.show.validate import check_show

SCHEMAS = ROOT / "schemas"
SHOW_FILES = ("show", "catalog", "audience", "stock")
BASE = SAMPLES / "minimal"
ACTUALS = SAMPLES / "beauty-douyin" / "actuals.yaml"

Path_ = tuple[str | int, ...]

# (file kind, path of the field, bad value). Each row is a kind of bound the schema must carry as
# a standard keyword (named in the comment); the base is samples/minimal (beauty's actuals.yaml).
BAD: dict[str, tuple[str, Path_, Any]] = {
    # minimum of a money field
    "negative price": ("catalog", ("products", 0, "live_price"), -1.99),
    # maximum of a money field
    "price over 1e9": ("catalog", ("products", 0, "list_price"), 2e9),
    # maximum of a fraction
    "share 5": ("audience", ("segments", 0, "share"), 5),
    # exclusiveMinimum
    "base conversion 0": ("audience", ("base_conversion",), 0),
    # maximum of a factor inside a mapping (additionalProperties)
    "affinity 101": ("audience", ("segments", 0, "affinity", "tea"), 101),
    # minItems of a list that may be null
    "one age": ("audience", ("segments", 0, "age"), [30]),
    # pattern of a code
    "sku with /": ("catalog", ("products", 0, "sku"), "TEA/OOLONG"),
    # maxLength of a code
    "sku of 65 characters": ("catalog", ("products", 0, "sku"), "S" * 65),
    # minLength of a text
    "empty name": ("catalog", ("products", 0, "name"), ""),
    # enum
    "unknown role": ("catalog", ("products", 0, "role"), "villain"),
    # maxItems
    "four selling points": ("catalog", ("products", 0, "selling_points"), [{"point": "x"}] * 4),
    # minimum of an integer
    "slot of 0 minutes": ("show", ("slot_minutes",), 0),
    # maximum of an integer
    "slot of 16 minutes": ("show", ("slot_minutes",), 16),
    # maximum of a float field declared in place
    "stock reserve 0.95": ("show", ("stock_reserve",), 0.95),
    # pattern of a clock time
    "start 25:00": ("show", ("start",), "25:00"),
    # format date
    "30 February": ("show", ("date",), "2026-02-30"),
    # pattern of a currency
    "currency in lower case": ("show", ("currency",), "cny"),
    # minItems
    "no hosts": ("show", ("hosts",), []),
    # additionalProperties: false
    "unknown field": ("show", ("colour",), "red"),
    # propertyNames of a mapping with named keys
    "unknown term": ("show", ("words",), {"zh": {"basket": "购物车"}}),
    # oneOf of the promotions, each with its `type` const
    "unknown promotion type": ("show", ("promotions", 0, "type"), "discount"),
    # minimum inside a promotion
    "flash sale of 0 units": ("show", ("promotions", 0, "units"), 0),
    # minimum of stock
    "negative stock": ("stock", ("stock", 0, "units"), -1),
    # type integer
    "half a unit": ("stock", ("stock", 0, "units"), 1.5),
    # minimum of an optional integer
    "per-buyer limit 0": ("stock", ("stock", 0, "per_buyer_limit"), 0),
    # propertyNames of a mapping keyed by SKU
    "sold of a SKU with /": ("actuals", ("sold",), {"LIP/001": 3}),
    # maximum of a mapping's values
    "stock left over 1e8": ("actuals", ("stock_left",), {"LIP-001": 200_000_000}),
    # minimum of a count
    "negative viewers": ("actuals", ("viewers",), -5),
    # the short form of a pulled product: a code's pattern (anyOf)
    "pulled SKU with /": ("actuals", ("pulled",), ["SER/005"]),
    # pattern of an order time
    "sale at 20:61": ("actuals", ("sales",), [{"at": "20:61", "sku": "LIP-001", "units": 1}]),
    # minimum of a segment's minutes
    "segment of 0 minutes": ("actuals", ("segments", 0, "minutes"), 0),
}


def load(path: Path) -> Any:
    """A sample file's data (PyYAML reads dates as dates; they are written back the same)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def put(data: Any, path: Path_, value: Any) -> None:
    """Set the field at `path` (the last key may be new)."""
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def write_case(folder: Path, kind: str, path: Path_, value: Any) -> Path:
    """samples/minimal (with beauty's actuals.yaml) in `folder`, `kind`'s field at `path` set to
    `value`; the file changed."""
    shutil.copytree(BASE, folder)
    source = ACTUALS if kind == "actuals" else BASE / f"{kind}.yaml"
    data = copy.deepcopy(load(source))
    put(data, path, value)
    target = folder / f"{kind}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def lqplan_paths(kind: str, file: Path) -> list[str]:
    """The paths lqplan's errors name in `file`: `lqplan validate` on its show, or the ACTUALS
    reader."""
    if kind == "actuals":
        try:
            read_actuals(file)
        except InputError as exc:
            return [d.path for d in exc.diagnostics if d.severity == "error"]
        return []
    return [
        d.path
        for d in check_show(file.parent)
        if d.severity == "error" and Path(d.file).name == file.name
    ]


def check_jsonschema(kind: str, files: list[Path]) -> dict[Path, list[str]]:
    """check-jsonschema's errors for each file, one run for all: {file: [JSON paths]}."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "check_jsonschema", "--output-format", "json"),
            *("--schemafile", str(SCHEMAS / f"{kind}.schema.json"), *map(str, files)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report.get("parse_errors", []) == [], report["parse_errors"]
    errors: dict[Path, list[str]] = {file: [] for file in files}
    for error in report.get("errors", []):
        errors[Path(error["filename"])].append(error["path"])
    assert (done.returncode == 0) == (report["status"] == "ok"), done.stderr
    return errors


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]")


def steps(place: str) -> Path_:
    """A place as lqplan ('products[0].sku') or check-jsonschema ('$.sold['A-1']') names it, as
    a path: ('products', 0, 'sku')."""
    text = place.removeprefix("$")
    text = text if text.startswith((".", "[")) or not text else "." + text
    found = _STEP.findall(text)
    assert "".join(f".{k}" if k else f"[{i}]" if i else f"['{q}']" for k, i, q in found) == text
    return tuple(int(i) if i else k or q for k, i, q in found)


def on_a_line(*paths: Path_) -> bool:
    """Is each path the other's ancestor or descendant (or the same)?"""
    return all(a[: len(b)] == b or b[: len(a)] == a for a in paths for b in paths)


def sample_files() -> dict[str, list[Path]]:
    """{kind: every sample's YAML file of that kind}."""
    found = {kind: sorted(SAMPLES.glob(f"*/{kind}.yaml")) for kind in (*SHOW_FILES, "actuals")}
    assert all(found.values()), found
    return found


# --- the schemas themselves ----------------------------------------------------------------------

# Every keyword of draft-07 (json-schema.org, validation and core).
DRAFT_07 = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "$comment",
        "title",
        "description",
        "default",
        "readOnly",
        "writeOnly",
        "examples",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "additionalItems",
        "items",
        "maxItems",
        "minItems",
        "uniqueItems",
        "contains",
        "maxProperties",
        "minProperties",
        "required",
        "additionalProperties",
        "definitions",
        "properties",
        "patternProperties",
        "dependencies",
        "propertyNames",
        "const",
        "enum",
        "type",
        "format",
        "contentMediaType",
        "contentEncoding",
        "if",
        "then",
        "else",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)
NAMED = ("properties", "definitions", "patternProperties", "dependencies")  # name -> schema
VALUES = ("default", "examples", "const", "enum")  # data, not schemas


def keywords(schema: Any) -> set[str]:
    """Every keyword a JSON Schema uses, at any depth."""
    if isinstance(schema, list):
        return set().union(*map(keywords, schema))
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key in NAMED:
            found |= keywords(list(value.values()))
        elif key not in VALUES:
            found |= keywords(value)
    return found


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schemas_speak_only_draft_07(kind):
    """No pydantic spelling (ge, le, gt) nor OpenAPI's discriminator: a validator would ignore
    them, or refuse the schema in strict mode."""
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert keywords(schema) - DRAFT_07 == set()


def test_the_bounds_are_standard_keywords():
    """The issue's three: a negative price, share 5, a SKU with '/'."""
    catalog = json.loads((SCHEMAS / "catalog.schema.json").read_text(encoding="utf-8"))
    product = catalog["definitions"]["Product"]["properties"]
    assert (product["live_price"]["minimum"], product["live_price"]["maximum"]) == (0, 1e9)
    assert product["sku"]["anyOf"][0]["pattern"] == r"^[^\s/\\]+$"
    audience = json.loads((SCHEMAS / "audience.schema.json").read_text(encoding="utf-8"))
    share = audience["definitions"]["AudienceSegment"]["properties"]["share"]
    assert (share["minimum"], share["maximum"]) == (0, 1)


# --- check-jsonschema ----------------------------------------------------------------------------


def test_every_sample_passes_check_jsonschema_and_lqplan():
    for kind, files in sample_files().items():
        assert check_jsonschema(kind, files) == {file: [] for file in files}
        for file in files:
            assert lqplan_paths(kind, file) == [], file


@pytest.fixture(scope="module")
def bad_cases(tmp_path_factory) -> dict[str, Path]:
    """{case: its changed file}, every row of BAD written once for both validators."""
    root = tmp_path_factory.mktemp("bad")
    return {
        case: write_case(root / f"case{i}", kind, path, value)
        for i, (case, (kind, path, value)) in enumerate(BAD.items())
    }


@pytest.fixture(scope="module")
def our_verdicts(bad_cases) -> dict[str, list[str]]:
    """{case: the paths lqplan's errors name in its file}."""
    return {case: lqplan_paths(BAD[case][0], file) for case, file in bad_cases.items()}


@pytest.fixture(scope="module")
def schema_verdicts(bad_cases) -> dict[str, list[str]]:
    """{case: check-jsonschema's error paths in its file}, one run per file kind."""
    verdicts: dict[str, list[str]] = {}
    for kind in {kind for kind, _, _ in BAD.values()}:
        cases = [case for case, (k, _, _) in BAD.items() if k == kind]
        errors = check_jsonschema(kind, [bad_cases[case] for case in cases])
        verdicts.update({case: errors[bad_cases[case]] for case in cases})
    return verdicts


@pytest.mark.parametrize("case", BAD)
def test_bad_value_fails_in_check_jsonschema_as_in_lqplan(case, our_verdicts, schema_verdicts):
    path = BAD[case][1]
    ours = our_verdicts[case]
    theirs = schema_verdicts[case]
    assert ours, f"lqplan accepts {case}"
    assert theirs, f"check-jsonschema accepts {case}"
    # The same place: each names the field, or one names the object holding it (an unknown field,
    # a promotion whose type fits no kind) and the other the field itself.
    places = [(o, t) for o in map(steps, ours) for t in map(steps, theirs)]
    assert any(on_a_line(o, t, path) for o, t in places), (ours, theirs)


# --- ajv, strict ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ajv(tmp_path_factory) -> Path:
    """ajv-cli with ajv-formats, installed from npm into a scratch folder (skipped without npm)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("ajv: node and npm are not installed (check-jsonschema still ran)")
    folder = tmp_path_factory.mktemp("ajv")
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(folder),
            "--no-audit",
            "--no-fund",
            "--no-save",
            "ajv-cli@5",
            "ajv-formats@3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(f"ajv: npm could not install ajv-cli: {done.stderr.strip()[-300:]}")
    return folder


def ajv_errors(folder: Path, kind: str, files: list[Path]) -> dict[Path, list[Path_]]:
    """ajv-cli's errors for each file, one run for all, in strict mode with the formats of
    ajv-formats: {file: [paths]}."""
    done = subprocess.run(
        [
            str(folder / "node_modules" / ".bin" / "ajv"),
            *("validate", "--spec=draft7", "--strict=true", "--all-errors", "--errors=line"),
            *("-c", "ajv-formats", "-s", str(SCHEMAS / f"{kind}.schema.json")),
            *(arg for file in files for arg in ("-d", str(file))),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,  # where `-c ajv-formats` is found
    )
    errors: dict[Path, list[Path_]] = {}
    lines = iter((done.stdout + "\n" + done.stderr).splitlines())
    for line in lines:  # "FILE valid", or "FILE invalid" and the next line its errors in JSON
        name, _, verdict = line.rpartition(" ")
        if verdict == "valid":
            errors[Path(name)] = []
        elif verdict == "invalid":
            errors[Path(name)] = [pointer(e["instancePath"]) for e in json.loads(next(lines))]
    assert set(errors) == set(files), done.stdout + done.stderr  # else the schema was refused
    return errors


def pointer(text: str) -> Path_:
    """A JSON pointer ('/products/0/sku') as a path."""
    return tuple(int(s) if s.isdigit() else s for s in text.split("/")[1:])


def as_json(file: Path, out: Path) -> Path:
    """A YAML file as JSON, for ajv-cli: its own YAML reader takes YAML 1.1's unquoted dates for
    timestamps, which YAML 1.2 (yaml-language-server, lqplan) reads as text."""
    out.write_text(json.dumps(load(file), ensure_ascii=False, default=str), encoding="utf-8")
    return out


def test_ajv_strict_compiles_every_schema(ajv):
    done = subprocess.run(
        [
            str(ajv / "node_modules" / ".bin" / "ajv"),
            *("compile", "--spec=draft7", "--strict=true", "-c", "ajv-formats"),
            *(arg for kind in SCHEMA_KINDS for arg in ("-s", str(SCHEMAS / f"{kind}.schema.json"))),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ajv,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" is valid") == len(SCHEMA_KINDS), done.stdout


def test_ajv_strict_agrees_on_samples_and_bad_values(ajv, bad_cases, our_verdicts, tmp_path):
    for kind, files in sample_files().items():
        data = [as_json(f, tmp_path / f"{f.parent.name}-{kind}.json") for f in files]
        assert ajv_errors(ajv, kind, data) == {file: [] for file in data}
    for kind in {kind for kind, _, _ in BAD.values()}:
        cases = {
            case: as_json(bad_cases[case], tmp_path / f"case{i}.json")
            for i, (case, (k, _, _)) in enumerate(BAD.items())
            if k == kind
        }
        errors = ajv_errors(ajv, kind, list(cases.values()))
        for case, data in cases.items():
            places = [(steps(o), t) for o in our_verdicts[case] for t in errors[data]]
            assert any(on_a_line(o, t, BAD[case][1]) for o, t in places), (case, places)
