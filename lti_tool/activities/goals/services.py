"""Goal setting rules: finding goals, drafting, submitting, agreeing or suggesting a change, and
revising (check-ins, reflections and re-opening are in `progress`). Every action records an
event and, when it moves the student's score, writes the score through the outbox in the same
transaction.

Plain values in, models out; the caller commits (or rolls back on GoalRuleError, so nothing is
half-saved). Who may act is decided here, not in the views: a student acts only on their own
goals, staff only on goals of their course's activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from lti_tool.activities.goals.config import (
    GoalConfig,
    GoalRuleError,
    check_in_window,
    config_of,
    current_phase,
    settings_of,
)
from lti_tool.activities.goals.scoring import rescore
from lti_tool.activities.rubrics.api import RubricView, finalised_rubrics
from lti_tool.activities.services import lock_row
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    CheckIn,
    Goal,
    GoalResponse,
    GoalSettings,
    GoalStatus,
    GoalVersion,
    Person,
    Role,
    utcnow,
)

LIMITS = {"what": 300, "measure": 2000, "plan": 2000, "relevance": 1000}
MAX_EVIDENCE = 2000
MAX_NOTE = 1000  # what helped, what got in the way, comments' length too
MAX_COMMENT = 2000
MAX_REFLECTION = 3000
OUTCOMES = ("achieved", "partly", "not")
STAFF = (Role.FACILITATOR, Role.COACH)


@dataclass(frozen=True)
class Actor:
    person: Person
    role: Role


@dataclass(frozen=True)
class Scope:
    """The activity acted in, its settings, today's date and where artifacts live."""

    activity: Activity
    settings: GoalSettings
    today: date
    tool_base_url: str

    @property
    def config(self) -> GoalConfig:
        return config_of(self.settings)

    @property
    def phase(self) -> str:
        return current_phase(self.activity, self.settings, self.today)

    @classmethod
    def of(cls, activity: Activity, today: date, tool_base_url: str) -> Scope:
        return cls(activity, settings_of(activity), today, tool_base_url)


@dataclass(frozen=True)
class GoalText:
    what: str
    measure: str = ""
    plan: str = ""
    relevance: str = ""
    by_when: date | None = None
    criterion: tuple[int, int] | None = None  # (rubric version id, criterion id)


@dataclass(frozen=True)
class CriterionChoice:
    version_id: int
    criterion_id: int
    title: str
    rubric_title: str


def criterion_choices(rubrics: list[RubricView]) -> list[CriterionChoice]:
    return [
        CriterionChoice(r.version_id, c.id, c.title, r.title) for r in rubrics for c in r.criteria
    ]


# -- finding goals -------------------------------------------------------------------------


def goal_for(scope: Scope, goal_id: int, actor: Actor) -> Goal:
    """The goal, if `actor` may see it: their own for a student, any in the activity for staff."""
    goal = scoped_get(
        Goal,
        goal_id,
        activity_id=scope.activity.id,
        error=GoalRuleError,
        code="GOAL_NOT_FOUND",
        message=_l("That goal is not part of this activity."),
    )
    if actor.role == Role.STUDENT and goal.person_id != actor.person.id:
        raise GoalRuleError("NOT_YOUR_GOAL", _l("You can only open your own goals."), 403)
    if actor.role not in (Role.STUDENT, *STAFF):
        raise GoalRuleError("ROLE_FORBIDDEN", _l("Your role does not give access to goals."), 403)
    return goal


def goals_of(scope: Scope, person_id: int) -> list[Goal]:
    return list(
        db.session.scalars(
            select(Goal)
            .where(Goal.activity_id == scope.activity.id, Goal.person_id == person_id)
            .order_by(Goal.id)
        )
    )


def check_in_for(scope: Scope, check_in_id: int) -> CheckIn:
    found = db.session.scalars(
        select(CheckIn)
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(CheckIn.id == check_in_id, Goal.activity_id == scope.activity.id)
    ).first()
    if found is None:
        raise GoalRuleError(
            "GOAL_NOT_FOUND", _l("That check-in is not part of this activity."), 404
        )
    return found


# -- checks ---------------------------------------------------------------------------------


