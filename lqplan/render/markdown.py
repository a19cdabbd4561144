"""Show texts in Markdown documents: printed as text, never as HTML or as a link.

A product name such as `<img src=x onerror=alert(1)>` or `[click](javascript:alert(1))` comes
from a show's files (often pasted from a supplier's sheet) and must not become an element or a
link when a viewer renders run_sheet.md, host_script.md or a checklist. In a Markdown document
(a template named `*.md.j2`, and everything it includes), everything a `{{ … }}` prints passes
through `escape`, which backslash-escapes only what could start markup of that kind:

- `<`: raw HTML, HTML comments and autolinks (`<javascript:…>`) all begin with it. A `>`
  alone opens nothing and is left, so that a KPI target such as `> 60 秒` reads as written.
- `]` where it would close link text: before `(`, `[` or `:` (an inline link or image, a
  reference, a link definition) and at the end of a printed text, so that the next `{{ … }}`
  cannot supply the `(…)`. A lone `[` cannot make a link, so `[新品] 面霜` and a checkbox `[ ]`
  stay as they are.
- `&` only where it starts a character reference (`&lt;`, `&#60;`); such a reference only ever
  makes text, so this is for fidelity, and `Tea & Teaware` stays as it is.
- a backslash before any of these is an escape already and is kept, and a lone backslash at
  the end is doubled, so that escaping twice changes nothing (a macro's output is printed again
  by the `{{ … }}` that calls it) and no text can cancel the escape of the next one.

Chinese text, prices, emoji and every other character are left alone. Text that lqplan has
already written as Markdown (the run sheet's table cells, with their `<br>` and bold) is a
`Markdown` string and is printed as it is; `join` keeps that when it joins such cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import jinja2
from jinja2.filters import do_join, make_attrgetter
from jinja2.nodes import EvalContext

# True while a Markdown document renders (set by env.render for the document's whole render,
# so that a partial it includes, whatever its name, is escaped the same way).
IN_MARKDOWN: ContextVar[bool] = ContextVar("lqplan_in_markdown", default=False)

_SPECIAL = re.compile(r"\\(?:.|\Z)|<|&(?=#?[0-9A-Za-z]+;)|\](?=[(\[:]|\Z)", re.DOTALL)
# A `]` that would close link text; for text whose backslashes are all escaped already (the run
# sheet's table cells).
LINK_END = re.compile(r"\](?=[(\[:]|\Z)")
_REFERENCE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


class Markdown(str):
    """Text that lqplan has already written as Markdown: printed as it is in a Markdown
    document. A plain `str` everywhere else, so HTML templates still escape it."""

    __slots__ = ()


def escape(value: Any) -> Markdown:
    """`value` as Markdown text that a viewer shows literally (see the module's docstring)."""
    if isinstance(value, Markdown):
        return value
    text = str(value)
    if "\\" in text:  # escapes to keep: one pass that knows them
        return Markdown(_SPECIAL.sub(_escaped, text))
    # The same without a backslash, as fast scans: a document may print megabytes.
    text = text.replace("<", "\\<")
    if "&" in text:
        text = _REFERENCE.sub(r"\\&", text)
    if "]" in text:
        text = LINK_END.sub(r"\\]", text)
    return Markdown(text)


def _escaped(match: re.Match[str]) -> str:
    text = match.group()
    if len(text) == 2:  # a backslash and the character it escapes: an escape already
        return text
    return "\\" + text


@jinja2.pass_eval_context
def finalize(eval_ctx: EvalContext, value: Any) -> Any:
    """What a `{{ … }}` prints: escaped in a Markdown document, as it is elsewhere (HTML
    templates autoescape it next)."""
    return escape(value) if IN_MARKDOWN.get() else value


@jinja2.pass_eval_context
def join(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    """Jinja's `join`; in a Markdown document each item and the separator are escaped and the
    result is Markdown, so cells lqplan escaped already are not escaped twice."""
    if not IN_MARKDOWN.get():
        return str(do_join(eval_ctx, value, d, attribute))
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    return Markdown(escape(d).join(escape(item) for item in value))
