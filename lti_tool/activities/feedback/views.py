"""Feedback rounds pages. Thin: find the activity in the launch's course, read the form, call a
service, commit once, redirect. A refused action rolls back and shows why (4xx)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, cast

from flask import Response, current_app, redirect, render_template, request, send_file

from lti_tool.activities.feedback import bp, files, forms, pages, reports, reviewing, scoring
from lti_tool.activities.feedback import services as svc
from lti_tool.activities.idempotency import once_per_form
from lti_tool.activities.rubrics import api as rubrics
from lti_tool.activities.views import course_activity
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.errors import error_page
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.models import Activity, Role
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)
STAFF = (Role.FACILITATOR, Role.COACH)


def feedback_activity(activity_id: int) -> Activity:
    activity = course_activity(activity_id)
    if activity.kind != "feedback_rounds":
        raise AccessDenied("ACTIVITY_NOT_FOUND", "This is not a feedback rounds activity.", 404)
    return activity


def refusals(view: Callable[..., Any]) -> Callable[..., Any]:
    """A FeedbackError undoes the whole action and becomes a 4xx page with its message."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except svc.FeedbackError as exc:
            db.session.rollback()
            log.info("feedback %s %s refused: %s %s", request.method, request.path, exc.code, exc)
            return error_page(exc.code, str(exc), exc.status)

    return wrapper


def _done(activity: Activity, endpoint: str = "feedback.home", **kw: Any) -> Response:
    db.session.commit()
    kick()
    # flask.redirect makes the app's response class; werkzeug's type is what it declares.
    return cast(Response, redirect(launch_url(endpoint, activity_id=activity.id, **kw), code=303))


def _base_url() -> str:
    return current_app.extensions["coproduce.settings"].LTI_TOOL_BASE_URL  # type: ignore[no-any-return]


def _catch_up(activity: Activity) -> None:
    """Dated phases move when their day comes, on the first visit after it (no scheduler)."""
    entered = svc.catch_up(activity, date.today())
    if entered:
        if {"respond", "revise"} & set(entered):
            scoring.update_scores(activity, None, _base_url())
        db.session.commit()
        kick()
        log.info("feedback %s: phases moved by date: %s", activity.id, entered)


@bp.route("/feedback/<int:activity_id>")
@launch_required(Role.STUDENT, Role.COACH, Role.FACILITATOR)
def home(activity_id: int) -> str:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    _catch_up(activity)
    if launch.role == Role.STUDENT:
        page = pages.student_page(activity, launch.person)
        db.session.commit()  # the config row on first visit
        return render_template(
            "activities/feedback/student.html", launch=launch, activity=activity, **page
        )
    report = reports.progress(activity)
    config = svc.config_of(activity)
    db.session.commit()
    return render_template(
        "activities/feedback/staff.html",
        launch=launch,
        activity=activity,
        config=config,
        report=report,
        criteria=svc.criteria_of(activity),
        submissions=svc.submissions_of_round(activity, config.current_round),
        phases=svc.PHASES,
    )


