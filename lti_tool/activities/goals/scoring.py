"""A student's goal score and artifact, recomputed after each change and written through the
outbox (in the caller's transaction) only when the score or the artifact changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select

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
from lti_tool.wording import label, plural, stages_comment

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
    for n, goal in enumerate(goals, 1):
        latest = goal.versions[-1]
        lines.append(f"Goal {n}: {latest.what} ({goal.status})")
        for v in goal.versions:
            lines.append(f"  Version {v.number}{'' if v.submitted_at else ' (draft)'}: {v.what}")
            lines.append(f"    Measure: {v.measure}")
            lines.append(f"    Plan: {v.plan}")
            lines.append(f"    Why it matters: {v.relevance}")
            if v.criterion_title:
                lines.append(f"    Rubric criterion: {v.criterion_title}")
            lines.append(f"    By: {v.by_when or '-'}")
        for r in responses[goal.id]:
            lines.append(
                f"  {r.responder_name} ({r.responder_role}) on version {r.version_number}: "
                f"{label(r.decision, 'goal_decision')}{' - ' + r.comment if r.comment else ''}"
            )
        for c in check_ins[goal.id]:
            lines.append(
                f"  Check-in {c.created_at:%Y-%m-%d}: {c.progress}% (confidence {c.confidence}/5)"
                f" - {c.evidence}"
                + (f"; helped: {c.helped}" if c.helped else "")
                + (f"; in the way: {c.hindered}" if c.hindered else "")
            )
        for done in reflections[goal.id]:
            lines.append(
                f"  Reflection: {label(done.outcome, 'goal_outcome')}. "
                f"Learned: {done.learned}. Next: {done.next_steps}"
            )
        lines.append("")
    agreed = sum(g.status in (GoalStatus.AGREED, GoalStatus.REFLECTED) for g in goals)
    reflected = sum(g.status == GoalStatus.REFLECTED for g in goals)
    total_check_ins = sum(len(v) for v in check_ins.values())
    summary = (
        f"{plural(len(goals), 'goal')}, {agreed} agreed, {plural(total_check_ins, 'check-in')}, "
        f"{reflected} reflected"
    )
    return ArtifactContent(
        title=f"Goal plan: {scope.activity.title}", summary=summary, body="\n".join(lines)
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
            comment=stages_comment(done),
            artifact=content,
            # A plan submitted for agreement is new work (a Canvas attempt); agreeing it,
            # checking in or reflecting changes the score of the same work.
            work=_submitted_versions(goals),
        ),
        tool_base_url=scope.tool_base_url,
    )


def _submitted_versions(goals: list[Goal]) -> str:
    parts = []
    for goal in goals:
        numbers = [v.number for v in goal.versions if v.submitted_at is not None]
        if numbers:
            parts.append(f"{goal.id}:{max(numbers)}")
    return ";".join(parts)
