"""The sub-commands of ``procore-dc``, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``handler`` to a
function ``(args) -> int``. :data:`COMMAND_MODULES` lists them in the order ``--help`` shows.
"""

from __future__ import annotations

#: Dotted names of the command modules, in the order they appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "procore_dc._commands.demo",
    "procore_dc._commands.login",
    "procore_dc._commands.token",
    "procore_dc._commands.whoami",
    "procore_dc._commands.api",
    "procore_dc._commands.ops",
    "procore_dc._commands.export",
    "procore_dc._commands.config",
    "procore_dc._commands.manifest",
    "procore_dc._commands.sandbox",
)
