"""Write, validate, version and diff Procore app manifests in Python. No network needed.

.. code-block:: python

    from procore_dc.manifest import ManifestBuilder

    manifest = (
        ManifestBuilder(version="0.1.0")
        .service_account(project={"rfi": "standard"})
        .instructions(url="https://example.com/setup", page_name="Setup guide",
                      notes="Sign up at example.com, then pick your projects.")
        .build()
    )
    print(manifest.to_json())

**How the JSON is written.** procore-dc reads and writes schema ``4.1`` as Procore's
documentation shows it (procore-api.md section 4): ``post_installation_instruction``,
``fullscreen``, ``sidepanel`` and ``permissions`` keep Procore's keys. Two points Procore does
not publish are decided here, and both stay round-trippable:

- **Data connector components.** Procore's portal configures them through forms; the JSON it
  exports for them is unconfirmed (procore-api.md section 7, point 7). procore-dc writes them
  explicitly in its own top-level key::

      "data_connector": {"components": ["user_level_auth", "service_account_auth"]}

  ``user_level_auth`` is User Level Authentication; ``service_account_auth`` is Service
  Account Authentication, which the portal always pairs with User Level Authentication.
  A manifest without the key (Procore's own examples) gets the components inferred: a
  ``permissions`` block means both, as the Permissions Builder writes that block only for a
  service account; otherwise ``user_level_auth``. Writing it back adds the key; every other
  key is kept.
- **App version.** Procore stores the version with each saved app version, not in the JSON.
  procore-dc keeps it in a top-level ``"version": "X.Y.Z"`` so :meth:`Manifest.bump` and
  :meth:`Manifest.diff` work on files. A manifest without it loads with a warning.

Permission levels are ``readonly``, ``standard`` and ``admin``; "none" is an omitted key.
Keys procore-dc does not know are kept where they were and reported as warnings; they never
block loading. Legacy v3 manifests (``components.oauth.instances``,
``components.iframe.instances``) are converted to 4.1 with a :class:`UserWarning`.
"""

from __future__ import annotations

from procore_dc.exceptions import ManifestError
from procore_dc.manifest._builder import ManifestBuilder
from procore_dc.manifest._diff import ManifestDiff, PermissionChange
from procore_dc.manifest._model import Manifest
from procore_dc.manifest._parts import (
    DataConnector,
    EmbeddedComponent,
    InstructionsPage,
    Permissions,
    PostInstallationInstruction,
)
from procore_dc.manifest._problems import Problem
from procore_dc.manifest._rules import BUILT_IN_VARIABLES
from procore_dc.manifest._schema import SERVICE_ACCOUNT_AUTH, USER_LEVEL_AUTH
from procore_dc.permissions import PermissionLevel

__all__ = [
    "Manifest",
    "ManifestBuilder",
    "ManifestDiff",
    "ManifestError",
    "PermissionLevel",
    "Problem",
    # the parts of a manifest
    "DataConnector",
    "EmbeddedComponent",
    "InstructionsPage",
    "Permissions",
    "PermissionChange",
    "PostInstallationInstruction",
    # constants
    "BUILT_IN_VARIABLES",
    "SERVICE_ACCOUNT_AUTH",
    "USER_LEVEL_AUTH",
]
