"""No import cycles in lqplan: read from the source with ast, so that an import inside a function
(the usual way round a cycle) counts as much as one at the top of a module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import lqplan

ROOT = Path(lqplan.__file__).parent

_TYPE_CHECKING = ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def _module_names() -> dict[str, Path]:
    """Every module under lqplan/ by dotted name; a package by its own name (its __init__)."""
    names = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """The lqplan modules that `name` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    # Imports under `if TYPE_CHECKING:` never run: they name types for the checker (a rule
    # family's stage objects, lqplan/rules/family.py) and are not part of the import graph.
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in _TYPE_CHECKING
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                # `import lqplan.a.b` is lqplan.a.b, or the longest part of it that is a module.
                parts = alias.name.split(".")
                while parts and ".".join(parts) not in modules:
                    parts.pop()
                if parts:
                    found.add(".".join(parts))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from lqplan.pkg import mod` imports the module; `from lqplan.pkg import name`
                # imports what defines the name: the package's __init__ (or the module).
                target = f"{source}.{alias.name}"
                if target in modules:
                    found.add(target)
                elif source in modules:
                    found.add(source)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the lqplan modules it imports."""
    names = _module_names()
    return {name: _imports(name, path, set(names)) for name, path in names.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def a_cycle(graph: dict[str, set[str]], component: frozenset[str]) -> list[str]:
    """One path round `component`, from its first module back to it, to print."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph[node] & component):
            if succ == start:
                return [*paths[node], start]
            if succ not in paths:
                paths[succ] = [*paths[node], succ]
                queue.append(succ)
    raise AssertionError(f"{sorted(component)} is not a cycle")


def test_the_graph_reads_from_imports_and_from_imports_inside_functions():
    graph = import_graph()
    assert "lqplan.render.phrases" in graph["lqplan.render.actions"]
    # lqplan/pipeline.py imports render_documents inside a function, from the package.
    assert "lqplan.render" in graph["lqplan.pipeline"]
    # ...and an import that only names a type (under TYPE_CHECKING) is no edge.
    assert "lqplan.plan.optimise.cpsat" not in graph["lqplan.rules.family"]


def test_no_import_cycles():
    graph = import_graph()
    found = [" -> ".join(a_cycle(graph, c)) for c in cycles(graph)]
    assert not found, "\n".join(found)


def test_a_render_module_imports_without_the_documents():
    """The render package's own file runs before any of its modules, and imports none of them:
    the cue view's actions, say, come without the documents (that import actions back)."""
    code = (
        "import sys, lqplan.render.actions, lqplan.render.i18n; "
        "print('lqplan.render.documents' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    from lqplan.render import render_documents
    from lqplan.render.documents import render_documents as defined

    assert render_documents is defined
