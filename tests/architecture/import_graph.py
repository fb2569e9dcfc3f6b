"""The import graph of ``procore_dc``, read from the source (nothing is imported).

Every ``import`` and ``from ... import`` statement counts: at module level, inside functions
(lazy imports) and under ``if TYPE_CHECKING:``. A lazy import still ties two modules together:
it only hides the knot from Python's import machinery, not from a reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = "procore_dc"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package is named by its ``__init__``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _resolve(importer: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def _imports(
    tree: ast.AST, importer: str, is_package: bool
) -> Iterator[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import statement."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(importer, is_package, node.level, node.module)
            yield module, [alias.name for alias in node.names], node.lineno


def _owner(name: str, modules: Mapping[str, Path]) -> str | None:
    """The longest known module that ``name`` is, or is inside."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(root: Path = ROOT) -> dict[str, dict[str, int]]:
    """``{importer: {imported: first line}}`` over the package's own modules.

    ``from procore_dc.auth import tokens`` is an edge to the submodule ``procore_dc.auth.tokens``;
    ``from procore_dc.auth import AuthStrategy`` is an edge to the package ``procore_dc.auth``.
    The parent packages Python runs on the way to a submodule are not counted: a package's
    ``__init__`` re-exporting its own submodules would otherwise make every package a cycle.
    """
    modules = module_files(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: dict[str, int] = {}
        for module, names, line in _imports(tree, name, path.name == "__init__.py"):
            targets = [f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names]
            for target in targets or [module]:
                owner = _owner(target, modules)
                if owner is not None and owner != name:
                    edges.setdefault(owner, line)
        graph[name] = edges
    return graph


def cycles(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module, each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        # Iterative Tarjan: the package's graph is small, but recursion depth is not ours to spend.
        nonlocal counter
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, {})))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
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


def path_between(graph: Mapping[str, Mapping[str, int]], members: list[str]) -> list[str]:
    """One closed walk through a cycle's members, for a readable failure message."""
    start = members[0]
    inside = set(members)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for child in graph.get(node, {}):
            if child == start:
                walk = [node]
                while walk[-1] != start:
                    walk.append(previous[walk[-1]])
                return [*reversed(walk), start]
            if child in inside and child not in previous:
                previous[child] = node
                frontier.append(child)
    return members  # pragma: no cover - a component always closes on its start