@bp.route("/feedback/<int:activity_id>/settings", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def settings(activity_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    config = svc.config_of(activity)
    if request.method == "POST":
        svc.configure(activity, launch.person, forms.parse_settings(request.form))
        students = svc.students_of(activity)
        by_name = {p.display_name: p.id for p in students}
        groups = forms.parse_groups(request.form.get("groups", ""), by_name)
        if len(by_name) < len(students) and groups:
            raise svc.FeedbackError("Two students share a name; groups cannot tell them apart.")
        svc.set_groups(activity, launch.person, groups)
        version = (request.form.get("rubric_version") or "").strip()
        if version.isdigit() and int(version) != config.rubric_version_id:
            svc.use_cocreated_rubric(activity, launch.person, int(version))
        elif not forms.same_rubric(request.form.get("rubric", ""), svc.criteria_of(activity)):
            svc.set_direct_rubric(
                activity, launch.person, forms.parse_rubric(request.form["rubric"])
            )
        log.info("feedback activity %s configured", activity.id)
        return _done(activity)
    page = render_template(
        "activities/feedback/settings.html",
        launch=launch,
        activity=activity,
        config=config,
        rubric=forms.rubric_text(svc.criteria_of(activity)),
        groups=forms.groups_text(
            config.groups or {}, {p.id: p.display_name for p in svc.students_of(activity)}
        ),
        finalised=rubrics.finalised_rubrics(activity.context_id),
        phases=svc.PHASES,
    )
    db.session.commit()
    return page


@bp.route("/feedback/<int:activity_id>/phase", methods=["POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def advance(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    config = svc.advance_phase(
        activity,
        current_launch().person,
        seen_round=request.form.get("round"),
        seen_phase=request.form.get("phase"),
    )
    if config.current_phase in ("respond", "revise"):
        scoring.update_scores(activity, current_launch().person, _base_url())
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/submit", methods=["POST"])
@launch_required(Role.STUDENT)
@refusals
@once_per_form
def submit(activity_id: int) -> Response:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    upload = request.files.get("file")
    stored = None
    if upload is not None and upload.filename:
        stored = files.store_upload(current_app.instance_path, upload.filename, upload.read())
    try:
        svc.submit(
            activity,
            launch.person,
            body=request.form.get("body", ""),
            link=request.form.get("link", ""),
            stored_file=stored,
        )
        db.session.commit()
    except Exception:
        if stored is not None:  # nothing half-saved: the file goes with the refused row
            path = files.stored_path(current_app.instance_path, str(stored["key"]))
            if path is not None:
                path.unlink()
        raise
    log.info("feedback %s: person %s submitted", activity.id, launch.person.id)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/files/<int:submission_id>")
@launch_required(Role.STUDENT, Role.COACH, Role.FACILITATOR)
def download(activity_id: int, submission_id: int) -> Response:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    allowed = sub is not None and (
        launch.role in STAFF
        or sub.person_id == launch.person.id
        or svc.reviews_submission(sub, launch.person.id)
    )
    if sub is None or not allowed or not sub.file_key:
        raise AccessDenied("FILE_NOT_FOUND", "There is no such file for you here.", 404)
    path = files.stored_path(current_app.instance_path, sub.file_key)
    if path is None:
        raise AccessDenied("FILE_NOT_FOUND", "The file is no longer stored.", 404)
    # A generated name: the uploader's file name could name them.
    response = send_file(
        path,
        mimetype=sub.file_type,
        as_attachment=True,
        download_name=f"submission-{sub.id}.{sub.file_ext}",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/feedback/<int:activity_id>/reviews/<int:allocation_id>", methods=["GET", "POST"])
@launch_required(Role.STUDENT, Role.COACH, Role.FACILITATOR)
@refusals
@once_per_form
def review(activity_id: int, allocation_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    alloc = svc.allocation_in(activity, allocation_id)
    if alloc is None or alloc.reviewer_id != launch.person.id:
        raise AccessDenied("REVIEW_NOT_FOUND", "This review is not allocated to you.", 404)
    config = svc.config_of(activity)
    criteria = svc.criteria_of(activity)
    error, values = None, dict(request.form)
    if request.method == "POST":
        try:
            data = forms.parse_review(request.form, [c.id for c in criteria])
            reviewing.save_review(activity, launch.person, alloc, data)
            log.info("feedback %s: review %s saved", activity.id, alloc.id)
            return _done(activity)
        except svc.FeedbackError as exc:
            db.session.rollback()
            log.info("feedback %s: review %s refused: %s", activity.id, alloc.id, exc)
            if exc.status != 400:
                raise
            error = str(exc)
    existing = reviewing.review_of(alloc)
    if existing is not None and request.method == "GET":
        values = {"overall": existing.overall}
        for cid, c in reviewing.comments_of(existing).items():
            values[f"comment-{cid}"] = c.comment
            values[f"level-{cid}"] = "" if c.level is None else str(c.level)
    return (
        render_template(
            "activities/feedback/review.html",
            launch=launch,
            activity=activity,
            alloc=alloc,
            sub=alloc.submission,
            label=reviewing.author_label(config, launch.role, alloc.submission)
            if alloc.kind != "self"
            else "Your own work",
            criteria=criteria,
            values=values,
            error=error,
            submitted=existing is not None and existing.submitted_at is not None,
            max_comment=svc.MAX_COMMENT,
        ),
        400 if error else 200,
    )


@bp.route("/feedback/<int:activity_id>/reviews/<int:review_id>/respond", methods=["POST"])
@launch_required(Role.STUDENT)
@refusals
@once_per_form
def respond(activity_id: int, review_id: int) -> Response:
    activity = feedback_activity(activity_id)
    found = reviewing.review_in(activity, review_id)
    if found is None:
        raise AccessDenied("REVIEW_NOT_FOUND", "That review is not one you received.", 404)
    helpfulness, responses = forms.parse_responses(request.form)
    reviewing.respond(activity, current_launch().person, found, helpfulness, responses)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/comments/<int:comment_id>/endorse", methods=["POST"])
@launch_required(*STAFF)
@refusals
@once_per_form
def endorse(activity_id: int, comment_id: int) -> Response:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    comment = reviewing.endorse(activity, launch.person, launch.role, comment_id)
    review = db.session.get(reviewing.FeedbackReview, comment.review_id)
    assert review is not None
    return _done(activity, "feedback.submission", submission_id=review.allocation.submission_id)


@bp.route("/feedback/<int:activity_id>/submissions/<int:submission_id>")
@launch_required(*STAFF)
def submission(activity_id: int, submission_id: int) -> str:
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    if sub is None:
        raise AccessDenied("SUBMISSION_NOT_FOUND", "That submission is not in this activity.", 404)
    return render_template(
        "activities/feedback/submission.html",
        launch=current_launch(),
        activity=activity,
        students=svc.students_of(activity),
        **pages.submission_page(activity, sub),
    )


@bp.route(
    "/feedback/<int:activity_id>/submissions/<int:submission_id>/staff-review", methods=["POST"]
)
@launch_required(*STAFF)
@refusals
@once_per_form
def staff_review(activity_id: int, submission_id: int) -> Response:
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    if sub is None:
        raise AccessDenied("SUBMISSION_NOT_FOUND", "That submission is not in this activity.", 404)
    alloc = svc.staff_allocation(activity, current_launch().person, sub)
    return _done(activity, "feedback.review", allocation_id=alloc.id)


@bp.route("/feedback/<int:activity_id>/submissions/<int:submission_id>/assign", methods=["POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def assign(activity_id: int, submission_id: int) -> Response:
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    if sub is None:
        raise AccessDenied("SUBMISSION_NOT_FOUND", "That submission is not in this activity.", 404)
    reviewer = forms._int(request.form, "reviewer_id", "Reviewer")
    svc.assign_reviewer(activity, current_launch().person, sub, reviewer)
    return _done(activity, "feedback.submission", submission_id=sub.id)


@bp.route("/feedback/<int:activity_id>/allocations/<int:allocation_id>/swap", methods=["POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def swap(activity_id: int, allocation_id: int) -> Response:
    activity = feedback_activity(activity_id)
    alloc = svc.allocation_in(activity, allocation_id)
    if alloc is None:
        raise AccessDenied("ALLOCATION_NOT_FOUND", "That review is not in this activity.", 404)
    reviewer = forms._int(request.form, "reviewer_id", "Reviewer")
    svc.swap_reviewer(activity, current_launch().person, alloc, reviewer)
    return _done(activity, "feedback.submission", submission_id=alloc.submission_id)


@bp.route("/feedback/<int:activity_id>/plan", methods=["POST"])
@launch_required(Role.STUDENT)
@refusals
@once_per_form
def plan(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    ids: list[int] = []
    goals: list[int] = []
    for name, into in (("comment_id", ids), ("goal_id", goals)):
        for raw in request.form.getlist(name):
            if not raw.isdigit():
                raise svc.FeedbackError("A plan links only to your own comments and goals.")
            into.append(int(raw))
    reviewing.save_plan(activity, current_launch().person, request.form.get("plan", ""), ids, goals)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/contest", methods=["POST"])
@launch_required(Role.STUDENT)
@refusals
@once_per_form
def contest(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    scoring.contest(activity, current_launch().person, request.form.get("comment", ""))
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/scores", methods=["POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def update_scores(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    queued = scoring.update_scores(activity, current_launch().person, _base_url())
    log.info("feedback %s: %s score(s) queued", activity.id, queued)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/scores/<int:score_id>/resolve", methods=["POST"])
@launch_required(Role.FACILITATOR)
@refusals
@once_per_form
def resolve(activity_id: int, score_id: int) -> Response:
    activity = feedback_activity(activity_id)
    row = scoring.score_in(activity, score_id)
    if row is None:
        raise AccessDenied("SCORE_NOT_FOUND", "That score is not in this activity.", 404)
    keep = request.form.get("decision") == "keep"
    points = None
    if not keep:
        try:
            points = float(request.form.get("points", ""))
        except ValueError as exc:
            raise svc.FeedbackError("Give the override as a number.") from exc
    scoring.resolve(
        activity,
        current_launch().person,
        row,
        keep=keep,
        reason=request.form.get("reason", ""),
        override_points=points,
        tool_base_url=_base_url(),
    )
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/export.csv")
@launch_required(*STAFF)
def export(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    return Response(
        reports.export_csv(activity),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=feedback-{activity.id}.csv"},
    )


@bp.route("/feedback/<int:activity_id>/mine.json")
@launch_required(Role.STUDENT)
def mine(activity_id: int) -> Response:
    """A student's own work, feedback and score as JSON, under the same anonymity as the page."""
    launch = current_launch()
    activity = feedback_activity(activity_id)
    page = pages.student_page(activity, launch.person)
    score = page["score"]
    body = {
        "round": page["config"].current_round,
        "phase": page["config"].current_phase,
        "received": [
            {
                "round": sub.round,
                "reviews": [
                    {"reviewer": r.label, "overall": r.review.overall, "comments": r.comments}
                    for r in shown
                ],
            }
            for sub, shown in page["received"]
        ],
        "reviewing": [
            {"author": t["label"], "round": t["alloc"].round, "state": t["state"]}
            for t in page["to_review"]
        ],
        "score": {"final": score.final, "breakdown": score.breakdown} if score else None,
    }
    db.session.commit()
    return Response(json.dumps(body), mimetype="application/json")
