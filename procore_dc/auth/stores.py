"""Where tokens live between calls and between processes.

A :class:`TokenStore` loads, saves and deletes one :class:`~procore_dc.auth.tokens.Token`, and
offers a :meth:`~TokenStore.lock` that the auth strategies hold while they renew a token, so
that only one thread or process spends a single-use refresh token.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ContextManager, Optional, Protocol, Union, runtime_checkable

from procore_dc._filemodes import check_private
from procore_dc._redact import get_logger
from procore_dc.auth.tokens import Token
from procore_dc.exceptions import ConfigurationError, TimeoutError

#: The longest wait for another process's token-file lock, in seconds.
DEFAULT_LOCK_TIMEOUT = 120.0
#: How many used sign-in states a FileTokenStore remembers for other processes.
USED_KEYS_KEPT = 512

try:  # POSIX only; on other systems the file lock is a process-local lock (see FileTokenStore)
    import fcntl
except ImportError:  # pragma: no cover - exercised only on Windows
    fcntl = None  # type: ignore[assignment]

# A plain bool, so type checkers on POSIX do not call the Windows branches unreachable.
_HAVE_FCNTL: bool = fcntl is not None

__all__ = ["FileTokenStore", "MemoryTokenStore", "RenewalGuard", "TokenStore"]

log = get_logger(__name__)


@runtime_checkable
class TokenStore(Protocol):
    """What the auth strategies need from a token store.

    Implement it to keep tokens in a database or a secrets manager (for Redis, use
    :class:`procore_dc.redis.RedisTokenStore`). :meth:`lock` must exclude every other holder of
    the same stored token (threads *and* processes) for as long as it is held, and may be
    entered again by the thread that holds it.

    .. code-block:: python

        class DatabaseTokenStore:
            def load(self): ...
            def save(self, token): ...
            def delete(self): ...
            def lock(self): return advisory_lock(connection, "procore-token")
    """

    def load(self) -> Optional[Token]:
        """Return the stored token, or ``None`` when there is none."""

    def save(self, token: Token) -> None:
        """Store ``token``, replacing any previous one; return only once it is durable."""

    def delete(self) -> None:
        """Forget the stored token (no error when there is none)."""

    def lock(self) -> ContextManager[object]:
        """Return a context manager that holds the store's exclusive lock."""


@runtime_checkable
class RenewalGuard(Protocol):
    """What a store shared by many hosts adds so that a dead renewer cannot lose a token.

    The auth strategies call :meth:`begin_renewal` with the store's lock held, just before a
    token request that spends ``current``'s refresh token, and :meth:`abandon_renewal` when
    that request failed without spending it. A store that sees a renewal begun by a holder who
    never finished it (the holder died and its lease expired) raises
    :class:`~procore_dc.exceptions.InvalidGrantError` instead of letting the refresh token be
    sent twice. :class:`~procore_dc.redis.RedisTokenStore` implements it.

    .. code-block:: python

        isinstance(store, RenewalGuard)  # True for RedisTokenStore
    """

    def begin_renewal(self, current: Optional[Token]) -> None:
        """Record that ``current``'s refresh token is about to be spent (or raise)."""

    def abandon_renewal(self) -> None:
        """Forget the record: the token request failed before spending anything."""


class MemoryTokenStore:
    """A token store in this process's memory: the default for both strategies.

    :param token: a token to start with (default: none)

    .. code-block:: python

        store = MemoryTokenStore()
        auth = ServiceAccountAuth(client_id, client_secret, store=store)
    """

    def __init__(self, token: Optional[Token] = None) -> None:
        self._token = token
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_token={self._token is not None})"

    def load(self) -> Optional[Token]:
        """Return the stored token, or ``None``."""
        return self._token

    def save(self, token: Token) -> None:
        """Store ``token``."""
        if not isinstance(token, Token):
            raise ConfigurationError(f"expected a Token, got {type(token).__name__}")
        self._token = token

    def delete(self) -> None:
        """Forget the stored token."""
        self._token = None

    def lock(self) -> ContextManager[object]:
        """Return the store's re-entrant thread lock."""
        return self._lock


