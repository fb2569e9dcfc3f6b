"""The layer table of ``docs/architecture.rst`` as data, and a directive listing each module's job.

The table is the one source of the layer rules: ``tests/architecture/test_layers.py`` checks
every import in ``procore_dc/`` against it, and the ``procore-module-jobs`` directive prints,
layer by layer, every module with the first line of its docstring. So neither the rules nor the
list of rooms can drift from the code without a test or the docs build noticing.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path
from typing import Any, NamedTuple

DOCS = Path(__file__).resolve().parents[1]
PAGE = DOCS / "architecture.rst"
PACKAGE_ROOT = DOCS.parent / "procore_dc"
TABLE_TITLE = "Layers, lowest first"


class Layer(NamedTuple):
    """One row: the layer's name, the module patterns it owns, what it may import."""

    name: str
    patterns: tuple[str, ...]
    may_import: tuple[str, ...]  # layer names or module patterns


def _cells(lines: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("* - "):
            rows.append([stripped[4:]])
        elif stripped.startswith("- ") and rows:
            rows[-1].append(stripped[2:])
        elif stripped and rows:
            rows[-1][-1] += " " + stripped
    return rows


def read_table(page: Path = PAGE) -> list[Layer]:
    """The rows of the ``list-table`` titled :data:`TABLE_TITLE`, header row left out."""
    lines = page.read_text(encoding="utf-8").splitlines()
    title = f".. list-table:: {TABLE_TITLE}"
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        if line.strip().startswith(":"):
            continue
        body.append(line)
    layers = []
    for row in _cells(body)[1:]:
        name, modules, may = row
        patterns = tuple(re.findall(r"``([^`]+)``", modules))
        entries = (p.strip().strip("`") for p in may.split(","))
        allowed = tuple(e for e in entries if e and e != "nothing")
        layers.append(Layer(name.strip("* "), patterns, allowed))
    return layers


def layer_of(module: str, layers: list[Layer]) -> Layer | None:
    """The first layer with a pattern matching ``module`` (a package's own name matches ``pkg``)."""
    for layer in layers:
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in layer.patterns):
            return layer
    return None


def allowed(importer: Layer, imported: str, layers: list[Layer]) -> bool:
    """May a module of ``importer`` import the module ``imported``?"""
    target = layer_of(imported, layers)
    if target is not None and (target.name == importer.name or target.name in importer.may_import):
        return True
    return any(fnmatch.fnmatchcase(imported, entry) for entry in importer.may_import)


def modules(root: Path = PACKAGE_ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package is named by its ``__init__``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`<]*?)(?:\s*<([^>]+)>)?`")


def _literal(match: re.Match[str]) -> str:
    # A cross-reference from a private module may not resolve on this page: show it as code.
    tilde, text, target = match.groups()
    name = (target or text).strip()
    return f"``{name.rsplit('.', 1)[-1] if tilde else text.strip() or name}``"


def job_of(path: Path) -> str:
    """The first paragraph of a module's docstring: the module's one job, in its own words."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if not doc:
        return "(no docstring)"
    return _ROLE.sub(_literal, " ".join(doc.strip().split("\n\n")[0].split()))


def module_jobs_rst(page: Path = PAGE, root: Path = PACKAGE_ROOT) -> list[str]:
    """reST lines: a section per layer, each module with its job."""
    layers = read_table(page)
    grouped: dict[str, list[str]] = {layer.name: [] for layer in layers}
    for name, path in modules(root).items():
        layer = layer_of(name, layers)
        grouped["(not in the table)" if layer is None else layer.name] = [
            *grouped.get("(not in the table)" if layer is None else layer.name, []),
            f"- ``{name}``: {job_of(path)}",
        ]
    lines: list[str] = []
    for layer_name, rows in grouped.items():
        if not rows:
            continue
        lines += [f"**{layer_name}**", "", *rows, ""]
    return lines


def setup(app: Any) -> dict[str, Any]:
    """Register the ``procore-module-jobs`` directive."""
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class ModuleJobs(SphinxDirective):
        """Print every module of the package with its job, grouped by the page's layer table."""

        def run(self) -> list[Any]:
            from docutils import nodes

            self.env.note_dependency(str(PAGE))
            for path in modules().values():
                self.env.note_dependency(str(path))
            container = nodes.container()
            self.state.nested_parse(StringList(module_jobs_rst()), self.content_offset, container)
            return container.children

    app.add_directive("procore-module-jobs", ModuleJobs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
