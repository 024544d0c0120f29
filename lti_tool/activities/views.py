"""Activity pages: the deep linking picker, first-launch set-up, the activity (its
configuration for now), editing it, and a student's artifact. Thin: rules live in
activities.services/placement and grading."""

from __future__ import annotations

import logging

from flask import Response, current_app, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.activities import bp
from lti_tool.activities.copying import sources_for
from lti_tool.activities.forms import ConfigForm, parse_config, phase_field
from lti_tool.activities.kinds import kind_of, kinds
from lti_tool.activities.placement import (
    accepts_activity_links,
    activity_of,
    answer_deep_link,
    cancel_deep_link,
    deep_link_request_for,
    set_up_link,
)
from lti_tool.activities.services import ActivityConfig, KindLocked, update_activity
from lti_tool.auth import AccessDenied, current_launch, launch_required, scope
from lti_tool.auth.scope import course_activity
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.grading.line_items import line_item_of
from lti_tool.grading.status import delivery_of
from lti_tool.models import (
    Activity,
    Artifact,
    DeepLinkRequest,
    Membership,
    OutboxScore,
    Person,
    Role,
)
from lti_tool.settings import Settings
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _form_page(template: str, form: ConfigForm, status: int = 200, **context: object):  # type: ignore[no-untyped-def]
    return (
        render_template(
            template,
            launch=current_launch(),
            form=form,
            kinds=kinds().values(),
            phase_field=phase_field,
            **context,
        ),
        status,
    )


# -- deep linking picker -------------------------------------------------------------------


def _deep_link_request(request_id: int) -> DeepLinkRequest:
    launch = current_launch()
    found = (
        deep_link_request_for(
            request_id,
            platform_id=launch.claims.platform_id,
            context_id=launch.context.id,
            person_id=launch.person.id,
        )
        if launch.context is not None
        else None
    )
    if found is None:
        raise AccessDenied(
            "DEEP_LINK_UNKNOWN",
            _l(
                "This activity picker does not belong to your launch. Add the activity again "
                "from your course."
            ),
            404,
        )
    if found.responded_at is not None:
        raise AccessDenied(
            "DEEP_LINK_ANSWERED",
            _l(
                "An activity has already been returned to the LMS from this picker. To add "
                "another, start again from your course."
            ),
            409,
        )
    return found


