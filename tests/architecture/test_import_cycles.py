"""No import cycles in ``procore_dc/``: every import counts, lazy and ``TYPE_CHECKING`` ones too."""

from __future__ import annotations

from import_graph import ROOT, cycles, import_graph, path_between


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    described = [
        " -> ".join(
            f"{module} (line {graph[module][following]})"
            for module, following in zip(walk, walk[1:])
        )
        + f" -> {walk[-1]}"
        for walk in (path_between(graph, members) for members in found)
    ]
    assert not found, "import cycles in procore_dc/:\n" + "\n".join(described)


def test_the_walker_sees_lazy_and_type_checking_imports(tmp_path) -> None:
    """The graph must count the imports a cycle hides in: a function body, TYPE_CHECKING."""
    package = tmp_path / "procore_dc"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from procore_dc import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from procore_dc.sub import c\n"
    )
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from ..a import f\n")
    graph = import_graph(package)
    assert cycles(graph) == [["procore_dc.a", "procore_dc.b", "procore_dc.sub.c"]]
    assert ROOT.name == "procore_dc"
