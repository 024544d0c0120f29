"""The extensions page of an activity: grant a student or a group its own date for a phase, or
excuse it; the audit of every grant; whether coaches may grant. Rules: activities.extensions."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.activities import bp, extensions
from lti_tool.auth import current_launch, launch_required
from lti_tool.auth.scope import course_activity
from lti_tool.extensions import db
from lti_tool.models import Membership, Person, Role
from lti_tool.templating import launch_url


def _students(context_id: int) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == context_id, Membership.role == Role.STUDENT)
            .order_by(Person.name, Person.id)
        )
    )


def _form_date(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise extensions.ExtensionError(
            "EXTENSION_REFUSED", _l("The date must be YYYY-MM-DD."), 400
        ) from exc


@bp.route("/activities/<int:activity_id>/extensions")
@launch_required(Role.FACILITATOR, Role.COACH)
def extensions_page(activity_id: int) -> str:
    launch = current_launch()
    activity = course_activity(activity_id)
    groups = extensions.groups_of(activity)
    return render_template(
        "activities/extensions.html",
        launch=launch,
        activity=activity,
        students=_students(activity.context_id),
        groups=groups,
        group_labels=dict(groups),
        phases=dict(extensions.phases_of(activity)),
        history=extensions.history(activity),
        may_grant=extensions.may_grant(activity, launch.role),
        coaches_may_grant=extensions.coaches_may_grant(activity),
    )


@bp.route("/activities/<int:activity_id>/extensions", methods=["POST"])
@launch_required(Role.FACILITATOR, Role.COACH)
def grant_extension(activity_id: int) -> BaseResponse:
    launch = current_launch()
    activity = course_activity(activity_id)
    target_raw = request.form.get("target", "")
    if target_raw.startswith("person:") and target_raw[7:].isdigit():
        target = extensions.Target(person_id=int(target_raw[7:]))
    elif target_raw.startswith("group:"):
        target = extensions.Target(group_key=target_raw[6:])
    else:
        raise extensions.ExtensionError(
            "EXTENSION_REFUSED", _l("Choose a student or a group."), 400
        )
    extensions.grant(
        activity,
        launch.person,
        launch.role,
        target,
        request.form.get("phase", ""),
        due=_form_date(request.form.get("due", "")),
        excused=request.form.get("excused") == "on",
        reason=request.form.get("reason", ""),
    )
    db.session.commit()
    return redirect(launch_url("activities.extensions_page", activity_id=activity.id), code=303)


@bp.route("/activities/<int:activity_id>/extensions/policy", methods=["POST"])
@launch_required(Role.FACILITATOR)
def extension_policy(activity_id: int) -> BaseResponse:
    launch = current_launch()
    activity = course_activity(activity_id)
    extensions.set_coaches_may_grant(activity, launch.person, request.form.get("coaches") == "on")
    db.session.commit()
    return redirect(launch_url("activities.extensions_page", activity_id=activity.id), code=303)
