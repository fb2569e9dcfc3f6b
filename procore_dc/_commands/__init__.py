"""The sub-commands of ``procore-dc``, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``handler`` to a
function ``(args) -> int``. :data:`COMMAND_MODULES` lists them in the order ``--help`` shows.
"""

from __future__ import annotations

#: Dotted names of the command modules, in the order they appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = ("procore_dc._commands.demo",)
