"""The package's layout holds what the developers' guide promises: OR-Tools in one subpackage, an
independent checker, one module per rule family that the stages find through the registry."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from lqplan.rules import Family, carry_over_order, families

PACKAGE = Path(__file__).resolve().parents[1] / "lqplan"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code (function-level imports too),
    including `lqplan.x.y` for `from lqplan.x import y`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_ortools_is_imported_only_by_the_optimiser():
    outside = {
        str(path.relative_to(PACKAGE))
        for path in _modules(PACKAGE)
        if "optimise" not in path.relative_to(PACKAGE).parts
        and any(_is_under(name, ("ortools",)) for name in _imports(path))
    }
    assert outside == set()


# The solver side: what chooses a plan, and every rule family's own reading of the rules.
SOLVER_SIDE = (
    "ortools",
    "lqplan.rules",
    "lqplan.plan.options",
    "lqplan.plan.optimise",
    "lqplan.plan.baseline",
    "lqplan.pipeline",
)


def test_the_checker_imports_nothing_from_the_rules_or_the_solver_side():
    checker = _modules(PACKAGE / "verify")
    assert len(checker) >= 2
    for path in checker:
        borrowed = {name for name in _imports(path) if _is_under(name, SOLVER_SIDE)}
        assert borrowed == set(), f"{path.name} imports {sorted(borrowed)}"


def test_loading_the_checker_loads_neither_ortools_nor_the_optimiser():
    # The show's model holds the rule families' input models, so lqplan.rules' modules load
    # (as data); their solver rows need a model that only the optimiser builds.
    code = (
        "import sys, lqplan.verify.checker, lqplan.verify.seams; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ortools' "
        "or m.startswith(('lqplan.plan.optimise', 'lqplan.plan.options', "
        "'lqplan.plan.baseline'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_module_of_the_rules_package_is_a_registered_family():
    modules = {p.stem for p in (PACKAGE / "rules").glob("*.py")} - {"__init__", "family"}
    registered = families()
    assert {type(f).__module__.rsplit(".", 1)[1] for f in registered} == modules
    assert all(isinstance(f, Family) for f in registered)
    # Build orders are distinct (a deterministic solve depends on the order of its rows), and
    # the registry follows them.
    orders = [f.order for f in registered]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    carried = [f.carry_order for f in carry_over_order()]
    assert carried == sorted(carried)
    assert len({f.name for f in registered}) == len(registered)


def test_a_pure_rule_is_named_only_by_its_module_the_show_model_and_the_checker():
    """`grep -lw precedence lqplan` finds rules/precedence.py, show/model.py (the model that reads
    it) and the checker, and nothing else; the same for repeats, exclusions and pins."""
    for name in ("precedence", "repeats", "exclusions", "pins"):
        word = re.compile(rf"\b{name}\b")
        found = {
            str(path.relative_to(PACKAGE))
            for path in _modules(PACKAGE)
            if word.search(path.read_text(encoding="utf-8"))
        }
        allowed = {f"rules/{name}.py", "show/model.py"}
        assert {f for f in found if not f.startswith("verify/")} == allowed, name
        assert "verify/checker.py" in found, name


def test_the_stages_name_no_rule_family():
    """The stages find the families through the registry: no stage imports one by name (the
    show's model imports their input models, which is what it is for)."""
    family_modules = tuple(f"lqplan.rules.{f.name}" for f in families()) + tuple(
        type(f).__module__ for f in families()
    )
    for path in _modules(PACKAGE):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "rules" or str(relative) == "show/model.py":
            continue
        named = {n for n in _imports(path) if _is_under(n, family_modules)}
        assert named == set(), f"{relative} imports {sorted(named)}"


def test_every_public_function_class_and_method_has_a_docstring():
    missing = []
    for path in _modules(PACKAGE):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes: list[tuple[str, ast.AST]] = [("", tree)]
        while scopes:
            prefix, scope = scopes.pop()
            for node in ast.iter_child_nodes(scope):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    continue
                if node.name.startswith("_"):
                    continue
                if ast.get_docstring(node) is None:
                    missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {prefix}{node.name}")
                if isinstance(node, ast.ClassDef):
                    scopes.append((f"{prefix}{node.name}.", node))
    assert missing == []
