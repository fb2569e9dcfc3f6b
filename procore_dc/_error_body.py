"""Reading a failed response's body: decode it whatever its charset, parse it if it is JSON,
and pick the most useful human message out of it, whatever its shape (Procore's ``errors``
lists and mappings, OAuth's ``error_description``, a proxy's HTML page)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = ["message_from", "read_error_body"]

# How deep we walk a parsed error body looking for text; deeper nesting is not a message.
_MAX_DEPTH = 4


def read_error_body(response: requests.Response, max_bytes: int) -> tuple[str, Any]:
    """The body's text (its first ``max_bytes``, decoded come what may) and its JSON, or
    ``None`` when it is not JSON."""
    text = _decode_body(response, max_bytes)
    return text, _parse_json(text)


def _decode_body(response: requests.Response, max_bytes: int) -> str:
    raw = response.content or b""
    if len(raw) > max_bytes:
        raw = raw[:max_bytes]
    try:
        return raw.decode(response.encoding or "utf-8", errors="replace")
    except (LookupError, ValueError):
        # A charset Python does not know (or a garbled one) must not hide the error itself.
        return raw.decode("utf-8", errors="replace")


def _parse_json(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _texts(value: Any, depth: int = 0) -> list[str]:
    """Flatten an ``errors`` value (string, list or mapping of lists) into readable lines."""
    if depth > _MAX_DEPTH or value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (int, float, bool)):
        return [str(value)]
    if isinstance(value, Mapping):
        lines = []
        for key, item in value.items():
            for text in _texts(item, depth + 1):
                lines.append(f"{key} {text}")
        return lines
    if isinstance(value, Sequence):
        lines = []
        for item in value:
            lines.extend(_texts(item, depth + 1))
        return lines
    return []


def message_from(parsed: Any, text: str, reason: str) -> str:
    """Pick the most useful human message out of an error body, whatever its shape."""
    if isinstance(parsed, Mapping):
        for key in ("message", "error_description", "reason"):
            value = parsed.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        errors = _texts(parsed.get("errors"))
        if errors:
            return "; ".join(errors)
        value = parsed.get("error")
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            found = _texts(value)
            if found:
                return "; ".join(found)
    elif isinstance(parsed, (list, str)):
        found = _texts(parsed)
        if found:
            return "; ".join(found)
    stripped = text.strip()
    if stripped.startswith("<"):
        # An HTML page from a proxy or load balancer: its title is the only readable part.
        start = stripped.lower().find("<title>")
        end = stripped.lower().find("</title>")
        if 0 <= start < end:
            title = stripped[start + len("<title>") : end].strip()
            if title:
                return f"{title} (an HTML error page, probably from a proxy)"
        return "an HTML error page, probably from a proxy"
    if stripped:
        return stripped[:200]
    return reason or "no response body"
