"""Pages of peer assessment reliability (issue 17): reliability settings and calibration
exemplars (facilitator), calibrating (students), reviewer accuracy with the discrepancy queue
and criterion health (staff; a student sees only their own figures, after the round), and the
other reviews of work a student reviewed, after the round. Thin, like views.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback import accuracy, bp, calibration, pages, rubric_loop, scoring
from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.reviewing import author_label, review_of
from lti_tool.activities.feedback.views import STAFF, _done, feedback_activity
from lti_tool.activities.idempotency import once_per_form
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.models import Role
from lti_tool.robustness import bounded_int


def _levels(form: Mapping[str, str], criterion_ids: list[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for cid in criterion_ids:
        raw = (form.get(f"level-{cid}") or "").strip()
        if not raw:
            out[cid] = None
            continue
        try:
            out[cid] = bounded_int(raw)
        except ValueError as exc:
            raise svc.FeedbackError("FEEDBACK_REFUSED", _l("A level is a whole number.")) from exc
    return out


def _float(form: Mapping[str, str], name: str, label: str, default: float) -> float:
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise svc.FeedbackError(
            "FEEDBACK_REFUSED", _l("%(field)s: give a number.", field=label)
        ) from exc


def round_closed(config: Any, round_no: int) -> bool:
    """A round's reviews are closed once its review phase is over."""
    return round_no < config.current_round or config.current_phase in ("respond", "revise")


# -- facilitator: settings and exemplars ---------------------------------------------------------


