"""Token stores: real files, real modes, atomic replacement, corrupt files kept, locks."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from procore_dc import ConfigurationError, FileTokenStore, MemoryTokenStore, Token, TokenStore

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def token(n: int = 1) -> Token:
    return Token(
        f"access-token-number-{n}",
        expires_at=T0 + timedelta(seconds=5400),
        created_at=T0,
        refresh_token=f"refresh-token-number-{n}",
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_both_stores_implement_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MemoryTokenStore(), TokenStore)
    assert isinstance(FileTokenStore(tmp_path / "t.json"), TokenStore)


def test_memory_store_load_save_delete_and_reentrant_lock() -> None:
    store = MemoryTokenStore()
    assert store.load() is None
    store.save(token())
    assert store.load() == token()
    with store.lock(), store.lock():  # re-entrant for the holding thread
        store.delete()
    assert store.load() is None
    with pytest.raises(ConfigurationError):
        store.save("not a token")  # type: ignore[arg-type]


def test_file_store_round_trip_and_missing_file(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    assert store.load() is None
    store.save(token(1))
    assert store.load() == token(1)
    assert FileTokenStore(tmp_path / "t.json").load() == token(1)  # another instance reads it
    store.save(token(2))
    assert store.load() == token(2)
    store.delete()
    store.delete()  # no error when already gone
    assert store.load() is None


def test_file_and_new_folder_are_private_from_creation(tmp_path: Path) -> None:
    # A permissive umask must not widen the modes: they are set by open(2), not chmod.
    old = os.umask(0o000)
    try:
        path = tmp_path / "new" / "token.json"
        store = FileTokenStore(path)
        store.save(token())
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        with store.lock():
            assert mode(store.lock_path) == 0o600
        store.save(token(2))  # replacing keeps it private
        assert mode(path) == 0o600
    finally:
        os.umask(old)


def test_an_existing_folder_is_not_chmodded(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)  # noqa: S103 - the user's own folder, to prove we leave it
    FileTokenStore(folder / "token.json").save(token())
    assert mode(folder) == 0o750
    assert mode(folder / "token.json") == 0o600


def test_save_is_atomic_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    store.save(token(1))
    inode_before = os.stat(path).st_ino
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        calls.append("replace")
        # At the moment of the swap the old token is still intact on disk.
        assert json.loads(Path(dst).read_text())["access_token"] == "access-token-number-1"
        assert json.loads(Path(src).read_text())["access_token"] == "access-token-number-2"
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.save(token(2))
    assert calls[:2] == ["fsync", "replace"]
    assert os.stat(path).st_ino != inode_before  # a new file was swapped in
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]


def test_a_failed_write_keeps_the_old_token_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    store.save(token(1))

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        store.save(token(2))
    monkeypatch.undo()
    assert store.load() == token(1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "[]", '{"access_token": "x"}', '{"access_token": 1, "expires_at": "x"}'],
)
def test_a_corrupt_file_raises_naming_the_path_and_is_kept(tmp_path: Path, content: str) -> None:
    path = tmp_path / "token.json"
    path.write_text(content)
    store = FileTokenStore(path)
    with pytest.raises(ConfigurationError) as info:
        store.load()
    assert str(path) in str(info.value)
    assert "corrupt" in str(info.value)
    assert path.read_text() == content  # never silently discarded


def test_corrupt_file_error_does_not_echo_the_secret(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text('{"access_token": "super-secret-value-123", "expires_at": 5}')
    with pytest.raises(ConfigurationError) as info:
        FileTokenStore(path).load()
    assert "super-secret-value-123" not in str(info.value)


def test_unwritable_folder_gives_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigurationError, match="folder"):
        FileTokenStore(blocker / "token.json").save(token())


def _can_flock(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_file_lock_is_an_flock_seen_by_other_open_files(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    first, second = FileTokenStore(path), FileTokenStore(path)
    with first.lock():
        # Any other open file description (another process, another store) is excluded.
        assert not _can_flock(first.lock_path)
    assert _can_flock(first.lock_path)
    with second.lock():
        assert not _can_flock(second.lock_path)


def test_file_lock_serialises_two_store_objects_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    first, second = FileTokenStore(path), FileTokenStore(path)
    order: list[str] = []

    def take() -> None:
        with second.lock():
            order.append("second in")

    with first.lock():
        taker = threading.Thread(target=take)
        taker.start()
        order.append("first out")
    taker.join(5)
    assert order == ["first out", "second in"]


def test_file_lock_is_reentrant_within_a_thread(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    with store.lock(), store.lock():
        store.save(token())
    with store.lock():  # released fully: can be taken again
        assert store.load() == token()


def test_home_is_expanded_and_repr_shows_only_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = FileTokenStore("~/tokens/t.json")
    assert store.path == tmp_path / "tokens" / "t.json"
    store.save(token())
    assert "access-token" not in repr(store)


def test_a_token_path_that_is_a_folder_gives_a_configuration_error(tmp_path: Path) -> None:
    folder = tmp_path / "token.json"
    folder.mkdir()
    with pytest.raises(ConfigurationError, match="cannot read the token file") as info:
        FileTokenStore(folder).load()
    assert str(folder) in str(info.value)


def test_saving_something_that_is_not_a_token_is_refused(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    with pytest.raises(ConfigurationError, match="expected a Token, got dict"):
        store.save(token().to_dict())  # type: ignore[arg-type]
    assert not store.path.exists()


def test_a_temp_file_that_cannot_be_created_fails_cleanly(tmp_path: Path) -> None:
    # 240 characters fit a file name; ".<name>.<16 hex>.tmp" does not (NAME_MAX is 255).
    path = tmp_path / ("t" * 235 + ".json")
    store = FileTokenStore(path)
    with pytest.raises(ConfigurationError, match="cannot write the token file"):
        store.save(token())
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_that_cannot_be_opened_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / ("t" * 248 + ".json")  # 253 characters; "<name>.lock" is 258
    store = FileTokenStore(path)
    with pytest.raises(ConfigurationError, match="cannot open the lock file"), store.lock():
        pass
    assert list(tmp_path.iterdir()) == []
    assert store.load() is None  # reading needs no lock


def test_an_interrupted_lock_wait_closes_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import procore_dc.auth.stores as stores

    def interrupted(fd: int, operation: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while another process holds the lock

    store = FileTokenStore(tmp_path / "token.json")
    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(stores.fcntl, "flock", interrupted)
    with pytest.raises(KeyboardInterrupt), store.lock():
        pass
    monkeypatch.undo()
    assert set(os.listdir("/proc/self/fd")) == before  # no descriptor leaked
    with store.lock():  # and the store still works
        store.save(token())


def test_deleting_from_a_folder_that_does_not_exist_is_quiet(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "never-made" / "token.json")
    store.delete()
    assert store.load() is None
    assert not (tmp_path / "never-made").exists()
