"""Class progress and grade delivery for one activity: who has not launched or started, each
student's score and its delivery to the LMS; facilitators retry failed deliveries, record a
score by hand, and sync the roster from the LMS. Coaches see the page, and change nothing."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti_tool import i18n
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.auth.scope import course_activity
from lti_tool.errors import error_page
from lti_tool.extensions import db
from lti_tool.grading import line_items as columns
from lti_tool.grading import release as releases
from lti_tool.grading.artifact_links import LinkRefused, open_link
from lti_tool.grading.lms_text import platform_language, speaking
from lti_tool.grading.problems import remedy_of
from lti_tool.grading.scores import ScoreChange, ScoreError, record_score, return_to_automatic
from lti_tool.grading.status import FILTERS, Listing, class_status_page, retry_failed
from lti_tool.grading.worker import kick, resume_after_restart
from lti_tool.models import Activity, Membership, Person, Role, RosterSync
from lti_tool.roster import RosterError, sync_roster
from lti_tool.settings import Settings
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)
bp = Blueprint("grading", __name__)

# Messages after a redirect, by code: the launch session is never stored, so no flash().
NOTICES = {
    "retried": _l("The failed deliveries are queued again."),
    "scored": _l("The score is saved and on its way to the LMS gradebook."),
    "roster": _l("The roster is up to date with the LMS."),
    "released": _l("The scores are released: they are on their way to the LMS gradebook."),
    "mode": _l("Saved: how scores go to the LMS."),
    "automatic": _l("The hand score is dropped: the automatic score goes to the LMS."),
}


@bp.before_app_request
def _resume_delivery() -> None:
    resume_after_restart(current_app._get_current_object())  # type: ignore[attr-defined]


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _back(activity_id: int, notice: str) -> Response:
    return redirect(launch_url("grading.progress", activity_id=activity_id, notice=notice), 303)


def _student(person_id_text: str | None, context_id: int) -> Person:
    """A student of this course, by the id a form sent (never trusted alone): a teacher, a TA
    or someone of another course is refused."""
    try:
        person_id = int(person_id_text or "")
    except ValueError:
        person_id = -1
    if not 0 < person_id < 2**31:
        person_id = -1
    row = db.session.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Person.id == person_id, Membership.context_id == context_id)
    ).first()
    if row is None:
        raise AccessDenied("PERSON_NOT_FOUND", _l("That person is not in this course."), 404)
    if row[1] != Role.STUDENT:
        raise AccessDenied(
            "NOT_A_STUDENT", _l("Only students of this course can be given a score."), 400
        )
    return row[0]


def _progress_page(activity: Activity, status: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    launch = current_launch()
    services = columns.course_services(activity.context_id)
    last_sync = db.session.scalars(
        select(RosterSync).where(
            RosterSync.context_id == activity.context_id, RosterSync.scope == ""
        )
    ).first()
    listing = Listing.from_args(request.args)
    view = class_status_page(activity, listing)
    kept = {"show": view.listing.show, "q": view.listing.query or None}
    page = render_template(
        "grading/progress.html",
        launch=launch,
        activity=activity,
        students=view.students,
        view=view,
        filters=FILTERS,
        here=url_for("grading.progress", activity_id=activity.id),
        kept=kept,
        column=columns.line_item_of(activity.id),
        roster_available=bool(services and services.memberships_url),
        last_sync=last_sync,
        can_act=launch.role == Role.FACILITATOR,
        release_mode=releases.mode_of(activity),
        held_count=releases.held_count(activity),
        remedy_of=remedy_of,
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
            by_hand=True,
        )
        record_score(activity, student, change, tool_base_url=_settings().LTI_TOOL_BASE_URL)
    except InvalidOperation:
        error = str(_l("Enter the score as a number."))
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


@bp.route("/activities/<int:activity_id>/progress/automatic", methods=["POST"])
@launch_required(Role.FACILITATOR)
def automatic(activity_id: int) -> Response:
    """Drop a hand score: the automatic score goes to the LMS again."""
    activity = course_activity(activity_id)
    student = _student(request.form.get("person_id"), activity.context_id)
    try:
        return_to_automatic(activity, student, tool_base_url=_settings().LTI_TOOL_BASE_URL)
    except ScoreError as exc:
        db.session.rollback()
        return error_page("NO_HAND_SCORE", str(exc), 409)
    db.session.commit()
    kick()
    log.info("activity %s: hand score of person %s dropped", activity.id, student.id)
    return _back(activity.id, "automatic")


@bp.route("/activities/<int:activity_id>/progress/release", methods=["POST"])
@launch_required(Role.FACILITATOR)
def release(activity_id: int) -> Response:
    activity = course_activity(activity_id)
    count = releases.release(activity)
    db.session.commit()
    kick()
    log.info("activity %s: %s held scores released", activity.id, count)
    return _back(activity.id, "released")


@bp.route("/activities/<int:activity_id>/progress/mode", methods=["POST"])
@launch_required(Role.FACILITATOR)
def mode(activity_id: int):  # type: ignore[no-untyped-def]
    activity = course_activity(activity_id)
    chosen = request.form.get("mode", "")
    if chosen not in releases.MODES:
        log.info("activity %s: unknown release mode %r", activity.id, chosen[:40])
        return _progress_page(activity, 400, error=_l("Choose when scores go to the LMS."))
    count = releases.set_mode(activity, chosen)
    db.session.commit()
    kick()
    log.info("activity %s: grade release %s (%s released)", activity.id, chosen, count)
    return _back(activity.id, "mode")


@bp.route("/artifacts/open/<ticket>")
def artifact_link(ticket: str):  # type: ignore[no-untyped-def]
    """The gradebook comment's link: one artifact, read-only, no session (artifact_links)."""
    if len(ticket) > 500:
        return error_page("ARTIFACT_LINK_INVALID", _l("This link to the work is not valid."), 404)
    try:
        opened = open_link(ticket)
    except LinkRefused as exc:
        db.session.rollback()
        log.info("artifact link refused: %s", exc.code)
        return error_page(exc.code, exc.message, exc.status)
    person = db.session.get(Person, opened.artifact.person_id)
    db.session.commit()
    log.info("artifact %s opened from a gradebook link", opened.artifact.id)
    # No launch here: the browser's language, else the platform's (the teacher of the course
    # opened it from its gradebook).
    browser = request.accept_languages.best_match(list(i18n.LANGUAGES))
    language = None if browser else platform_language(opened.activity.context.platform)
    with speaking(language):
        page = render_template(
            "grading/artifact_link.html",
            artifact=opened.artifact,
            activity=opened.activity,
            person_name=person.display_name if person else _l("A former student"),
        )
    return page, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
