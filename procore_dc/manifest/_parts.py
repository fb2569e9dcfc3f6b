"""The parts of a manifest: frozen attrs classes that mirror the v4.1 JSON, key for key.

Field names are the JSON keys, so a problem's JSON path is the attribute path. Each part keeps
the keys procore-dc does not know in ``extra``, so nothing is lost between load and save.

:class:`ManifestFields` is what the rules, the diff and the codec read of a whole manifest: they
type against it, so none of them imports :class:`~procore_dc.manifest.Manifest` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Optional, Protocol

import attrs

from procore_dc.manifest._jsonvalue import freeze, freeze_mapping
from procore_dc.manifest._problems import Problem
from procore_dc.permissions import PermissionLevel

__all__ = [
    "DataConnector",
    "EmbeddedComponent",
    "InstructionsPage",
    "ManifestFields",
    "Permissions",
    "PostInstallationInstruction",
]


def freeze_optional(value: Any) -> Any:
    return None if value is None else freeze(value)


def _freeze_levels(value: Any) -> Any:
    # Tool keys sorted: equal blocks compare and print the same whatever order they came in.
    if isinstance(value, Mapping):
        return MappingProxyType({key: value[key] for key in sorted(value, key=str)})
    return value


def _to_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def extra_field() -> Any:
    return attrs.field(factory=dict, converter=freeze_mapping, kw_only=True)


@attrs.frozen
class InstructionsPage:
    """The setup instructions link: ``post_installation_instruction.page``.

    :ivar url: the portal's **Instructions URL** (https)
    :ivar label: the portal's **Instructions Page Name**, the link text
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    url: Optional[str] = None
    label: Optional[str] = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class PostInstallationInstruction:
    """Setup instructions shown after install and in App Management.

    :ivar notes: the portal's **Post-Installation Notes** (required)
    :ivar page: the instructions link
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    notes: Optional[str] = None
    page: Optional[InstructionsPage] = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmbeddedComponent:
    """A ``fullscreen`` or ``sidepanel`` embedded component.

    :ivar source_url: the page Procore embeds; ``{{var}}`` placeholders are filled in
    :ivar uuid: set by Procore; kept when present
    :ivar description: shown to admins
    :ivar views: side panel only: the Procore views it appears on
    :ivar user_configuration: ``{"schema": <JSON Schema>}`` of fields admins fill in at install
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    uuid: Optional[str] = None
    source_url: str
    description: Optional[str] = None
    views: Optional[tuple[str, ...]] = attrs.field(default=None, converter=_to_tuple)
    user_configuration: Optional[Mapping[str, Any]] = attrs.field(
        default=None, converter=freeze_optional
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Permissions:
    """The Permissions Builder's block: tool key to level, per scope. "None" is a missing key.

    :ivar company: company-level tools
    :ivar project: project-level tools
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    company: Mapping[str, PermissionLevel] = attrs.field(factory=dict, converter=_freeze_levels)
    project: Mapping[str, PermissionLevel] = attrs.field(factory=dict, converter=_freeze_levels)
    extra: Mapping[str, Any] = extra_field()

    def __bool__(self) -> bool:
        return bool(self.company or self.project)


@attrs.frozen
class DataConnector:
    """The data connector components: ``user_level_auth`` and optionally ``service_account_auth``.

    :ivar components: component keys, in the order of ``COMPONENT_LABELS``
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    components: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    extra: Mapping[str, Any] = extra_field()


class ManifestFields(Protocol):
    """The fields of a whole manifest, as the rules, the diff and the codec read them."""

    @property
    def schema_version(self) -> str: ...
    @property
    def version(self) -> Optional[str]: ...
    @property
    def data_connector(self) -> Optional[DataConnector]: ...
    @property
    def permissions(self) -> Optional[Permissions]: ...
    @property
    def post_installation_instruction(self) -> Optional[PostInstallationInstruction]: ...
    @property
    def fullscreen(self) -> Optional[EmbeddedComponent]: ...
    @property
    def sidepanel(self) -> Optional[EmbeddedComponent]: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...
    @property
    def components(self) -> tuple[str, ...]: ...
    @property
    def problems(self) -> tuple[Problem, ...]: ...

    def to_dict(self) -> dict[str, Any]: ...
