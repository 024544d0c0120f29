"""Goal setting's score rule: completion points per stage, or the facilitator's judgement.

Pure: plain values in, the score out, so the rule can be shown to students as it is applied
(product.md, "Transparent judgement").
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lti_tool.wording import number, points


@dataclass(frozen=True)
class GoalStanding:
    """Where one of a student's goals stands, as the rule sees it."""

    agreed: bool  # agreed at some point (agreed or reflected now)
    check_ins: int
    reflected: bool
    judgement: int | None = None


@dataclass(frozen=True)
class ScoreRule:
    scoring: str  # completion | judgement
    points: float  # the activity's maximum
    min_goals: int
    checkins_needed: int
    stage_points: dict[str, float]
    judgement_scale: int


def completed_stages(rule: ScoreRule, goals: list[GoalStanding]) -> list[str]:
    """The stages done: each needs `min_goals` goals that reached it."""
    agreed = [g for g in goals if g.agreed]
    done = []
    if len(agreed) >= rule.min_goals:
        done.append("agree")
    if len([g for g in agreed if g.check_ins >= rule.checkins_needed]) >= rule.min_goals:
        done.append("check_in")
    if len([g for g in goals if g.reflected]) >= rule.min_goals:
        done.append("reflect")
    return done


def goal_score(
    rule: ScoreRule, goals: list[GoalStanding], excused: frozenset[str] = frozenset()
) -> float | None:
    """The score out of `rule.points`; None while there is nothing to score (no judgement yet,
    or no stage done), so that no zero reaches the gradebook before the student starts.
    A stage the student is excused from drops out as if it gave no points (the others share
    the activity's points); "*" excuses the whole activity (no score)."""
    if rule.points <= 0 or "*" in excused:
        return None
    if rule.scoring == "judgement":
        judged = [g.judgement for g in goals if g.judgement is not None]
        if not judged:
            return None
        mean = sum(judged) / len(judged)
        return round(rule.points * mean / rule.judgement_scale, 2)
    total = sum(p for s, p in rule.stage_points.items() if s not in excused)
    done = [s for s in completed_stages(rule, goals) if s not in excused]
    if total <= 0 or not done:
        return None
    return round(rule.points * sum(rule.stage_points.get(s, 0) for s in done) / total, 2)


def explain(rule: ScoreRule) -> str:
    """The rule in a student's words."""
    if rule.scoring == "judgement":
        return str(
            _l(
                "Your facilitator judges each goal on a scale of 0 to %(scale)s; your score is "
                "the average, out of %(points)s.",
                scale=rule.judgement_scale,
                points=points(rule.points),
            )
        )
    total = sum(rule.stage_points.values()) or 1
    parts = [
        str(
            _l(
                "%(stage)s %(points)s",
                stage=label,
                points=number(rule.points * rule.stage_points.get(key, 0) / total),
            )
        )
        for key, label in (
            ("agree", _l("agreeing your goals")),
            (
                "check_in",
                ngettext(
                    "%(num)d check-in per goal", "%(num)d check-ins per goal", rule.checkins_needed
                ),
            ),
            ("reflect", _l("the final reflection")),
        )
    ]
    return str(
        ngettext(
            "Points for each stage once %(num)d goal reaches it: %(parts)s.",
            "Points for each stage once %(num)d goals reach it: %(parts)s.",
            rule.min_goals,
            parts=", ".join(parts),
        )
    )
