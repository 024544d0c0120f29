"""Deep Linking 2.0: read a deep linking request's settings, and sign the response.

pylti1p3 builds the response's frame (iss, aud, nonce, deployment, message type, data); we sign
it with the tool's current key as a loaded key object (pylti1p3's own `encode_jwt` would derive
the kid from the public PEM with jwcrypto on every response); its content items cannot say
`text`, `iframe`/`window` or a line item without a URL, so ours are plain dictionaries made here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask_babel import lazy_gettext as _l
from pylti1p3.deep_link import DeepLink

from lti_tool.lti.ags import LineItemSpec
from lti_tool.lti.errors import bad_request
from lti_tool.lti.keys import signing_key
from lti_tool.lti.tool_config import to_registration
from lti_tool.models import Platform

SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
LOG = "https://purl.imsglobal.org/spec/lti-dl/claim/log"
ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
ERRORLOG = "https://purl.imsglobal.org/spec/lti-dl/claim/errorlog"
RESPONSE_MESSAGE_TYPE = "LtiDeepLinkingResponse"
RESOURCE_LINK_TYPE = "ltiResourceLink"


def _flag(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


@dataclass(frozen=True)
class DeepLinkSettings:
    return_url: str
    accept_types: tuple[str, ...]
    accept_presentation_targets: tuple[str, ...]
    accept_multiple: bool
    # Absent means "no assumption can be made" (DL 2.0 4.4.1): we send the line item anyway,
    # and only create one ourselves once none turned up.
    accept_lineitem: bool
    data: Any
    title: str | None = None
    text: str | None = None

    @classmethod
    def from_claims(cls, body: Mapping[str, Any]) -> DeepLinkSettings:
        claim = body.get(SETTINGS_CLAIM)
        if not isinstance(claim, dict):
            raise bad_request("CLAIM_MISSING", _l("The deep linking launch carries no settings."))
        return_url = claim.get("deep_link_return_url")
        parts = urlsplit(return_url) if isinstance(return_url, str) else None
        # The URL becomes a form's action in the tool's page: only http(s), never javascript:.
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request(
                "DEEP_LINK_RETURN_INVALID",
                _l("The LMS did not say where to return the chosen activity."),
                f"deep_link_return_url={return_url!r}",
            )

        def strings(key: str) -> tuple[str, ...]:
            value = claim.get(key)
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        def text(key: str) -> str | None:
            value = claim.get(key)
            return value[:500] if isinstance(value, str) and value else None

        return cls(
            return_url=str(return_url),
            accept_types=strings("accept_types"),
            accept_presentation_targets=strings("accept_presentation_document_targets"),
            accept_multiple=_flag(claim.get("accept_multiple"), False),
            accept_lineitem=_flag(claim.get("accept_lineitem"), True),
            data=claim.get("data"),
            title=text("title"),
            text=text("text"),
        )

    @property
    def accepts_resource_links(self) -> bool:
        return RESOURCE_LINK_TYPE in self.accept_types


def resource_link_item(
    *,
    title: str,
    text: str | None,
    url: str,
    custom: Mapping[str, str],
    line_item: LineItemSpec | None,
    presentation_targets: Sequence[str],
) -> dict[str, Any]:
    """An `ltiResourceLink` content item (DL 2.0 3.1), with a presentation hint the platform
    accepts: inside the LMS page when it can, else a new window."""
    item: dict[str, Any] = {
        "type": RESOURCE_LINK_TYPE,
        "title": title,
        "url": url,
        "custom": dict(custom),
    }
    if text:
        item["text"] = text
    if line_item is not None:
        doc = line_item.document()
        doc.pop("resourceLinkId", None)  # the link does not exist yet
        item["lineItem"] = doc
    if "iframe" in presentation_targets:
        item["iframe"] = {"height": 900}
    elif "window" in presentation_targets:
        item["window"] = {"targetName": "coproduce"}
    return item


def response_jwt(
    platform: Platform,
    deployment_id: str,
    data: Any,
    items: Sequence[Mapping[str, Any]],
    *,
    keys_dir: Path,
    msg: str | None = None,
    errormsg: str | None = None,
) -> str:
    """The signed LtiDeepLinkingResponse: `items` (none on cancel), `data` echoed unchanged."""
    key = signing_key(keys_dir)
    registration = to_registration(platform, keys_dir, key)
    deep_link = DeepLink(registration, deployment_id, {"data": data})  # type: ignore[typeddict-item]
    message = deep_link.get_message_jwt([])
    message[CONTENT_ITEMS] = [dict(i) for i in items]
    if data is None:
        message.pop(DATA, None)
    if msg:
        message[MSG] = msg
    if errormsg:
        message[ERRORMSG] = errormsg
    return jwt.encode(message, key.private_key, algorithm="RS256", headers={"kid": key.kid})
