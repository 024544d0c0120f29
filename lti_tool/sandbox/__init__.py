"""A small LMS of our own that speaks real LTI 1.3 to the tool: its own signing key and JWKS, an
OIDC authorization endpoint, a postMessage storage frame, one course with an instructor, a
teaching assistant and eight students. Only registered when SANDBOX is on (never in production).
"""

from flask import Blueprint

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


@bp.after_request
def _platform_referrer_policy(response):  # type: ignore[no-untyped-def]
    """The sandbox is a platform, not the tool: its pages keep the browsers' default referrer
    policy, as Canvas's and Moodle's do. Under the tool's `no-referrer` the auth page's form
    post to the tool would carry `Origin: null`, which the tool rightly refuses on the
    platform-storage path (web.launch, STATE_STORAGE_ORIGIN)."""
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


from lti_tool.sandbox import (  # noqa: E402,F401  (register routes on bp)
    advantage,  # LTI Advantage: token endpoint, AGS, NRPS, fault injection
    gradebook,
    groups,  # groups and sections: launch values and the Course Groups Service
    mail,  # the reminder e-mail the tool sent
    placing,  # deep linking and submission review
    registration,
    terms,  # course copy: history variables and LtiContextCopyNotice
    views,
)