@bp.route("/feedback/<int:activity_id>/reliability", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def reliability_settings(activity_id: int) -> Any:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    if request.method == "POST":
        form = request.form
        threshold = (form.get("discrepancy_threshold") or "2").strip()
        if not threshold.isdigit():
            raise svc.FeedbackError(
                "FEEDBACK_REFUSED", _l("The discrepancy threshold is a whole number of levels.")
            )
        calibration.configure(
            activity,
            launch.person,
            calibration.ReliabilityInput(
                discrepancy_threshold=int(threshold),
                endorsement_weight=_float(
                    form, "endorsement_weight", _l("Endorsement weight"), 1.0
                ),
                calibration=form.get("calibration") == "on",
                calibration_second_try=form.get("calibration_second_try") == "on",
                calibration_required=form.get("calibration_required") == "on",
                show_other_reviews=form.get("show_other_reviews") == "on",
            ),
        )
        return _done(activity, "feedback.reliability_settings")
    page = render_template(
        "activities/feedback/reliability.html",
        launch=launch,
        activity=activity,
        config=svc.config_of(activity),
        trust=calibration.settings_of(activity),
        exemplars=calibration.exemplars_of(activity),
        criteria=svc.criteria_of(activity),
        max_exemplars=calibration.MAX_EXEMPLARS,
    )
    db.session.commit()
    return page


@bp.route("/feedback/<int:activity_id>/exemplars", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def add_exemplar(activity_id: int) -> Any:
    activity = feedback_activity(activity_id)
    calibration.add_exemplar(
        activity,
        current_launch().person,
        request.form.get("title", ""),
        request.form.get("body", ""),
    )
    return _done(activity, "feedback.reliability_settings")


@bp.route("/feedback/<int:activity_id>/exemplars/<int:exemplar_id>/assess", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def assess_exemplar(activity_id: int, exemplar_id: int) -> Any:
    activity = feedback_activity(activity_id)
    exemplar = calibration.exemplar_in(activity, exemplar_id)
    ids = [c.id for c in svc.criteria_of(activity)]
    calibration.assess_exemplar(
        activity,
        current_launch().person,
        exemplar,
        _levels(request.form, ids),
        {cid: request.form.get(f"comment-{cid}", "") for cid in ids},
    )
    return _done(activity, "feedback.reliability_settings")


@bp.route("/feedback/<int:activity_id>/calibration/publish", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def publish_calibration(activity_id: int) -> Any:
    activity = feedback_activity(activity_id)
    calibration.publish(activity, current_launch().person)
    return _done(activity, "feedback.reliability_settings")


# -- students: calibrating -----------------------------------------------------------------------


@bp.route("/feedback/<int:activity_id>/calibration")
@launch_required(Role.STUDENT)
def calibrate(activity_id: int) -> str:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    if not calibration.is_open(activity):
        raise AccessDenied(
            "CALIBRATION_CLOSED", _l("Calibration is not open in this activity."), 404
        )
    trust = calibration.settings_of(activity)
    attempts = calibration.attempts_of(activity, launch.person.id)
    items = []
    for ex in calibration.exemplars_of(activity):
        mine = attempts.get(ex.id, [])
        items.append(
            {
                "exemplar": ex,
                # The facilitator's levels and why: only beside an attempt the student made.
                "results": [
                    {"attempt": a.attempt, "rows": calibration.comparison(activity, ex, a)}
                    for a in mine
                ],
                "may_try": len(mine) < (2 if trust.calibration_second_try else 1),
            }
        )
    return render_template(
        "activities/feedback/calibration.html",
        launch=launch,
        activity=activity,
        items=items,
        criteria=svc.criteria_of(activity),
        trust=trust,
    )


@bp.route("/feedback/<int:activity_id>/exemplars/<int:exemplar_id>/attempt", methods=["POST"])
@launch_required(Role.STUDENT)
@once_per_form
def attempt_exemplar(activity_id: int, exemplar_id: int) -> Any:
    activity = feedback_activity(activity_id)
    exemplar = calibration.exemplar_in(activity, exemplar_id)
    ids = [c.id for c in svc.criteria_of(activity)]
    calibration.attempt(activity, current_launch().person, exemplar, _levels(request.form, ids))
    return _done(activity, "feedback.calibrate")


# -- accuracy: staff see the class, a student their own, after the round -----------------------


@bp.route("/feedback/<int:activity_id>/accuracy")
@launch_required(*STAFF)
def accuracy_page(activity_id: int) -> str:
    activity = feedback_activity(activity_id)
    data = scoring.load_class(activity)
    names = pages.names_in(activity, data)
    table = accuracy.reviewer_table(activity, data)
    health = accuracy.criterion_health(activity, data)
    titles = {c.id: c.title for c in data.criteria}
    page = render_template(
        "activities/feedback/accuracy.html",
        launch=current_launch(),
        activity=activity,
        rows=sorted(
            (
                (names.get(r, str(_l("Former member of the course"))), figures)
                for r, figures in table.items()
            ),
            key=lambda row: row[0],
        ),
        queue=[
            (item, names.get(item.person_id, ""))
            for item in accuracy.discrepancy_queue(activity, data)
        ],
        health=[(titles.get(h.criterion, "?"), h) for h in health],
        trust=calibration.settings_of(activity),
        config=svc.config_of(activity),
    )
    db.session.commit()
    return page


@bp.route("/feedback/<int:activity_id>/my-accuracy")
@launch_required(Role.STUDENT)
def my_accuracy(activity_id: int) -> str:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    config = svc.config_of(activity)
    if not round_closed(config, 1):
        raise AccessDenied(
            "NOT_YET", _l("Your reviewing figures show once the round's reviews are closed."), 409
        )
    mine = accuracy.reviewer_table(activity).get(launch.person.id)
    page = render_template(
        "activities/feedback/my_accuracy.html", launch=launch, activity=activity, mine=mine
    )
    db.session.commit()
    return page


# -- the other reviews of work a student reviewed --------------------------------------------------


@bp.route("/feedback/<int:activity_id>/reviews/<int:allocation_id>/others")
@launch_required(Role.STUDENT)
def other_reviews(activity_id: int, allocation_id: int) -> str:
    launch = current_launch()
    activity = feedback_activity(activity_id)
    not_yours = _l("That is not a review you wrote.")
    alloc = svc.allocation_in(activity, allocation_id, code="REVIEW_NOT_FOUND", message=not_yours)
    mine = review_of(alloc)
    if (
        alloc.reviewer_id != launch.person.id
        or alloc.kind != "peer"
        or mine is None
        or mine.submitted_at is None
    ):
        raise AccessDenied("REVIEW_NOT_FOUND", not_yours, 404)
    config = svc.config_of(activity)
    if not calibration.settings_of(activity).show_other_reviews:
        raise AccessDenied("NOT_OFFERED", _l("This activity does not show the other reviews."), 404)
    if not round_closed(config, alloc.round):
        raise AccessDenied(
            "NOT_YET", _l("The other reviews show once the round's reviews are closed."), 409
        )
    criteria = svc.criteria_for_round(activity, alloc.round)
    # Numbered as the author sees them, under the activity's anonymity (reviewer_label).
    shown = [
        r
        for r in pages.reviews_received(config, alloc.submission, criteria, Role.STUDENT)
        if r.review.id != mine.id and r.kind == "peer"
    ]
    return render_template(
        "activities/feedback/others.html",
        launch=launch,
        activity=activity,
        label=author_label(
            config,
            Role.STUDENT,
            alloc.submission,
            reviewer_id=launch.person.id,
            secret=current_app.config["SECRET_KEY"],
        ),
        shown=shown,
    )


# -- the loop back to the rubric -----------------------------------------------------------------


@bp.route("/feedback/<int:activity_id>/rubric-revision", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def open_rubric_revision(activity_id: int) -> Any:
    activity = feedback_activity(activity_id)
    form = request.form
    row = rubric_loop.open_revision(
        activity,
        current_launch().person,
        confirmed=form.get("confirm_back") == "yes",
        reason=form.get("reason", ""),
    )
    return _done_in_rubric(row.activity_id)


def _done_in_rubric(rubric_activity_id: int) -> Any:
    from typing import cast

    from flask import Response, redirect

    from lti_tool.grading import kick
    from lti_tool.templating import launch_url

    db.session.commit()
    kick()
    return cast(
        Response, redirect(launch_url("rubrics.show", activity_id=rubric_activity_id), code=303)
    )
