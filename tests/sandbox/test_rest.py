"""REST conventions of the API host: company header, visibility, permissions, pagination,
rate limits, filters, errors and lazy data (procore-api.md section 2)."""

from __future__ import annotations

import requests

from procore_dc.testing import FakeProcore, RateLimits, SandboxClock

from .conftest import COMPANY, PROJECT, dmsa_token, get, headers


def test_company_header_rules(sandbox: FakeProcore) -> None:
    dmsa = dmsa_token(sandbox)
    user = sandbox.issue_token()["access_token"]
    for path in ("/rest/v1.0/me", "/rest/v1.0/companies", "/rest/v1.0/projects?company_id=8"):
        missing = get(sandbox, path, dmsa, company=None)
        assert missing.status_code == 404, path  # the status seen in the field (issue #11 item 11)
        assert missing.json()["errors"].startswith("Missing Procore-Company-Id header!")
    # User tokens may skip it on /me and /companies only.
    assert get(sandbox, "/rest/v1.0/me", user, company=None).status_code == 200
    assert get(sandbox, "/rest/v1.0/companies", user, company=None).status_code == 200
    assert get(sandbox, "/rest/v1.0/projects?company_id=8", user, company=None).status_code == 404
    assert get(sandbox, "/rest/v1.0/me?company_id=8", user, company=None).status_code == 404
    assert get(sandbox, "/rest/v1.0/projects?company_id=8", user).status_code == 200


def test_user_companies_and_dmsa_companies(sandbox: FakeProcore) -> None:
    user = sandbox.issue_token()["access_token"]
    rows = get(sandbox, "/rest/v1.0/companies", user, company=None).json()
    assert [c["id"] for c in rows] == [8, 9, 10]
    assert [c["my_company"] for c in rows] == [True, False, False]
    dmsa = dmsa_token(sandbox)
    assert [c["id"] for c in get(sandbox, "/rest/v1.0/companies", dmsa).json()] == [8]


