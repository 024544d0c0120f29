"""A small LMS of our own that speaks real LTI 1.3 to the tool: its own signing key and JWKS, an
OIDC authorization endpoint, a postMessage storage frame, one course with an instructor, a
teaching assistant and eight students. Only registered when SANDBOX is on (never in production).
"""

from flask import Blueprint

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

from lti_tool.sandbox import (  # noqa: E402,F401  (register routes on bp)
    advantage,  # LTI Advantage: token endpoint, AGS, NRPS, fault injection
    gradebook,
    placing,  # deep linking and submission review
    registration,
    views,
)