class FileTokenStore:
    """A token kept in a JSON file that only its owner can read.

    - The file is created with mode 0600 and a missing folder with mode 0700, at creation
      (``os.open(..., 0o600)``); nothing is ever ``chmod``-ed afterwards, so there is no moment
      when another user could read it.
    - Each save writes a temporary file in the same folder, ``fsync``-s it and ``os.replace``-s
      it over the old one, so a reader sees the old token or the new one, never half of each.
    - :meth:`lock` takes an ``fcntl.flock`` on ``<path>.lock``, which excludes other
      processes and other ``FileTokenStore`` objects for the same path. (Without ``fcntl``,
      i.e. on Windows, it excludes only threads of this process.)
    - A file that cannot be read as a token raises
      :class:`~procore_dc.exceptions.ConfigurationError` naming the path;
      it is never deleted or overwritten silently, because it may hold the only copy of a
      refresh token.

    - A token file others can read, or a folder others can write, draws one WARNING naming
      the file and the ``chmod`` that fixes it (``strict=True`` refuses it instead).
    - :meth:`lock` waits at most ``lock_timeout`` seconds for another process holding the
      lock, then raises :class:`~procore_dc.exceptions.TimeoutError` naming the lock file.

    :param path: the token file, e.g. ``~/.config/procore-dc/token.json`` (``~`` is expanded)
    :param strict: refuse a token file open to others instead of warning (default: ``False``)
    :param lock_timeout: the longest wait for the file lock, in seconds (default: ``120``)

    .. code-block:: python

        store = FileTokenStore("~/.config/procore-dc/token.json")
        auth = UserLevelAuth(client_id, client_secret, "http://localhost:8765/callback",
                             store=store)
    """

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        strict: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        if (
            isinstance(lock_timeout, bool)
            or not isinstance(lock_timeout, (int, float))
            or not (lock_timeout > 0)
        ):
            raise ConfigurationError(f"lock_timeout must be seconds > 0, got {lock_timeout!r}")
        self.strict = bool(strict)
        self.lock_timeout = float(lock_timeout)
        self.path = Path(path).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock_fd: Optional[int] = None

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> Optional[Token]:
        """Read the token file.

        :return: the token, or ``None`` when the file does not exist
        :raises ConfigurationError: when the file exists but is not a token (it is left as is)
        """
        try:
            with open(self.path, encoding="utf-8") as handle:
                check_private(self.path, "the token file", strict=self.strict, fd=handle.fileno())
                text = handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the token file {self.path}: {exc.strerror}"
            ) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigurationError(
                f"the token file {self.path} is corrupt (not JSON); it was left in place: fix "
                "or remove it, then sign in again"
            ) from None
        try:
            return Token.from_dict(data)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"the token file {self.path} is corrupt ({exc}); it was left in place: fix or "
                "remove it, then sign in again"
            ) from None

    def save(self, token: Token) -> None:
        """Replace the token file atomically with ``token``.

        :raises ConfigurationError: when the folder or file cannot be written
        """
        if not isinstance(token, Token):
            raise ConfigurationError(f"expected a Token, got {type(token).__name__}")
        payload = json.dumps(token.to_dict(), indent=2, sort_keys=True).encode("utf-8")
        self._write_private(self.path, payload)
        log.debug("saved a token to %s", self.path)

    def claim_once(self, key: str) -> bool:
        """Record ``key`` (a used sign-in state's digest) in ``<path>.used``, under the lock.

        :return: ``False`` when it was recorded before, by any process sharing the file
        """
        used_path = self.path.with_name(self.path.name + ".used")
        with self.lock():
            try:
                used = json.loads(used_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                used = []  # none yet, or unreadable: the in-process record still holds
            if not isinstance(used, list):
                used = []
            if key in used:
                return False
            # Flows live 10 minutes: the last few hundred states cover any replay window.
            kept = [*used, key][-USED_KEYS_KEPT:]
            self._write_private(used_path, json.dumps(kept).encode("utf-8"))
            return True

    def _write_private(self, target: Path, payload: bytes) -> None:
        """Replace ``target`` atomically with ``payload``, mode 0600 from creation."""
        self._make_folder()
        temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write the token file {target}: {exc.strerror}"
            ) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self._sync_folder()

    def delete(self) -> None:
        """Remove the token file (no error when it is missing)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._sync_folder()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the exclusive lock on ``<path>.lock`` (re-entrant within a thread)."""
        with self._thread_lock:
            if self._depth == 0:
                self._lock_fd = self._acquire_file_lock()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    fd, self._lock_fd = self._lock_fd, None
                    _release(fd)

    def _acquire_file_lock(self) -> Optional[int]:
        if not _HAVE_FCNTL:  # pragma: no cover - Windows
            return None
        self._make_folder()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot open the lock file {self.lock_path}: {exc.strerror}"
            ) from None
        try:
            _wait_for_lock(fd, self.lock_path, self.lock_timeout)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _make_folder(self) -> None:
        folder = self.path.parent
        try:
            # The mode applies to a folder created now; an existing folder is the user's choice.
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the folder {folder} for the token file: {exc.strerror}"
            ) from None

    def _sync_folder(self) -> None:
        # Make the rename itself durable; not every platform can open a folder.
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:  # the folder is gone (delete() without a save), or Windows
            return
        try:
            os.fsync(fd)
        except OSError as exc:  # pragma: no cover - some file systems refuse
            if exc.errno not in (errno.EINVAL, errno.EBADF):
                raise
        finally:
            os.close(fd)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _wait_for_lock(fd: int, lock_path: Path, timeout: float) -> None:
    """Take the flock, polling, for at most ``timeout`` seconds (flock itself has no timeout)."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() + pause > deadline:
                raise TimeoutError(
                    f"another process has held the token lock {lock_path} for more than "
                    f"{timeout:g} s (a stuck or stopped procore-dc process?); stop it, or "
                    "delete the lock file if no process uses it"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


def _release(fd: int) -> None:
    try:
        if _HAVE_FCNTL:  # pragma: no branch - only a lock fcntl took is released
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
