"""Goal setting pages. Thin: each view reads the form, calls one service, commits, and redirects
(or shows the page again with the rule's message). Who may act is the services' decision."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lti_tool import i18n
from lti_tool.activities.goals import bp, charts, progress, queries, services
from lti_tool.activities.goals.config import (
    PHASES,
    GoalRuleError,
)
from lti_tool.activities.goals.forms import FormError, check_in_text, goal_text
from lti_tool.activities.goals.guidance import SMART_HELP, next_step
from lti_tool.activities.goals.kind import GOAL_SETTING
from lti_tool.activities.goals.overview import STAGES as STAGE_LABELS
from lti_tool.activities.goals.scoring import rule_of
from lti_tool.activities.goals.services import Actor, Scope
from lti_tool.activities.idempotency import once_per_form
from lti_tool.activities.links import link_maker
from lti_tool.activities.phase_moves import BackwardNotice, backward_notice, next_phase
from lti_tool.activities.rubrics.api import finalised_rubrics
from lti_tool.activities.views import course_activity
from lti_tool.auth import AccessDenied, current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.grading.goals import explain
from lti_tool.models import (
    Goal,
    Person,
    Role,
    utcnow,
)
from lti_tool.settings import Settings
from lti_tool.templating import launch_url
from lti_tool.wording import GOAL_DONE

log = logging.getLogger(__name__)
PEOPLE = (Role.STUDENT, Role.COACH, Role.FACILITATOR)


def scope_of(activity_id: int) -> Scope:
    activity = course_activity(activity_id, GOAL_SETTING)
    settings: Settings = current_app.extensions["coproduce.settings"]
    return Scope.of(activity, utcnow().date(), settings.LTI_TOOL_BASE_URL)


def current_actor() -> Actor:
    launch = current_launch()
    return Actor(launch.person, launch.role)


def _goal_or_refuse(scope: Scope, goal_id: int) -> Goal:
    """The goal, or a GoalRuleError answered by the one domain error handler (lti_tool.errors)."""
    return services.goal_for(scope, goal_id, current_actor())


def render_page(template: str, scope: Scope, status: int = 200, **context: Any) -> tuple[str, int]:
    # The confirmation of the action just done (wording.GOAL_DONE), by a key in the redirect.
    done_key = context.pop("done", None) or request.args.get("done")
    phase = scope.phase
    return (
        render_template(
            template,
            launch=current_launch(),
            activity=scope.activity,
            config=scope.config,
            phase=phase,
            phases=GOAL_SETTING.phases,
            phase_pairs=[(p.key, p.label) for p in GOAL_SETTING.phases],
            next_move=_pair(next_phase(PHASES, phase)),
            notice=_in_words(backward_notice(scope.activity)),
            help=SMART_HELP,
            done=None if context.get("error") else GOAL_DONE.get(done_key or ""),
            **context,
        ),
        status,
    )


def _in_words(notice: BackwardNotice | None) -> BackwardNotice | None:
    """The backward-move notice with the phase in the reader's language: the event stores the
    phase's English name (manage.phase)."""
    if notice is None:
        return None
    with i18n.in_language(i18n.DEFAULT_LANGUAGE):
        english = {str(p.label): p.label for p in GOAL_SETTING.phases}
    label = english.get(notice.to_label)
    return replace(notice, to_label=str(label)) if label is not None else notice


def _pair(key: str | None) -> tuple[str, str] | None:
    labels = {p.key: p.label for p in GOAL_SETTING.phases}
    return (key, labels[key]) if key else None


def _thread(scope: Scope, goal: Goal, status: int = 200, **extra: Any) -> tuple[str, int]:
    thread = queries.goal_thread(goal)
    return render_page(
        "activities/goals/goal.html",
        scope,
        status,
        goal=goal,
        owner=thread.owner,
        responses=thread.responses,
        check_ins=thread.check_ins,
        comments=thread.comments,
        reflections=thread.reflections,
        choices=services.criterion_choices(finalised_rubrics(scope.activity.context_id)),
        may_agree=services.may_agree(scope.config, current_launch().role),
        series=charts.student_series([(goal.versions[-1].what, thread.progress)]),
        geometry=charts.GEOMETRY,
        **extra,
    )


