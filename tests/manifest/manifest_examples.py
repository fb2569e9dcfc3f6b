"""The manifest examples of procore-api.md section 4, as valid JSON.

The doc's examples elide values with "…"; here each elided value is filled in with a
plausible one and nothing else is changed: same keys, same nesting, same order.
"""

from __future__ import annotations

from typing import Any

# procore-api.md 4.1 (Procore screenshots: install instructions, fullscreen and side panel
# snippets, the DMSA permissions block).
V41 = """{
  "schema_version": "4.1",
  "post_installation_instruction": {
    "notes": "Thank you for installing our app. Sign in at app.example.com to finish setup.",
    "page": {"url": "https://example.com/app-setup-instructions", "label": "Our Support Site"}
  },
  "fullscreen": {
    "uuid": "9a4c7942-1b7e-4d7a-9a57-2f3c1d8e6b10",
    "source_url": "https://app.example.com/{{pathVar}}?queryVar={{queryVar}}",
    "description": "A Fullscreen Embedded Component",
    "user_configuration": {"schema": {"type": "object", "required": ["pathVar", "queryVar"],
      "properties": {
        "pathVar": {"name": "My Path Parameter", "type": "string",
                    "description": "The path of your account",
                    "support_link": {"url": "https://example.com/help", "label": "Help"}},
        "queryVar": {"name": "My Query Parameter", "type": "string",
                     "description": "A query value"}}}}
  },
  "sidepanel": {
    "uuid": "0f0e3f7e-55b1-4a53-8c6e-3c0b7d1a2b3c",
    "views": ["commitments.purchase_orders.detail", "commitments.purchase_orders.edit"],
    "source_url": "https://app.example.com/panel?project={{procore.project.id}}",
    "description": "A Side Panel Embedded Component",
    "user_configuration": {"schema": {"type": "object", "properties": {}}}
  },
  "permissions": {
    "company": {"documents": "readonly", "home": "standard", "schedule": "standard",
                "timecard": "standard", "timesheets": "standard"},
    "project": {"budgeting": "standard", "commitments": "standard",
                "coordination_issues": "readonly", "daily_log": "standard",
                "directory": "standard"}
  }
}"""

# procore-api.md 4.2 (legacy v3.x).
V3 = """{
  "schema_version": "3",
  "app_manifest": {"id": "3c86a740-6f2a-4a8e-b7e5-0d8a3f1c2b44"},
  "post_installation_instruction": {
    "page": {"url": "https://example.com/setup", "label": "Setup guide"},
    "notes": "Connect your example.com account after installing."
  },
  "components": {
    "oauth": {"instances": [{
      "uid": "0b8f2e4c6a1d3f5b7e9c0a2d4f6b8e1c3a5d7f9b1e3c5a7d9f0b2e4c6a8d1f3b",
      "uuid": "5d0c6a1e-2b3f-4c5d-8e9f-0a1b2c3d4e5f",
      "grant_type": "client_credentials"}]},
    "iframe": {"instances": [{
      "name": "My embedded app", "type": "fullscreen",
      "uuid": "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
      "views": ["project.home"], "required": true,
      "iframe_src": "https://{{subdomain}}.domain.com/{{my_path}}?procoreCompanyId={{procore.company.id}}",
      "description": "An embedded page",
      "configuration": {"schema": {"type": "object", "required": ["myCustomField"],
        "properties": {
          "myCustomField": {"name": "My field", "type": "string", "description": "A value"},
          "subdomain": {"name": "Subdomain", "type": "string", "description": "Yours"},
          "my_path": {"name": "Path", "type": "string", "description": "A path"}}}}}]}
  }
}"""


def valid() -> dict[str, Any]:
    """A clean manifest using every rule's inputs: a fresh copy per call."""
    return {
        "schema_version": "4.1",
        "version": "0.1.0",
        "data_connector": {"components": ["user_level_auth", "service_account_auth"]},
        "permissions": {"company": {"directory": "readonly"}, "project": {"rfi": "standard"}},
        "post_installation_instruction": {
            "notes": "Sign up at example.com, then pick your projects.",
            "page": {"url": "https://example.com/setup", "label": "Setup guide"},
        },
        "fullscreen": {
            "source_url": "https://app.example.com/{{procore.project.id}}/{{account}}",
            "user_configuration": {
                "schema": {
                    "type": "object",
                    "required": ["account"],
                    "properties": {"account": {"name": "Account", "type": "string"}},
                }
            },
        },
    }
