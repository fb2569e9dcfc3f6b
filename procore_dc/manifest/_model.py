"""The manifest model: frozen attrs classes that mirror the v4.1 JSON, key for key.

Field names are the JSON keys, so a problem's JSON path is the attribute path. Each part keeps
the keys procore-dc does not know in ``extra``, so nothing is lost between load and save.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Optional, Union

import attrs

from procore_dc.manifest._jsonvalue import freeze, freeze_mapping
from procore_dc.manifest._problems import Problem, manifest_error
from procore_dc.permissions import PermissionLevel

if TYPE_CHECKING:
    from procore_dc.manifest._diff import ManifestDiff

__all__ = [
    "BUMP_PARTS",
    "COMPONENT_LABELS",
    "SCHEMA_VERSION",
    "SERVICE_ACCOUNT_AUTH",
    "USER_LEVEL_AUTH",
    "DataConnector",
    "EmbeddedComponent",
    "InstructionsPage",
    "Manifest",
    "Permissions",
    "PostInstallationInstruction",
    "parse_version",
]

#: The manifest format procore-dc writes.
SCHEMA_VERSION = "4.1"
#: The data connector component "User Level Authentication" (Authorization Code).
USER_LEVEL_AUTH = "user_level_auth"
#: The data connector component "Service Account Authentication" (DMSA, Client Credentials).
SERVICE_ACCOUNT_AUTH = "service_account_auth"
#: Component keys and the names the Developer Portal shows for them, in output order.
COMPONENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        USER_LEVEL_AUTH: "User Level Authentication",
        SERVICE_ACCOUNT_AUTH: "Service Account Authentication",
        "fullscreen": "Fullscreen embedded component",
        "sidepanel": "Side panel embedded component",
    }
)
#: The parts of a version :meth:`Manifest.bump` can move.
BUMP_PARTS = ("major", "minor", "patch")

# Semantic version X.Y.Z without leading zeros; ASCII digits only (\d would take any script).
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def parse_version(text: str) -> Optional[tuple[int, int, int]]:
    """Return ``(major, minor, patch)`` for ``X.Y.Z`` text, or ``None`` if it is not one."""
    match = _VERSION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def _freeze_optional(value: Any) -> Any:
    return None if value is None else freeze(value)


def _freeze_levels(value: Any) -> Any:
    # Tool keys sorted: equal blocks compare and print the same whatever order they came in.
    if isinstance(value, Mapping):
        return MappingProxyType({key: value[key] for key in sorted(value, key=str)})
    return value


def _to_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _extra() -> Any:
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
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class PostInstallationInstruction:
    """Setup instructions shown after install and in App Management.

    :ivar notes: the portal's **Post-Installation Notes** (required)
    :ivar page: the instructions link
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    notes: Optional[str] = None
    page: Optional[InstructionsPage] = None
    extra: Mapping[str, Any] = _extra()


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
        default=None, converter=_freeze_optional
    )
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class Permissions:
    """The Permissions Builder's block: tool key to level, per scope. "None" is a missing key.

    :ivar company: company-level tools
    :ivar project: project-level tools
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    company: Mapping[str, PermissionLevel] = attrs.field(factory=dict, converter=_freeze_levels)
    project: Mapping[str, PermissionLevel] = attrs.field(factory=dict, converter=_freeze_levels)
    extra: Mapping[str, Any] = _extra()

    def __bool__(self) -> bool:
        return bool(self.company or self.project)


@attrs.frozen
class DataConnector:
    """The data connector components: ``user_level_auth`` and optionally ``service_account_auth``.

    :ivar components: component keys, in the order of ``COMPONENT_LABELS``
    :ivar extra: keys procore-dc does not know, kept as they were
    """

    components: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Manifest:
    """A valid Procore app manifest (schema 4.1). Immutable; every instance passed the rules.

    Build one with :class:`ManifestBuilder` or load one with :meth:`from_json`. Both raise
    :class:`ManifestError` listing every blocking problem with its JSON path; the problems that
    do not block stay in ``problems``.

    :ivar schema_version: always ``"4.1"``
    :ivar version: the app version ``X.Y.Z`` (procore-dc's ``version`` key; see the module notes)
    :ivar data_connector: the data connector components
    :ivar permissions: the service account's tool permissions
    :ivar post_installation_instruction: setup instructions and post-installation notes
    :ivar fullscreen: the fullscreen embedded component, if any
    :ivar sidepanel: the side panel embedded component, if any
    :ivar app_manifest: Procore's generated ``{"id": ..., "name": ...}``, kept as it was
    :ivar extra: top-level keys procore-dc does not know, kept as they were
    :ivar problems: warnings that do not block (unknown keys, least-privilege hints)

    .. code-block:: python

        manifest = Manifest.from_json(Path("manifest.json").read_text())
        for problem in manifest.problems:
            print("warning:", problem)
    """

    schema_version: str = SCHEMA_VERSION
    version: Optional[str] = None
    data_connector: Optional[DataConnector] = None
    permissions: Optional[Permissions] = None
    post_installation_instruction: Optional[PostInstallationInstruction] = None
    fullscreen: Optional[EmbeddedComponent] = None
    sidepanel: Optional[EmbeddedComponent] = None
    app_manifest: Optional[Mapping[str, Any]] = attrs.field(
        default=None, converter=_freeze_optional
    )
    extra: Mapping[str, Any] = _extra()
    problems: tuple[Problem, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        from procore_dc.manifest._rules import check

        problems = check(self)
        if any(problem.is_error for problem in problems):
            raise manifest_error(problems)
        # Frozen class: attrs' documented way to set a derived field after validation.
        object.__setattr__(self, "problems", tuple(problems))

    @property
    def components(self) -> tuple[str, ...]:
        """The data connector components, e.g. ``("user_level_auth", "service_account_auth")``."""
        return self.data_connector.components if self.data_connector else ()

    @property
    def has_service_account(self) -> bool:
        """Whether the app uses Service Account Authentication (DMSA)."""
        return SERVICE_ACCOUNT_AUTH in self.components

    @classmethod
    def from_json(cls, text: Union[str, bytes, bytearray]) -> Manifest:
        """Load a manifest from JSON text: schema 4.1, or legacy 3.x converted to 4.1.

        A legacy manifest is converted and a :class:`UserWarning` says so. Unknown keys are
        kept and reported in ``problems``.

        :param text: the JSON document, as text or UTF-8 bytes
        :raises ManifestError: for any bad input; every problem names a JSON path

        .. code-block:: python

            manifest = Manifest.from_json(Path("manifest.json").read_bytes())
        """
        from procore_dc.manifest._codec import load
        from procore_dc.manifest._jsonvalue import parse_text

        return load(parse_text(text))

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Load a manifest from parsed JSON (a ``dict``), as :meth:`from_json` does.

        :raises ManifestError: for any bad input; every problem names a JSON path
        """
        from procore_dc.manifest._codec import load

        return load(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as plain JSON values, keys in the order :meth:`to_json` writes."""
        from procore_dc.manifest._codec import dump

        return dump(self)

    def to_json(self, indent: Optional[int] = 2) -> str:
        """Return the manifest as JSON text with a deterministic key order.

        Known keys come in a fixed order, tool permissions sorted, then unknown keys in the
        order they were read. Non-ASCII text is written as is.

        :param indent: spaces per level; ``None`` for one line (default: ``2``)

        .. code-block:: python

            Path("manifest.json").write_text(manifest.to_json() + "\\n", encoding="utf-8")
        """
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def bump(self, part: str) -> Manifest:
        """Return a copy with a higher version: ``"major"``, ``"minor"``, ``"patch"`` or ``X.Y.Z``.

        :param part: the part to increase, or an explicit version higher than the current one
        :raises ManifestError: if there is no version to bump, ``part`` is unknown, or the
            explicit version does not move forward

        .. code-block:: python

            >>> manifest.bump("minor").version    # from 0.1.3
            '0.2.0'
        """
        current = parse_version(self.version) if self.version is not None else None
        if current is None:
            raise manifest_error(
                [Problem("$.version", "no version to bump: set one like 0.1.0 first")]
            )
        major, minor, patch = current
        if part == "major":
            target = f"{major + 1}.0.0"
        elif part == "minor":
            target = f"{major}.{minor + 1}.0"
        elif part == "patch":
            target = f"{major}.{minor}.{patch + 1}"
        else:
            wanted = parse_version(part) if isinstance(part, str) else None
            if wanted is None:
                raise manifest_error(
                    [
                        Problem(
                            "$.version",
                            f"cannot bump by {part!r}: use major, minor, patch or a version "
                            "like 1.0.0",
                        )
                    ]
                )
            if wanted <= current:
                raise manifest_error(
                    [
                        Problem(
                            "$.version",
                            f"{part} is not after {self.version}: versions only move forward",
                        )
                    ]
                )
            target = part
        return attrs.evolve(self, version=target)

    @staticmethod
    def diff(old: Manifest, new: Manifest) -> ManifestDiff:
        """Compare two versions of a manifest: permissions, components, instructions.

        :param old: the version installed today
        :param new: the version about to be promoted

        .. code-block:: python

            change = Manifest.diff(old, new)
            if change.requires_reapproval:
                print("admins must approve the new permissions")
            print(change.release_notes())
        """
        from procore_dc.manifest._diff import compare

        return compare(old, new)