def _act(activity_id: int, goal_id: int, action: Callable[[Scope, Goal], Any], done: str) -> Any:
    """Run one action on a goal in one transaction: redirect to the goal on success, or show the
    goal again with the rule's message (nothing saved)."""
    scope = scope_of(activity_id)
    goal = _goal_or_refuse(scope, goal_id)
    try:
        services.check_phase_seen(scope, request.form.get("phase"))
        action(scope, goal)
    except (GoalRuleError, FormError) as exc:
        db.session.rollback()
        if isinstance(exc, GoalRuleError) and exc.status in (403, 404):
            raise  # nothing to show inline: the one domain error handler answers
        status = exc.status if isinstance(exc, GoalRuleError) else 400
        log.info("goals: %s on goal %s refused: %s", request.path, goal_id, exc)
        scope = scope_of(activity_id)
        goal = _goal_or_refuse(scope, goal_id)
        return _thread(scope, goal, status, error=str(exc), form=request.form)
    db.session.commit()
    kick()
    log.info("goals: %s on goal %s by person %s", done, goal_id, current_launch().person.id)
    return redirect(
        launch_url("goals.goal", activity_id=activity_id, goal_id=goal_id, done=done), code=303
    )


# -- pages ------------------------------------------------------------------------------------


@bp.route("/goals/<int:activity_id>")
@launch_required(*PEOPLE)
def home(activity_id: int) -> Any:
    scope = scope_of(activity_id)
    launch = current_launch()
    if launch.role == Role.STUDENT:
        return _student_page(scope, launch.person, own=True)
    page = queries.overview_page(scope.activity, queries.Listing.from_args(request.args))
    listing = page.listing
    kept = {"stage": listing.stage, "q": listing.query or None}
    html, status = render_page(
        "activities/goals/overview.html",
        scope,
        view=page,
        lines=page.lines,
        stage=listing.stage,
        stages=STAGE_LABELS,
        counts=page.counts,
        bars=page.bars,
        geometry=charts.GEOMETRY,
        here=url_for("goals.home", activity_id=activity_id),
        page_href=link_maker("goals.home", "page", activity_id=activity_id, **kept),
        student_href=link_maker("goals.student", "person_id", activity_id=activity_id),
        goal_href=link_maker("goals.goal", "goal_id", activity_id=activity_id),
    )
    db.session.commit()  # the settings row made on first use
    return html, status


def _student_page(scope: Scope, person: Person, *, own: bool) -> Any:
    goals = services.goals_of(scope, person.id)
    by_goal = queries.check_ins_by_goal(goals)
    counts = {gid: len(v) for gid, v in by_goal.items()}
    page, status = render_page(
        "activities/goals/student.html",
        scope,
        own=own,
        person=person,
        goals=goals,
        check_ins=by_goal,
        next_step=next_step(goals, scope.config, scope.phase, counts),
        rule=explain(rule_of(scope)) if scope.activity.graded else None,
        series=charts.student_series(
            [(g.versions[-1].what, [c.progress for c in by_goal[g.id]]) for g in goals]
        ),
        geometry=charts.GEOMETRY,
    )
    db.session.commit()
    return page, status


@bp.route("/goals/<int:activity_id>/students/<int:person_id>")
@launch_required(*PEOPLE)
def student(activity_id: int, person_id: int) -> Any:
    scope = scope_of(activity_id)
    launch = current_launch()
    if launch.role == Role.STUDENT and person_id != launch.person.id:
        raise AccessDenied("NOT_YOUR_GOAL", _("You can only open your own goals."), 403)
    person = queries.student_in_course(scope.activity, person_id)
    if person is None:
        raise AccessDenied("PERSON_NOT_FOUND", _("That person is not in this course."), 404)
    return _student_page(scope, person, own=person.id == launch.person.id)


