"""Feedback rounds pages for LMS groups: the facilitator picks a group set (or the sections) and
the group work options, and refreshes the groups from the LMS; a student rates their teammates.
Thin, like views.py: find the activity in the launch's course, read the form, call a service."""

from __future__ import annotations

import math
from typing import Any

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback import bp
from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback import team_evaluation as teams
from lti_tool.activities.feedback.configuration import config_of
from lti_tool.activities.feedback.rules import FeedbackError, students_of
from lti_tool.activities.feedback.views import _done, feedback_activity
from lti_tool.activities.idempotency import once_per_form
from lti_tool.auth import current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.models import Role
from lti_tool.roster import groups as course_groups


def _number(raw: str | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("The factor's floor and ceiling are numbers.")
        ) from exc
    if not math.isfinite(value):
        raise FeedbackError("FEEDBACK_REFUSED", _l("The factor's floor and ceiling are numbers."))
    return value


@bp.route("/feedback/<int:activity_id>/groups", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def groups(activity_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    if request.method == "POST":
        raw = (request.form.get("group_set") or "").strip()
        if raw and not raw.isdigit():
            raise FeedbackError("FEEDBACK_REFUSED", _l("Choose one of the group sets shown."))
        lms_groups.set_group_options(
            activity,
            launch.person,
            group_set_id=int(raw) if raw else None,
            group_submissions=request.form.get("group_submissions") == "on",
            team_evaluation=request.form.get("team_evaluation") == "on",
            contribution_factor=request.form.get("contribution_factor") == "on",
            factor_min=_number(request.form.get("factor_min")),
            factor_max=_number(request.form.get("factor_max")),
        )
        return _done(activity, "feedback.groups")
    config = config_of(activity)
    gc = lms_groups.group_config_of(activity)
    names = {p.id: p.display_name for p in students_of(activity)}
    page = render_template(
        "activities/feedback/groups.html",
        launch=launch,
        activity=activity,
        config=config,
        options=gc,
        sets=course_groups.group_sets_of(activity.context_id),
        service=course_groups.groups_service_of(activity.context_id),
        snapshot=lms_groups.snapshot_of(activity, config.current_round),
        drift=lms_groups.drift(activity, config.current_round),
        names=names,
        members=lms_groups.live_membership(activity),
    )
    db.session.commit()  # the options row on first visit
    return page


@bp.route("/feedback/<int:activity_id>/groups/refresh", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def refresh_groups(activity_id: int) -> Any:
    activity = feedback_activity(activity_id)
    settings = current_app.extensions["coproduce.settings"]
    try:
        course_groups.sync_groups(
            activity.context,
            keys_dir=settings.LTI_KEYS_DIR,
            timeout=float(settings.HTTP_TIMEOUT_SECONDS),
        )
    except course_groups.GroupsError as exc:
        raise FeedbackError("GROUPS_UNAVAILABLE", str(exc), 409) from exc
    return _done(activity, "feedback.groups")


@bp.route("/feedback/<int:activity_id>/team", methods=["GET", "POST"])
@launch_required(Role.STUDENT)
@once_per_form
def team(activity_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    config = config_of(activity)
    if request.method == "POST":
        ratings: dict[tuple[int, str], int] = {}
        for key, value in request.form.items():
            parts = key.split("-")
            if len(parts) != 3 or parts[0] != "rate" or not parts[1].isdigit():
                continue
            if not value.isdigit():
                raise FeedbackError("FEEDBACK_REFUSED", _l("Choose one of the levels shown."))
            ratings[(int(parts[1]), parts[2])] = int(value)
        teams.rate(activity, launch.person, config.current_round, ratings)
        return _done(activity, "feedback.team")
    panel = teams.student_panel(activity, launch.person, config.current_round)
    if not panel.enabled:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Team evaluation is not switched on for this activity."), 409
        )
    page = render_template(
        "activities/feedback/team.html",
        launch=launch,
        activity=activity,
        panel=panel,
        criteria=teams.CRITERIA,
        mine=teams.ratings_by(activity, launch.person.id),
    )
    db.session.commit()
    return page
