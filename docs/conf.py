"""Sphinx configuration for procore-dc.

Intersphinx needs the internet to fetch inventories, which CI does not have; it is turned on
only when ``PROCORE_DC_DOCS_INTERSPHINX=1``. Without it, references to outside types are
listed in ``nitpick_ignore_regex`` so that ``-n -W`` still holds for our own names.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

from procore_dc import __version__

project = "procore-dc"
author = "The procore-dc developers"
copyright = "2026, The procore-dc developers"
release = __version__
version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "procore_layers",
]

nitpicky = True
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_preserve_defaults = True

if os.environ.get("PROCORE_DC_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "requests": ("https://requests.readthedocs.io/en/latest/", None),
        "attrs": ("https://www.attrs.org/en/stable/", None),
    }
else:
    intersphinx_mapping = {}

# Types from the standard library and our dependencies; resolvable only with intersphinx.
nitpick_ignore_regex = [
    (
        "py:.*",
        r"(requests|urllib3|attrs|attr|cattrs|oauthlib|requests_oauthlib|werkzeug|pytest)\..*",
    ),
    (
        "py:.*",
        r"(datetime|logging|typing|typing_extensions|collections\.abc|enum|pathlib|os|io|threading|argparse|http|email|json)\..*",
    ),
    (
        "py:.*",
        r"(Any|Optional|Union|Callable|Mapping|Sequence|Iterable|Iterator|MutableMapping|Literal|ClassVar|TypeVar|Generic|Self|T|T_co|ModelT)",
    ),
    (
        "py:class",
        r"(datetime|date|str|int|float|bool|bytes|dict|list|tuple|set|frozenset|type|object|None|Exception|ValueError|BaseException|NoneType)",
    ),
    ("py:class", r"procore_dc\..*\._[A-Za-z]+"),
    # Type variables of generic helpers and models.
    ("py:.*", r"procore_dc\.[a-z_.]+\.[TF]"),
    # Signatures autodoc leaves as written in procore_dc._changes (a module alias, a type alias).
    ("py:class", r"_dt\.(datetime|timedelta)|ProgressCallback"),
    # required_permissions' ``Call`` alias names Operation, which resources import lazily.
    ("py:class", r"Call"),
    # Session and PageIterator are documented by the session layer's page, when it exists.
    ("py:class", r"(procore_dc\.session\.)?Session|(procore_dc\.pagination\.)?PageIterator"),
    # The scopes' generated-facade bases (procore_dc.operations._generated): internal.
    ("py:class", r"procore_dc\.operations\._generated\.\w+"),
]

html_theme = "alabaster"
html_static_path: list[str] = []
templates_path: list[str] = []
exclude_patterns = ["_build"]


def _write_operation_pages(app: object) -> None:
    # The operations reference (one page per tool group) is generated from the shipped
    # operation table at every build, so it cannot drift; docs/operations/ is not checked in.
    from procore_dc.operations._reference import write_pages

    write_pages(Path(__file__).resolve().parent / "operations")


def setup(app: object) -> None:
    app.connect("builder-inited", _write_operation_pages)  # type: ignore[attr-defined]
