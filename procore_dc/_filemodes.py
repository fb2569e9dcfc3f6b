"""Warn when a file holding a secret, or its folder, is open to other users (as ssh does).

A token file or a ``config.ini`` with a client secret that others can read leaks the secret;
a folder others can write lets them swap the file (for a config, one that points
``environment`` at their host and collects the secret on the next grant). Each problem is
logged once per process, as one WARNING naming the file and the ``chmod`` that fixes it; with
``strict`` it is refused instead.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Optional

from procore_dc._redact import get_logger
from procore_dc.exceptions import ConfigurationError

__all__ = ["check_private"]

log = get_logger("procore_dc.auth.stores")

_warned: set[str] = set()
_warned_lock = threading.Lock()


def _problems(path: Path, fd: Optional[int]) -> list[str]:
    found = []
    mode = stat.S_IMODE(os.fstat(fd).st_mode if fd is not None else os.stat(path).st_mode)
    if mode & 0o077:
        found.append(
            f"{path} is readable or writable by other users (mode {mode:04o}): run chmod 600 {path}"
        )
    folder = path.parent
    folder_mode = stat.S_IMODE(os.stat(folder).st_mode)
    if folder_mode & 0o022 and not folder_mode & stat.S_ISVTX:
        found.append(
            f"its folder {folder} is writable by other users (mode {folder_mode:04o}), who "
            f"could replace the file: run chmod 700 {folder}"
        )
    return found


def check_private(path: Path, what: str, *, strict: bool = False, fd: Optional[int] = None) -> None:
    """Warn once (or raise with ``strict``) when ``path`` or its folder is open to others.

    :param path: the file holding a secret
    :param what: what the file is, for the message, e.g. ``"the token file"``
    :param strict: raise :class:`~procore_dc.exceptions.ConfigurationError` instead of warning
    :param fd: an open descriptor of the file, checked instead of the path (no race)
    """
    if os.name != "posix":  # pragma: no cover - POSIX modes only
        return
    try:
        problems = _problems(path, fd)
    except OSError:
        return  # gone or unreadable: the caller reports that itself
    if not problems:
        return
    message = f"{what} " + "; ".join(problems)
    if strict:
        raise ConfigurationError(message)
    with _warned_lock:
        if message in _warned:
            return
        _warned.add(message)
    log.warning("%s", message)
