"""The facade base of each scope. Their attributes are built at run time by
:mod:`procore_dc.operations._facades`; the types are in ``_generated.pyi``, written by
``python -m procore_dc.operations._generate`` (do not edit the stub by hand)."""

from __future__ import annotations

from procore_dc.operations._facades import ScopeFacades

__all__ = ["ClientFacades", "CompanyFacades", "ProjectFacades"]


class ClientFacades(ScopeFacades):
    """The generated facades of :class:`~procore_dc.client.ProcoreClient`."""

    _facade_scope = "client"


class CompanyFacades(ScopeFacades):
    """The generated facades of :class:`~procore_dc.client.CompanyScope`."""

    _facade_scope = "company"


class ProjectFacades(ScopeFacades):
    """The generated facades of :class:`~procore_dc.client.ProjectScope`."""

    _facade_scope = "project"
