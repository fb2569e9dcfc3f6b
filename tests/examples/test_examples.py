"""Every script in examples/ runs against FakeProcore and does what its docstring says."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from procore_dc.exceptions import StateMismatchError
from procore_dc.manifest import Manifest
from procore_dc.resources import required_permissions
from procore_dc.testing import FakeProcore

from .conftest import EXAMPLES, load_example

COMPANY = 8
REDIRECT = "http://localhost:5000/procore/callback"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, rate_limits=None) as running:
        yield running


def test_build_manifest_writes_least_privilege_and_bumps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example("build_manifest")
    target = tmp_path / "manifest.json"
    assert example.main([str(target)]) == 0
    manifest = Manifest.from_json(target.read_text(encoding="utf-8"))
    assert str(manifest.version) == "0.1.0"
    expected = required_permissions(example.APP_CALLS)
    written = json.loads(target.read_text(encoding="utf-8"))["permissions"]
    assert written == expected
    assert written["project"] == {"documents": "standard", "rfi": "readonly"}
    assert example.main([str(target), "--bump", "minor"]) == 0
    assert str(Manifest.from_json(target.read_text(encoding="utf-8")).version) == "0.2.0"
    assert "version 0.2.0" in capsys.readouterr().out


def test_sync_worker_syncs_both_ways_and_applies_webhooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example("sync_worker")
    erp_file = tmp_path / "erp.json"
    assert example.main(["--sandbox", "--erp", str(erp_file)]) == 0
    out = capsys.readouterr().out
    assert "push: 1 saved, 1 refused" in out
    assert "ERP-1 is now 'Northwind Concrete & Steel'" in out
    erp = json.loads(erp_file.read_text(encoding="utf-8"))
    # Procore -> ERP: the seeded vendors arrived with ERP ids of their own.
    pulled = [key for key in erp if key.startswith("procore-")]
    assert len(pulled) >= 8
    assert all(isinstance(erp[key]["procore_id"], int) for key in pulled)
    # ERP -> Procore: ERP-1 got its Procore id; ERP-2 (no name) did not.
    assert isinstance(erp["ERP-1"]["procore_id"], int)
    assert "procore_id" not in erp["ERP-2"]


def test_sync_worker_registers_its_webhook_once(sandbox: FakeProcore, tmp_path: Path) -> None:
    example = load_example("sync_worker")
    from procore_dc import ProcoreClient, ServiceAccountAuth

    app = sandbox.default_app
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    with ProcoreClient(auth) as client:
        sync = example.VendorSync(client.company(COMPANY), example.Erp(tmp_path / "erp.json"))
        first = sync.register_webhook("http://127.0.0.1:9/hooks", "s3cret-value")
        again = sync.register_webhook("http://127.0.0.1:10/hooks", "s3cret-value")
        assert first == again
        triggers = client.company(COMPANY).webhooks.triggers(first).list().to_list()
        assert sorted(t.event_type for t in triggers) == ["create", "update"]
        hook = client.company(COMPANY).webhooks.hooks.get(first)
        assert hook.destination_url == "http://127.0.0.1:10/hooks"


def _sign_in(signin: object, user_key: str) -> None:
    url = signin.begin(user_key)  # type: ignore[attr-defined]
    # The browser: FakeProcore approves as its signed-in user and redirects to the callback.
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(REDIRECT)
    signin.finish(user_key, answer.headers["Location"])  # type: ignore[attr-defined]


def test_user_login_keeps_one_rotating_token_per_user(sandbox: FakeProcore, tmp_path: Path) -> None:
    example = load_example("flask_user_login")
    app = sandbox.create_app(name="Web app", redirect_uris=[REDIRECT])
    signin = example.ProcoreSignIn(
        app.client_id,
        app.client_secret,
        REDIRECT,
        environment=sandbox.environment,
        vault=example.TokenVault(tmp_path / "tokens"),
    )
    users = sandbox.data.users.of(COMPANY)
    alice, bob = users.id_for(0), users.id_for(1)
    sandbox.sign_in_as(alice)
    _sign_in(signin, "alice")
    sandbox.sign_in_as(bob)
    _sign_in(signin, "bob")
    sandbox.sign_in_as(alice)
    assert len(list((tmp_path / "tokens").glob("*.json"))) == 2
    with signin.client_for("alice") as client:
        assert client.me().id == alice
    with signin.client_for("bob") as client:
        assert client.me().id == bob

    store = signin.vault.store_for("alice")
    before = store.load()
    signin.auth_for("alice").refresh()
    after = store.load()
    assert after.refresh_token != before.refresh_token  # rotated, and saved
    spent = requests.post(
        sandbox.environment.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": before.refresh_token,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
        timeout=10,
    )
    assert spent.status_code == 400
    assert spent.json()["error"] == "invalid_grant"

    signin.sign_out("bob")
    assert not signin.signed_in("bob")
    assert signin.signed_in("alice")
    with pytest.raises(StateMismatchError):
        signin.finish("mallory", f"{REDIRECT}?code=x&state=y")


def test_user_login_flask_app(sandbox: FakeProcore, tmp_path: Path) -> None:
    pytest.importorskip("flask")  # Flask is optional: the token logic is tested above
    example = load_example("flask_user_login")
    app = sandbox.create_app(name="Flask app", redirect_uris=[REDIRECT])
    signin = example.ProcoreSignIn(
        app.client_id,
        app.client_secret,
        REDIRECT,
        environment=sandbox.environment,
        vault=example.TokenVault(tmp_path / "tokens"),
    )
    web = example.create_app(signin).test_client()
    to_procore = web.get("/login")
    answer = requests.get(to_procore.headers["Location"], allow_redirects=False, timeout=10)
    callback = answer.headers["Location"].replace("http://localhost:5000", "")
    assert web.get(callback).status_code == 302
    assert web.get("/me").get_json()["id"] == sandbox.signed_in_user


def test_notebook_quickstart_runs_on_the_embedded_sandbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PROCORE_CLIENT_ID", raising=False)
    names = runpy.run_path(str(EXAMPLES / "notebook_quickstart.py"))
    assert len(names["rows"]) == 250
    assert names["projects"].total == 4
    assert not names["sandbox"].running
    out = capsys.readouterr().out
    assert "4 projects" in out
    assert "250 RFIs; Rfi(id=" in out


def test_sync_worker_without_credentials_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    example = load_example("sync_worker")
    with pytest.raises(SystemExit) as caught:
        example.main([])
    assert caught.value.code == 2  # argparse's one-line error, not a traceback
