"""Rubric co-creation pages. Thin: each POST is one action through the services, one commit,
then a redirect back to the activity; a refusal re-renders the page with the message (or a 4xx
page when the id named something outside the activity)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lti_tool.activities.idempotency import once_per_form
from lti_tool.activities.links import action_maker, link_maker
from lti_tool.activities.phase_moves import backward_notice, next_phase
from lti_tool.activities.rubrics import (
    board,
    bp,
    export,
    forms,
    levels,
    services,
    versions,
    voting,
)
from lti_tool.activities.rubrics.kind import RUBRIC_COCREATION
from lti_tool.activities.rubrics.services import PHASE_LABELS, PHASES, RubricError
from lti_tool.activities.views import course_activity
from lti_tool.auth import current_launch, launch_required
from lti_tool.domain import NotFound
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.models import Activity, Role, RubricVersion
from lti_tool.settings import Settings
from lti_tool.templating import launch_url
from lti_tool.wording import RUBRIC_DONE

log = logging.getLogger(__name__)

PEOPLE = (Role.STUDENT, Role.COACH, Role.FACILITATOR)


from lti_tool.activities.rubrics.revision import latest_revision  # noqa: E402


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _rubric_activity(activity_id: int) -> Activity:
    return course_activity(activity_id, RUBRIC_COCREATION)


def _page(activity: Activity, *, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    launch = current_launch()
    setup = services.setup_of(activity)
    listing = board.Listing.from_args(request.args)
    seen = board.board_for(activity, setup, launch.person, launch.role, listing)
    return (
        render_template(
            "activities/rubrics/show.html",
            launch=launch,
            activity=activity,
            b=seen,
            links=_links(activity.id, listing),
            phases=PHASES,
            phase_labels=PHASE_LABELS,
            phase_pairs=[(k, PHASE_LABELS[k]) for k in PHASES],
            next_move=_pair(next_phase(PHASES, seen.phase)),
            chart=board.chart(seen.tallies) if seen.tallies is not None else None,
            error=error,
            done=None if error else RUBRIC_DONE.get(request.args.get("done", "")),
            done_key=request.args.get("done", ""),
            notice=backward_notice(activity, PHASE_LABELS),
            is_facilitator=launch.role == Role.FACILITATOR,
            revision=latest_revision(activity),
        ),
        status,
    )


def _pair(key: str | None) -> tuple[str, str] | None:
    return (key, PHASE_LABELS[key]) if key else None


def _links(activity_id: int, listing: board.Listing) -> SimpleNamespace:
    """The page's per-proposal form actions and paging links, each endpoint built once."""
    kept = {"q": listing.query or None, "fate": listing.fate}
    return SimpleNamespace(
        edit=action_maker("rubrics.edit_proposal", "proposal_id", activity_id=activity_id),
        comment=action_maker("rubrics.comment", "proposal_id", activity_id=activity_id),
        accept=action_maker("rubrics.accept", "proposal_id", activity_id=activity_id),
        decline=action_maker("rubrics.decline", "proposal_id", activity_id=activity_id),
        page=link_maker("rubrics.show", "page", activity_id=activity_id, **kept),
        here=url_for("rubrics.show", activity_id=activity_id),
    )


def _act(activity_id: int, action: Callable[[Activity], Any], *, scored: bool = False):  # type: ignore[no-untyped-def]
    """Run one action in one transaction; refusals leave nothing behind."""
    activity = _rubric_activity(activity_id)
    launch = current_launch()
    try:
        action(activity)
        if scored:
            RUBRIC_COCREATION.rescore(
                activity, person_id=launch.person.id, tool_base_url=_settings().LTI_TOOL_BASE_URL
            )
    except RubricError as exc:
        db.session.rollback()
        log.info(
            "rubric %s: %s refused for person %s: %s",
            activity_id,
            request.endpoint,
            launch.person.id,
            exc.code,
        )
        if exc.status in (403, 404):
            raise  # nothing to show inline: the one domain error handler answers
        activity = _rubric_activity(activity_id)
        return _page(activity, error=exc.message, status=exc.status)
    except IntegrityError:
        # A unique constraint caught a simultaneous change the services did not foresee.
        db.session.rollback()
        log.warning(
            "rubric %s: %s conflicted with a simultaneous change", activity_id, request.endpoint
        )
        activity = _rubric_activity(activity_id)
        message = _("Someone changed this at the same moment. Here is the page as it is now.")
        return _page(activity, error=message, status=409)
    db.session.commit()
    kick()
    # The page says what was done (wording.RUBRIC_DONE), focused by its role="status".
    done = (request.endpoint or "").rpartition(".")[2]
    return redirect(
        launch_url("rubrics.show", activity_id=activity_id, done=done) + "#done", code=303
    )


