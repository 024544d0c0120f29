"""Facilitator tools of goal setting: the CSV export, the activity's goal settings and moving
its phase. Thin, like the other goal pages (`views`)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from flask import Response, redirect, request

from lti_tool import i18n
from lti_tool.activities.goals import bp
from lti_tool.activities.goals.config import (
    AGREERS,
    SCORINGS,
    STAGES,
    move_phase,
    save_config,
    validate_config,
)
from lti_tool.activities.goals.forms import FormError, goal_config
from lti_tool.activities.goals.kind import GOAL_SETTING
from lti_tool.activities.goals.overview import class_overview, export_csv
from lti_tool.activities.goals.services import check_phase_seen
from lti_tool.activities.goals.views import current_actor, render_page, scope_of
from lti_tool.activities.phase_moves import record_backward
from lti_tool.auth import launch_required
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Role
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)


@bp.route("/goals/<int:activity_id>/export.csv")
@launch_required(Role.FACILITATOR)
def export(activity_id: int) -> Response:
    scope = scope_of(activity_id)
    body = export_csv(class_overview(scope.activity))
    db.session.commit()
    log.info("goals: activity %s exported", activity_id)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="goals-{activity_id}.csv"'},
    )


@bp.route("/goals/<int:activity_id>/settings", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
def configure(activity_id: int) -> Any:
    scope = scope_of(activity_id)
    extra: dict[str, Any] = {"agreers": AGREERS, "scorings": SCORINGS, "stages": STAGES}
    if request.method == "GET":
        page = render_page("activities/goals/settings.html", scope, form=None, errors={}, **extra)
        db.session.commit()
        return page
    try:
        config = goal_config(request.form)
    except FormError as exc:
        return render_page(
            "activities/goals/settings.html",
            scope,
            400,
            form=request.form,
            errors={exc.field: exc.message},
            **extra,
        )
    # As text: the page escapes it (a lazy message would render as markup).
    errors = {
        field: str(message) for field, message in validate_config(scope.activity, config).items()
    }
    if errors:
        log.info("goals: settings of %s refused: %s", activity_id, sorted(errors))
        return render_page(
            "activities/goals/settings.html", scope, 400, form=request.form, errors=errors, **extra
        )
    save_config(scope.activity, config)
    actor = current_actor()
    record_event(
        actor.person,
        "goals.configured",
        "activity",
        activity_id,
        activity=scope.activity,
        role=actor.role,
        config=asdict(config),
    )
    db.session.commit()
    log.info("goals: activity %s configured", activity_id)
    return redirect(launch_url("goals.home", activity_id=activity_id, done="settings"), code=303)


@bp.route("/goals/<int:activity_id>/phase", methods=["POST"])
@launch_required(Role.FACILITATOR)
def phase(activity_id: int) -> Any:
    scope = scope_of(activity_id)
    to = request.form.get("to", "")
    check_phase_seen(scope, request.form.get("phase"))
    move = move_phase(
        scope.activity,
        scope.settings,
        to,
        scope.today,
        confirmed=request.form.get("confirm_back") == "yes",
        reason=request.form.get("reason", ""),
    )
    actor = current_actor()
    record_event(
        actor.person,
        "goals.phase_moved",
        "activity",
        activity_id,
        activity=scope.activity,
        role=actor.role,
        phase=to,
        before=move.before,
        backward=move.backward,
        reason=move.reason,
    )
    # The event keeps the phase's English name, as stored data (a value of the audit log);
    # students' pages show it in their language (views.render_page).
    with i18n.in_language(i18n.DEFAULT_LANGUAGE):
        labels = {p.key: str(p.label) for p in GOAL_SETTING.phases}
    record_backward(actor.person, scope.activity, move, labels)
    db.session.commit()
    log.info("goals: activity %s moved to phase %s", activity_id, to)
    return redirect(launch_url("goals.home", activity_id=activity_id, done="phase"), code=303)
