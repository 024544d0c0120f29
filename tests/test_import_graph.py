"""The packages of lti_tool import one another in one direction only (docs/architecture.md):
no cycle between top-level subpackages, counting imports inside functions too, since a
deferred import is still a dependency (it only hides the cycle from Python's loader)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import lti_tool

PACKAGE = "lti_tool"
ROOT = Path(lti_tool.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every lti_tool module named by an import anywhere in the tree (top level or in a
    function; `if TYPE_CHECKING:` imports are only for the type checker and are skipped)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            for alias in node.names:  # `from lti_tool import models` names a package
                yield f"{target}.{alias.name}"


def _area(module: str) -> str | None:
    """The top-level subpackage (or module) of lti_tool a module belongs to."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def _known_areas() -> set[str]:
    return {p.stem if p.is_file() else p.name for p in ROOT.iterdir() if not p.name.startswith("_")}


def area_graph() -> dict[str, set[str]]:
    """subpackage -> the other subpackages its modules import."""
    known = _known_areas()
    graph: dict[str, set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        source = _area(module)
        if source is None:
            continue  # lti_tool/__init__.py: the factory wires everything
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target in _imported(tree, module, path.name == "__init__.py"):
            area = _area(target)
            if area is not None and area != source and area in known:
                graph.setdefault(source, set()).add(area)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted,
    plus one concrete cycle path per component for the message."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_cycles_between_subpackages() -> None:
    graph = area_graph()
    found = cycles(graph)
    described = [" -> ".join(_cycle_path(c, graph)) for c in found]
    assert not found, "import cycles between lti_tool subpackages:\n" + "\n".join(described)


def _cycle_path(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    start = component[0]
    members = set(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(graph.get(node, set()) & members):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if nxt not in parents:
                parents[nxt] = node
                frontier.append(nxt)
    return component


def test_the_graph_sees_function_level_imports() -> None:
    tree = ast.parse("def f():\n    from lti_tool.auth import roles\n")
    assert "lti_tool.auth" in set(_imported(tree, "lti_tool.lti.x", False))


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert _cycle_path(["a", "b", "c"], graph) == ["a", "b", "c", "a"]


def test_the_protocol_port_imports_nothing_above_it() -> None:
    """lti/ talks to models, settings and its own modules (architecture.md)."""
    above = {"auth", "start", "admin", "activities", "web", "grading", "roster", "sandbox"}
    assert not (area_graph().get("lti", set()) & above)
