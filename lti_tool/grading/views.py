"""Class progress and grade delivery for one activity: who has not launched or started, each
student's score and its delivery to the LMS; facilitators retry failed deliveries, record a
score by hand, and sync the roster from the LMS. Coaches see the page, and change nothing."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti_tool.activities.views import course_activity
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.errors import error_page
from lti_tool.extensions import db
from lti_tool.grading import line_items as columns
from lti_tool.grading.scores import ScoreChange, ScoreError, record_score
from lti_tool.grading.status import class_status, retry_failed
from lti_tool.grading.worker import kick, resume_after_restart
from lti_tool.models import Activity, Membership, Person, Role, RosterSync
from lti_tool.roster import RosterError, sync_roster
from lti_tool.settings import Settings
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)
bp = Blueprint("grading", __name__)

# Messages after a redirect, by code: the launch session is never stored, so no flash().
NOTICES = {
    "retried": "The failed deliveries are queued again.",
    "scored": "The score is saved and on its way to the LMS gradebook.",
    "roster": "The roster is up to date with the LMS.",
}


@bp.before_app_request
def _resume_delivery() -> None:
    resume_after_restart(current_app._get_current_object())  # type: ignore[attr-defined]


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _back(activity_id: int, notice: str) -> Response:
    return redirect(launch_url("grading.progress", activity_id=activity_id, notice=notice), 303)


def _student(person_id_text: str | None, context_id: int) -> Person:
    """A student of this course, by the id a form sent (never trusted alone)."""
    try:
        person_id = int(person_id_text or "")
    except ValueError:
        person_id = -1
    person = db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Person.id == person_id, Membership.context_id == context_id)
    ).first()
    if person is None:
        raise AccessDenied("PERSON_NOT_FOUND", "That person is not in this course.", 404)
    return person


def _progress_page(activity: Activity, status: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    launch = current_launch()
    services = columns.course_services(activity.context_id)
    last_sync = db.session.scalars(
        select(RosterSync).where(
            RosterSync.context_id == activity.context_id, RosterSync.scope == ""
        )
    ).first()
    page = render_template(
        "grading/progress.html",
        launch=launch,
        activity=activity,
        students=class_status(activity),
        column=columns.line_item_of(activity.id),
        roster_available=bool(services and services.memberships_url),
        last_sync=last_sync,
        can_act=launch.role == Role.FACILITATOR,
        **{"notice": None, "error": None, "error_person": None, **extra},
    )
    return page, status


@bp.route("/activities/<int:activity_id>/progress")
@launch_required(Role.FACILITATOR, Role.COACH)
def progress(activity_id: int):  # type: ignore[no-untyped-def]
    activity = course_activity(activity_id)
    return _progress_page(activity, notice=NOTICES.get(request.args.get("notice", "")))


@bp.route("/activities/<int:activity_id>/progress/retry", methods=["POST"])
@launch_required(Role.FACILITATOR)
def retry(activity_id: int) -> Response:
    activity = course_activity(activity_id)
    person_id = None
    if request.form.get("person_id"):
        person_id = _student(request.form.get("person_id"), activity.context_id).id
    count = retry_failed(
        current_launch().claims.platform_id, activity_id=activity.id, person_id=person_id
    )
    db.session.commit()
    kick()
    log.info("activity %s: %s failed deliveries queued again", activity.id, count)
    return _back(activity.id, "retried")


@bp.route("/activities/<int:activity_id>/progress/score", methods=["POST"])
@launch_required(Role.FACILITATOR)
def score(activity_id: int):  # type: ignore[no-untyped-def]
    activity = course_activity(activity_id)
    student = _student(request.form.get("person_id"), activity.context_id)
    error = None
    try:
        given = Decimal(request.form.get("score", "").strip())
        if not given.is_finite():
            raise InvalidOperation
        change = ScoreChange(
            score_given=float(given),
            comment=(request.form.get("comment") or "").strip()[:2000] or None,
        )
        record_score(activity, student, change, tool_base_url=_settings().LTI_TOOL_BASE_URL)
    except InvalidOperation:
        error = "Enter the score as a number."
    except ScoreError as exc:
        error = str(exc)
    if error:
        db.session.rollback()
        log.info("activity %s: score for %s refused: %s", activity.id, student.id, error)
        return _progress_page(activity, 400, error=error, error_person=student.id)
    db.session.commit()
    kick()
    log.info("activity %s: score recorded for person %s by a facilitator", activity.id, student.id)
    return _back(activity.id, "scored")


@bp.route("/activities/<int:activity_id>/progress/roster", methods=["POST"])
@launch_required(Role.FACILITATOR)
def roster(activity_id: int):  # type: ignore[no-untyped-def]
    activity = course_activity(activity_id)
    settings = _settings()
    try:
        sync_roster(
            activity.context,
            keys_dir=settings.LTI_KEYS_DIR,
            timeout=float(settings.HTTP_TIMEOUT_SECONDS),
        )
    except RosterError as exc:
        db.session.rollback()
        return error_page("ROSTER_UNAVAILABLE", str(exc), 424)
    return _back(activity.id, "roster")