def checked_text(value: str, label: str, limit: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise GoalRuleError(
            "FIELD_INVALID", _l("%(label)s: this cannot be empty.", label=label), 400
        )
    if len(value) > limit:
        raise GoalRuleError(
            "FIELD_INVALID",
            _l("%(label)s: keep it under %(limit)s characters.", label=label, limit=limit),
            400,
        )
    return value


def lock_goal(goal: Goal) -> None:
    """Re-read the goal under a row lock (PostgreSQL; SQLite has one writer anyway), so two
    people answering the same submission at once cannot both succeed."""
    db.session.flush()  # a refresh would drop this transaction's unflushed changes
    db.session.refresh(goal, with_for_update=True)


def require_owner(goal: Goal, actor: Actor) -> None:
    if actor.role != Role.STUDENT or goal.person_id != actor.person.id:
        raise GoalRuleError(
            "NOT_YOUR_GOAL", _l("Only the student whose goal it is can do this."), 403
        )


def require_staff(actor: Actor) -> None:
    if actor.role not in STAFF:
        raise GoalRuleError("ROLE_FORBIDDEN", _l("Only facilitators and coaches can do this."), 403)


def check_phase_seen(scope: Scope, seen: str | None) -> None:
    """A form shows the phase it was made in; after a phase change it is stale."""
    if seen is not None and seen != scope.phase:
        raise GoalRuleError(
            "STALE_FORM",
            _l(
                "The activity has moved to another phase since this page was opened. Nothing was "
                "saved: reload the page and try again."
            ),
            409,
        )


# What each phase allows, as the students' page states it (goals/student.html "Dates"): in
# "Draft goals" goals are written and sent, not yet answered, checked in on or reflected on.
NOT_WHILE_DRAFTING = {
    "respond": _l(
        "Goals are agreed from “Agree goals” on; the activity is still in “Draft goals”."
    ),
    "check_in": _l("Check-ins open after “Draft goals”; the activity is still in “Draft goals”."),
    "reflect": _l("Reflections open after “Draft goals”; the activity is still in “Draft goals”."),
}


def require_past_drafting(scope: Scope, action: str) -> None:
    if scope.phase == "draft":
        raise GoalRuleError("WRONG_PHASE", NOT_WHILE_DRAFTING[action], 409)


def _criterion(
    scope: Scope, text: GoalText, rubrics: list[RubricView] | None
) -> CriterionChoice | None:
    if rubrics is None:
        rubrics = finalised_rubrics(scope.activity.context_id)
    choices = criterion_choices(rubrics)
    if text.criterion is None:
        return None
    for choice in choices:
        if (choice.version_id, choice.criterion_id) == text.criterion:
            return choice
    raise GoalRuleError(
        "FIELD_INVALID", _l("That rubric criterion is not one of this course's."), 400
    )


# -- the student's goal -------------------------------------------------------------------


def save_draft(
    scope: Scope,
    actor: Actor,
    text: GoalText,
    *,
    goal: Goal | None = None,
    rubrics: list[RubricView] | None = None,
) -> Goal:
    """A new goal, or the student's draft of the next version of theirs. A submitted version is
    never changed: revising after a suggestion starts a new version."""
    if actor.role != Role.STUDENT:
        raise GoalRuleError(
            "ROLE_FORBIDDEN", _l("Only students write goals; comment instead."), 403
        )
    if scope.phase == "reflect":
        raise GoalRuleError(
            "GOAL_REFUSED", _l("Goals are closed: the activity is in its final reflection phase.")
        )
    what = checked_text(text.what, _l("What exactly"), LIMITS["what"], required=True)
    fields = {
        "measure": checked_text(
            text.measure, _l("How it will be measured"), LIMITS["measure"], required=False
        ),
        "plan": checked_text(text.plan, _l("The plan"), LIMITS["plan"], required=False),
        "relevance": checked_text(
            text.relevance, _l("Why it matters"), LIMITS["relevance"], required=False
        ),
    }
    if text.by_when is not None:
        check_in_window(text.by_when, scope.activity, scope.config, _l("By when"))
    choice = _criterion(scope, text, rubrics)
    if goal is None:
        # Count under the writer's row lock: ten parallel POSTs with a maximum of one goal
        # made two to five goals when each counted before any of the others had inserted.
        lock_row(actor.person)
        count = db.session.scalar(
            select(func.count(Goal.id)).where(
                Goal.activity_id == scope.activity.id, Goal.person_id == actor.person.id
            )
        )
        if (count or 0) >= scope.config.max_goals:
            raise GoalRuleError(
                "GOAL_REFUSED",
                lazy_ngettext(
                    "You can set at most %(num)d goal here.",
                    "You can set at most %(num)d goals here.",
                    scope.config.max_goals,
                ),
            )
        goal = Goal(activity_id=scope.activity.id, person_id=actor.person.id)
        db.session.add(goal)
        db.session.flush()
        version = None
    else:
        require_owner(goal, actor)
        lock_goal(goal)
        if goal.status not in (GoalStatus.DRAFT, GoalStatus.CHANGES):
            raise GoalRuleError("GOAL_REFUSED", locked_reason(goal))
        version = goal.versions[-1] if goal.versions else None
    revising = version is not None and version.submitted_at is not None
    if version is None or revising:
        number = (version.number + 1) if version is not None else 1
        version = GoalVersion(number=number, what=what)
        goal.versions.append(version)
    version.what = what
    version.measure, version.plan, version.relevance = (
        fields["measure"],
        fields["plan"],
        fields["relevance"],
    )
    version.by_when = text.by_when
    version.rubric_version_id = choice.version_id if choice else None
    version.criterion_id = choice.criterion_id if choice else None
    version.criterion_title = choice.title if choice else None
    goal.updated_at = utcnow()
    db.session.flush()
    verb = "goal.revised" if version.number > 1 else "goal.drafted"
    record_event(
        actor.person,
        verb,
        "goal",
        goal.id,
        activity=scope.activity,
        role=actor.role,
        version=version.number,
    )
    return goal


def locked_reason(goal: Goal) -> str:
    return {
        GoalStatus.PENDING: _l("This goal is waiting for agreement; wait for the response first."),
        GoalStatus.AGREED: _l("This goal has been agreed; check in on it instead."),
        GoalStatus.REFLECTED: _l("This goal is closed after your reflection; ask to re-open it."),
    }.get(GoalStatus(goal.status), _l("This goal cannot be changed now."))


def submit(scope: Scope, actor: Actor, goal: Goal, rubrics: list[RubricView] | None = None) -> Goal:
    """Send the newest version for agreement; it must be complete (SMART) and not yet sent."""
    lock_goal(goal)
    require_owner(goal, actor)
    if goal.status == GoalStatus.PENDING:
        raise GoalRuleError("GOAL_REFUSED", _l("This goal is already waiting for agreement."))
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.CHANGES):
        raise GoalRuleError("GOAL_REFUSED", locked_reason(goal))
    if scope.phase == "reflect":
        raise GoalRuleError(
            "GOAL_REFUSED", _l("Goals are closed: the activity is in its final reflection phase.")
        )
    version = goal.versions[-1]
    if version.submitted_at is not None:
        raise GoalRuleError("GOAL_REFUSED", _l("Revise the goal before submitting it again."))
    missing = [
        label
        for label, value in (
            (_l("how it will be measured"), version.measure),
            (_l("the plan"), version.plan),
            (_l("why it matters"), version.relevance),
            (_l("by when"), version.by_when),
        )
        if not value
    ]
    if missing:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l("Before submitting, add %(missing)s.", missing=", ".join(str(m) for m in missing)),
            400,
        )
    if version.by_when is not None:
        check_in_window(version.by_when, scope.activity, scope.config, _l("By when"))
    if scope.config.require_criterion and version.criterion_id is None:
        if rubrics is None:
            rubrics = finalised_rubrics(scope.activity.context_id)
        if criterion_choices(rubrics):
            raise GoalRuleError(
                "GOAL_REFUSED", _l("Link this goal to a criterion of the course's rubric."), 400
            )
    version.submitted_at = utcnow()
    goal.status = GoalStatus.PENDING
    record_event(
        actor.person,
        "goal.submitted",
        "goal",
        goal.id,
        activity=scope.activity,
        role=actor.role,
        version=version.number,
    )
    rescore(scope, goal.person_id)
    return goal


