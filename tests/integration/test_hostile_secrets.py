"""No secret in cassettes, logs, errors or their causes (issue #12 item 7, audit 2.2-2.5).

Each test sends a secret the red team saw leak (a webhook shared secret, a presigned URL's
signature, an ``access_token`` in a query string, Rails- and XML-shaped echoes) through the
real path on 127.0.0.1 and looks for it everywhere it must not be.
"""

from __future__ import annotations

import logging
import secrets
import socket
import traceback
from pathlib import Path

import pytest

from procore_dc import (
    APIError,
    Environment,
    ProcoreClient,
    RetryPolicy,
    ServiceAccountAuth,
    Session,
    TransportError,
)
from procore_dc._redact import redact_text, redact_url
from procore_dc.testing import FakeProcore
from procore_dc.testing.cassettes import CassetteRun


def canary(label: str) -> str:
    return f"{label}-CANARY-{secrets.token_hex(12)}"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_webhook_secret_and_presigned_signatures_never_reach_a_cassette(
    tmp_path: Path,
) -> None:
    pytest.importorskip("werkzeug")
    shared = canary("whsec")
    path = tmp_path / "TestHostile.test_hook.json"
    with CassetteRun(path, target="fake") as run:
        auth = ServiceAccountAuth(run.client_id, run.client_secret, environment=run.environment)
        client = ProcoreClient(Session(auth, company_id=run.company_id))
        hooks = client.company(run.company_id).webhooks.hooks
        hook = hooks.create(
            "hostile-test",
            "http://127.0.0.1:9/in",
            destination_headers={"Authorization": f"Bearer {shared}", "X-Shared": shared},
        )
        hooks.get(hook.id)
        signature = secrets.token_hex(32)
        presigned = (
            f"{run.environment.api_url}/s3/files/1/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Signature={signature}&sig={signature}"
        )
        with pytest.raises(APIError):
            client.session.request("GET", presigned, authenticated=False)
    text = path.read_text(encoding="utf-8")
    assert shared not in text
    assert signature not in text
    assert "<X_SHARED>" in text  # the header names survive, their values do not


def test_presigned_urls_and_query_tokens_stay_out_of_logs_errors_and_causes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signature = secrets.token_hex(32)
    token = canary("qtok")
    with FakeProcore(seed=0, rate_limits=None) as sandbox:
        app = sandbox.create_app()
        auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
        session = Session(auth, retry=RetryPolicy(max_attempts=1))
        signed = f"X-Amz-Signature={signature}&Signature={signature}"
        url = f"{sandbox.environment.api_url}/s3/missing?{signed}"
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(APIError) as not_found:
                session.request("GET", url, authenticated=False)
            dead = Session(
                ServiceAccountAuth(
                    "id", "sec", environment=Environment.local(f"http://127.0.0.1:{closed_port()}")
                ),
                retry=RetryPolicy(max_attempts=1),
            )
            with pytest.raises(TransportError) as refused:
                dead.request(
                    "GET",
                    f"{dead.environment.api_url}/x?access_token={token}&X-Amz-Signature={signature}",
                    authenticated=False,
                )
    for caught in (not_found, refused):
        printed = "".join(traceback.format_exception(caught.type, caught.value, caught.tb))
        assert signature not in printed
        assert token not in printed
    assert signature not in caplog.text
    assert token not in caplog.text


@pytest.mark.parametrize(
    "leak",
    [
        '{"client_secret"=>"%s"}',
        "client_secret: %s",
        "client_secret = %s",
        "client_secret='%s'",
        '{"client_secret":%s}',
        "<refresh_token>%s</refresh_token>",
        '{"accessToken": "%s"}',
        "refreshToken=%s",
        "https://x.example/cb?next=%%2Fa%%3Frefresh_token%%3D%s",
        "X-Api-Key: %s",
        "authorization=%s",
        "GET /s3/f?X-Amz-Signature=%s",
        "GET /s3/f?X-Amz-Security-Token=%s",
        "sig=%s&se=2030",
        "/path;sig=%s",
    ],
)
def test_redaction_covers_the_formats_the_review_found(leak: str) -> None:
    value = canary("v")[:15]  # also under the 16-character floor of bare Authorization values
    assert value not in redact_text(leak % value)


def test_redact_url_covers_the_fragment_and_path_params() -> None:
    value = canary("v")
    cleaned = redact_url(
        f"https://h.example/p;sig={value}?X-Amz-Signature={value}#access_token={value}"
    )
    assert value not in cleaned


def test_server_prose_survives_redaction() -> None:
    prose = "Procore refused the sign-in (access_denied): the code has expired; token invalid"
    assert redact_text(prose) == prose
