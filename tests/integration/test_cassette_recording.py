"""CassetteRun records against a fresh FakeProcore and replays offline with the same ids.

Recording happens into a temporary folder on every run, so the record path of the cassette
engine is exercised without touching tests/cassettes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procore_dc import Environment, NotFoundError, RetryPolicy, ServiceAccountAuth, Session
from procore_dc.testing.cassettes import RECORD_ENV, CassetteRun, record_target


def session_for(run: CassetteRun) -> Session:
    auth = ServiceAccountAuth(run.client_id, run.client_secret, environment=run.environment)
    retry = None if run.recording else RetryPolicy(sleep=lambda _seconds: None)
    options = {"retry": retry} if retry is not None else {}
    return Session(auth, company_id=run.company_id, **options)


def test_record_against_fakeprocore_then_replay_offline(tmp_path: Path) -> None:
    pytest.importorskip("werkzeug")
    path = tmp_path / "cassettes" / "TestRecording.test_me.json"
    path.parent.mkdir()
    path.write_text("stale", encoding="utf-8")  # a re-record starts from nothing
    with CassetteRun(path, target="fake") as run:
        assert run.recording
        assert run.sandbox is not None
        secret = run.client_secret
        recorded_company = run.company_id
        recorded_project = run.project_id
        session = session_for(run)
        me = session.get_json("/rest/v1.0/me")
        with pytest.raises(NotFoundError):
            session.get_json("/rest/v1.0/projects/999999999")
        assert run.value("answer", lambda: 42) == 42
        assert run.interactions == 3  # the token, /me and the 404
    assert run.sandbox is None  # stopped on exit
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    meta = json.loads(text)["procore_dc"]
    assert meta["recorded_against"] == "FakeProcore(seed=0)"
    assert meta["company_id"] == recorded_company
    assert meta["project_id"] == recorded_project
    assert meta["client_id"] == "<CLIENT_ID>"
    assert meta["values"] == {"answer": 42}

    with CassetteRun(path, target=None) as replay:
        assert not replay.recording
        assert replay.company_id == recorded_company
        assert replay.value("answer", lambda: pytest.fail("not computed on replay")) == 42
        with pytest.raises(KeyError, match=f"no recorded value 'other'.*{RECORD_ENV}=1"):
            replay.value("other", lambda: 0)
        replayed = session_for(replay)
        assert replayed.get_json("/rest/v1.0/me") == me
        with pytest.raises(NotFoundError):
            replayed.get_json("/rest/v1.0/projects/999999999")
        assert replay.all_played
        assert replay.play_count == replay.interactions == 3


def test_a_cassette_recorded_against_procore_replays_on_loopback_stand_ins(
    tmp_path: Path,
) -> None:
    path = tmp_path / "remote.json"
    meta = {
        "api_url": "https://sandbox.procore.com",
        "login_url": "https://login-sandbox.procore.com",
    }
    path.write_text(json.dumps({"interactions": [], "procore_dc": meta}), encoding="utf-8")
    with CassetteRun(path, target=None) as replay:
        # Never a real host on replay: nothing may leave the machine.
        assert replay.environment.api_url == "http://127.0.0.1:9"
        assert replay.environment.login_url == "http://127.0.0.1:10"


def test_recording_against_procore_reads_the_environment(tmp_path: Path) -> None:
    environ = {
        "PROCORE_CLIENT_ID": "id-from-env",
        "PROCORE_CLIENT_SECRET": "secret-from-env",
        "PROCORE_COMPANY_ID": "8",
        "PROCORE_PROJECT_ID": "not-a-number",
    }
    with CassetteRun(tmp_path / "procore.json", target="procore", environ=environ) as run:
        assert run.environment == Environment.SANDBOX  # the default target
        assert (run.client_id, run.client_secret) == ("id-from-env", "secret-from-env")
        assert run.company_id == 8
        assert run.project_id is None
    assert not (tmp_path / "procore.json").exists()  # nothing was recorded, nothing written


def test_replaying_a_missing_cassette_says_how_to_record_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"{RECORD_ENV}=1 python -m pytest"):
        CassetteRun(tmp_path / "missing.json", target=None).__enter__()


@pytest.mark.parametrize(
    ("environ", "target"),
    [
        ({}, None),
        ({RECORD_ENV: "0"}, None),
        ({RECORD_ENV: "1"}, "fake"),
        ({RECORD_ENV: "yes", "PROCORE_CLIENT_ID": "a"}, "fake"),  # no secret: not Procore
        ({RECORD_ENV: "true", "PROCORE_CLIENT_ID": "a", "PROCORE_CLIENT_SECRET": "b"}, "procore"),
    ],
)
def test_the_record_target_comes_from_the_environment(
    environ: dict[str, str], target: object
) -> None:
    assert record_target(environ) == target
    assert CassetteRun("x.json", environ=environ).target == target
