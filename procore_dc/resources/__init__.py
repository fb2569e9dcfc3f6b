"""Typed resource clients: one module per Procore tool, paths as module constants.

Each verb names the Procore operation it sends (:func:`~procore_dc.resources._base.operation`),
which gives its path, method, paging and tool permission (``ResourceClass.permissions``), so
:func:`~procore_dc.resources._base.required_permissions` can derive a least-privilege
manifest block.

.. code-block:: python

    from procore_dc.resources import required_permissions

    project = client.company(8).project(42)
    print(required_permissions([project.rfis.list, project.documents.upload_file]))
"""

from __future__ import annotations

from procore_dc.resources._base import (
    SYNC_BATCH_SIZE,
    ResourceClient,
    encode_filters,
    operation,
    required_permissions,
    requires,
)
from procore_dc.resources.companies import CompaniesResource
from procore_dc.resources.daily_logs import ManpowerLogsResource
from procore_dc.resources.documents import DocumentsResource
from procore_dc.resources.observations import ObservationsResource
from procore_dc.resources.projects import ProjectsResource
from procore_dc.resources.rfis import RfisResource
from procore_dc.resources.submittals import SubmittalsResource
from procore_dc.resources.uploads import UploadsResource
from procore_dc.resources.users import CompanyUsersResource
from procore_dc.resources.vendors import VendorsResource
from procore_dc.resources.webhooks import (
    CompanyWebhooks,
    DeliveriesResource,
    HooksResource,
    ProjectWebhooks,
    TriggersResource,
)

__all__ = [
    "SYNC_BATCH_SIZE",
    "CompaniesResource",
    "CompanyUsersResource",
    "CompanyWebhooks",
    "DeliveriesResource",
    "DocumentsResource",
    "HooksResource",
    "ManpowerLogsResource",
    "ObservationsResource",
    "ProjectWebhooks",
    "ProjectsResource",
    "ResourceClient",
    "RfisResource",
    "SubmittalsResource",
    "TriggersResource",
    "UploadsResource",
    "VendorsResource",
    "encode_filters",
    "operation",
    "required_permissions",
    "requires",
]