def test_dmsa_sees_only_installed_companies_and_permitted_projects(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(
        permissions={"company": {"home": "readonly"}, "project": {"rfi": "readonly"}}
    )
    sandbox.install(app, COMPANY, permitted_projects=[PROJECT])
    token = dmsa_token(sandbox, app)
    listed = get(sandbox, "/rest/v1.0/projects", token, params={"company_id": COMPANY}).json()
    assert [p["id"] for p in listed] == [PROJECT]
    assert listed[0]["company"] == {"id": COMPANY, "name": sandbox.data.companies[0]["name"]}
    # A project of the company that is not permitted: invisible (404) on show ...
    assert get(sandbox, "/rest/v1.0/projects/100002", token).status_code == 404
    # ... and forbidden for its tools (procore-api.md 2.5).
    assert get(sandbox, "/rest/v1.0/projects/100002/rfis", token).status_code == 403
    # A company where the app is not installed.
    other = get(sandbox, "/rest/v1.0/projects", token, params={"company_id": 9}, company=9)
    assert other.status_code == 403
    assert other.json()["errors"] == "App is not connected to this company"
    # A project of another company under this company's header is invisible.
    assert get(sandbox, "/rest/v1.0/projects/110001/rfis", token).status_code == 404


def test_dmsa_permission_levels_403_against_404(sandbox: FakeProcore) -> None:
    app = sandbox.create_app(permissions={"project": {"rfi": "readonly"}})
    sandbox.install(app, COMPANY)
    token = dmsa_token(sandbox, app)
    base = f"/rest/v1.0/projects/{PROJECT}"
    assert get(sandbox, f"{base}/rfis", token).status_code == 200
    # Lacking the tool: 403; readonly cannot write: 403; a missing record: 404.
    assert get(sandbox, f"{base}/submittals".replace("v1.0", "v1.1"), token).status_code == 403
    write = requests.post(
        f"{sandbox.api_url}{base}/rfis",
        json={"rfi": {"subject": "x", "question": {"body": "y"}, "rfi_manager_id": 1000001}},
        headers=headers(token),
        timeout=5,
    )
    assert write.status_code == 403
    assert get(sandbox, f"{base}/rfis/99999999", token).status_code == 404
    assert get(sandbox, "/rest/v1.0/projects?company_id=8", token).status_code == 403


def test_user_token_acts_within_the_users_permissions(sandbox: FakeProcore) -> None:
    readonly_user = sandbox.data.users.of(COMPANY)[2]["id"]
    token = sandbox.issue_token(user_id=readonly_user)["access_token"]
    base = f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/rfis"
    assert requests.get(base, headers=headers(token), timeout=5).status_code == 200
    body = {"rfi": {"subject": "s", "question": {"body": "q"}, "rfi_manager_id": 1000001}}
    assert requests.post(base, json=body, headers=headers(token), timeout=5).status_code == 403
    admin = sandbox.issue_token()["access_token"]
    assert requests.post(base, json=body, headers=headers(admin), timeout=5).status_code == 201


def test_pagination_headers_exactly(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    path = f"/rest/v1.0/projects/{PROJECT}/rfis"
    url = f"{sandbox.api_url}{path}"
    first = get(sandbox, path, token, params={"per_page": 100})
    assert first.headers["Total"] == "250"
    assert first.headers["Per-Page"] == "100"
    assert first.headers["Link"] == (
        f'<{url}?per_page=100&page=2>; rel="next", <{url}?per_page=100&page=3>; rel="last"'
    )
    middle = get(sandbox, path, token, params={"per_page": 100, "page": 2})
    assert middle.headers["Link"] == (
        f'<{url}?per_page=100&page=1>; rel="first", <{url}?per_page=100&page=1>; rel="prev", '
        f'<{url}?per_page=100&page=3>; rel="next", <{url}?per_page=100&page=3>; rel="last"'
    )
    last = get(sandbox, path, token, params={"per_page": 100, "page": 3})
    assert len(last.json()) == 50
    assert 'rel="next"' not in last.headers["Link"]
    assert set(middle.links) == {"first", "prev", "next", "last"}
    ids = [r["id"] for p in (first, middle, last) for r in p.json()]
    assert len(set(ids)) == 250
    default = get(sandbox, path, token)
    assert default.headers["Per-Page"] == "100"
    capped = get(sandbox, path, token, params={"per_page": 5000})
    assert capped.headers["Per-Page"] == "1000"


def test_large_sizes_are_generated_lazily() -> None:
    with FakeProcore(sizes={"rfis": 100_000, "projects": 1, "companies": 1}) as sandbox:
        partition = sandbox.data.rfis.of(PROJECT)
        token = sandbox.issue_token(user_id=None)["access_token"]
        sandbox.rate_limits = None
        page = get(
            sandbox,
            f"/rest/v1.0/projects/{PROJECT}/rfis",
            token,
            params={"page": 1000, "per_page": 100},
        )
        assert page.status_code == 200
        assert page.headers["Total"] == "100000"
        assert page.json()[0]["id"] == partition.id_for(99_900)
        # Nothing but the served page was kept: no record of the partition is stored.
        assert partition._overrides == {}
        assert sandbox.data.rfis.get(partition.id_for(99_999))["number"] == "100000"


def test_data_is_deterministic_per_seed() -> None:
    a, b, c = FakeProcore(seed=0), FakeProcore(seed=0), FakeProcore(seed=1)
    assert a.data.rfis.of(PROJECT)[7] == b.data.rfis.of(PROJECT)[7]
    assert a.data.rfis.of(PROJECT)[7] != c.data.rfis.of(PROJECT)[7]


def test_rate_limit_26th_request_in_ten_seconds_gets_429(sandbox: FakeProcore) -> None:
    sandbox.rate_limits = RateLimits()  # Procore's own: 25 per 10 s (asked for explicitly)
    token = dmsa_token(sandbox)
    statuses = []
    for _ in range(25):
        response = get(sandbox, "/rest/v1.0/me", token)
        statuses.append(response.status_code)
    assert statuses == [200] * 25
    assert response.headers["X-Rate-Limit-Limit"] == "25"
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    blocked = get(sandbox, "/rest/v1.0/me", token)
    assert blocked.status_code == 429
    reset = int(blocked.headers["X-Rate-Limit-Reset"])
    assert int(blocked.headers["Retry-After"]) == reset - int(sandbox.clock.now())
    sandbox.clock.advance(10)
    cleared = get(sandbox, "/rest/v1.0/me", token)
    assert cleared.status_code == 200
    assert cleared.headers["X-Rate-Limit-Remaining"] == "24"


def test_hourly_window_is_reported_when_nearer_and_retry_after_is_optional() -> None:
    limits = RateLimits(hourly=3, spike=25, retry_after=False)
    with FakeProcore(rate_limits=limits, clock=SandboxClock(frozen=True)) as sandbox:
        token = dmsa_token(sandbox)
        first = get(sandbox, "/rest/v1.0/me", token)
        assert first.headers["X-Rate-Limit-Limit"] == "3"
        assert first.headers["X-Rate-Limit-Remaining"] == "2"
        get(sandbox, "/rest/v1.0/me", token)
        get(sandbox, "/rest/v1.0/me", token)
        blocked = get(sandbox, "/rest/v1.0/me", token)
        assert blocked.status_code == 429
        assert "Retry-After" not in blocked.headers
        sandbox.rate_limits = None
        free = get(sandbox, "/rest/v1.0/me", token)
        assert free.status_code == 200
        assert "X-Rate-Limit-Limit" not in free.headers


def test_every_response_has_a_request_id_and_errors_are_json(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    unknown = get(sandbox, "/rest/v1.0/nothing_here", token)
    assert unknown.status_code == 404
    assert unknown.json()
    assert len(unknown.headers["X-Request-Id"]) == 32
    url = f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/rfis"
    malformed = requests.post(
        url, data="{nope", headers={**headers(token), "Content-Type": "application/json"}, timeout=5
    )
    assert malformed.status_code == 400
    missing = requests.post(
        url,
        json={"rfi": {"question": {"body": "q"}, "rfi_manager_id": 1000001}},
        headers=headers(token),
        timeout=5,
    )
    assert missing.status_code == 422
    assert missing.json() == {"errors": {"subject": ["can't be blank"]}}


def test_filters_and_sorting(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    path = f"/rest/v1.0/projects/{PROJECT}/rfis"
    open_rfis = get(
        sandbox, path, token, params={"filters[status]": "open", "per_page": 1000}
    ).json()
    assert open_rfis
    assert all(r["status"] == "open" for r in open_rfis)
    wanted = [r["id"] for r in open_rfis[:3]]
    by_id = get(sandbox, path, token, params=[("filters[id][]", str(i)) for i in wanted]).json()
    assert [r["id"] for r in by_id] == wanted
    everything = sandbox.data.rfis.of(PROJECT)
    stamps = sorted(r["created_at"] for r in everything)
    low, high = stamps[10], stamps[20]
    ranged = get(
        sandbox, path, token, params={"filters[created_at]": f"{low}...{high}", "per_page": 1000}
    ).json()
    assert len(ranged) == 11
    by_created = {"sort[attribute]": "created_at", "sort[direction]": "desc", "per_page": 3}
    newest = get(sandbox, path, token, params=by_created).json()
    assert [r["created_at"] for r in newest] == stamps[::-1][:3]
    obs = get(
        sandbox,
        "/rest/v1.0/observations/items",
        token,
        params={"project_id": PROJECT, "filters[status][]": "0"},
    ).json()
    assert obs
    assert {o["status"] for o in obs} == {"initiated"}
    projects = get(
        sandbox, "/rest/v1.0/projects", token, params={"company_id": COMPANY, "sort": "-name"}
    ).json()
    assert [p["name"] for p in projects] == sorted((p["name"] for p in projects), reverse=True)


def test_required_permissions_is_the_smallest_block(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    get(sandbox, "/rest/v1.0/companies", token)
    get(sandbox, "/rest/v1.0/projects", token, params={"company_id": COMPANY})
    get(sandbox, f"/rest/v1.0/projects/{PROJECT}/rfis", token)
    requests.post(
        f"{sandbox.api_url}/rest/v1.0/projects/{PROJECT}/rfis",
        json={"rfi": {"subject": "s", "question": {"body": "q"}, "rfi_manager_id": 1000001}},
        headers=headers(token),
        timeout=5,
    )
    get(sandbox, "/rest/v1.0/vendors", token, params={"company_id": COMPANY})
    assert sandbox.required_permissions() == {
        "company": {"home": "readonly", "directory": "readonly"},
        "project": {"rfi": "standard"},
    }
    log = [r for r in sandbox.requests if r.role == "api"]
    assert log[0].tool is None
    assert log[0].token_kind == "dmsa"
    assert (log[2].scope, log[2].tool, log[2].level) == ("project", "rfi", "readonly")
    assert log[3].status == 201
    assert log[3].method == "POST"


def test_resources_crud_round_trip(sandbox: FakeProcore) -> None:
    token = dmsa_token(sandbox)
    h = headers(token)
    api = sandbox.api_url
    made = requests.post(
        f"{api}/rest/v1.0/observations/items",
        json={"project_id": PROJECT, "observation": {"name": "Loose rail", "type_id": 1}},
        headers=h,
        timeout=5,
    )
    assert made.status_code == 201
    oid = made.json()["id"]
    patched = requests.patch(
        f"{api}/rest/v1.0/observations/items/{oid}",
        json={"project_id": PROJECT, "observation": {"status": "closed"}},
        headers=h,
        timeout=5,
    )
    assert patched.json()["status"] == "closed"
    gone = requests.delete(
        f"{api}/rest/v1.0/projects/{PROJECT}/observations/items/{oid}", headers=h, timeout=5
    )
    assert gone.status_code == 204
    assert (
        get(
            sandbox, f"/rest/v1.0/observations/items/{oid}", token, params={"project_id": PROJECT}
        ).status_code
        == 404
    )
    project = requests.post(
        f"{api}/rest/v1.0/projects",
        json={"company_id": COMPANY, "project": {"name": "New HQ"}},
        headers=h,
        timeout=5,
    ).json()
    new_rfis = f"/rest/v1.0/projects/{project['id']}/rfis"
    assert get(sandbox, new_rfis, token).status_code == 403  # not permitted yet (item 10)
    sandbox.permit(sandbox.default_app, COMPANY, project["id"])
    assert get(sandbox, new_rfis, token).json() == []
    sync = requests.patch(
        f"{api}/rest/v1.0/vendors/sync",
        json={
            "company_id": COMPANY,
            "updates": [
                {"origin_id": "v-1", "name": "Acme"},
                {"id": 1, "name": "x"},
                {"origin_id": "v-2"},
            ],
        },
        headers=h,
        timeout=5,
    )
    assert sync.status_code == 200
    assert [e["name"] for e in sync.json()["entities"]] == ["Acme"]
    assert [e["errors"] for e in sync.json()["errors"]] == [
        {"id": ["Entity with this ID not found"]},
        {"name": ["can't be blank"]},
    ]
    again = requests.patch(
        f"{api}/rest/v1.0/vendors/sync",
        json={"company_id": COMPANY, "updates": [{"origin_id": "v-1", "name": "Acme 2"}]},
        headers=h,
        timeout=5,
    )
    assert again.json()["entities"][0]["id"] == sync.json()["entities"][0]["id"]
    users = get(sandbox, f"/rest/v1.3/companies/{COMPANY}/users", token, params={"per_page": 5})
    assert users.headers["Total"] == "12"
    assert len(users.json()) == 5
    folder = get(sandbox, "/rest/v1.0/folders", token, params={"project_id": PROJECT}).json()
    assert folder["parent_id"] is None
    assert len(folder["folders"]) == 4
    sub = get(
        sandbox,
        f"/rest/v1.0/folders/{folder['folders'][0]['id']}",
        token,
        params={"project_id": PROJECT},
    ).json()
    assert sub["files"]
    assert sub["files"][0]["file_versions"]
    today = get(sandbox, f"/rest/v1.0/projects/{PROJECT}/manpower_logs", token).json()
    assert today
    assert {m["date"] for m in today} == {sandbox.data.today}
    logs = get(
        sandbox,
        f"/rest/v1.0/projects/{PROJECT}/manpower_logs",
        token,
        params={"start_date": "2000-01-01", "end_date": "2100-01-01"},
    )
    assert logs.headers["Total"] == "40"
