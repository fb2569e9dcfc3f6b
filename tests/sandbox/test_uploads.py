"""Direct uploads in both modes, the storage endpoint refusing a bearer token, and files."""

from __future__ import annotations

import hashlib

import requests

from procore_dc.testing import FakeProcore

from .conftest import PROJECT, dmsa_token, headers


def _create_file(sandbox: FakeProcore, token: str, uuid: str) -> requests.Response:
    return requests.post(
        f"{sandbox.api_url}/rest/v1.0/files",
        params={"project_id": PROJECT},
        json={"file": {"name": "plan.pdf", "upload_uuid": uuid}},
        headers=headers(token),
        timeout=5,
    )


def test_non_segmented_upload_then_file(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    created = requests.post(
        f"{sandbox.api_url}/rest/v1.1/projects/{PROJECT}/uploads",
        json={"response_filename": "plan.pdf", "response_content_type": "application/pdf"},
        headers=headers(token),
        timeout=5,
    )
    assert created.status_code == 201
    upload = created.json()
    assert upload["url"].startswith(sandbox.storage_url)
    assert set(upload["fields"]) >= {"key", "policy", "x-amz-signature", "Content-Type"}
    content = b"%PDF-1.4 sandbox" * 100
    # A bearer token sent to storage is refused, as S3 does.
    leaked = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("plan.pdf", content)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert leaked.status_code == 400
    assert "InvalidArgument" in leaked.text
    tampered = requests.post(
        upload["url"], data={**upload["fields"], "policy": "x"}, files={"file": content}, timeout=5
    )
    assert tampered.status_code == 403
    # Using the upload before its bytes arrived is refused.
    assert _create_file(sandbox, token, upload["uuid"]).status_code == 422
    stored = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("plan.pdf", content)}, timeout=5
    )
    assert stored.status_code == 204
    assert stored.headers["ETag"]
    made = _create_file(sandbox, token, upload["uuid"])
    assert made.status_code == 201
    assert made.json()["size"] == len(content)
    assert made.json()["file_versions"][0]["size"] == len(content)
    assert _create_file(sandbox, token, upload["uuid"]).status_code == 422  # used once
    # The version's link is on the file host: it needs the token and redirects to the
    # presigned storage URL, which serves the uploaded bytes and refuses the token.
    link = made.json()["file_versions"][0]["url"]
    assert link.startswith(sandbox.files_url)
    assert requests.get(link, timeout=5).status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    redirect = requests.get(link, headers=bearer, timeout=5, allow_redirects=False)
    assert redirect.status_code == 302
    url = redirect.headers["Location"]
    assert url.startswith(sandbox.storage_url)
    assert requests.get(url, timeout=5).content == content
    assert requests.get(url, headers=bearer, timeout=5).status_code == 400
    assert requests.get(url.replace("Signature=", "Signature=0"), timeout=5).status_code == 403


def test_segmented_upload_completed_with_patch(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    parts = [b"a" * 1000, b"b" * 300]
    body = {
        "segments": [
            {
                "size": len(p),
                "sha256": hashlib.sha256(p).hexdigest(),
                "md5": hashlib.md5(p).hexdigest(),  # noqa: S324 - S3 asks for MD5
            }
            for p in parts
        ]
    }
    created = requests.post(
        f"{sandbox.api_url}/rest/v1.1/projects/{PROJECT}/uploads",
        json=body,
        headers=headers(token),
        timeout=5,
    )
    assert created.status_code == 201
    upload = created.json()
    assert upload["status"] == "ready"
    assert len(upload["segments"]) == 2
    etags = []
    for part, segment in zip(parts, upload["segments"]):
        assert segment["url"].startswith(sandbox.storage_url)
        wrong = requests.put(
            segment["url"],
            data=part[:-1] + b"x",
            headers={**segment["headers"], "Content-Type": "application/octet-stream"},
            timeout=5,
        )
        assert wrong.status_code == 400
        put = requests.put(
            segment["url"],
            data=part,
            headers={**segment["headers"], "Content-Type": "application/octet-stream"},
            timeout=5,
        )
        assert put.status_code == 200
        etags.append(put.headers["ETag"])
    url = f"{sandbox.api_url}/rest/v1.1/projects/{PROJECT}/uploads/{upload['uuid']}"
    bad = requests.patch(
        url,
        json={"segments": [{"etag": etags[1]}, {"etag": etags[0]}]},
        headers=headers(token),
        timeout=5,
    )
    assert bad.status_code == 422
    done = requests.patch(
        url, json={"segments": [{"etag": e} for e in etags]}, headers=headers(token), timeout=5
    )
    assert done.status_code == 200
    assert done.json()["status"] == "complete"
    made = _create_file(sandbox, token, upload["uuid"])
    assert made.status_code == 201
    assert made.json()["size"] == 1300
    download = requests.get(
        made.json()["file_versions"][0]["url"],
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert download.status_code == 200
    assert download.content == b"".join(parts)
    assert download.headers["Content-Length"] == "1300"


def test_upload_must_start_within_an_hour_and_belongs_to_its_creator(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    upload = requests.post(
        f"{sandbox.api_url}/rest/v1.1/projects/{PROJECT}/uploads",
        json={"response_filename": "a.txt"},
        headers=headers(token),
        timeout=5,
    ).json()
    other = sandbox.issue_token()["access_token"]
    show = f"{sandbox.api_url}/rest/v1.1/projects/{PROJECT}/uploads/{upload['uuid']}"
    assert requests.get(show, headers=headers(other), timeout=5).status_code == 404
    assert requests.get(show, headers=headers(token), timeout=5).status_code == 200
    sandbox.clock.advance(3601)
    late = requests.post(upload["url"], data=upload["fields"], files={"file": b"x"}, timeout=5)
    assert late.status_code == 403
