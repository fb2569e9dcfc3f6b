"""The sandbox stays independent of the client and free of import cycles (#13).

Every module under ``procore_dc/testing`` is parsed (not imported); ``TYPE_CHECKING`` and
function-level imports count like any other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import procore_dc.testing

ROOT = Path(procore_dc.testing.__file__).parent
#: What the sandbox may import from the rest of procore_dc: no client code.
ALLOWED_OUTSIDE = {
    "procore_dc._catalog",
    "procore_dc._redact",
    "procore_dc.environments",
    "procore_dc.exceptions",
    "procore_dc.operation_permissions",
    "procore_dc.permissions",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ["procore_dc", "testing", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules ``name`` imports: ``from pkg import mod`` names ``pkg.mod``."""
    is_package = path.name == "__init__.py"
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                named.add(full if full in known else base)
    return named


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def test_the_sandbox_imports_no_client_code() -> None:
    outside = {
        ".".join(target.split(".")[:2]): name
        for name, targets in _graph().items()
        for target in targets
        if target.startswith("procore_dc.") and not target.startswith("procore_dc.testing")
    }
    assert set(outside) <= ALLOWED_OUTSIDE, {
        k: v for k, v in outside.items() if k not in ALLOWED_OUTSIDE
    }


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle among the modules of ``graph``, or ``[]``."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in graph or state.get(nxt) == 2:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            found = visit(nxt)
            if found:
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def test_no_import_cycle_inside_the_sandbox() -> None:
    assert _cycle(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
