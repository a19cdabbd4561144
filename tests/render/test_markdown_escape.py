"""Show texts in the Markdown paperwork are text: never raw HTML, never a link (issue 15).

Every Markdown document lqplan writes (run_sheet.md, host_script.md, each checklist, review.md)
is rendered from a plan whose texts (title, room, product names, selling points, objections,
prizes...) carry a hostile string, and then rendered again the way a viewer does, with
markdown-it-py (CommonMark, raw HTML allowed, tables on, any link scheme followed): no HTML
element may come out of the show's texts and no link or image at all, while the hostile text
itself is still there to read.
"""

from __future__ import annotations

import copy
import html
from typing import Any

import pytest
from conftest import small_plan
from markdown_it import MarkdownIt

from lqplan.live.actuals import read_actuals
from lqplan.render import render_documents
from lqplan.render.env import make_environment, render
from lqplan.render.markdown import escape
from lqplan.review.review import review, review_documents

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "![x](http://evil)",
    "<javascript:alert(1)>",  # an autolink
    "\\<img src=x onerror=alert(1)>",  # a backslash that would cancel a naive escape
    "[ref][x] [x]: javascript:alert(1)",  # a reference and its definition
    "<!-- hide the rest",
]
# Keys whose values are texts from the show's files (the rest are ids, times and figures).
TEXT_KEYS = {"title", "room", "theme", "name", "brand", "point", "proof", "usage_scene"}
TEXT_KEYS |= {"question", "answer", "prize", "entry", "collab", "partner"}
RENDERER = MarkdownIt("commonmark").enable("table")
# A viewer that follows every link: markdown-it refuses `javascript:` itself, not every viewer.
RENDERER.validateLink = lambda url: True


def poisoned(value: Any, text: str) -> Any:
    """A copy of plan data with `text` appended to every show text in it."""
    if isinstance(value, dict):
        return {
            k: f"{v} {text}" if k in TEXT_KEYS and isinstance(v, str) else poisoned(v, text)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [poisoned(v, text) for v in value]
    return value


def markdown_documents(plan: dict[str, Any], text: str, tmp_path) -> dict[str, str]:
    """Every Markdown document for `plan` poisoned with `text`, and the review of a small plan
    poisoned the same way."""
    docs = {k: v for k, v in render_documents(poisoned(plan, text)).items() if k.endswith(".md")}
    actuals = tmp_path / "actuals.yaml"
    actuals.write_text(
        'views: 5000\nsegments:\n  - {sku: A, start: "20:01", end: "20:12", units: 30}\n',
        encoding="utf-8",
    )
    report = review(poisoned(small_plan(), text), read_actuals(actuals))
    docs["review.md"] = str(review_documents(report, "en")["review.md"])
    return docs


def markup_in(text: str) -> list[str]:
    """The HTML elements and links a Markdown viewer makes of `text`, beyond the run sheet's
    own line breaks in table cells."""
    found = []
    stack = list(RENDERER.parse(text))
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type in ("html_block", "html_inline") and token.content != "<br>":
            found.append(f"{token.type}: {token.content!r}")
        elif token.type in ("link_open", "image", "autolink"):
            found.append(f"{token.type}: {token.attrs}")
    return found


@pytest.fixture(scope="module")
def documents(sample_plans, tmp_path_factory) -> dict[tuple[str, str], dict[str, str]]:
    """(sample, hostile text) -> its Markdown documents."""
    out = {}
    for sample in ("minimal", "beauty-douyin"):
        for text in HOSTILE:
            plan = copy.deepcopy(sample_plans[sample])
            out[(sample, text)] = markdown_documents(plan, text, tmp_path_factory.mktemp("r"))
    return out


@pytest.mark.parametrize("sample", ["minimal", "beauty-douyin"])
@pytest.mark.parametrize("text", HOSTILE)
def test_no_show_text_becomes_html_or_a_link(documents, sample, text):
    docs = documents[(sample, text)]
    names = set(docs)
    assert {"run_sheet.md", "host_script.md", "review.md"} <= names
    assert any(name.startswith("checklists/") for name in names)
    for name, doc in docs.items():
        assert markup_in(doc) == [], f"{name} renders markup from {text!r}"
        shown = RENDERER.render(doc)
        assert "javascript:" not in shown.replace(html.escape(text, quote=False), ""), name
        # The text is still there to read, as written (a backslash before `<` is an escape).
        readable = html.escape(text.replace("\\<", "<"), quote=False)
        assert readable in shown, f"{name} lost {text!r}"


@pytest.mark.parametrize(
    "text",
    [
        "Tea & Teaware Evening",  # a lone & is text: left as it is
        "春日焕新 美妆专场【限时】",
        "[新品] 玻尿酸面霜 50 ml",  # a lone [ … ] opens no link
        "¥49.90 → ¥39.90 🎁",
        "> 60 秒",  # a KPI target: a > opens nothing
        "- [ ] a checkbox",
        "5 * 3 = 15_000",  # emphasis is not HTML: left alone
    ],
)
def test_legitimate_text_is_left_as_written(text):
    assert escape(text) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<b>", "\\<b>"),
        ("[a](b)", "[a\\](b)"),
        ("![a][b]", "![a\\][b\\]"),
        ("[a]: b", "[a\\]: b"),
        ("[a]", "[a\\]"),  # at the end: the next printed text could supply the `(…)`
        ("&lt;b&gt;", "\\&lt;b\\&gt;"),  # a character reference is shown as written
        ("&#60;", "\\&#60;"),
        ("a\\", "a\\\\"),  # a lone backslash at the end cannot escape what follows
        ("\\<b>", "\\<b>"),  # an escape already: kept
        ("\\\\<b>", "\\\\\\<b>"),
    ],
)
def test_escape(text, escaped):
    assert escape(text) == escaped
    assert escape(str(escape(text))) == escaped  # escaping twice changes nothing


@pytest.mark.parametrize(
    ("first", "second"),
    [("[click]", "(javascript:alert(1))"), ("a\\", "<img src=x>"), ("[x", "](http://evil)")],
)
def test_two_printed_texts_cannot_combine_into_markup(tmp_path, first, second):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "page.md.j2").write_text("{{ a }}{{ b }}\n", encoding="utf-8")
    doc = render(make_environment(folder), "page.md.j2", {"a": first, "b": second})
    assert markup_in(doc) == [], doc


def test_a_macro_and_a_block_print_escaped_text_once(tmp_path):
    """Their output is printed again by `{{ … }}`: escaping twice must not show backslashes."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    body = (
        "{% macro item(x) %}- [ ] {{ x }}{% endmacro %}{{ item(name) }}\n"
        "{% set line %}{{ name }}{% endset %}{{ line }}\n"
        "{{ names | join(' · ') }}\n"
    )
    (folder / "page.md.j2").write_text(body, encoding="utf-8")
    name = "<img src=x> [a](b)"
    doc = render(make_environment(folder), "page.md.j2", {"name": name, "names": [name, name]})
    assert markup_in(doc) == []
    shown = RENDERER.render(doc)
    assert shown.count(html.escape(name, quote=False)) == 4, shown


def test_html_documents_are_not_markdown_escaped(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "page.html.j2").write_text("<p>{{ name }}</p>", encoding="utf-8")
    doc = render(make_environment(folder), "page.html.j2", {"name": "[a](b) <i>"})
    assert doc == "<p>[a](b) &lt;i&gt;</p>"
