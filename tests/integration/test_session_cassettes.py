"""Session and pagination against recorded FakeProcore traffic (replayed offline in CI).

Re-record: ``PROCORE_DC_RECORD=1 python -m pytest tests/integration``.
"""

from __future__ import annotations

import logging

import pytest
from procore_cassettes import IntegrationCassette

from procore_dc import ConfigurationError, NotFoundError, PermissionDeniedError, Session
from procore_dc.pagination import PageIterator


class TestSessionCassettes:
    def test_companies_with_service_account(self, procore_cassette: IntegrationCassette) -> None:
        session = procore_cassette.session()
        companies = session.get_json("/rest/v1.0/companies")
        assert isinstance(companies, list)
        assert procore_cassette.company_id in [c["id"] for c in companies]
        # Procore's rate-limit headers reached the shared state.
        assert session.rate_limit.limit is not None
        assert session.rate_limit.remaining is not None

    def test_service_account_needs_a_company(self, procore_cassette: IntegrationCassette) -> None:
        session = procore_cassette.session(company_id=None)
        with pytest.raises(ConfigurationError, match="company id"):
            session.get_json("/rest/v1.0/companies")
        assert session.with_company(procore_cassette.company_id).get_json("/rest/v1.0/me")

    def test_not_found_is_typed(self, procore_cassette: IntegrationCassette) -> None:
        session = procore_cassette.session()
        with pytest.raises(NotFoundError) as caught:
            session.get_json("/rest/v1.0/projects/999999999")
        assert caught.value.status_code == 404
        assert caught.value.url.endswith("/rest/v1.0/projects/999999999")

    def test_other_company_is_refused(self, procore_cassette: IntegrationCassette) -> None:
        # The default app is installed only in the first company.
        other = procore_cassette.value(
            "other_company",
            lambda: (
                int(procore_cassette.sandbox.data.companies[1]["id"])
                if procore_cassette.sandbox is not None
                else procore_cassette.company_id + 1
            ),
        )
        session = procore_cassette.session()
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            session.get_json("/rest/v1.0/projects", params={"company_id": other}, company_id=other)

    def test_revoked_token_is_renewed_once_and_replayed(
        self, procore_cassette: IntegrationCassette, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG, logger="procore_dc")
        auth = procore_cassette.auth()
        session = Session(auth, company_id=procore_cassette.company_id)
        first = session.get_json("/rest/v1.0/me")
        if procore_cassette.sandbox is not None:
            procore_cassette.sandbox.revoke_token(auth.ensure_valid().access_token)
        assert session.get_json("/rest/v1.0/me") == first
        assert any("401 from" in r.getMessage() for r in caplog.records)

    def test_503_is_retried(self, procore_cassette: IntegrationCassette) -> None:
        path = f"/rest/v1.0/projects/{procore_cassette.project_id}/rfis"
        if procore_cassette.sandbox is not None:
            procore_cassette.sandbox.faults.add(
                "GET", path, "status", status=503, headers={"Retry-After": "0"}, times=1
            )
        rfis = procore_cassette.session().get_json(path, params={"per_page": 5})
        assert len(rfis) == 5


class TestPaginationCassettes:
    def test_rfis_follow_links_to_the_end(self, procore_cassette: IntegrationCassette) -> None:
        path = f"/rest/v1.0/projects/{procore_cassette.project_id}/rfis"
        pages = list(PageIterator(procore_cassette.session(), path, per_page=100).pages())
        total = pages[0].total
        assert total is not None
        assert total > 200
        assert sum(len(p.items) for p in pages) == total
        assert [p.number for p in pages] == list(range(1, len(pages) + 1))
        assert pages[-1].next_url is None
        ids = [item["id"] for p in pages for item in p.items]
        assert len(set(ids)) == total

    def test_limit_and_total(self, procore_cassette: IntegrationCassette) -> None:
        path = f"/rest/v1.0/projects/{procore_cassette.project_id}/rfis"
        iterator = PageIterator(procore_cassette.session(), path, per_page=20, limit=30)
        assert iterator.total is not None
        items = iterator.to_list()
        assert len(items) == 30

    def test_structure_projects(self, procore_cassette: IntegrationCassette) -> None:
        company = procore_cassette.company_id
        names = PageIterator(
            procore_cassette.session(),
            "/rest/v1.0/projects",
            params={"company_id": company},
            structure=lambda item: str(item["name"]),
        )
        listed = names.to_list()
        assert listed
        assert all(isinstance(name, str) for name in listed)
