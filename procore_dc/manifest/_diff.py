"""What changed between two versions of a manifest, and what that means for admins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import attrs

from procore_dc.manifest._parts import EmbeddedComponent, ManifestFields
from procore_dc.manifest._schema import COMPONENT_LABELS, parse_version
from procore_dc.permissions import PermissionLevel, Scope, find_tool

__all__ = ["ManifestDiff", "PermissionChange", "compare"]

_INSTRUCTION_FIELDS = {
    "notes": "Post-Installation Notes",
    "url": "Instructions URL",
    "page_name": "Instructions Page Name",
}


@attrs.frozen
class PermissionChange:
    """One tool whose permission changed.

    :ivar scope: ``"company"`` or ``"project"``
    :ivar tool: the tool key
    :ivar old: the level before (``None``: no access)
    :ivar new: the level after (``None``: no access)
    """

    scope: str
    tool: str
    old: Optional[PermissionLevel]
    new: Optional[PermissionLevel]

    @property
    def label(self) -> str:
        """``"project RFIs (rfi)"``: the tool as the Permissions Builder names it."""
        tool = find_tool(self.scope, self.tool)
        name = tool.label if tool is not None else self.tool
        return f"{self.scope} {name} (`{self.tool}`)"

    def to_dict(self) -> dict[str, Any]:
        """Return the change as JSON values."""
        return {
            "scope": self.scope,
            "tool": self.tool,
            "old": self.old.value if self.old else None,
            "new": self.new.value if self.new else None,
        }


@attrs.frozen
class ManifestDiff:
    """The changes from one manifest version to the next.

    :ivar old_version: the version before
    :ivar new_version: the version after
    :ivar permissions_added: tools the app gets access to
    :ivar permissions_removed: tools the app no longer uses
    :ivar permissions_raised: tools whose level goes up
    :ivar permissions_lowered: tools whose level goes down
    :ivar components_added: data connector or embedded components added
    :ivar components_removed: components removed
    :ivar components_changed: embedded components whose URL, views or settings changed
    :ivar instructions_changed: which setup instruction fields changed
        (``"notes"``, ``"url"``, ``"page_name"``)
    :ivar other_changed: other top-level keys that changed

    .. code-block:: python

        change = Manifest.diff(old, new)
        change.requires_reapproval   # True when the app asks for more access
        change.suggested_bump        # "major", "minor", "patch" or None
    """

    old_version: Optional[str]
    new_version: Optional[str]
    permissions_added: tuple[PermissionChange, ...] = ()
    permissions_removed: tuple[PermissionChange, ...] = ()
    permissions_raised: tuple[PermissionChange, ...] = ()
    permissions_lowered: tuple[PermissionChange, ...] = ()
    components_added: tuple[str, ...] = ()
    components_removed: tuple[str, ...] = ()
    components_changed: tuple[str, ...] = ()
    instructions_changed: tuple[str, ...] = ()
    other_changed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether anything besides the version changed."""
        return self.suggested_bump is not None

    @property
    def requires_reapproval(self) -> bool:
        """Whether admins must approve the new version: it asks for more access.

        True when a permission is added or raised, or a data connector component is added.
        """
        connectors = [c for c in self.components_added if c not in ("fullscreen", "sidepanel")]
        return bool(self.permissions_added or self.permissions_raised or connectors)

    @property
    def suggested_bump(self) -> Optional[str]:
        """The semantic version part to raise, following the Developer Portal's guidance.

        ``"major"`` when a component is removed (installs lose a feature they set up);
        ``"minor"`` when components or permissions are added, removed or changed in level;
        ``"patch"`` when only instructions, embedded settings or other keys changed;
        ``None`` when nothing changed.
        """
        if self.components_removed:
            return "major"
        if (
            self.components_added
            or self.permissions_added
            or self.permissions_raised
            or self.permissions_removed
            or self.permissions_lowered
        ):
            return "minor"
        if self.components_changed or self.instructions_changed or self.other_changed:
            return "patch"
        return None

    @property
    def version_bump(self) -> Optional[str]:
        """The part the version actually moved: ``"major"``, ``"minor"``, ``"patch"``,
        ``"downgrade"`` (it went backwards), ``"none"`` (unchanged), or ``None`` when either
        version is missing or not ``X.Y.Z``.

        .. code-block:: python

            change = Manifest.diff(old, new)
            if change.version_bump == "downgrade": ...
        """
        old = parse_version(self.old_version) if self.old_version else None
        new = parse_version(self.new_version) if self.new_version else None
        if old is None or new is None:
            return None
        if new < old:
            return "downgrade"
        for part, before, after in zip(("major", "minor", "patch"), old, new):
            if after != before:
                return part
        return "none"

    @property
    def bump_too_small(self) -> bool:
        """Whether the version moved less than :attr:`suggested_bump` asks (or backwards)."""
        order = {"none": 0, "patch": 1, "minor": 2, "major": 3}
        moved = self.version_bump
        if moved == "downgrade":
            return True
        if moved is None or self.suggested_bump is None:
            return False
        return order[moved] < order[self.suggested_bump]

    def to_dict(self) -> dict[str, Any]:
        """Return the diff as JSON values (what ``procore-dc manifest diff --json`` prints)."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "version_bump": self.version_bump,
            "bump_too_small": self.bump_too_small,
            "requires_reapproval": self.requires_reapproval,
            "suggested_bump": self.suggested_bump,
            "permissions": {
                name: [change.to_dict() for change in getattr(self, f"permissions_{name}")]
                for name in ("added", "removed", "raised", "lowered")
            },
            "components": {
                name: list(getattr(self, f"components_{name}"))
                for name in ("added", "removed", "changed")
            },
            "instructions_changed": list(self.instructions_changed),
            "other_changed": list(self.other_changed),
        }

    def release_notes(self) -> str:
        """Return Markdown release notes for the Developer Portal's **Promote Version** form.

        .. code-block:: python

            print(Manifest.diff(old, new).release_notes())
        """
        title = self.new_version or "Unreleased"
        lines = [f"## {title}", ""]
        if self.requires_reapproval:
            lines += [
                "**Admins must approve this update:** it asks for more access than "
                f"{self.old_version or 'the previous version'}.",
                "",
            ]
        permissions = (
            [f"- Added: {c.label}: {_level(c.new)}" for c in self.permissions_added]
            + [
                f"- Raised: {c.label}: {_level(c.old)} → {_level(c.new)}"
                for c in self.permissions_raised
            ]
            + [
                f"- Lowered: {c.label}: {_level(c.old)} → {_level(c.new)}"
                for c in self.permissions_lowered
            ]
            + [f"- Removed: {c.label}" for c in self.permissions_removed]
        )
        components = (
            [f"- Added: {COMPONENT_LABELS.get(c, c)}" for c in self.components_added]
            + [f"- Removed: {COMPONENT_LABELS.get(c, c)}" for c in self.components_removed]
            + [f"- Changed: {COMPONENT_LABELS.get(c, c)}" for c in self.components_changed]
        )
        setup = [f"- Changed: {_INSTRUCTION_FIELDS[f]}" for f in self.instructions_changed]
        for heading, items in (
            ("Permissions", permissions),
            ("Components", components),
            ("Setup instructions", setup),
            ("Other", [f"- Changed: `{key}`" for key in self.other_changed]),
        ):
            if items:
                lines += [f"### {heading}", "", *items, ""]
        if not self.changed:
            lines += ["No changes besides the version.", ""]
        return "\n".join(lines).rstrip("\n") + "\n"


def _level(level: Optional[PermissionLevel]) -> str:
    return level.value if level is not None else "none"


def _permission_changes(
    old: ManifestFields, new: ManifestFields
) -> dict[str, list[PermissionChange]]:
    result: dict[str, list[PermissionChange]] = {
        "added": [],
        "removed": [],
        "raised": [],
        "lowered": [],
    }
    for scope in Scope:
        before = _block(old, scope)
        after = _block(new, scope)
        for tool in sorted(set(before) | set(after)):
            was, now = before.get(tool), after.get(tool)
            change = PermissionChange(scope.value, tool, was, now)
            if was is None and now is not None:
                result["added"].append(change)
            elif was is not None and now is None:
                result["removed"].append(change)
            elif was is not None and now is not None and was.rank != now.rank:
                result["raised" if now.rank > was.rank else "lowered"].append(change)
    return result


def _block(manifest: ManifestFields, scope: Scope) -> Mapping[str, PermissionLevel]:
    if manifest.permissions is None:
        return {}
    block: Mapping[str, PermissionLevel] = getattr(manifest.permissions, scope.value)
    return block


def _components(manifest: ManifestFields) -> dict[str, Optional[EmbeddedComponent]]:
    found: dict[str, Optional[EmbeddedComponent]] = dict.fromkeys(manifest.components)
    for kind in ("fullscreen", "sidepanel"):
        component = getattr(manifest, kind)
        if component is not None:
            found[kind] = component
    return found


def _instructions(manifest: ManifestFields) -> dict[str, Optional[str]]:
    instruction = manifest.post_installation_instruction
    page = instruction.page if instruction is not None else None
    return {
        "notes": instruction.notes if instruction is not None else None,
        "url": page.url if page is not None else None,
        "page_name": page.label if page is not None else None,
    }


def compare(old: ManifestFields, new: ManifestFields) -> ManifestDiff:
    """Compute the :class:`ManifestDiff` from ``old`` to ``new``."""
    permissions = _permission_changes(old, new)
    before, after = _components(old), _components(new)
    order = list(COMPONENT_LABELS)
    instructions_before, instructions_after = _instructions(old), _instructions(new)
    old_dict, new_dict = old.to_dict(), new.to_dict()
    modelled = {
        "schema_version",
        "version",
        "data_connector",
        "permissions",
        "post_installation_instruction",
        "fullscreen",
        "sidepanel",
    }
    return ManifestDiff(
        old_version=old.version,
        new_version=new.version,
        permissions_added=tuple(permissions["added"]),
        permissions_removed=tuple(permissions["removed"]),
        permissions_raised=tuple(permissions["raised"]),
        permissions_lowered=tuple(permissions["lowered"]),
        components_added=tuple(c for c in order if c in after and c not in before),
        components_removed=tuple(c for c in order if c in before and c not in after),
        components_changed=tuple(
            c for c in order if c in before and c in after and before[c] != after[c]
        ),
        instructions_changed=tuple(
            f for f in _INSTRUCTION_FIELDS if instructions_before[f] != instructions_after[f]
        ),
        other_changed=tuple(
            key
            for key in sorted((set(old_dict) | set(new_dict)) - modelled)
            if old_dict.get(key) != new_dict.get(key)
        ),
    )
