"""/.well-known/jwks.json: the tool's public keys (every key not retired)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, jsonify

from lti_tool.lti import keys
from lti_tool.web.blueprint import bp, settings


@bp.route("/.well-known/jwks.json")
def jwks() -> Response:
    config = settings()
    document = keys.published_jwks(
        config.LTI_KEYS_DIR, grace=timedelta(hours=config.KEY_ROTATION_GRACE_HOURS)
    )
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
