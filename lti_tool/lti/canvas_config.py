"""Canvas developer key JSON configuration ("Enter URL" set-up of an LTI 1.3 key)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti import claims
from lti_tool.lti.groups import group_parameters
from lti_tool.lti.history import HISTORY_CUSTOM_PARAMETERS
from lti_tool.lti.registration import (
    CANVAS_DEEP_LINKING_PLACEMENTS,
    CANVAS_HUB_PLACEMENT,
    HUB_TARGET,
    HUB_TARGET_PARAMETER,
    TOOL_SCOPES,
    ToolDescription,
)


def canvas_developer_key(tool: ToolDescription) -> dict[str, Any]:
    placements: list[dict[str, Any]] = [
        {
            "placement": placement,
            "message_type": claims.DEEP_LINKING_REQUEST,
            "target_link_uri": tool.launch_url,
            "text": f"{tool.name} activity",
        }
        for placement in CANVAS_DEEP_LINKING_PLACEMENTS
    ]
    # The course hub in the course menu, shown to the course's staff only ("admins": teachers,
    # TAs, designers); the hub refuses students itself too.
    placements.append(
        {
            "placement": CANVAS_HUB_PLACEMENT,
            "message_type": claims.RESOURCE_LINK_REQUEST,
            "target_link_uri": tool.hub_url,
            "text": f"{tool.name} course hub",
            "visibility": "admins",
            "default": "enabled",
            "custom_fields": {HUB_TARGET_PARAMETER: HUB_TARGET},
        }
    )
    return {
        "title": tool.name,
        "description": tool.description,
        "oidc_initiation_url": tool.base_url + "/lti/login",
        "target_link_uri": tool.launch_url,
        "public_jwk_url": tool.base_url + "/.well-known/jwks.json",
        "scopes": list(TOOL_SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urlsplit(tool.base_url).netloc,
                "tool_id": "coproduce",
                "privacy_level": tool.canvas_privacy_level,
                "settings": {"text": tool.name, "placements": placements},
            }
        ],
        # Course copy history (lti.history), groups and sections (lti.groups): Canvas
        # substitution variables.
        "custom_fields": {**HISTORY_CUSTOM_PARAMETERS, **group_parameters("canvas")},
    }
