"""The template sandbox: user templates cannot escape, run away or fail without a location."""

from __future__ import annotations

import pytest

from lqplan.errors import InputError
from lqplan.render import env as render_env
from lqplan.render.env import make_environment, render


def user_env(tmp_path, **templates):
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return make_environment(folder)


def failure(env, name, context=None) -> str:
    with pytest.raises(InputError) as info:
        render(env, name, context or {})
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",  # the classic sandbox escape
        "{{ plan.__class__ }}",  # attributes starting with _ are unsafe
        "{{ cycler.__init__.__globals__.os.environ }}",  # globals are cleared: no cycler
        "{{ lipsum.__globals__['os'] }}",  # nor lipsum
        "{{ plan.update({'x': 1}) }}",  # the immutable sandbox forbids mutation
    ],
)
def test_sandbox_refuses_escapes(tmp_path, body):
    env = user_env(tmp_path, **{"evil__md__j2": body})
    message = failure(env, "evil.md.j2", {"plan": {"a": 1}})
    assert "evil.md.j2" in message


def test_undefined_variable_names_template_and_line(tmp_path):
    env = user_env(tmp_path, **{"sheet__md__j2": "line one\n{{ missing_thing }}\n"})
    message = failure(env, "sheet.md.j2")
    assert "sheet.md.j2:2:" in message and "missing_thing" in message


def test_syntax_error_names_template_and_line(tmp_path):
    env = user_env(tmp_path, **{"bad__md__j2": "ok\n{% for x in %}\n"})
    message = failure(env, "bad.md.j2")
    assert "bad.md.j2:2:" in message and "syntax" in message


def test_a_template_that_loops_forever_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(render_env, "TIME_LIMIT", 0.5)
    body = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    env = user_env(tmp_path, **{"loop__md__j2": body})
    message = failure(env, "loop.md.j2")
    assert "loop.md.j2" in message and "longer than" in message


def test_huge_ranges_are_refused(tmp_path):
    env = user_env(tmp_path, **{"big__md__j2": "{% for i in range(10**9) %}x{% endfor %}"})
    assert "range() longer than" in failure(env, "big.md.j2")


def test_output_size_is_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(render_env, "SIZE_LIMIT", 1000)
    env = user_env(tmp_path, **{"fat__md__j2": "{% for i in range(500) %}0123456789{% endfor %}"})
    assert "output larger than" in failure(env, "fat.md.j2")


def test_user_template_overrides_builtin_by_name(tmp_path):
    env = user_env(tmp_path, **{"run_sheet__md__j2": "custom {{ 1 + 1 }}"})
    assert render(env, "run_sheet.md.j2", {}) == "custom 2"


def test_html_autoescapes_user_text(tmp_path):
    env = user_env(tmp_path, **{"page__html__j2": "<p>{{ name }}</p>"})
    assert (
        render(env, "page.html.j2", {"name": "<script>x</script>"})
        == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    )


def test_markdown_is_not_html_escaped(tmp_path):
    env = user_env(tmp_path, **{"page__md__j2": "{{ name }}"})
    assert render(env, "page.md.j2", {"name": "A & B"}) == "A & B"


def test_missing_template_is_a_clean_error():
    env = make_environment(None)
    assert "template not found" in failure(env, "no_such.md.j2")


def test_the_jinja2_floor_excludes_the_sandbox_escape():
    """CVE-2025-27516 (|attr hands out str.format) is fixed in 3.1.6; the floor must say so."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text("utf-8"))["project"]["dependencies"]
    (jinja,) = [d for d in dependencies if d.lower().startswith("jinja2")]
    assert jinja.replace(" ", "").startswith("jinja2>=3.1.6"), jinja


def test_a_link_inside_the_repository_is_read(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "sheet.j2").write_text("shared {{ 2 + 2 }}", encoding="utf-8")
    env = user_env(tmp_path)
    (tmp_path / "tpl" / "run_sheet.md.j2").symlink_to(tmp_path / "shared" / "sheet.j2")
    assert render(env, "run_sheet.md.j2", {}) == "shared 4"


def test_a_link_out_of_a_folder_in_no_repository_is_refused(tmp_path):
    """Outside any repository, the templates folder itself is the boundary."""
    (tmp_path / "elsewhere.j2").write_text("SECRET", encoding="utf-8")
    env = user_env(tmp_path, **{"page__md__j2": "{% include 'part.j2' %}"})
    (tmp_path / "tpl" / "part.j2").symlink_to(tmp_path / "elsewhere.j2")
    message = failure(env, "page.md.j2")
    assert "/tpl/page.md.j2:1:1: error: " in message
    assert "part.j2 is outside the templates' folder through a symbolic link" in message


def test_one_child_process_renders_every_document_and_ends_with_the_environment(tmp_path):
    import gc

    env = user_env(tmp_path, **{"a__md__j2": "a", "b__md__j2": "b"})
    assert [render(env, name, {}) for name in ("a.md.j2", "b.md.j2", "a.md.j2")] == list("aba")
    process = env.lqplan_worker.process
    del env
    gc.collect()
    assert process.wait(timeout=5) is not None  # stopped with its environment, not left behind


def test_a_stuck_document_is_killed_and_the_next_one_renders(tmp_path, monkeypatch):
    monkeypatch.setattr(render_env, "WALL_LIMIT", 1.0)
    stuck = "line one\n{{ ([[0]] * 20000000) | sum(start=[]) }}\n"
    env = user_env(tmp_path, **{"stuck__md__j2": stuck, "fine__md__j2": "fine"})
    message = failure(env, "stuck.md.j2")
    assert "stuck.md.j2:2:1: error: template ran longer than 1 s and was stopped" in message
    assert render(env, "fine.md.j2", {}) == "fine"
