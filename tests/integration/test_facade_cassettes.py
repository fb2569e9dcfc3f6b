"""One operation per tool group through the generated facades, against recorded FakeProcore
traffic (replayed offline in CI).

Each case lists a collection of one tool group (the first GET facade of the group that needs
no id but the scope's, two items at most), or makes the group's one call with the arguments it
needs, and checks the answer is typed. Re-record:
``PROCORE_DC_RECORD=1 python -m pytest tests/integration``.
"""

from __future__ import annotations

from typing import Any

import pytest
from procore_cassettes import IntegrationCassette

from procore_dc import ProcoreClient
from procore_dc.models import Model
from procore_dc.operations import load_operations
from procore_dc.operations._naming import shipped_methods
from procore_dc.pagination import PageIterator

#: (tool group, facade method). One group of the catalogue's 56 is left out: Authentication,
#: whose operations are the OAuth endpoints on the login host (the auth cassettes record them).
CASES = [
    ("Company Admin/Company Settings", "company.async_operations.list"),
    ("Company Admin/Custom - Configurable Tools", "company.configurable_field_sets.list"),
    ("Company Admin/Project-Level Configuration", "project.links.recycle_bin.list"),
    ("Construction Financials/Budget", "project.budget_modifications.list"),
    ("Construction Financials/Change Events", "company.change_types.list"),
    ("Construction Financials/Change Orders", "company.change_order_change_reasons.list"),
    ("Construction Financials/Commitments", "project.billing_periods.list"),
    ("Construction Financials/Currency Configurations", "company.currency_configuration.list"),
    ("Construction Financials/Direct Costs", "project.direct_costs.list"),
    ("Construction Financials/Payments", "company.payments.early_pay_programs.list"),
    ("Construction Financials/Prime Contracts", "project.payment_applications.list"),
    ("Construction Financials/Tax", "company.tax_codes.list"),
    ("Construction Financials/Units of Measure", "company.uoms.list"),
    ("Construction Financials/Work Breakdown Structure", "company.standard_cost_code_lists.list"),
    ("Core/Directory", "company.departments.list"),
    ("Core/Documents", "company.documents.list"),
    ("Core/Equipment", "company.equipment_register.configurable_field_sets.list"),
    ("Core/Portfolio", "company.projects.list"),
    ("Core/Project", "company.project_templates.list"),
    ("Core/Tasks", "project.task_item_categories.list"),
    ("Core/Workflows", "company.workflow_instances.list"),
    ("Platform - Developer Tools/App Marketplace", "company.app_configurations.list"),
    ("Platform - Developer Tools/Webhooks", "company.webhooks.hooks.list"),
    ("Preconstruction/BIM", "project.bim_file_extractions.list"),
    ("Preconstruction/Bid Board", "company.estimating.bid_board_projects.list"),
    ("Preconstruction/Bid Management", "company.bids.list"),
    ("Preconstruction/Cost Catalog", "company.estimating.catalogs.list"),
    ("Preconstruction/Estimating", "project.estimating.notes.list"),
    ("Procore Helix/Reports", "project.field_production_report.list"),
    ("Project Management/Action Plans", "company.action_plans.plan_template_item_assignees.list"),
    ("Project Management/Coordination Issues", "project.coordination_issue_activities.list"),
    ("Project Management/Daily Log", "project.accident_logs.list"),
    ("Project Management/Document Markup", "project.domains.contexts.list"),
    ("Project Management/Drawings", "project.drawing_areas.list"),
    ("Project Management/Emails", "project.communication_tags.list"),
    ("Project Management/Field Productivity", "company.gps_positions.list"),
    ("Project Management/Forms", "company.form_templates.list"),
    ("Project Management/Incidents", "company.contributing_behaviors.list"),
    ("Project Management/Inspections", "company.inspection_types.list"),
    ("Project Management/Meetings", "company.meeting_templates.list"),
    ("Project Management/Observations", "company.observation_types.list"),
    ("Project Management/Photos", "project.image_categories.list"),
    ("Project Management/Punch List", "project.available_punch_item_managers.list"),
    ("Project Management/RFI", "project.rfis.default_distribution.list"),
    ("Project Management/Schedule (Legacy)", "project.resources.list"),
    ("Project Management/Scheduling", "project.calendars.list"),
    ("Project Management/Specifications", "project.specification_areas.list"),
    ("Project Management/Submittals", "project.submittal_logs.list"),
    (
        "Resource Management/Resource Planning",
        "company.workforce_planning.v2.companies.projects.list",
    ),
    ("Company Admin/Users & Permissions", "client.settings.permissions_.get"),
    ("Construction Financials/Contracts", "project.financials.markups.list"),
    ("Construction Financials/Invoices", "project.lien_waivers.list"),
    ("Core/File Access & Storage", "company.uploads.create"),
    ("Core/Telematics", "company.telematics.stats"),
    ("Platform - Developer Tools/Platform Services", "client.company_base_url.get"),
]

#: The arguments of the cases that need more than the scope's ids.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "project.financials.markups.list": {"holder_type": "Contract", "holder_id": 1},
    "project.lien_waivers.list": {"invoice_id": 1},
    "company.uploads.create": {"body": {"response_filename": "plan.pdf"}},
    "company.telematics.stats": {"body": {}},
}


def _method(client: ProcoreClient, dotted: str, run: IntegrationCassette) -> Any:
    scope_name, *chain, name = dotted.split(".")
    assert run.company_id is not None
    company = client.company(run.company_id)
    node: Any
    if scope_name == "project":
        assert run.project_id is not None
        node = company.project(run.project_id).ops
    elif scope_name == "client":
        node = client.ops
    else:
        node = company.ops
    for part in (*chain, name):
        node = getattr(node, part)
    return node


def test_the_cases_name_real_facades_of_their_groups() -> None:
    by_name = {m.dotted: m for m in shipped_methods()}
    table = load_operations()
    for group, dotted in CASES:
        assert table.get(by_name[dotted].default).group == group
    assert len({group for group, _ in CASES}) == len(CASES)


class TestFacadeCassettes:
    @pytest.mark.parametrize(("group", "dotted"), CASES, ids=[d for _, d in CASES])
    def test_one_operation_per_group(
        self, procore_cassette: IntegrationCassette, group: str, dotted: str
    ) -> None:
        client = ProcoreClient(procore_cassette.session())
        call = _method(client, dotted, procore_cassette)
        answer = call(**_options(dotted), **ARGUMENTS.get(dotted, {}))
        if isinstance(answer, PageIterator):
            answer = answer.to_list()
        items = answer if isinstance(answer, list) else [answer]
        assert all(isinstance(item, Model) or not isinstance(item, dict) for item in items)


def _options(dotted: str) -> dict[str, Any]:
    by_name = {m.dotted: m for m in shipped_methods()}
    op = load_operations().get(by_name[dotted].default)
    if op.paging != "link":
        return {}
    return {"per_page": 2, "limit": 2} if op.parameter("per_page") else {"limit": 2}
