"""Where the built-in templates, samples and schemas are, installed or in a checkout.

A wheel carries them inside the package (pyproject's force-include); an editable install or a
checkout finds them at the repository's top level, where the design card puts them.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # lqplan/


def resource_dir(name: str) -> Path:
    """The folder of built-in `templates`, `samples` or `schemas`."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lqplan is installed without its {name}/ folder")


def sample_names() -> list[str]:
    """The built-in samples (`lqplan init --sample NAME`): the folders holding a show.yaml."""
    return sorted(p.name for p in resource_dir("samples").iterdir() if (p / "show.yaml").is_file())
