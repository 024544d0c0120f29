"""Set-up of a copied course's link: the facilitator picks last term's activity (the link's own
is offered first), checks the settings and the dates moved to the new term, and confirms.
Thin: the rules are in activities.copying."""

from __future__ import annotations

import logging

from flask import redirect, request
from flask_babel import lazy_gettext as _l

from lti_tool.activities import bp, copying
from lti_tool.activities.forms import ConfigForm, parse_config
from lti_tool.activities.placement import activity_of
from lti_tool.activities.views import _form_page
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.models import Context, ResourceLink, Role, utcnow
from lti_tool.templating import launch_url

log = logging.getLogger(__name__)


def _link() -> tuple[Context, ResourceLink]:
    launch = current_launch()
    if launch.resource_link is None or launch.context is None:
        raise AccessDenied(
            "LINK_MISSING", _l("Open Coproduce from the activity's link in your course."), 400
        )
    return launch.context, launch.resource_link


@bp.route("/activities/setup/copy/<int:source_id>", methods=["GET", "POST"])
@launch_required(Role.FACILITATOR)
def setup_copy(source_id: int):  # type: ignore[no-untyped-def]
    context, link = _link()
    existing = activity_of(link)
    if existing is not None:
        return redirect(launch_url("activities.show", activity_id=existing.id), code=303)
    source = copying.source_in(context, link, source_id)
    page: dict[str, object] = {
        "source": source,
        "provenance": copying.course_name(source.context),
    }
    if request.method == "GET":
        form = ConfigForm.from_config(copying.proposed_config(source.activity, utcnow().date()))
        return _form_page("activities/setup_copy.html", form, 200, **page)
    config, form = parse_config(request.form)
    if config is None:
        log.info("copy set-up of link %s: form refused %s", link.id, sorted(form.errors))
        return _form_page("activities/setup_copy.html", form, 400, **page)
    activity = copying.copy_into_link(context, link, source, config, by=current_launch().person)
    activity_id = activity.id
    db.session.commit()
    kick()
    log.info(
        "activity %s set up on link %s as a copy of activity %s",
        activity_id,
        link.id,
        source.activity.id,
    )
    return redirect(launch_url("activities.show", activity_id=activity_id), code=303)
