"""Each role's start page: where a launch lands when it is not for an activity (an admin, a
link not set up yet for a student or coach, a deep linking launch by someone who cannot place)."""

from __future__ import annotations

from flask import render_template

from lti_tool.activities.placement import activity_of
from lti_tool.auth import current_launch, launch_required, scope
from lti_tool.lti import claims
from lti_tool.start import bp

ROLE_TEMPLATES = {
    "student": "start/student.html",
    "mentor": "start/mentor.html",
    "coach": "start/coach.html",
    "facilitator": "start/facilitator.html",
    "admin": "start/admin.html",
}


@bp.route("/start")
@launch_required()
def home() -> str:
    launch = current_launch()
    link = launch.resource_link
    return render_template(
        ROLE_TEMPLATES[launch.role.value],
        launch=launch,
        is_deep_link=launch.claims.message_type == claims.DEEP_LINKING_REQUEST,
        is_submission_review=launch.claims.message_type == claims.SUBMISSION_REVIEW_REQUEST,
        activity=activity_of(link) if link is not None else None,
        mentees=(
            scope.mentees_in_course(
                launch.claims.platform_id, launch.context.id, launch.mentee_subs
            )
            if launch.context is not None
            else []
        ),
    )
