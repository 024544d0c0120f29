"""/hub: the course hub page and its CSV. Thin: who may see it, then services and charts."""

from __future__ import annotations

import logging

from flask import Response, render_template, request
from flask_babel import gettext as _

from lti_tool.auth import AccessDenied, CurrentLaunch, current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.hub import bp, charts, services
from lti_tool.models import utcnow

log = logging.getLogger(__name__)


def _staff_scope() -> tuple[CurrentLaunch, services.HubScope]:
    """The launch's course, for its staff only; `?activity=` narrows the figures to one of
    the course's activities (another course's id: 404)."""
    launch = current_launch()
    if launch.context is None:
        raise AccessDenied(
            "HUB_NO_COURSE",
            _("The course hub belongs to a course: open it from the course in your LMS."),
            403,
        )
    if launch.role not in services.STAFF_ROLES:
        raise AccessDenied(
            "HUB_STAFF_ONLY",
            _(
                "The course hub is for the course's facilitators and coaches. Your own work is "
                "on each activity's page: open the activities from your course in the LMS."
            ),
            403,
        )
    activity_id = request.args.get("activity", type=int)
    return launch, services.scope_of(launch.claims.platform_id, launch.context.id, activity_id)


@bp.route("/hub")
@launch_required()
def page() -> str:
    launch, scope = _staff_scope()
    hub = services.course_hub(scope, utcnow().date())
    return render_template(
        "hub/page.html",
        launch=launch,
        hub=hub,
        charts=charts.charts_of(hub),
        contributions=services.CONTRIBUTIONS,
        staff_work=services.STAFF_WORK,
    )


@bp.route("/hub/export.csv")
@launch_required()
def export() -> Response:
    launch, scope = _staff_scope()
    body = services.export_csv(services.course_hub(scope, utcnow().date()))
    db.session.commit()
    log.info("hub: course %s exported by person %s", scope.context_id, launch.person.id)
    name = f"course-hub-{scope.context_id}" + (
        f"-activity-{scope.activity_id}" if scope.activity_id else ""
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
