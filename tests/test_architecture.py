"""The layout rules of docs/architecture.md, measured on the source (issue 14).

Rooms are `bot/`'s packages and loose modules, and `actions/`. Arrows are imports, wherever
they are written (a function-local import is an arrow too). The rules: no circle between
rooms or between modules, nothing in `bot/` imports `actions/`, no function over 60 lines,
at most six loose modules in `bot/`, and no `assert` guarding a production path.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ROOT

MAX_FUNCTION_LINES = 60
MAX_LOOSE_MODULES = 6
# `rahnuma` starts fast by importing a command's parts when the command runs.
LOCAL_IMPORTS_ALLOWED = {"bot.cli"}


def _sources() -> dict[str, Path]:
    found = {}
    for package in ("bot", "actions"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


SOURCES = _sources()


def _imports(name: str, tree: ast.Module) -> Iterator[tuple[str, ast.stmt]]:
    """Every module of ours that `name` imports, and the statement that does it."""
    package = name if SOURCES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                yield (f"{base}.{alias.name}" if f"{base}.{alias.name}" in SOURCES else base), node


def _ours(target: str) -> str | None:
    while target and target not in SOURCES:
        target = target.rpartition(".")[0]
    return target or None


def _room(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "actions":
        return "actions"
    return ".".join(parts[:2])


TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in SOURCES.items()}
EDGES = {
    name: {t for target, _ in _imports(name, tree) if (t := _ours(target)) and t != name}
    for name, tree in TREES.items()
}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_in_a_circle() -> None:
    # A package's __init__ re-exporting its own modules is not a circle between rooms.
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in EDGES.items()}
    assert _cycle(graph) is None


def test_no_room_imports_in_a_circle() -> None:
    rooms: dict[str, set[str]] = {}
    for module, targets in EDGES.items():
        rooms.setdefault(_room(module), set()).update(
            _room(t) for t in targets if _room(t) != _room(module)
        )
    assert _cycle(rooms) is None


def test_the_gateway_never_imports_the_actions() -> None:
    back = sorted(f"{m} -> {t}" for m, ts in EDGES.items() if m.startswith("bot") for t in ts
                  if t.startswith("actions"))  # fmt: skip
    assert back == []


def test_imports_are_at_the_top_so_the_graph_shows_them() -> None:
    hidden = []
    for name, tree in TREES.items():
        if name in LOCAL_IMPORTS_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        hidden.append(f"{name}:{inner.lineno}")
    assert hidden == []


def test_no_function_is_over_sixty_lines() -> None:
    long = []
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


def test_bot_has_few_loose_modules() -> None:
    loose = sorted(p.name for p in (ROOT / "bot").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= MAX_LOOSE_MODULES, loose


def test_no_assert_guards_production_code() -> None:
    """`python -O` drops asserts: a guard that matters must be an `if` that raises."""
    found = [
        f"{name}:{node.lineno}"
        for name, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]
    assert found == []


@pytest.mark.parametrize("package", ["bot", "actions"])
def test_every_module_has_tests_where_the_tree_says(package: str) -> None:
    """Tests mirror the tree: `bot/wording/render.py` is tested in `tests/wording/`."""
    missing = []
    for name, path in SOURCES.items():
        if not name.startswith(package) or path.name == "__init__.py":
            continue
        folder = path.parent.relative_to(ROOT / "bot" if package == "bot" else ROOT)
        if not (ROOT / "tests" / folder).is_dir():
            missing.append(f"{name}: no tests/{folder}/")
    assert missing == []
