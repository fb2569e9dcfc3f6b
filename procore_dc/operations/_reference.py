"""The operations reference: one reStructuredText page per tool group, from the same table.

``docs/conf.py`` writes :func:`render_pages` into ``docs/operations/`` when the docs build
starts, so the reference cannot drift from the facades: each page lists the group's facade
methods with their signature, the operations (every version) they send, the permission each
needs and an example, all from :func:`~procore_dc.operations._facades.docstring`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from procore_dc.operations._facades import _runtime_signature, docstring, signature_of
from procore_dc.operations._naming import FacadeMethod, shipped_methods
from procore_dc.operations._table import load_operations

__all__ = ["page_name", "render_pages", "write_pages"]

_INTRO = """\
Every operation of Procore's REST API, by tool group
====================================================

One page per tool group of Procore's catalogue. Each entry is a generated facade method
(:doc:`../any-operation`): how to call it, the operations it sends (every version; the newest
is the default, ``version=`` picks another), the permission it needs and an example. A tool
with a curated resource (``project.rfis``) keeps it; its generated facade is under ``ops``
(``project.ops.rfis``). Every operation can also be sent by name with ``scope.call(...)``.

.. toctree::
   :maxdepth: 1

"""


def page_name(group: str) -> str:
    """The file name (no suffix) of a tool group's page: ``construction-financials-budget``."""
    return re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-") or "other"


def _signature(method: FacadeMethod) -> str:
    full = _runtime_signature(signature_of(method))
    text = str(full.replace(parameters=list(full.parameters.values())[1:]))
    return f"{method.dotted}{text}"


def _entry(method: FacadeMethod) -> list[str]:
    table = load_operations()
    summary, _, rest = docstring(method).partition("\n\n")
    title = f"``{method.dotted}``"
    lines = [title, "-" * len(title), "", summary, "", ".. code-block:: text", ""]
    lines += [f"   {_signature(method)}", ""]
    lines.append(f":operations: {', '.join(f'``{key}``' for key in method.operations)}")
    default = table.get(method.default).requirement
    for key in method.operations[:-1]:
        need = table.get(key).requirement
        if need is not None and need != default:
            lines.append(f":permission ({key}): {need.scope} ``{need.tool}``, ``{need.level}``")
    # The parameters are in the signature; keep the versions, permission and example.
    kept = [line for line in rest.splitlines() if not line.startswith((":param", ":calls:"))]
    return [*lines, *kept, ""]


def render_pages() -> dict[str, str]:
    """File name -> text: ``index`` and one page per tool group."""
    table = load_operations()
    groups: dict[str, list[FacadeMethod]] = defaultdict(list)
    for method in shipped_methods():
        groups[table.get(method.default).group or "Other"].append(method)
    pages = {}
    index = [_INTRO]
    for group in sorted(groups):
        name = page_name(group)
        index.append(f"   {name}")
        methods = groups[group]
        count = sum(len(m.operations) for m in methods)
        title = f"{group}"
        lines = [title, "=" * len(title), ""]
        lines.append(
            f"{count} operations through {len(methods)} facade methods. Generated from "
            "Procore's catalogue; do not edit."
        )
        lines.append("")
        for method in methods:
            lines += _entry(method)
        pages[name] = "\n".join(lines)
    pages["index"] = "\n".join(index) + "\n"
    return pages


def write_pages(folder: Path) -> None:
    """Write :func:`render_pages` into ``folder``, touching only pages whose text changed (so
    an incremental docs build re-reads only those)."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = render_pages()
    for name, text in pages.items():
        path = folder / f"{name}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for stale in folder.glob("*.rst"):
        if stale.stem not in pages:
            stale.unlink()
