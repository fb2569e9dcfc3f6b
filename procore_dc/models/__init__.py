"""Typed records for Procore's JSON: frozen, slotted attrs classes and one cattrs converter.

No HTTP here: the resource clients fetch JSON and structure it with ``structure``.

.. code-block:: python

    from procore_dc.models import Rfi, structure

    rfi = structure({"id": 7, "subject": "Door", "due_date": "2026-03-01"}, Rfi)
    rfi.due_date            # datetime.date(2026, 3, 1)
    rfi.raw["subject"]      # the original mapping is kept
"""

from __future__ import annotations

from procore_dc.models._base import CompanyRef, Model, NamedRef, PersonRef
from procore_dc.models._converter import (
    converter,
    make_converter,
    structure,
    structure_many,
    unstructure,
)
from procore_dc.models._datetimes import format_datetime, parse_date, parse_datetime
from procore_dc.models.companies import Company, Me
from procore_dc.models.daily_logs import ManpowerLog
from procore_dc.models.documents import File, FileVersion, Folder, ProstoreFile
from procore_dc.models.observations import Observation
from procore_dc.models.projects import Project
from procore_dc.models.rfis import Rfi, RfiQuestion
from procore_dc.models.submittals import Submittal, SubmittalStatus
from procore_dc.models.sync import SyncError, SyncResult
from procore_dc.models.uploads import Upload, UploadSegment
from procore_dc.models.users import CompanyUser
from procore_dc.models.vendors import Vendor
from procore_dc.models.webhooks import Delivery, DeliveryEvent, Hook, Trigger

__all__ = [
    # converter
    "converter",
    "format_datetime",
    "make_converter",
    "parse_date",
    "parse_datetime",
    "structure",
    "structure_many",
    "unstructure",
    # base and references
    "CompanyRef",
    "Model",
    "NamedRef",
    "PersonRef",
    # records
    "Company",
    "CompanyUser",
    "Delivery",
    "DeliveryEvent",
    "File",
    "FileVersion",
    "Folder",
    "Hook",
    "ManpowerLog",
    "Me",
    "Observation",
    "Project",
    "ProstoreFile",
    "Rfi",
    "RfiQuestion",
    "Submittal",
    "SubmittalStatus",
    "SyncError",
    "SyncResult",
    "Trigger",
    "Upload",
    "UploadSegment",
    "Vendor",
]