@bp.route("/rubrics/<int:activity_id>")
@launch_required(*PEOPLE)
def show(activity_id: int):  # type: ignore[no-untyped-def]
    activity = _rubric_activity(activity_id)
    page = _page(activity)
    db.session.commit()  # the configuration row may have been created with its defaults
    return page


@bp.route("/rubrics/<int:activity_id>/settings", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def configure(activity_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    return _act(
        activity_id,
        lambda a: services.configure(a, services.setup_of(a), forms.setup_values(request.form), me),
    )


@bp.route("/rubrics/<int:activity_id>/phase", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def move_phase(activity_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    f = request.form
    to, seen = f.get("phase", ""), f.get("from_phase")
    return _act(
        activity_id,
        lambda a: services.move_phase(
            a,
            services.setup_of(a),
            to,
            me,
            seen=seen,
            confirmed=f.get("confirm_back") == "yes",
            reason=f.get("reason", ""),
        ),
    )


@bp.route("/rubrics/<int:activity_id>/proposals", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def propose(activity_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    return _act(
        activity_id,
        lambda a: services.propose(
            a,
            services.setup_of(a),
            me,
            f.get("title", ""),
            f.get("description", ""),
            f.get("rationale", ""),
        ),
        scored=True,
    )


@bp.route("/rubrics/<int:activity_id>/proposals/<int:proposal_id>", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def edit_proposal(activity_id: int, proposal_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    return _act(
        activity_id,
        lambda a: services.edit_proposal(
            a,
            services.setup_of(a),
            proposal_id,
            me,
            f.get("title", ""),
            f.get("description", ""),
            f.get("rationale", ""),
        ),
    )


@bp.route("/rubrics/<int:activity_id>/proposals/<int:proposal_id>/comments", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def comment(activity_id: int, proposal_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    body = request.form.get("body", "")
    return _act(
        activity_id,
        lambda a: services.comment(a, services.setup_of(a), proposal_id, me, body),
        scored=True,
    )


@bp.route("/rubrics/<int:activity_id>/proposals/<int:proposal_id>/accept", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def accept(activity_id: int, proposal_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    return _act(
        activity_id, lambda a: services.accept_proposal(a, services.setup_of(a), proposal_id, me)
    )


@bp.route("/rubrics/<int:activity_id>/proposals/<int:proposal_id>/decline", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def decline(activity_id: int, proposal_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    reason = request.form.get("reason", "")
    return _act(
        activity_id,
        lambda a: services.decline_proposal(a, services.setup_of(a), proposal_id, reason, me),
    )


@bp.route("/rubrics/<int:activity_id>/merge", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def merge(activity_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    return _act(
        activity_id,
        lambda a: services.merge_proposals(
            a,
            services.setup_of(a),
            forms.ids(f, "proposal_ids"),
            f.get("title", ""),
            f.get("description", ""),
            me,
        ),
    )


@bp.route("/rubrics/<int:activity_id>/criteria/<int:criterion_id>", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def edit_criterion(activity_id: int, criterion_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    return _act(
        activity_id,
        lambda a: services.edit_criterion(
            a,
            services.setup_of(a),
            criterion_id,
            f.get("title", ""),
            f.get("description", ""),
            me,
        ),
    )


@bp.route("/rubrics/<int:activity_id>/selection", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def select_criteria(activity_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    chosen = set(forms.ids(request.form, "criterion_ids"))
    return _act(activity_id, lambda a: voting.set_selection(a, chosen, me))


@bp.route("/rubrics/<int:activity_id>/ballot", methods=["POST"])
@launch_required(Role.STUDENT)
@once_per_form
def vote(activity_id: int):  # type: ignore[no-untyped-def]
    me = current_launch().person
    return _act(
        activity_id,
        lambda a: voting.cast_ballot(a, services.setup_of(a), me, forms.allocation(request.form)),
        scored=True,
    )


@bp.route("/rubrics/<int:activity_id>/criteria/<int:criterion_id>/drafts", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def draft_level(activity_id: int, criterion_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    return _act(
        activity_id,
        lambda a: levels.draft_level(
            a,
            services.setup_of(a),
            criterion_id,
            forms.whole(f.get("position"), _l("The level")),
            me,
            f.get("title", ""),
            f.get("description", ""),
        ),
    )


@bp.route("/rubrics/<int:activity_id>/criteria/<int:criterion_id>/levels", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def accept_level(activity_id: int, criterion_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    draft = f.get("draft_id") or ""
    return _act(
        activity_id,
        lambda a: levels.accept_level(
            a,
            services.setup_of(a),
            criterion_id,
            forms.whole(f.get("position"), _l("The level")),
            forms.whole(draft, _l("The draft")) if draft else None,
            f.get("title", ""),
            f.get("description", ""),
            forms.number(f.get("points"), _l("Points")),
            me,
        ),
    )


@bp.route("/rubrics/<int:activity_id>/publish", methods=["POST"])
@launch_required(Role.FACILITATOR)
@once_per_form
def publish(activity_id: int):  # type: ignore[no-untyped-def]
    me, f = current_launch().person, request.form
    base = _settings().LTI_TOOL_BASE_URL

    def action(a: Activity) -> None:
        setup = services.setup_of(a)
        versions.publish(a, setup, me, weights=forms.weights(f), note=f.get("note", ""))
        RUBRIC_COCREATION.rescore(a, tool_base_url=base)

    return _act(activity_id, action)


@bp.route("/rubrics/<int:activity_id>/changelog")
@launch_required(*PEOPLE)
def changelog(activity_id: int) -> str:
    launch = current_launch()
    activity = _rubric_activity(activity_id)
    setup = services.setup_of(activity)
    credits = board.credits_for(activity, setup, launch.role)
    return render_template(
        "activities/rubrics/changelog.html",
        launch=launch,
        activity=activity,
        entries=versions.change_log(activity),
        credits=credits,
        viewer_id=launch.person.id,
        authored={p.id: p.author_id for p in services.proposals_of(activity)},
    )


@bp.route("/rubrics/<int:activity_id>/versions/<int:version_id>")
@launch_required(*PEOPLE)
def version(activity_id: int, version_id: int):  # type: ignore[no-untyped-def]
    launch = current_launch()
    activity = _rubric_activity(activity_id)
    shown = versions.version_in(activity, version_id)
    earlier = [v for v in versions.versions_of(activity) if v.number < shown.number]
    previous = earlier[-1] if earlier else None
    return render_template(
        "activities/rubrics/version.html",
        launch=launch,
        activity=activity,
        version=shown,
        previous=previous,
        changes=versions.diff(previous.content if previous else None, shown.content),
    )


@bp.route("/rubrics/<int:activity_id>/versions/<int:version_id>/export.<fmt>")
@launch_required(*PEOPLE)
def export_version(activity_id: int, version_id: int, fmt: str):  # type: ignore[no-untyped-def]
    launch = current_launch()
    activity = _rubric_activity(activity_id)
    shown = versions.version_in(activity, version_id)
    name = f"rubric-{activity.id}-v{shown.number}"
    if fmt == "json":
        setup = services.setup_of(activity)
        body = export.to_json(
            shown, versions.change_log(activity), board.credits_for(activity, setup, launch.role)
        )
        return _download(
            json.dumps(body, indent=2, ensure_ascii=False), "application/json", f"{name}.json"
        )
    if fmt == "csv":
        return _download(
            export.to_canvas_csv(shown), "text/csv; charset=utf-8", f"{name}-canvas.csv"
        )
    if fmt == "case.json":
        body = export.to_case(shown, _settings().LTI_TOOL_BASE_URL, _settings().SECRET_KEY)
        return _download(
            json.dumps(body, indent=2, ensure_ascii=False), "application/json", f"{name}-case.json"
        )
    raise NotFound("EXPORT_UNKNOWN", _l("Exports are JSON, Canvas CSV or CASE JSON."))


@bp.route("/case/<token>/<ident>")
def case_uri(token: str, ident: str) -> Response:
    """Where a CASE export's URIs lead: the rubric, criterion or level as JSON. No launch: a
    URI is followed by whatever reads the export (a repository, another tool); the keyed
    token in the path is what grants it (export.case_token)."""
    settings = _settings()
    version_id = export.version_of_token(token, settings.SECRET_KEY)
    found = db.session.get(RubricVersion, version_id) if version_id is not None else None
    if found is None:
        raise NotFound("CASE_URI_UNKNOWN", _l("No CASE item has this URI."))
    node = export.case_node(
        export.to_case(found, settings.LTI_TOOL_BASE_URL, settings.SECRET_KEY), ident
    )
    if node is None:
        raise NotFound("CASE_URI_UNKNOWN", _l("No CASE item has this URI."))
    response = Response(json.dumps(node, ensure_ascii=False), mimetype="application/json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
