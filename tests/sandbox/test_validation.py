"""FakeProcore answers bad requests the way Procore does: the status and the error body.

One table per host. Apps tested against FakeProcore rely on these answers to exercise their
own error handling, so each row pins the status and the words of the error.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

from procore_dc.testing import FakeProcore, SandboxClock

from .conftest import COMPANY, PROJECT, dmsa_token, headers

V10 = "/rest/v1.0"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FakeProcore]:
    with FakeProcore(seed=0, clock=SandboxClock(frozen=True), rate_limits=None) as running:
        yield running


@pytest.fixture(scope="module")
def token(sandbox: FakeProcore) -> str:
    return dmsa_token(sandbox)


def call(
    sandbox: FakeProcore,
    token: str,
    method: str,
    path: str,
    *,
    company: Optional[int] = COMPANY,
    **kwargs: Any,
) -> requests.Response:
    sent = headers(token, company)
    sent.update(kwargs.pop("headers", {}))
    return requests.request(method, sandbox.api_url + path, headers=sent, timeout=10, **kwargs)


BAD_API_REQUESTS = [
    # (method, path, request kwargs, status, words in the body)
    ("POST", f"{V10}/projects", {"params": {"company_id": COMPANY}, "data": "{not json",
     "headers": {"Content-Type": "application/json"}}, 400, "not valid JSON"),
    ("POST", f"{V10}/projects", {"params": {"company_id": COMPANY}, "json": [1]}, 400,
     "must be a JSON object"),
    ("POST", f"{V10}/projects", {"params": {"company_id": COMPANY}, "json": {"name": "x"}}, 422,
     '"project": ["is missing or not an object"]'),
    ("GET", f"{V10}/projects", {}, 400, "Missing required parameter: company_id"),
    ("GET", f"{V10}/projects", {"params": {"company_id": "abc"}}, 400,
     "Parameter company_id must be an integer"),
    ("GET", f"{V10}/projects", {"params": {"company_id": COMPANY, "page": "x"}}, 400,
     "Parameter page must be a positive integer"),
    ("GET", f"{V10}/projects", {"params": {"company_id": 9}}, 404, "Not Found"),  # not the header
    ("GET", f"{V10}/me", {"params": {"project_id": 999}}, 404, "Not Found"),
    ("GET", f"{V10}/companies/{COMPANY}/users/999999", {}, 404, "Not Found"),
    ("GET", f"{V10}/projects/{PROJECT}/rfis", {"params": {"filters[created_at]": "soon...later"}},
     400, "Invalid date in filter: 'soon'"),
    ("PATCH", f"{V10}/projects/sync", {"params": {"company_id": COMPANY}, "json": {"updates": "x"}},
     422, '"updates": ["must be a list"]'),
    ("PATCH", f"{V10}/projects/sync",
     {"params": {"company_id": COMPANY}, "json": {"updates": [{}] * 1001}}, 422,
     "must contain at most 1000 items"),
    ("POST", f"{V10}/projects/{PROJECT}/rfis",
     {"json": {"rfi": {"subject": "s", "question": {"body": "?"}, "assignee_id": 5,
                       "rfi_manager_id": 1000001}}}, 422,
     '"assignee_id": ["is not a user of this company"]'),
    ("POST", f"{V10}/files", {"params": {"project_id": PROJECT},
     "json": {"file": {"name": "a.txt", "parent_id": 1}}}, 422,
     '"parent_id": ["is not a folder of this project"]'),
    ("GET", f"{V10}/webhooks/hooks", {}, 400, "Either company_id or project_id is required"),
    ("GET", f"{V10}/webhooks/hooks", {"params": {"company_id": "x"}}, 400,
     "Parameter company_id must be an integer"),
    ("POST", f"{V10}/webhooks/hooks", {"params": {"company_id": COMPANY}, "json": {"hook": {
        "api_version": "v9", "namespace": "Bad NS", "destination_url": "http://127.0.0.1:9/x",
        "destination_headers": "x"}}}, 422,
     '"api_version": ["must be v2, v3 or v4"], "namespace": ["must be lowercase letters, '
     'digits and dashes"], "destination_headers": ["must be an object"]'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"),
    BAD_API_REQUESTS,
    ids=[f"{r[0]} {r[1]} {r[3]}" for r in BAD_API_REQUESTS],
)
def test_bad_api_requests_get_procores_answer(
    sandbox: FakeProcore,
    token: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    words: str,
) -> None:
    response = call(sandbox, token, method, path, **kwargs)
    assert response.status_code == status, response.text
    assert words in response.text


def test_list_views_filters_and_sorting(sandbox: FakeProcore, token: str) -> None:
    company = {"company_id": COMPANY}
    compact = call(
        sandbox, token, "GET", f"{V10}/projects", params={**company, "serializer_view": "compact"}
    ).json()
    assert set(compact[0]) == {"id", "name", "display_name"}
    v11 = call(sandbox, token, "GET", "/rest/v1.1/projects", params=company).json()
    assert {"program", "office", "departments"} <= set(v11[0])  # v1.1 fields, null when unset
    short = call(sandbox, token, "GET", f"{V10}/companies/{COMPANY}/projects").json()
    assert set(short[0]) == {"id", "name", "active"}
    assert [p["id"] for p in short] == [p["id"] for p in compact]
    by_status = {}
    for status in ("Active", "Inactive", "All"):
        wanted = {**company, "filters[by_status]": status, "per_page": 1000}
        by_status[status] = call(sandbox, token, "GET", f"{V10}/projects", params=wanted).json()
    assert by_status["Active"]
    assert all(p["active"] for p in by_status["Active"])
    assert all(not p["active"] for p in by_status["Inactive"])
    assert len(by_status["Active"]) + len(by_status["Inactive"]) == len(by_status["All"])
    named = compact[0]["name"]
    found = call(
        sandbox, token, "GET", f"{V10}/projects", params={**company, "filters[name]": named.lower()}
    ).json()
    assert named in [p["name"] for p in found]
    users = call(
        sandbox,
        token,
        "GET",
        f"{V10}/companies/{COMPANY}/users",
        params={"filters[search]": "ava", "sort": "name"},
    ).json()
    assert users
    assert all("ava" in (u["name"] + u["email_address"]).lower() for u in users)
    assert [u["name"] for u in users] == sorted(u["name"] for u in users)
    rfis = call(
        sandbox,
        token,
        "GET",
        f"{V10}/projects/{PROJECT}/rfis",
        params={"sort[attribute]": "id", "sort[direction]": "desc", "per_page": 3},
    ).json()
    assert [r["id"] for r in rfis] == sorted((r["id"] for r in rfis), reverse=True)
    dated = call(
        sandbox,
        token,
        "GET",
        f"{V10}/projects/{PROJECT}/rfis",
        params={"filters[created_at]": "2000-01-01...2100-01-01", "per_page": 1},
    )
    assert dated.status_code == 200
    assert len(dated.json()) == 1


def test_sync_reports_items_that_are_not_objects(sandbox: FakeProcore, token: str) -> None:
    answer = call(
        sandbox,
        token,
        "PATCH",
        f"{V10}/projects/sync",
        params={"company_id": COMPANY},
        json={"updates": [5]},
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "entities": [],
        "errors": [{"errors": {"base": ["must be an object"]}}],
    }


def test_webhook_triggers_are_validated_and_bulk_created(sandbox: FakeProcore, token: str) -> None:
    company = {"company_id": COMPANY}
    hook = call(
        sandbox,
        token,
        "POST",
        f"{V10}/webhooks/hooks",
        params=company,
        json={
            "hook": {
                "api_version": "v4",
                "namespace": "ns",
                "destination_url": "http://127.0.0.1:9/x",
            }
        },
    ).json()
    base = f"{V10}/webhooks/hooks/{hook['id']}"
    # v1.0 has no hook show (issue #11 item 7); v2.0 does, and a company hook is not found
    # through a project.
    assert call(sandbox, token, "GET", base, params=company).status_code == 405
    v2 = f"/rest/v2.0/companies/{COMPANY}"
    assert call(sandbox, token, "GET", f"{v2}/webhooks/hooks/{hook['id']}").status_code == 200
    through_project = f"{v2}/projects/{PROJECT}/webhooks/hooks/{hook['id']}"
    assert call(sandbox, token, "GET", through_project).status_code == 404
    bad = call(
        sandbox,
        token,
        "POST",
        f"{base}/triggers",
        params=company,
        json={"api_version": "v4", "trigger": "x"},
    )
    assert bad.status_code == 422
    assert '"trigger": ["is missing or not an object"]' in bad.text
    wrong = call(
        sandbox,
        token,
        "POST",
        f"{base}/triggers",
        params=company,
        json={"api_version": "v4", "trigger": {"resource_name": "Nope", "event_type": "explode"}},
    )
    assert wrong.status_code == 422
    assert set(wrong.json()["errors"]) == {"resource_name", "event_type"}
    not_list = call(
        sandbox, token, "POST", f"{base}/triggers/bulk", params=company, json={"triggers": "x"}
    )
    assert not_list.status_code == 422
    made = call(
        sandbox,
        token,
        "POST",
        f"{base}/triggers/bulk",
        params=company,
        json={
            "triggers": [
                {"resource_name": "Projects", "event_type": "create"},
                {"resource_name": "Projects", "event_type": "update"},
            ]
        },
    )
    assert made.status_code == 201
    assert [t["event_type"] for t in made.json()] == ["create", "update"]
    listed = call(sandbox, token, "GET", f"{base}/triggers", params=company).json()
    assert {t["id"] for t in made.json()} <= {t["id"] for t in listed}


# -- the login host --------------------------------------------------------------------------


def test_authorize_errors(sandbox: FakeProcore) -> None:
    app = sandbox.default_app
    url = f"{sandbox.login_url}/oauth/authorize"
    base = {"client_id": app.client_id, "response_type": "code", "redirect_uri": "http://localhost"}
    unknown = requests.get(
        url, params={**base, "client_id": "nope"}, allow_redirects=False, timeout=10
    )
    assert unknown.status_code == 400  # never redirect for an unknown client (RFC 6749 4.1.2.1)
    assert "invalid_client" in unknown.text
    method = requests.get(
        url,
        params={**base, "code_challenge": "abc", "code_challenge_method": "S512", "state": "st"},
        allow_redirects=False,
        timeout=10,
    )
    assert method.headers["Location"] == "http://localhost?error=invalid_request&state=st"
    denied = requests.post(
        url, data={**base, "decision": "deny", "state": "st"}, allow_redirects=False, timeout=10
    )
    assert denied.headers["Location"] == "http://localhost?error=access_denied&state=st"
    no_user = requests.post(
        url, data={**base, "decision": "allow", "user_id": "x"}, allow_redirects=False, timeout=10
    )
    assert no_user.status_code == 400
    assert "pick a user" in no_user.text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{bad", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ("{}", "missing grant_type"),
    ],
)
def test_token_endpoint_json_errors(sandbox: FakeProcore, body: str, words: str) -> None:
    answer = requests.post(
        f"{sandbox.login_url}/oauth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert words in answer.json()["error_description"]


def test_revoke_accepts_json_and_token_info_needs_a_token(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    me = f"{sandbox.api_url}{V10}/me"
    assert requests.get(me, headers=headers(token), timeout=10).status_code == 200
    revoked = requests.post(f"{sandbox.login_url}/oauth/revoke", json={"token": token}, timeout=10)
    assert revoked.status_code == 200
    assert requests.get(me, headers=headers(token), timeout=10).status_code == 401
    info = requests.get(f"{sandbox.login_url}/oauth/token/info", timeout=10)
    assert info.status_code == 401
    assert info.json()["error"] == "invalid_token"


# -- uploads and the storage host ------------------------------------------------------------

UPLOADS = f"/rest/v1.1/projects/{PROJECT}/uploads"
PART = b"abc"


def segment_body(part: bytes = PART) -> dict[str, Any]:
    md5 = hashlib.md5(part).hexdigest()  # noqa: S324 - S3's Content-MD5, not security
    sha256 = hashlib.sha256(part).hexdigest()
    return {"segments": [{"size": len(part), "sha256": sha256, "md5": md5}]}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"segments": "x"}, '"segments": ["must be a non-empty list"]'),
        ({"segments": []}, '"segments": ["must be a non-empty list"]'),
        ({"segments": [{"size": "a"}]}, '"segments[0].size": ["must be an integer"]'),
        ({"segments": [{"size": 3, "sha256": "ab"}]}, '"segments[0].sha256": ["must be a hex'),
        ({}, '"response_filename": ["can\'t be blank"]'),
    ],
)
def test_bad_upload_requests(
    sandbox: FakeProcore, token: str, body: dict[str, Any], words: str
) -> None:
    answer = call(sandbox, token, "POST", UPLOADS, json=body)
    assert answer.status_code == 422
    assert words in answer.text


def test_completing_an_upload_checks_its_kind_and_etags(sandbox: FakeProcore, token: str) -> None:
    whole = call(sandbox, token, "POST", UPLOADS, json={"response_filename": "a.txt"}).json()
    answer = call(sandbox, token, "PATCH", f"{UPLOADS}/{whole['uuid']}", json={"segments": []})
    assert answer.status_code == 422
    assert "this upload is not segmented" in answer.text
    segmented = call(sandbox, token, "POST", UPLOADS, json=segment_body()).json()
    short = call(sandbox, token, "PATCH", f"{UPLOADS}/{segmented['uuid']}", json={"segments": []})
    assert short.status_code == 422
    assert "must list 1 etags in order" in short.text
    foreign = call(
        sandbox,
        token,
        "POST",
        f"{V10}/files",
        params={"project_id": PROJECT},
        json={"file": {"name": "a", "upload_uuid": "01NOTANUPLOAD"}},
    )
    assert foreign.status_code == 422
    assert '"upload_uuid": ["is not an upload of yours"]' in foreign.text


def test_storage_refuses_segments_that_do_not_match_their_presigned_values(
    sandbox: FakeProcore, token: str
) -> None:
    upload = call(sandbox, token, "POST", UPLOADS, json=segment_body()).json()
    segment = upload["segments"][0]
    url, sent = segment["url"], {**segment["headers"], "Content-Type": "application/octet-stream"}
    wrong_md5 = base64.b64encode(b"0" * 16).decode()
    cases = [
        (url.replace("/0?", "/5?"), PART, sent, 404, "NoSuchUpload"),
        (url.split("?")[0] + "?X-Amz-Signature=bad", PART, sent, 403, "SignatureDoesNotMatch"),
        (url, b"abcd", sent, 400, "the presigned size is 3"),
        (
            url,
            PART,
            {**sent, "x-amz-content-sha256": "0" * 64},
            400,
            "does not match the presigned",
        ),
        (url, PART, {**sent, "Content-MD5": wrong_md5}, 400, "Content-MD5 you specified"),
    ]
    for target, data, sent_headers, status, words in cases:
        answer = requests.put(target, data=data, headers=sent_headers, timeout=10)
        assert (answer.status_code, words in answer.text) == (status, True), (words, answer.text)
    stored = requests.put(url, data=PART, headers=sent, timeout=10)
    assert stored.status_code == 200  # the untouched request still works after all that


def test_storage_posts_and_reads_are_checked(sandbox: FakeProcore, token: str) -> None:
    whole = call(sandbox, token, "POST", UPLOADS, json={"response_filename": "a.txt"}).json()
    segmented = call(sandbox, token, "POST", UPLOADS, json=segment_body()).json()
    wrong_key = {**whole["fields"], "key": f"uploads/{segmented['uuid']}/x"}
    refused = requests.post(whole["url"], data=wrong_key, files={"file": PART}, timeout=10)
    assert refused.status_code == 403
    assert "AccessDenied" in refused.text
    no_file = requests.post(whole["url"], data=whole["fields"], timeout=10)
    assert no_file.status_code == 400
    assert "exactly one file" in no_file.text
    missing = requests.get(f"{sandbox.storage_url}/s3/nothing-here", timeout=10)
    assert missing.status_code == 404
    assert "NoSuchKey" in missing.text


def test_company_uploads_need_the_company_documents_tool(sandbox: FakeProcore) -> None:
    # An app with the project documents tool only (the default app holds every tool).
    app = sandbox.create_app(permissions={"project": {"documents": "standard"}})
    sandbox.install(app, COMPANY)
    token = dmsa_token(sandbox, app)
    path = f"/rest/v1.1/companies/{COMPANY}/uploads"
    answer = call(sandbox, token, "POST", path, json={"response_filename": "c.txt"})
    assert answer.status_code == 403
    assert "documents tool (company level)" in answer.text


# -- documents: file versions ----------------------------------------------------------------


def upload_whole(sandbox: FakeProcore, token: str, content: bytes) -> str:
    upload = call(sandbox, token, "POST", UPLOADS, json={"response_filename": "v.txt"}).json()
    stored = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("v.txt", content)}, timeout=10
    )
    assert stored.status_code == 204
    return str(upload["uuid"])


def test_new_file_versions_and_latest_only_views(sandbox: FakeProcore, token: str) -> None:
    project = {"project_id": PROJECT}
    first = upload_whole(sandbox, token, b"version one")
    file = call(
        sandbox, token, "POST", f"{V10}/files", params=project,
        json={"file": {"name": "v.txt", "upload_uuid": first}},
    ).json()  # fmt: skip
    second = upload_whole(sandbox, token, b"version two, longer")
    made = call(
        sandbox, token, "POST", f"{V10}/file_versions",
        params={**project, "file_id": file["id"]},
        json={"file_version": {"upload_uuid": second, "notes": "revised"}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    version = made.json()
    assert (version["number"], version["notes"], version["size"]) == (2, "revised", 19)
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(version["url"], headers=bearer, timeout=10).content == (
        b"version two, longer"
    )
    shown = call(sandbox, token, "GET", f"{V10}/file_versions/{version['id']}", params=project)
    assert shown.json()["number"] == 2
    full = call(sandbox, token, "GET", f"{V10}/files/{file['id']}", params=project).json()
    assert [v["number"] for v in full["file_versions"]] == [1, 2]
    assert full["size"] == 19
    latest = call(
        sandbox, token, "GET", f"{V10}/files/{file['id']}",
        params={**project, "show_latest_version_only": "true"},
    ).json()  # fmt: skip
    assert [v["number"] for v in latest["file_versions"]] == [2]
    folder = call(
        sandbox, token, "GET", f"{V10}/folders/{file['parent_id']}",
        params={**project, "show_latest_file_version_only": "true"},
    ).json()  # fmt: skip
    listed = next(f for f in folder["files"] if f["id"] == file["id"])
    assert [v["number"] for v in listed["file_versions"]] == [2]
    moved = call(
        sandbox, token, "PATCH", f"{V10}/files/{file['id']}", params=project,
        json={"file": {"parent_id": 999999}},
    )  # fmt: skip
    assert moved.status_code == 422
    assert "is not a folder of this project" in moved.text


def test_the_root_folder_cannot_be_deleted(sandbox: FakeProcore, token: str) -> None:
    project = {"project_id": PROJECT}
    top = call(
        sandbox, token, "POST", f"{V10}/folders", params=project, json={"folder": {"name": "t"}}
    )
    root = top.json()["parent_id"]  # a folder made without a parent goes under the root
    refused = call(sandbox, token, "DELETE", f"{V10}/folders/{root}", params=project)
    assert refused.status_code == 422
    assert "the root folder cannot be deleted" in refused.text
    assert call(sandbox, token, "GET", f"{V10}/folders/{root}", params=project).status_code == 200


def test_a_chunked_request_body_is_read_in_full(sandbox: FakeProcore, token: str) -> None:
    def chunks() -> Iterator[bytes]:  # a generator body goes out with Transfer-Encoding: chunked
        yield b'{"project": {"name": "Chunked '
        yield b'Tower"}}'

    made = call(
        sandbox, token, "POST", f"{V10}/projects", params={"company_id": COMPANY},
        data=chunks(), headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Chunked Tower"
