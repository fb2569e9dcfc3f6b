"""The manifest model: :class:`Manifest`, a frozen attrs class that mirrors the v4.1 JSON.

Field names are the JSON keys, so a problem's JSON path is the attribute path. Its parts are in
``_parts``, the constants in ``_schema``; every instance passed the rules in ``_rules``.

The codec is imported where it is used: it is the one manifest module that needs cattrs, and a
one-way edge (it sees the model only as the class passed to it), so it loads on first use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional, Union

import attrs

from procore_dc.manifest._diff import ManifestDiff, compare
from procore_dc.manifest._jsonvalue import parse_text
from procore_dc.manifest._parts import (
    DataConnector,
    EmbeddedComponent,
    Permissions,
    PostInstallationInstruction,
    extra_field,
    freeze_optional,
)
from procore_dc.manifest._problems import Problem, manifest_error
from procore_dc.manifest._rules import check
from procore_dc.manifest._schema import SCHEMA_VERSION, SERVICE_ACCOUNT_AUTH, parse_version

__all__ = ["Manifest"]


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
    app_manifest: Optional[Mapping[str, Any]] = attrs.field(default=None, converter=freeze_optional)
    extra: Mapping[str, Any] = extra_field()
    problems: tuple[Problem, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
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

        return load(parse_text(text), cls)

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Load a manifest from parsed JSON (a ``dict``), as :meth:`from_json` does.

        :raises ManifestError: for any bad input; every problem names a JSON path
        """
        from procore_dc.manifest._codec import load

        return load(data, cls)

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
        return compare(old, new)
