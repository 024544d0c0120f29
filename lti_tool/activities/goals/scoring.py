"""A student's goal score and artifact, recomputed after each change and written through the
outbox (in the caller's transaction) only when the score or the artifact changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lti_tool import i18n
from lti_tool.activities import extensions
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, record_score
from lti_tool.grading.goals import GoalStanding, ScoreRule, completed_stages, goal_score
from lti_tool.models import (
    Artifact,
    CheckIn,
    Goal,
    GoalResponse,
    GoalStatus,
    OutboxScore,
    Person,
    Reflection,
)
from lti_tool.wording import day, label, stages_comment

if TYPE_CHECKING:
    from lti_tool.activities.goals.services import Scope


def rule_of(scope: Scope) -> ScoreRule:
    config = scope.config
    return ScoreRule(
        scoring=config.scoring,
        points=scope.activity.points,
        min_goals=config.min_goals,
        checkins_needed=config.checkins_needed,
        stage_points=config.stage_points,
        judgement_scale=config.judgement_scale,
    )


def _standing(goal: Goal, check_ins: int) -> GoalStanding:
    return GoalStanding(
        agreed=goal.status in (GoalStatus.AGREED, GoalStatus.REFLECTED),
        check_ins=check_ins,
        reflected=goal.status == GoalStatus.REFLECTED,
        judgement=goal.judgement,
    )


_Row = TypeVar("_Row", CheckIn, GoalResponse, Reflection)


def _rows(goal_ids: list[int], model: type[_Row]) -> dict[int, list[_Row]]:
    found: dict[int, list[_Row]] = {g: [] for g in goal_ids}
    if goal_ids:
        for row in db.session.scalars(
            select(model).where(model.goal_id.in_(goal_ids)).order_by(model.id)
        ):
            found[row.goal_id].append(row)
    return found


def artifact_of(scope: Scope, person: Person, goals: list[Goal]) -> ArtifactContent:
    """The goal plan as the gradebook sees it: every version, response, check-in, reflection."""
    ids = [g.id for g in goals]
    check_ins = _rows(ids, CheckIn)
    responses = _rows(ids, GoalResponse)
    reflections = _rows(ids, Reflection)
    lines: list[str] = []
    # The artifact is read in the gradebook, in the LMS's language (see `rescore`); each line
    # is one message, so a translation may order its words freely.
    for n, goal in enumerate(goals, 1):
        latest = goal.versions[-1]
        status = label(goal.status, "goal_status")
        lines.append(_("Goal %(n)s: %(what)s (%(status)s)", n=n, what=latest.what, status=status))
        for v in goal.versions:
            if v.submitted_at:
                lines.append("  " + _("Version %(n)s: %(what)s", n=v.number, what=v.what))
            else:
                lines.append("  " + _("Version %(n)s (draft): %(what)s", n=v.number, what=v.what))
            lines.append("    " + _("Measure: %(text)s", text=v.measure))
            lines.append("    " + _("Plan: %(text)s", text=v.plan))
            lines.append("    " + _("Why it matters: %(text)s", text=v.relevance))
            if v.criterion_title:
                lines.append("    " + _("Rubric criterion: %(text)s", text=v.criterion_title))
            lines.append("    " + _("By: %(date)s", date=day(v.by_when) or "-"))
        for r in responses[goal.id]:
            values = {
                "name": r.responder_name,
                "role": label(r.responder_role, "role"),
                "n": r.version_number,
                "decision": label(r.decision, "goal_decision"),
                "comment": r.comment,
            }
            if r.comment:
                text = _(
                    "%(name)s (%(role)s) on version %(n)s: %(decision)s - %(comment)s", **values
                )
            else:
                text = _("%(name)s (%(role)s) on version %(n)s: %(decision)s", **values)
            lines.append("  " + text)
        for c in check_ins[goal.id]:
            text = _(
                "Check-in %(date)s: %(progress)s%% (confidence %(confidence)s/5) - %(evidence)s",
                date=day(c.created_at),
                progress=c.progress,
                confidence=c.confidence,
                evidence=c.evidence,
            )
            if c.helped:
                text += _("; helped: %(text)s", text=c.helped)
            if c.hindered:
                text += _("; in the way: %(text)s", text=c.hindered)
            lines.append("  " + text)
        for done in reflections[goal.id]:
            lines.append(
                "  "
                + _(
                    "Reflection: %(outcome)s. Learned: %(learned)s. Next: %(next)s",
                    outcome=label(done.outcome, "goal_outcome"),
                    learned=done.learned,
                    next=done.next_steps,
                )
            )
        lines.append("")
    agreed = sum(g.status in (GoalStatus.AGREED, GoalStatus.REFLECTED) for g in goals)
    reflected = sum(g.status == GoalStatus.REFLECTED for g in goals)
    total_check_ins = sum(len(v) for v in check_ins.values())
    summary = ", ".join(
        (
            ngettext("%(num)d goal", "%(num)d goals", len(goals)),
            ngettext("%(num)d agreed", "%(num)d agreed", agreed),
            ngettext("%(num)d check-in", "%(num)d check-ins", total_check_ins),
            ngettext("%(num)d reflected", "%(num)d reflected", reflected),
        )
    )
    return ArtifactContent(
        title=_("Goal plan: %(title)s", title=scope.activity.title),
        summary=summary,
        body="\n".join(lines),
    )


def standings_of(goals: list[Goal]) -> list[GoalStanding]:
    counts = {goal_id: len(rows) for goal_id, rows in _rows([g.id for g in goals], CheckIn).items()}
    return [_standing(g, counts[g.id]) for g in goals]


def rescore(scope: Scope, person_id: int) -> OutboxScore | None:
    """Write the student's score and artifact to the outbox when either changed."""
    if not scope.activity.graded:
        return None
    person = db.session.get(Person, person_id)
    assert person is not None
    db.session.flush()
    goals = list(
        db.session.scalars(
            select(Goal)
            .where(Goal.activity_id == scope.activity.id, Goal.person_id == person_id)
            .order_by(Goal.id)
        )
    )
    rule = rule_of(scope)
    excused = extensions.excused_phases(scope.activity).get(person_id, set())
    score = goal_score(rule, standings_of(goals), frozenset(excused))
    # What the gradebook shows (the artifact, the comment) is in the LMS's language, whoever's
    # action made it: the same plan reads the same, and is not re-sent for a reader's language.
    language = person.platform.default_language or i18n.DEFAULT_LANGUAGE
    with i18n.in_language(language):
        content = artifact_of(scope, person, goals)
    previous = db.session.scalars(
        select(OutboxScore).where(
            OutboxScore.activity_id == scope.activity.id, OutboxScore.person_id == person_id
        )
    ).first()
    artifact = db.session.scalars(
        select(Artifact).where(
            Artifact.activity_id == scope.activity.id, Artifact.person_id == person_id
        )
    ).first()
    if (
        previous is not None
        and previous.score_given == score
        and artifact is not None
        and (artifact.summary, artifact.body) == (content.summary, content.body)
    ):
        return None
    done = completed_stages(rule, standings_of(goals)) if rule.scoring == "completion" else []
    finished = all(g.status == GoalStatus.REFLECTED for g in goals) and bool(goals)
    return record_score(
        scope.activity,
        person,
        ScoreChange(
            score,
            activity_progress="Completed" if finished else "InProgress",
            grading_progress="FullyGraded"
            if score is not None
            else ("PendingManual" if rule.scoring == "judgement" else "Pending"),
            comment=_comment(language, done),
            artifact=content,
            # A plan submitted for agreement is new work (a Canvas attempt); agreeing it,
            # checking in or reflecting changes the score of the same work.
            work=_submitted_versions(goals),
        ),
        tool_base_url=scope.tool_base_url,
    )


def _comment(language: str, done: list[str]) -> str | None:
    with i18n.in_language(language):
        return stages_comment(done)


def _submitted_versions(goals: list[Goal]) -> str:
    parts = []
    for goal in goals:
        numbers = [v.number for v in goal.versions if v.submitted_at is not None]
        if numbers:
            parts.append(f"{goal.id}:{max(numbers)}")
    return ";".join(parts)
