"""Goal setting rules after agreement: check-ins and comments on them, the final reflection, a
facilitator re-opening a reflected goal, and the facilitator's judgement. Same contract as
`services`: plain values in, models out, the caller commits; every action is an event."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lti_tool.activities.goals.config import GoalRuleError, check_in_window
from lti_tool.activities.goals.scoring import rescore
from lti_tool.activities.goals.services import (
    MAX_COMMENT,
    MAX_EVIDENCE,
    MAX_NOTE,
    MAX_REFLECTION,
    OUTCOMES,
    Actor,
    Scope,
    checked_text,
    lock_goal,
    locked_reason,
    require_owner,
    require_past_drafting,
    require_staff,
)
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import (
    CheckIn,
    CheckInComment,
    Goal,
    GoalResponse,
    GoalStatus,
    Reflection,
    Role,
)


@dataclass(frozen=True)
class CheckInText:
    progress: int
    confidence: int
    evidence: str = ""
    helped: str = ""
    hindered: str = ""


def check_in(scope: Scope, actor: Actor, goal: Goal, entry: CheckInText) -> CheckIn:
    lock_goal(goal)
    require_owner(goal, actor)
    require_past_drafting(scope, "check_in")
    if goal.status != GoalStatus.AGREED:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l("Check in once the goal is agreed.")
            if goal.status != GoalStatus.REFLECTED
            else locked_reason(goal),
        )
    if not 0 <= entry.progress <= 100:
        raise GoalRuleError("FIELD_INVALID", _l("Progress is a percentage from 0 to 100."), 400)
    if not 1 <= entry.confidence <= 5:
        raise GoalRuleError("FIELD_INVALID", _l("Confidence is from 1 to 5."), 400)
    check_in_window(scope.today, scope.activity, scope.config, _l("A check-in"))
    row = CheckIn(
        goal_id=goal.id,
        progress=entry.progress,
        confidence=entry.confidence,
        evidence=checked_text(entry.evidence, _l("Evidence"), MAX_EVIDENCE, required=True),
        helped=checked_text(entry.helped, _l("What helped"), MAX_NOTE, required=False),
        hindered=checked_text(entry.hindered, _l("What got in the way"), MAX_NOTE, required=False),
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        actor.person,
        "goal.checked_in",
        "check_in",
        row.id,
        activity=scope.activity,
        role=actor.role,
        goal_id=goal.id,
        progress=entry.progress,
    )
    rescore(scope, goal.person_id)
    return row


def comment_check_in(scope: Scope, actor: Actor, row: CheckIn, body: str) -> CheckInComment:
    require_staff(actor)
    comment = CheckInComment(
        check_in_id=row.id,
        author_id=actor.person.id,
        author_name=actor.person.display_name,
        author_role=actor.role.value,
        body=checked_text(body, _l("Comment"), MAX_COMMENT, required=True),
    )
    db.session.add(comment)
    db.session.flush()
    record_event(
        actor.person,
        "check_in.commented",
        "check_in",
        row.id,
        activity=scope.activity,
        role=actor.role,
        goal_id=row.goal_id,
    )
    return comment


def reflect(
    scope: Scope, actor: Actor, goal: Goal, outcome: str, learned: str, next_steps: str
) -> Reflection:
    """The final reflection closes the goal: nothing changes after it unless re-opened."""
    lock_goal(goal)
    require_owner(goal, actor)
    require_past_drafting(scope, "reflect")
    if goal.status != GoalStatus.AGREED:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l("Reflect once the goal is agreed.")
            if goal.status != GoalStatus.REFLECTED
            else _l("You have already reflected on this goal."),
        )
    if outcome not in OUTCOMES:
        raise GoalRuleError(
            "FIELD_INVALID", _l("Say whether you achieved it, partly, or not."), 400
        )
    row = Reflection(
        goal_id=goal.id,
        outcome=outcome,
        learned=checked_text(learned, _l("What I learned"), MAX_REFLECTION, required=True),
        next_steps=checked_text(next_steps, _l("What next"), MAX_REFLECTION, required=False),
    )
    db.session.add(row)
    goal.status = GoalStatus.REFLECTED
    db.session.flush()
    record_event(
        actor.person,
        "goal.reflected",
        "goal",
        goal.id,
        activity=scope.activity,
        role=actor.role,
        outcome=outcome,
    )
    rescore(scope, goal.person_id)
    return row


def reopen(scope: Scope, actor: Actor, goal: Goal, reason: str) -> Goal:
    """A facilitator re-opens a reflected goal, with a reason the student sees (logged)."""
    if actor.role != Role.FACILITATOR:
        raise GoalRuleError("ROLE_FORBIDDEN", _l("Only facilitators can re-open a goal."), 403)
    lock_goal(goal)
    if goal.status != GoalStatus.REFLECTED:
        raise GoalRuleError(
            "GOAL_REFUSED", _l("Only a goal closed by its reflection can be re-opened.")
        )
    reason = checked_text(reason, _l("Reason"), MAX_COMMENT, required=True)
    db.session.add(
        GoalResponse(
            goal_id=goal.id,
            version_number=goal.versions[-1].number,
            responder_id=actor.person.id,
            responder_name=actor.person.display_name,
            responder_role=actor.role.value,
            decision="reopen",
            comment=reason,
        )
    )
    goal.status = GoalStatus.AGREED
    record_event(
        actor.person, "goal.reopened", "goal", goal.id, activity=scope.activity, role=actor.role
    )
    rescore(scope, goal.person_id)
    return goal


def judge(scope: Scope, actor: Actor, goal: Goal, level: int) -> Goal:
    """The facilitator's judgement of a goal (judgement scoring)."""
    if actor.role != Role.FACILITATOR:
        raise GoalRuleError("ROLE_FORBIDDEN", _l("Only facilitators judge goals."), 403)
    if scope.config.scoring != "judgement":
        raise GoalRuleError("GOAL_REFUSED", _l("This activity scores completion, not judgement."))
    if not 0 <= level <= scope.config.judgement_scale:
        raise GoalRuleError(
            "FIELD_INVALID",
            _l("Choose a level from 0 to %(scale)s.", scale=scope.config.judgement_scale),
            400,
        )
    if goal.status not in (GoalStatus.AGREED, GoalStatus.REFLECTED):
        raise GoalRuleError("GOAL_REFUSED", _l("Judge a goal once it is agreed."))
    goal.judgement = level
    record_event(
        actor.person,
        "goal.judged",
        "goal",
        goal.id,
        activity=scope.activity,
        role=actor.role,
        level=level,
    )
    rescore(scope, goal.person_id)
    return goal
