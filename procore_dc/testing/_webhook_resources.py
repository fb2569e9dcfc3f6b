"""The webhook resource names Procore accepts in triggers, with the events each supports.

Procore documents no list; ``GET /rest/v1.0/webhooks/resources`` answers it. The names and
events below are a third party's dump of that endpoint from a Developer Sandbox
(``mechamoby/Procore-Instrumentality-Project`` ``WEBHOOK-RESOURCES-CONFIRMED.md``, queried
2026-02-24), the only real response found. Unconfirmed by Procore: see
``docs/procore-assumptions.rst`` for how to check it with ``procore-dc api get``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COMPANY_RESOURCES", "EVENT_TYPES", "PROJECT_RESOURCES", "events_for"]

EVENT_TYPES = ("create", "update", "delete")
_ALL = EVENT_TYPES
_CU = ("create", "update")

#: Company-level resources -> the event types Procore sends for them.
COMPANY_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "Bids": ("update",),
    "Change Order Change Reasons": _ALL,
    "Change Types": _ALL,
    "Company File Versions": _ALL,
    "Company Files": _ALL,
    "Company Folders": _ALL,
    "Company Insurances": _ALL,
    "Company Users": _CU,
    "Company Vendors": _CU,
    "Departments": _ALL,
    "ERP Requests": _ALL,
    "Form Templates": _ALL,
    "Line Item Types": _ALL,
    "Offices": _ALL,
    "Programs": _ALL,
    "Project Bid Types": _ALL,
    "Project Owner Types": _ALL,
    "Project Regions": _ALL,
    "Project Stages": _ALL,
    "Project Types": _ALL,
    "Projects": _CU,
    "Standard Cost Code Lists": ("create",),
    "Standard Cost Codes": _ALL,
    "Timecard Time Types": ("create", "delete"),
    "Trades": ("create", "delete"),
}

_PROJECT_CU = (
    "Inspection Checklists",
    "Markup Layers",
    "RFQ Quotes",
    "RFQ Responses",
    "Specification Sections",
    "Task Items",
    "Weather Logs",
)
_PROJECT_ALL = (
    "Accident Logs",
    "BIM File Extractions",
    "BIM Model Revisions",
    "BIM Models",
    "Budget Change Adjustment Line Items",
    "Budget Change Adjustments",
    "Budget Change Production Quantities",
    "Budget Changes",
    "Budget Line Items",
    "Budget Modifications",
    "Call Logs",
    "Change Event Line Items",
    "Change Events",
    "Change Order Packages",
    "Change Order Requests",
    "Company Direct Cost Line Items",
    "Contract Payments",
    "Coordination Issue Activities",
    "Coordination Issues",
    "Cost Codes",
    "Daily Construction Report Logs",
    "Daily Log/Entries",
    "Daily Logs",
    "Delivery Logs",
    "Direct Cost Line Items",
    "Direct Costs",
    "Draw Requests",
    "Drawing Areas",
    "Drawing Sets",
    "Drawing Uploads",
    "Drawings",
    "Dumpster Logs",
    "Equipment Logs",
    "File Versions",
    "Forms",
    "Generic Tool Items",
    "Image Categories",
    "Images",
    "Incidents",
    "Inspection Logs",
    "Locations",
    "Manpower Logs",
    "Meeting Attendees",
    "Meeting Categories",
    "Meeting Topics",
    "Meetings",
    "Notes Logs",
    "Observation Items",
    "Payment Applications",
    "Pdf Download Pages",
    "Plan Revision Logs",
    "Potential Change Order Line Items",
    "Potential Change Orders",
    "Prime Contract Line Items",
    "Prime Contracts",
    "Productivity Logs",
    "Project Dates",
    "Project File Versions",
    "Project Files",
    "Project Folders",
    "Project Insurances",
    "Project Users",
    "Project Vendors",
    "Punch Items",
    "Purchase Order Contract Line Items",
    "Purchase Order Contracts",
    "Quantity Logs",
    "RFI Replies",
    "RFIs",
    "RFQs",
    "Safety Violation Logs",
    "Site Instructions",
    "Specification Areas",
    "Specification Section Divisions",
    "Specification Section Revisions",
    "Specification Sets",
    "Sub Jobs",
    "Submittal Packages",
    "Submittals",
    "Tasks",
    "Timecard Entries",
    "ToDos",
    "Visitor Logs",
    "Waste Logs",
    "Work Logs",
    "Work Order Contract Line Items",
    "Work Order Contracts",
)

#: Project-level resources -> the event types Procore sends for them.
PROJECT_RESOURCES: Mapping[str, tuple[str, ...]] = {
    **dict.fromkeys(_PROJECT_ALL, _ALL),
    **dict.fromkeys(_PROJECT_CU, _CU),
    "Budget View Snapshots": ("create",),
    "Observation Item Response Logs": ("create",),
}


def events_for(scope: str) -> Mapping[str, tuple[str, ...]]:
    """The resources a hook of ``scope`` (``company``/``project``) may trigger on.

    A company hook hears the company's own resources and those of every project in it; a
    project hook only the project's (an assumption: docs/procore-assumptions.rst).
    """
    if scope == "project":
        return PROJECT_RESOURCES
    return {**COMPANY_RESOURCES, **PROJECT_RESOURCES}