def may_agree(config: GoalConfig, role: Role) -> bool:
    return config.agreed_by == "both" or config.agreed_by == role.value


def respond(scope: Scope, actor: Actor, goal: Goal, decision: str, comment: str) -> GoalResponse:
    """Agree the submitted version, or suggest a change with a comment. The student's words stay
    as they wrote them; the suggestion sits beside them."""
    require_staff(actor)
    if decision not in ("agree", "suggest"):
        raise GoalRuleError("FIELD_INVALID", _l("Choose to agree or to suggest a change."), 400)
    comment = checked_text(comment, _l("Comment"), MAX_COMMENT, required=decision == "suggest")
    require_past_drafting(scope, "respond")
    lock_goal(goal)
    if goal.status != GoalStatus.PENDING:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l("This goal is not waiting for agreement (someone may have answered)."),
        )
    if decision == "agree" and not may_agree(scope.config, actor.role):
        raise GoalRuleError(
            "ROLE_FORBIDDEN",
            _l(
                "In this activity goals are agreed by the coaches; suggest a change or comment "
                "instead."
            )
            if scope.config.agreed_by == "coach"
            else _l(
                "In this activity goals are agreed by the facilitators; suggest a change or "
                "comment instead."
            ),
            403,
        )
    version = goal.versions[-1]
    response = GoalResponse(
        goal_id=goal.id,
        version_number=version.number,
        responder_id=actor.person.id,
        responder_name=actor.person.display_name,
        responder_role=actor.role.value,
        decision=decision,
        comment=comment,
    )
    db.session.add(response)
    goal.status = GoalStatus.AGREED if decision == "agree" else GoalStatus.CHANGES
    verb = "goal.agreed" if decision == "agree" else "goal.change_suggested"
    record_event(
        actor.person,
        verb,
        "goal",
        goal.id,
        activity=scope.activity,
        role=actor.role,
        version=version.number,
    )
    rescore(scope, goal.person_id)
    return response
