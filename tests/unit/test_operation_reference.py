"""The generated operations reference: one page per tool group, every facade method once."""

from __future__ import annotations

import re
from pathlib import Path

from procore_dc.operations import load_operations
from procore_dc.operations._naming import shipped_methods
from procore_dc.operations._reference import page_name, render_pages, write_pages


def test_one_page_per_tool_group_listing_every_method_once() -> None:
    pages = render_pages()
    groups = {op.group for op in load_operations()}
    assert set(pages) == {page_name(group) for group in groups} | {"index"}
    titles = re.findall(r"^``([\w.]+)``\n-+$", "\n".join(pages.values()), re.M)
    assert sorted(titles) == sorted(m.dotted for m in shipped_methods())
    for name in pages:
        if name != "index":
            assert f"   {name}\n" in pages["index"]


def test_an_entry_has_signature_operations_permission_and_example() -> None:
    page = render_pages()["project-management-punch-list"]
    entry = page.split("``project.punch_items.create``\n")[1].split("\n``")[0]
    assert "project.punch_items.create(*, run_configurable_validations=None, body, " in entry
    assert ":operations: ``POST /rest/v1.0/punch_items``, ``POST /rest/v1.1/punch_items``" in entry
    assert ":permission: project tool ``punch_list``, level ``standard``" in entry
    assert 'project.punch_items.create(body={"punch_item": {...}})' in entry


def test_write_pages_rewrites_only_what_changed_and_drops_stale_pages(tmp_path: Path) -> None:
    write_pages(tmp_path)
    index = tmp_path / "index.rst"
    stale = tmp_path / "gone.rst"
    stale.write_text("old")
    before = index.stat().st_mtime_ns
    write_pages(tmp_path)
    assert index.stat().st_mtime_ns == before
    assert not stale.exists()
    assert len(list(tmp_path.glob("*.rst"))) == len(render_pages())