@bp.route("/goals/<int:activity_id>/new", methods=["GET", "POST"])
@launch_required(Role.STUDENT)
@once_per_form
def new_goal(activity_id: int) -> Any:
    scope = scope_of(activity_id)
    choices = services.criterion_choices(finalised_rubrics(scope.activity.context_id))
    if request.method == "GET":
        return render_page("activities/goals/new.html", scope, choices=choices, form={})
    try:
        services.check_phase_seen(scope, request.form.get("phase"))
        goal = services.save_draft(scope, current_actor(), goal_text(request.form))
        if request.form.get("action") == "submit":
            services.submit(scope, current_actor(), goal)
    except (GoalRuleError, FormError) as exc:
        db.session.rollback()
        log.info("goals: new goal refused: %s", exc)
        status = exc.status if isinstance(exc, GoalRuleError) else 400
        scope = scope_of(activity_id)
        return render_page(
            "activities/goals/new.html",
            scope,
            status,
            choices=choices,
            form=request.form,
            error=str(exc),
        )
    goal_id = goal.id
    db.session.commit()
    kick()
    done = "submitted" if request.form.get("action") == "submit" else "saved"
    return redirect(
        launch_url("goals.goal", activity_id=activity_id, goal_id=goal_id, done=done), code=303
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>")
@launch_required(*PEOPLE)
def goal(activity_id: int, goal_id: int) -> Any:
    scope = scope_of(activity_id)
    found = _goal_or_refuse(scope, goal_id)
    page = _thread(scope, found)
    db.session.commit()
    return page


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/draft", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def save_draft(activity_id: int, goal_id: int) -> Any:
    def action(scope: Scope, goal: Goal) -> None:
        services.save_draft(scope, current_actor(), goal_text(request.form), goal=goal)
        if request.form.get("action") == "submit":
            services.submit(scope, current_actor(), goal)

    # "Submit for agreement" posts here too: say what happened, not "saved" ("Saved: saved.").
    done = "submitted" if request.form.get("action") == "submit" else "saved"
    return _act(activity_id, goal_id, action, done)


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/submit", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def submit(activity_id: int, goal_id: int) -> Any:
    return _act(
        activity_id, goal_id, lambda s, g: services.submit(s, current_actor(), g), "submitted"
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/respond", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def respond(activity_id: int, goal_id: int) -> Any:
    return _act(
        activity_id,
        goal_id,
        lambda s, g: services.respond(
            s, current_actor(), g, request.form.get("decision", ""), request.form.get("comment", "")
        ),
        "responded",
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/check-in", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def check_in(activity_id: int, goal_id: int) -> Any:
    return _act(
        activity_id,
        goal_id,
        lambda s, g: progress.check_in(s, current_actor(), g, check_in_text(request.form)),
        "checked-in",
    )


@bp.route("/goals/<int:activity_id>/check-ins/<int:check_in_id>/comment", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def comment(activity_id: int, check_in_id: int) -> Any:
    scope = scope_of(activity_id)
    row = services.check_in_for(scope, check_in_id)
    return _act(
        activity_id,
        row.goal_id,
        lambda s, g: progress.comment_check_in(
            s, current_actor(), services.check_in_for(s, check_in_id), request.form.get("body", "")
        ),
        "commented",
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/reflect", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def reflect(activity_id: int, goal_id: int) -> Any:
    form = request.form
    return _act(
        activity_id,
        goal_id,
        lambda s, g: progress.reflect(
            s,
            current_actor(),
            g,
            form.get("outcome", ""),
            form.get("learned", ""),
            form.get("next_steps", ""),
        ),
        "reflected",
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/reopen", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def reopen(activity_id: int, goal_id: int) -> Any:
    return _act(
        activity_id,
        goal_id,
        lambda s, g: progress.reopen(s, current_actor(), g, request.form.get("reason", "")),
        "reopened",
    )


@bp.route("/goals/<int:activity_id>/g/<int:goal_id>/judge", methods=["POST"])
@launch_required(*PEOPLE)
@once_per_form
def judge(activity_id: int, goal_id: int) -> Any:
    def action(scope: Scope, goal: Goal) -> None:
        raw = request.form.get("level", "")
        if not raw.strip().isdigit():
            raise FormError("level", _("Choose a level."))
        progress.judge(scope, current_actor(), goal, int(raw))

    return _act(activity_id, goal_id, action, "judged")