@bp.route("/activities/place/<int:request_id>", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
def pick(request_id: int):  # type: ignore[no-untyped-def]
    deep_link = _deep_link_request(request_id)
    accepts = accepts_activity_links(deep_link)
    if request.method == "GET":
        return _form_page(
            "activities/pick.html", ConfigForm.blank(), deep_link=deep_link, accepts=accepts
        )
    config, form = parse_config(request.form)
    if config is None or not accepts:
        log.info("picker %s: form refused %s", request_id, sorted(form.errors))
        return _form_page("activities/pick.html", form, 400, deep_link=deep_link, accepts=accepts)
    settings = _settings()
    answer = answer_deep_link(  # a PlacementError goes to the one domain error handler
        deep_link,
        config,
        by=current_launch().person,
        tool_base_url=settings.LTI_TOOL_BASE_URL,
        keys_dir=settings.LTI_KEYS_DIR,
    )
    activity_id = answer.activity.id if answer.activity else None
    db.session.commit()
    kick()
    log.info("activity %s placed by deep linking (request %s)", activity_id, request_id)
    return render_template("activities/deep_link_return.html", answer=answer, cancelled=False)


@bp.route("/activities/place/<int:request_id>/cancel", methods=["POST"])
@launch_required(Role.FACILITATOR)
def cancel_pick(request_id: int) -> str:
    deep_link = _deep_link_request(request_id)
    answer = cancel_deep_link(deep_link, keys_dir=_settings().LTI_KEYS_DIR)
    db.session.commit()
    log.info("deep linking request %s cancelled", request_id)
    return render_template("activities/deep_link_return.html", answer=answer, cancelled=True)


# -- first-launch set-up and editing ----------------------------------------------------------


@bp.route("/activities/setup", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
def setup():  # type: ignore[no-untyped-def]
    launch = current_launch()
    link = launch.resource_link
    if link is None or launch.context is None:
        raise AccessDenied(
            "LINK_MISSING", _l("Open Coproduce from the activity's link in your course."), 400
        )
    existing = activity_of(link)
    if existing is not None:
        return redirect(launch_url("activities.show", activity_id=existing.id), code=303)
    # A copied course's link: last term's activities are offered first (activities.copying).
    sources = sources_for(launch.context, link)
    if request.method == "GET":
        return _form_page("activities/setup.html", ConfigForm.blank(link.title), sources=sources)
    config, form = parse_config(request.form)
    if config is None:
        log.info("set-up of link %s: form refused %s", link.id, sorted(form.errors))
        return _form_page("activities/setup.html", form, 400, sources=sources)
    activity = set_up_link(launch.context, link, config, by=launch.person)
    activity_id = activity.id
    db.session.commit()
    kick()  # find or create its gradebook column now
    log.info("activity %s set up on first launch of link %s", activity_id, link.id)
    return redirect(launch_url("activities.show", activity_id=activity_id), code=303)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
def edit(activity_id: int):  # type: ignore[no-untyped-def]
    activity = course_activity(activity_id)
    if request.method == "GET":
        form = ConfigForm.from_config(ActivityConfig.of(activity))
        return _form_page("activities/edit.html", form, activity=activity)
    config, form = parse_config(request.form)
    if config is None:
        return _form_page("activities/edit.html", form, 400, activity=activity)
    try:
        update_activity(activity, config)
    except KindLocked as exc:
        db.session.rollback()
        log.info("activity %s: kind change refused (it has data)", activity_id)
        form.errors["kind"] = exc.message
        return _form_page("activities/edit.html", form, exc.status, activity=activity)
    db.session.commit()
    kick()  # the gradebook column follows a new title or maximum
    log.info("activity %s reconfigured", activity_id)
    return redirect(launch_url("activities.show", activity_id=activity_id), code=303)


# -- the activity and artifacts --------------------------------------------------------------


def _own_score(activity: Activity, person_id: int) -> OutboxScore | None:
    return db.session.scalars(
        select(OutboxScore).where(
            OutboxScore.activity_id == activity.id, OutboxScore.person_id == person_id
        )
    ).first()


def _score_withheld(activity: Activity, person_id: int) -> bool:
    from lti_tool.grading.release import held, visible_score

    if not held(activity):
        return False
    released, newer_waiting = visible_score(activity, person_id)
    return released is None or newer_waiting


@bp.route("/activities/<int:activity_id>")
@launch_required()
def show(activity_id: int) -> str | BaseResponse:
    launch = current_launch()
    activity = course_activity(activity_id)
    if launch.role == Role.MENTOR:
        # A mentor never sees a kind's own pages (they show the class and forms that write):
        # only the list of their mentees' work, read-only.
        return render_template(
            "activities/mentor.html",
            launch=launch,
            activity=activity,
            mentees=scope.mentees_in_course(
                launch.claims.platform_id, activity.context_id, launch.mentee_subs
            ),
        )
    own = kind_of(activity.kind)
    if own is not None:
        return redirect(launch_url(own.home_endpoint, activity_id=activity.id), code=303)
    score = _own_score(activity, launch.person.id) if launch.role == Role.STUDENT else None
    if score is not None and _score_withheld(activity, launch.person.id):
        score = None
    return render_template(
        "activities/show.html",
        launch=launch,
        activity=activity,
        kind=kind_of(activity.kind),
        column=line_item_of(activity.id),
        score=score,
        delivery=delivery_of(score),
    )


@bp.route("/artifacts/<int:activity_id>/<int:person_id>")
@launch_required(Role.STUDENT, Role.MENTOR, Role.COACH, Role.FACILITATOR)
def artifact(activity_id: int, person_id: int) -> str | Response:
    launch = current_launch()
    activity = course_activity(activity_id)
    if launch.role == Role.STUDENT and person_id != launch.person.id:
        raise AccessDenied(
            "ROLE_FORBIDDEN", _l("Students see their own work here, not their classmates'."), 403
        )
    person = db.session.get(Person, person_id)
    if launch.role == Role.MENTOR and (
        person is None or not scope.is_mentee(launch.claims.platform_id, launch.mentee_subs, person)
    ):
        raise AccessDenied(
            "ROLE_FORBIDDEN",
            _l("You see the work of the students you follow, no one else's."),
            403,
        )
    in_course = person is not None and (
        person.platform_id == launch.claims.platform_id
        and (
            person.id == launch.person.id
            or db.session.scalars(
                select(Membership.id).where(
                    Membership.person_id == person.id,
                    Membership.context_id == activity.context_id,
                )
            ).first()
            is not None
            or _own_score(activity, person.id) is not None
        )
    )
    if person is None or not in_course:
        raise AccessDenied("PERSON_NOT_FOUND", _l("That person is not in this course."), 404)
    work = db.session.scalars(
        select(Artifact).where(Artifact.activity_id == activity.id, Artifact.person_id == person.id)
    ).first()
    score = _own_score(activity, person.id)
    if launch.role == Role.STUDENT and score is not None and _score_withheld(activity, person.id):
        score = None  # held until the facilitator releases it (grading.release)
    return render_template(
        "activities/artifact.html",
        launch=launch,
        activity=activity,
        person=person,
        artifact=work,
        score=score,
        delivery=delivery_of(score),
    )
