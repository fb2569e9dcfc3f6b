"""The canary: record real traffic with a marker in every secret place, find none on disk.

This records into a temporary directory against a FakeProcore on every run (loopback only).
The scrubber is given no literal secrets, so every hit must be caught by the field rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from procore_dc.testing.cassettes import make_vcr

# Built from two halves so that the secret scanner (.ci/secret_scan.py) finds the marker
# only where the scrubber failed, never in this file.
CANARY = "PDC-" + "CANARY"
JSON_UTF8 = "application/json; charset=utf-8"
FORM_UTF8 = "application/x-www-form-urlencoded; charset=utf-8"
SECRET_FORM = {
    "client_secret": f"{CANARY}-client-secret",
    "code": f"{CANARY}-code",
    "code_verifier": f"{CANARY}-verifier",
    "refresh_token": f"{CANARY}-refresh",
}


def test_canary_never_reaches_the_cassette(tmp_path: Path) -> None:
    pytest.importorskip("werkzeug")
    from procore_dc.testing import FakeProcore

    with FakeProcore(seed=0) as sandbox:
        answer = {
            "access_token": f"{CANARY}-access",
            "refresh_token": f"{CANARY}-refresh-out",
            "token_type": "bearer",
            "nested": [{"id_token": f"{CANARY}-id"}],
        }
        for path in ("/oauth/token", "/canary*"):
            sandbox.faults.add(
                "*",
                path,
                "status",
                status=200,
                headers={"Set-Cookie": f"sid={CANARY}-cookie; HttpOnly", "Content-Type": JSON_UTF8},
                body=answer,
            )
        recorder = make_vcr(tmp_path, record_mode="once")
        responses: list[requests.Response] = []
        with recorder.use_cassette("canary.json"), requests.Session() as http:
            http.trust_env = False
            headers = {"Authorization": f"Bearer {CANARY}-bearer", "Cookie": f"sid={CANARY}-c"}
            api = sandbox.api_url
            # Form body with a charset, on the token endpoint and with PUT and PATCH.
            responses.append(
                http.post(
                    f"{sandbox.login_url}/oauth/token",
                    data=urlencode({"grant_type": "authorization_code", **SECRET_FORM}),
                    headers={**headers, "Content-Type": FORM_UTF8},
                )
            )
            for method in ("PUT", "PATCH"):
                responses.append(
                    http.request(
                        method,
                        f"{api}/canary/form",
                        data=urlencode(SECRET_FORM),
                        headers={**headers, "Content-Type": FORM_UTF8},
                    )
                )
            # Multipart body (what curl -F sends to /oauth/token).
            responses.append(
                http.post(
                    f"{api}/canary/multipart",
                    data=SECRET_FORM,
                    files={"file": ("notes.txt", b"plain file content")},
                    headers=headers,
                )
            )
            # JSON bodies with a charset, nested, for POST, PUT and PATCH.
            for method in ("POST", "PUT", "PATCH"):
                responses.append(
                    http.request(
                        method,
                        f"{api}/canary/json",
                        data=json.dumps({"auth": dict(SECRET_FORM), "list": [SECRET_FORM]}),
                        headers={**headers, "Content-Type": JSON_UTF8},
                    )
                )
            # Query string.
            responses.append(
                http.get(
                    f"{api}/canary/query",
                    params={"code": f"{CANARY}-q", "access_token": f"{CANARY}-q2", "page": 2},
                    headers=headers,
                )
            )

    # The canary really was on the wire in every response ...
    assert len(responses) == 8
    for response in responses:
        assert response.status_code == 200
        assert CANARY in response.headers["Set-Cookie"]
        assert response.json()["access_token"].startswith(CANARY)
    cassette = tmp_path / "canary.json"
    text = cassette.read_text(encoding="utf-8")
    # ... and nowhere on disk.
    assert CANARY not in text
    data = json.loads(text)
    interactions = data["interactions"]
    assert len(interactions) == 8
    for interaction in interactions:
        request, response = interaction["request"], interaction["response"]
        assert request["headers"]["Authorization"] == ["<AUTHORIZATION>"]
        assert request["headers"]["Cookie"] == ["<COOKIE>"]
        assert response["headers"]["Set-Cookie"] == ["<SET_COOKIE>"]
        body = json.loads(response["body"]["string"])
        assert body["access_token"] == "<ACCESS_TOKEN>"
        assert body["nested"][0]["id_token"] == "<ID_TOKEN>"
        assert body["token_type"] == "bearer"  # the rest is left alone
        assert int(response["headers"]["Content-Length"][0]) == len(
            response["body"]["string"].encode()
        )
    assert "code=%3CCODE%3E" in interactions[-1]["request"]["uri"]
    assert "page=2" in interactions[-1]["request"]["uri"]
    multipart = interactions[3]["request"]["body"]
    assert "<CLIENT_SECRET>" in multipart
    assert "plain file content" in multipart
    put_json = json.loads(interactions[5]["request"]["body"])
    assert put_json["auth"]["code_verifier"] == "<CODE_VERIFIER>"
    assert put_json["list"][0]["refresh_token"] == "<REFRESH_TOKEN>"


def test_guards_fail_empty_replays_and_unused_cassettes(tmp_path: Path) -> None:
    """Run a tiny suite with this directory's conftest in a subprocess and read the verdicts."""
    here = Path(__file__).resolve().parent
    suite = tmp_path / "tests" / "integration"
    cassettes = tmp_path / "tests" / "cassettes"
    suite.mkdir(parents=True)
    cassettes.mkdir()
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for helper in ("conftest.py", "procore_cassettes.py"):
        (suite / helper).write_text((here / helper).read_text(encoding="utf-8"), encoding="utf-8")
    recorded = here.parent / "cassettes" / "TestSessionCassettes.test_not_found_is_typed.json"
    for name in (
        "TestGuards.test_replays_nothing",
        "TestGuards.test_plays_half",
        "TestGuards.test_plays_all",
        "TestGone.test_removed",
    ):
        (cassettes / f"{name}.json").write_text(recorded.read_text(encoding="utf-8"))
    (suite / "test_guarded.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from procore_dc import NotFoundError

            class TestGuards:
                def test_replays_nothing(self, procore_cassette):
                    assert procore_cassette.company_id

                def test_plays_half(self, procore_cassette):
                    procore_cassette.auth().ensure_valid()

                def test_plays_all(self, procore_cassette):
                    with pytest.raises(NotFoundError):
                        procore_cassette.session().get_json("/rest/v1.0/projects/999999999")

                def test_not_selected(self, procore_cassette):
                    pass
            """
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-k",
            "not not_selected",
            str(suite),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "the cassette test replayed nothing" in output, output
    assert "1 recorded interactions were not replayed" in output, output
    # Teardown failures: the two guarded tests error, the full replay passes cleanly.
    assert "2 errors" in output, output
    assert "ERROR tests/integration/test_guarded.py::TestGuards::test_plays_all" not in output
    assert "unused cassettes" in output, output
    assert "TestGone.test_removed.json" in output
    assert "TestGuards.test_not_selected" not in output.split("unused cassettes", 1)[1]
    assert result.returncode == 1
