"""/lti/notices: the notice handler of the LTI Platform Notification Service 1.0.

Authenticated by each notice's JWT (signed by the platform, for our client_id), not by a
session or a CSRF token. Every notice of the POST is verified and stored, then the answer goes
back at once (Canvas does not retry a notice, so nothing slow happens here); the `notices` job
processes what was stored. One bad notice refuses the whole POST (4xx) and nothing of it is
stored, so a platform's error report matches what the tool kept.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from lti_tool.activities.notices import store_notice
from lti_tool.extensions import csrf, db
from lti_tool.lti.errors import LtiError
from lti_tool.lti.pns import notice_tokens, verify_notice
from lti_tool.web.blueprint import bp, settings

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@bp.route("/lti/notices", methods=["POST"])
@csrf.exempt
def notices() -> tuple[Response, int]:
    config = settings()
    try:
        if (request.content_length or 0) > MAX_BODY:
            raise LtiError("NOTICES_TOO_LARGE", _l("The request is too large."), 413)
        tokens = notice_tokens(request.get_json(silent=True))
        # Every notice verified before any is stored: verifying may fetch and cache the
        # platform's keys (its own commit), which must not carry a stored notice with it.
        verified_notices = [
            verify_notice(
                token,
                leeway=config.JWT_LEEWAY_SECONDS,
                jwks_ttl=config.PLATFORM_JWKS_TTL_SECONDS,
                timeout=config.HTTP_TIMEOUT_SECONDS,
            )
            for token in tokens
        ]
        stored = again = 0
        for verified in verified_notices:
            if store_notice(verified).notice is None:
                again += 1
            else:
                stored += 1
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        log.warning("notices refused: %s status=%s cause=%s", exc.code, exc.status, exc.cause)
        return jsonify({"error": exc.code, "message": str(exc.message)}), exc.status
    log.info("notices received: %s stored, %s already stored", stored, again)
    return jsonify({"stored": stored, "already_stored": again}), 200
