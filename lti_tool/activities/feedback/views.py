"""Feedback rounds pages. Thin: find the activity in the launch's course, read the form, call a
service, commit once, redirect. A refused action (FeedbackError) rolls back and shows why, 4xx,
through the one domain error handler (lti_tool.errors); a review form shows its message inline."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any, cast

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from lti_tool import storage
from lti_tool.activities.feedback import (
    accuracy,
    bp,
    calibration,
    files,
    forms,
    pages,
    progress,
    reports,
    reviewing,
    scoring,
)
from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.clock import catch_up_by_date
from lti_tool.activities.feedback.kind import FEEDBACK_ROUNDS
from lti_tool.activities.feedback.pages import one_decimal, signed_percent, two_decimals
from lti_tool.activities.idempotency import once_per_form
from lti_tool.activities.links import action_maker, link_maker
from lti_tool.activities.rubrics import api as rubrics
from lti_tool.activities.views import course_activity
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.grading.team import explain as team_formula
from lti_tool.models import Activity, Role
from lti_tool.templating import launch_url
from lti_tool.wording import FEEDBACK_DONE

log = logging.getLogger(__name__)
STAFF = (Role.FACILITATOR, Role.COACH)


def feedback_activity(activity_id: int) -> Activity:
    return course_activity(activity_id, FEEDBACK_ROUNDS)


@bp.context_processor
def _confirmation() -> dict[str, Any]:
    """The confirmation of the action just done (wording.FEEDBACK_DONE), named in the redirect;
    the pages show it in a focused status region (activities/_done.html)."""
    return {
        "done": FEEDBACK_DONE.get(request.args.get("done", "")),
        # Numbers with fixed decimals, in the reader's locale (pages.one_decimal...).
        "one_decimal": one_decimal,
        "two_decimals": two_decimals,
        "signed_percent": signed_percent,
        # The team factor's formula, written in the reader's language from the stored numbers.
        "team_explained": team_formula,
    }


def _done(activity: Activity, endpoint: str = "feedback.home", **kw: Any) -> Response:
    db.session.commit()
    kick()
    kw.setdefault("done", (request.endpoint or "").rpartition(".")[2])
    # flask.redirect makes the app's response class; werkzeug's type is what it declares.
    return cast(Response, redirect(launch_url(endpoint, activity_id=activity.id, **kw), code=303))


def _base_url() -> str:
    return current_app.extensions["coproduce.settings"].LTI_TOOL_BASE_URL  # type: ignore[no-any-return]


def _catch_up(activity: Activity) -> None:
    """Dated phases move when their day comes: by the scheduled phases job, or on the first
    visit after it if that comes first."""
    entered = catch_up_by_date(activity, date.today(), _base_url())
    if entered:
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
        page = pages.student_page(activity, launch.person, secret=current_app.config["SECRET_KEY"])
        db.session.commit()  # the config row on first visit
        return render_template(
            "activities/feedback/student.html", launch=launch, activity=activity, **page
        )
    listing = progress.Listing.from_args(request.args)
    report = progress.class_progress(activity, listing)
    config = svc.config_of(activity)
    queue = accuracy.queue_counts(activity)
    db.session.commit()
    kept = {"show": listing.show, "q": listing.query or None}
    return render_template(
        "activities/feedback/staff.html",
        launch=launch,
        activity=activity,
        config=config,
        group_drift=lms_groups.drift(activity, config.current_round),
        report=report,
        filters=progress.FILTERS,
        criteria=svc.criteria_of(activity),
        phases=svc.PHASES,
        queue=queue,
        here=url_for("feedback.home", activity_id=activity.id),
        submission_href=link_maker("feedback.submission", "submission_id", activity_id=activity.id),
        page_href=link_maker("feedback.home", "page", activity_id=activity.id, **kept),
        resolve_action=action_maker("feedback.resolve", "score_id", activity_id=activity.id),
    )


@bp.route("/feedback/<int:activity_id>/settings", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def settings(activity_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    config = svc.config_of(activity)
    if request.method == "POST":
        method_before = config.aggregate
        svc.configure(activity, launch.person, forms.parse_settings(request.form))
        students = svc.students_of(activity)
        by_name = {p.display_name: p.id for p in students}
        groups = forms.parse_groups(request.form.get("groups", ""), by_name)
        if len(by_name) < len(students) and groups:
            raise svc.FeedbackError(
                "FEEDBACK_REFUSED", _l("Two students share a name; groups cannot tell them apart.")
            )
        svc.set_groups(activity, launch.person, groups)
        version = (request.form.get("rubric_version") or "").strip()
        if version.isdigit() and int(version) != config.rubric_version_id:
            svc.use_cocreated_rubric(activity, launch.person, int(version))
        elif not forms.same_rubric(request.form.get("rubric", ""), svc.criteria_of(activity)):
            svc.set_direct_rubric(
                activity, launch.person, forms.parse_rubric(request.form["rubric"])
            )
        if config.aggregate != method_before:
            # Scores already made move with the method: changed ones go out again (held or
            # sent as the grade release says); the event above says who changed it.
            FEEDBACK_ROUNDS.rescore(activity, tool_base_url=_base_url(), by=launch.person)
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
        FEEDBACK_ROUNDS.rescore(activity, tool_base_url=_base_url(), by=current_launch().person)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/submit", methods=["POST"])
@launch_required(Role.STUDENT)
@once_per_form
def submit(activity_id: int) -> Response:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    upload = request.files.get("file")
    stored = None
    if upload is not None and upload.filename:
        stored = files.store_upload(upload.filename, upload.read())
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
            db.session.rollback()
            storage.delete(str(stored["key"]))
            db.session.commit()
        raise
    log.info("feedback %s: person %s submitted", activity.id, launch.person.id)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/files/<int:submission_id>")
@launch_required(Role.STUDENT, Role.COACH, Role.FACILITATOR)
def download(activity_id: int, submission_id: int) -> Response:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    no_file = _l("There is no such file for you here.")
    sub = svc.submission_in(activity, submission_id, code="FILE_NOT_FOUND", message=no_file)
    allowed = (
        launch.role in STAFF
        or sub.person_id == launch.person.id
        or svc.reviews_submission(sub, launch.person.id)
    )
    if not allowed or not sub.file_key:
        raise AccessDenied("FILE_NOT_FOUND", no_file, 404)
    # A generated name: the uploader's file name could name them.
    name = f"submission-{sub.id}.{sub.file_ext}"
    response = storage.send(sub.file_key, mimetype=str(sub.file_type), download_name=name)
    if response is None:
        raise AccessDenied("FILE_NOT_FOUND", _l("The file is no longer stored."), 404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/feedback/<int:activity_id>/reviews/<int:allocation_id>", methods=["GET", "POST"])
@launch_required(Role.STUDENT, Role.COACH, Role.FACILITATOR)
@once_per_form
def review(activity_id: int, allocation_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    alloc = svc.allocation_in(
        activity,
        allocation_id,
        code="REVIEW_NOT_FOUND",
        message=_l("This review is not allocated to you."),
    )
    if alloc.reviewer_id != launch.person.id:
        raise AccessDenied("REVIEW_NOT_FOUND", _l("This review is not allocated to you."), 404)
    config = svc.config_of(activity)
    # The round's own criteria: a review of an earlier round keeps the rubric it was written
    # on after a revised one is adopted (rubric_loop).
    criteria = svc.criteria_for_round(activity, alloc.round)
    error, values = None, dict(request.form)
    if request.method == "POST":
        # With "must calibrate before reviewing", a peer review waits (issue 17).
        calibration.check_may_review(activity, launch.person.id, alloc)
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
            label=reviewing.author_label(
                config,
                launch.role,
                alloc.submission,
                reviewer_id=launch.person.id,
                secret=current_app.config["SECRET_KEY"],
            )
            if alloc.kind != "self"
            else str(_l("Your own work")),
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
@once_per_form
def respond(activity_id: int, review_id: int) -> Response:
    activity = feedback_activity(activity_id)
    found = reviewing.review_in(activity, review_id)
    helpfulness, responses = forms.parse_responses(request.form)
    reviewing.respond(activity, current_launch().person, found, helpfulness, responses)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/comments/<int:comment_id>/endorse", methods=["POST"])
@launch_required(*STAFF)
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
    return render_template(
        "activities/feedback/submission.html",
        launch=current_launch(),
        activity=activity,
        students=svc.students_of(activity),
        # The author's score, to link an open contest to the work it is about.
        author_score=scoring.scores_of_person(activity, sub.person_id),
        **pages.submission_page(activity, sub),
    )


@bp.route(
    "/feedback/<int:activity_id>/submissions/<int:submission_id>/staff-review", methods=["POST"]
)
@launch_required(*STAFF)
@once_per_form
def staff_review(activity_id: int, submission_id: int) -> Response:
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    alloc = svc.staff_allocation(activity, current_launch().person, sub)
    return _done(activity, "feedback.review", allocation_id=alloc.id)


@bp.route("/feedback/<int:activity_id>/submissions/<int:submission_id>/assign", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def assign(activity_id: int, submission_id: int) -> Response:
    activity = feedback_activity(activity_id)
    sub = svc.submission_in(activity, submission_id)
    reviewer = forms._int(request.form, "reviewer_id", "Reviewer")
    svc.assign_reviewer(activity, current_launch().person, sub, reviewer)
    return _done(activity, "feedback.submission", submission_id=sub.id)


@bp.route("/feedback/<int:activity_id>/allocations/<int:allocation_id>/swap", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def swap(activity_id: int, allocation_id: int) -> Response:
    activity = feedback_activity(activity_id)
    alloc = svc.allocation_in(activity, allocation_id)
    reviewer = forms._int(request.form, "reviewer_id", "Reviewer")
    svc.swap_reviewer(activity, current_launch().person, alloc, reviewer)
    return _done(activity, "feedback.submission", submission_id=alloc.submission_id)


@bp.route("/feedback/<int:activity_id>/plan", methods=["POST"])
@launch_required(Role.STUDENT)
@once_per_form
def plan(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    ids: list[int] = []
    goals: list[int] = []
    for name, into in (("comment_id", ids), ("goal_id", goals)):
        for raw in request.form.getlist(name):
            if not raw.isdigit():
                raise svc.FeedbackError(
                    "FEEDBACK_REFUSED", _l("A plan links only to your own comments and goals.")
                )
            into.append(int(raw))
    reviewing.save_plan(activity, current_launch().person, request.form.get("plan", ""), ids, goals)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/contest", methods=["POST"])
@launch_required(Role.STUDENT)
@once_per_form
def contest(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    scoring.contest(activity, current_launch().person, request.form.get("comment", ""))
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/scores", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def update_scores(activity_id: int) -> Response:
    activity = feedback_activity(activity_id)
    queued = FEEDBACK_ROUNDS.rescore(
        activity, tool_base_url=_base_url(), by=current_launch().person
    )
    log.info("feedback %s: %s score(s) queued", activity.id, queued)
    return _done(activity)


@bp.route("/feedback/<int:activity_id>/scores/<int:score_id>/resolve", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def resolve(activity_id: int, score_id: int) -> Response:
    activity = feedback_activity(activity_id)
    row = scoring.score_in(activity, score_id)
    keep = request.form.get("decision") == "keep"
    points = None
    if not keep:
        try:
            points = float(request.form.get("points", ""))
        except ValueError as exc:
            raise svc.FeedbackError(
                "FEEDBACK_REFUSED", _l("Give the override as a number.")
            ) from exc
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
    page = pages.student_page(activity, launch.person, secret=current_app.config["SECRET_KEY"])
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
