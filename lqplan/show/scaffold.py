"""`lqplan init`: start a show folder from a bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

from lqplan.errors import UsageError
from lqplan.io.resources import resource_dir, sample_names
from lqplan.io.write import write_files
from lqplan.show.schema import schema_files

DEFAULT_SAMPLE = {"zh": "beauty-douyin", "en": "minimal"}
_MODELINE = re.compile(r"\$schema=\S*/schemas/(\w+)\.schema\.json")
_LANGUAGE = re.compile(r"^language:.*$", re.MULTILINE)


def scaffold_files(sample: str | None = None, language: str | None = None) -> dict[str, str]:
    """{relative path: text} for a new show folder copied from `sample`."""
    names = sample_names()
    sample = sample or DEFAULT_SAMPLE.get(language or "en", "minimal")
    if sample not in names:
        raise UsageError(f"no sample named {sample!r}; samples: {', '.join(names)}")
    folder = resource_dir("samples") / sample
    files: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".csv") or not path.is_file():
            continue
        if path.stem == "actuals":
            continue  # an example of live data from that show, not part of a new one
        text = path.read_text(encoding="utf-8")
        # The sample points its editor at the repository's schemas; the copy gets its own.
        text = _MODELINE.sub(r"$schema=.schemas/\1.schema.json", text)
        if language and path.name == "show.yaml":
            text = _LANGUAGE.sub(f"language: {language}", text, count=1)
        files[path.name] = text
    for name, text in schema_files().items():
        files[f".schemas/{name}"] = text
    return files


def init_show(target: Path, sample: str | None = None, language: str | None = None) -> list[Path]:
    """Write a sample's files into `target`; refuse (exit 4) if any of them exists already."""
    return write_files(scaffold_files(sample, language), target, manifest=False)
