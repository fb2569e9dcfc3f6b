"""The demo's console output: numbered steps, indented details and a progress line."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Optional, TextIO

__all__ = ["STEPS", "DemoPrinter", "format_block"]

#: The number of steps of the embedded run (the live run shows some of them).
STEPS = 11


class DemoPrinter:
    """Numbered steps, indented details and a progress line on one output stream.

    :param stream: where to write (default: ``sys.stdout``)
    :param progress_in_place: rewrite the progress line with ``\\r`` (default: when the
        stream is a terminal); otherwise each progress update is its own line
    """

    def __init__(
        self, stream: Optional[TextIO] = None, *, progress_in_place: Optional[bool] = None
    ) -> None:
        self.stream = stream or sys.stdout
        self.in_place = (
            _isatty(self.stream) if progress_in_place is None else bool(progress_in_place)
        )
        self._open_progress = False

    def title(self, text: str) -> None:
        self._write(f"{text}\n")

    def step(self, number: int, text: str) -> None:
        self._write(f"\n[{number}/{STEPS}] {text}\n")

    def line(self, text: str = "") -> None:
        self._write(f"       {text}\n" if text else "\n")

    def block(self, text: str) -> None:
        for row in text.splitlines():
            self.line(row)

    def progress(self, text: str) -> None:
        if self.in_place:
            self.stream.write(f"\r       {text}\x1b[K")
            self.stream.flush()
            self._open_progress = True
        else:
            self.line(text)

    def _write(self, text: str) -> None:
        if self._open_progress:
            self.stream.write("\n")
            self._open_progress = False
        self.stream.write(text)
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_block(block: Mapping[str, Mapping[str, str]]) -> list[str]:
    rows = []
    for scope in ("company", "project"):
        tools = block.get(scope) or {}
        text = ", ".join(f"{tool}: {level}" for tool, level in sorted(tools.items())) or "-"
        rows.append(f"  {scope:<8} {text}")
    return rows
