"""Each role's start page. For now: who you are, your course, your role, what will be here."""

from __future__ import annotations

from flask import render_template

from lti_tool.auth import current_launch, launch_required
from lti_tool.lti import claims
from lti_tool.start import bp

ROLE_TEMPLATES = {
    "student": "start/student.html",
    "coach": "start/coach.html",
    "facilitator": "start/facilitator.html",
    "admin": "start/admin.html",
}


@bp.route("/start")
@launch_required()
def home() -> str:
    launch = current_launch()
    return render_template(
        ROLE_TEMPLATES[launch.role.value],
        launch=launch,
        is_deep_link=launch.claims.message_type == claims.DEEP_LINKING_REQUEST,
        is_submission_review=launch.claims.message_type == claims.SUBMISSION_REVIEW_REQUEST,
    )
