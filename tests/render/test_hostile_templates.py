"""Hostile templates (issue 7): a team's template folder cannot escape, hang or flood.

Each folder under tests/hostile_templates/ is a `--templates` folder whose run_sheet.md.j2
(rendered first) does one hostile thing on its line 2. Links, a pipe and a huge file cannot be
committed: LINKED cases get theirs at test time, GENERATED cases are made whole. Every case is
run as a user runs it, `lqplan render PLAN.json -o OUT --templates CASE` in a subprocess, and a
few also through `lqplan plan --templates` and show.yaml's `templates:`; each must exit 1 with a
one-line error naming the template file (and line, where there is one), no traceback, nothing
written, long before the timeout. The cases share a folder with a `.git`: their repository.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import SAMPLES
from test_hostile import Run, assert_clean, run_lqplan

from lqplan.render import env as render_env

TEMPLATES = Path(__file__).resolve().parents[1] / "hostile_templates"

OUTSIDE = "/etc/passwd"  # a file outside the cases' repository
# case -> a fragment of the one-line error at run_sheet.md.j2:2 (the loop and the flood are
# stopped by the time and size limits, the C-level call by the kill of the child process that
# renders, links out of the repository by the loader, the rest by the sandbox).
CASES = {
    "loop-forever": f"template ran longer than {render_env.TIME_LIMIT:g} s",
    "dunder-class": "access to attribute '__class__' of 'str' object is unsafe",
    "subclasses": "'list object' has no attribute '__subclasses__'",
    "attr-filter": "access to attribute '__class__' of 'dict' object is unsafe",
    # CVE-2025-27516: before Jinja2 3.1.6, |attr handed out str.format unsandboxed.
    "attr-format": "access to attribute '__class__' of 'dict' object is unsafe",
    "os-module": "'os' is undefined",
    "environ": "'environ' is undefined",
    "self-reference": "'_TemplateReference__context' of 'TemplateReference' object is unsafe",
    "cycler": "'cycler' is undefined",
    "joiner": "'joiner' is undefined",
    "namespace": "'namespace' is undefined",
    "huge-output": "output larger than 20 MiB",
    "huge-repeat": "'*' would repeat a str to 10,000,000,000 items",
    "huge-padding": "template needed more than 512 MiB of memory",
    "huge-power": "10 ** 10000000000 is too large a number",
    "doubling": "template needed more than 512 MiB of memory",
    "recursion": "RecursionError",
    "include-outside": "template not found: ../../../../../../../../etc/passwd",
    "syntax": "template syntax: Expected an expression, got 'end of statement block'",
    "undefined": "'segment_count' is undefined",
    "c-level-sum": f"template ran longer than {render_env.WALL_LIMIT:g} s and was stopped",
    "include-link": f"template secret.j2 is outside the templates' repository through a "
    f"symbolic link: {OUTSIDE}",
    "extends-link": "template base.j2 is outside the templates' repository",
    "import-link": "template macros.j2 is outside the templates' repository",
    "folder-link": "template parts/row.j2 is outside the templates' repository",
    # No line: the document itself cannot be read.
    "link-outside": f"template run_sheet.md.j2 is outside the templates' repository through a "
    f"symbolic link: {OUTSIDE}",
    "pipe": "template run_sheet.md.j2 is not a regular file",
    "link-loop": "template run_sheet.md.j2 is a loop of symbolic links",
    "huge-file": "template run_sheet.md.j2 is 2,097,152 bytes; the limit is 1,048,576",
}
NO_LINE = {"link-outside", "pipe", "link-loop", "huge-file"}
LINKED = {  # committed case -> (a link in it, its target: absolute, or in a folder outside)
    "include-link": ("secret.j2", OUTSIDE),
    "extends-link": ("base.j2", OUTSIDE),
    "import-link": ("macros.j2", "macros.j2"),
    "folder-link": ("parts", ""),  # a link to the folder outside itself, which holds row.j2
}
GENERATED = NO_LINE


def _make_links(work: Path, outside: Path) -> None:
    """The links of LINKED cases and the GENERATED cases, in `work` (the copied corpus)."""
    (outside / "macros.j2").write_text("{% macro title() %}SECRET{% endmacro %}\n", "utf-8")
    (outside / "row.j2").write_text("SECRET\n", "utf-8")
    for case, (link, target) in LINKED.items():
        (work / case / link).symlink_to(Path(outside, target))
    for case in GENERATED:
        (work / case).mkdir()
    (work / "link-outside" / "run_sheet.md.j2").symlink_to(OUTSIDE)
    os.mkfifo(work / "pipe" / "run_sheet.md.j2")  # reading it would wait for a writer forever
    (work / "link-loop" / "run_sheet.md.j2").symlink_to("run_sheet.md.j2")
    (work / "huge-file" / "run_sheet.md.j2").write_text("#" * 2 * 1024 * 1024, "utf-8")


# plan --templates CASE
VIA_PLAN = ("loop-forever", "dunder-class", "environ", "huge-output")
VIA_SHOW = "os-module"  # show.yaml's `templates:` names the folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], Run]:
    from lqplan.pipeline import load_and_validate, plan_json, plan_show
    from lqplan.plan.result import SolveSettings

    work = tmp_path_factory.mktemp("templates")
    shutil.copytree(TEMPLATES, work, dirs_exist_ok=True)
    _make_links(work, tmp_path_factory.mktemp("outside"))
    shutil.copytree(SAMPLES / "minimal", work / "show")
    plan = plan_show(load_and_validate(work / "show"), SolveSettings(deterministic=True)).plan
    (work / "plan.json").write_text(plan_json(plan), encoding="utf-8")
    shutil.copytree(SAMPLES / "minimal", work / "show-templates")
    show_yaml = work / "show-templates" / "show.yaml"
    text = show_yaml.read_text(encoding="utf-8")
    show_yaml.write_text(text + f"templates: ../{VIA_SHOW}\n", encoding="utf-8")
    (work / ".git").mkdir()  # the show and the templates share a repository

    jobs = {("render", case): ["render", "plan.json", "--templates", case] for case in CASES}
    jobs |= {("plan", case): ["plan", "show", "--templates", case] for case in VIA_PLAN}
    jobs[("show", VIA_SHOW)] = ["plan", "show-templates"]

    def run(job: tuple[str, str]) -> Run:
        output = work / f"out-{job[0]}-{job[1]}"
        return run_lqplan(work, [*jobs[job], "-o", str(output)], output)

    with ThreadPoolExecutor(max_workers=2) as pool:
        table = dict(zip(jobs, pool.map(run, jobs), strict=True))
    for (command, case), done in table.items():
        print(f"{done.seconds:6.2f} s  exit {done.code}  {command} {case}")
    return table


def test_every_case_has_a_folder():
    assert {p.name for p in TEMPLATES.iterdir() if p.is_dir()} == set(CASES) - GENERATED


@pytest.mark.parametrize(
    "job",
    [("render", c) for c in CASES] + [("plan", c) for c in VIA_PLAN] + [("show", VIA_SHOW)],
    ids="-".join,
)
def test_hostile_template_is_a_clean_error(runs, job: tuple[str, str]):
    run = runs[job]
    assert_clean(run)
    assert run.code == 1, run.stderr
    case = job[1]
    (line,) = run.stderr.splitlines()  # one line, nothing else: not even "wrote"
    where = "" if case in NO_LINE else ":2:1"
    assert line.startswith(f"{case}/run_sheet.md.j2{where}: error: "), run.stderr
    assert CASES[case] in line, line
    assert "SECRET" not in line and "root:" not in line  # nothing of the outside was read
