"""Stage 6, render: the paperwork from a plan, as {relative path: text}. Nothing is written here.

documents.py gathers every document: runsheet.py (run sheet, Ontime CSV, with svg.py's
timeline), scripts.py (host script) and checklists.py (one per team) fill env.py's templates
(markdown.py escapes what the Markdown ones print; sandbox.py runs a user's templates in a
child process) from the plan, the teams' actions (actions.py) and the words per language
(i18n.py, phrases.py). documents.py's names are re-exported here on first use: importing one of the
package's modules (the cue view takes actions, review takes i18n) runs this file first, and it
must not import the documents, and through them that module, back.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lqplan.render.documents import base_context, filters, render_documents

__all__ = ["base_context", "filters", "render_documents"]


def __getattr__(name: str) -> Any:
    """documents.py's names, imported when first asked for."""
    if name in __all__:
        return getattr(importlib.import_module("lqplan.render.documents"), name)
    raise AttributeError(f"module 'lqplan.render' has no attribute {name!r}")
