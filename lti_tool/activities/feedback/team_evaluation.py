"""Team-member evaluation: each member of an LMS group rates every teammate's contribution on
behaviour-anchored criteria; with the contribution factor on, each member's group work score is
scaled by the factor grading.team computes, and the student sees the formula with their numbers.

Ratings stay private: a student sees only the mean they received, never who gave what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback.rules import FeedbackError
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.grading import feedback as formula
from lti_tool.grading import team
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import FeedbackConfig
from lti_tool.models.groups import TeamRating


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    anchors: tuple[str, ...]  # what each level looks like, lowest first


# Behaviour-anchored: each level names what the teammate did, so two raters who saw the same
# behaviour choose the same level (after the CATME behaviourally anchored rating scale).
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "work",
        _l("Contributing to the team's work"),
        (
            _l("Did little or none of their share."),
            _l("Did part of their share, often late or needing reminders."),
            _l("Did their full share of the work, on time."),
            _l("Did their full share and more, raising the quality of the whole."),
        ),
    ),
    Criterion(
        "communication",
        _l("Keeping the team informed"),
        (
            _l("Was hard to reach and rarely said what they were doing."),
            _l("Answered when asked, but seldom shared progress or problems."),
            _l("Shared progress and problems in good time."),
            _l("Kept everyone informed and made sure every voice was heard."),
        ),
    ),
    Criterion(
        "reliability",
        _l("Keeping commitments"),
        (
            _l("Missed meetings or deadlines without warning."),
            _l("Kept some commitments; others slipped."),
            _l("Kept their commitments, and warned early when one was at risk."),
            _l("Kept every commitment and helped others keep theirs."),
        ),
    ),
)
BY_KEY = {c.key: c for c in CRITERIA}
TOP = {c.key: len(c.anchors) - 1 for c in CRITERIA}


def _enabled(activity: Activity) -> bool:
    gc = lms_groups.group_config_of(activity)
    return gc.team_evaluation and gc.group_set_id is not None


def team_of(activity: Activity, person_id: int, round_no: int) -> list[int]:
    """The person's teammates (themself excluded) in the round's groups."""
    return [p for p in lms_groups.teammates(activity, person_id, round_no) if p != person_id]


def ratings_by(activity: Activity, rater_id: int) -> dict[tuple[int, str], int]:
    return {
        (r.ratee_id, r.criterion): r.level
        for r in db.session.scalars(
            select(TeamRating).where(
                TeamRating.activity_id == activity.id, TeamRating.rater_id == rater_id
            )
        )
    }


def rate(
    activity: Activity,
    rater: Person,
    round_no: int,
    ratings: Mapping[tuple[int, str], int],
) -> int:
    """Store the rater's ratings of their teammates (replacing earlier ones). Returns how many."""
    if not _enabled(activity):
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Team evaluation is not switched on for this activity."), 409
        )
    mates = set(team_of(activity, rater.id, round_no))
    if not mates:
        raise FeedbackError("FEEDBACK_REFUSED", _l("You have no teammates to rate."), 409)
    for (ratee, key), level in ratings.items():
        if ratee not in mates:
            raise FeedbackError("FEEDBACK_REFUSED", _l("You can rate only your teammates."), 404)
        if key not in BY_KEY or not 0 <= level <= TOP[key]:
            raise FeedbackError("FEEDBACK_REFUSED", _l("Choose one of the levels shown."))
    existing = {
        (r.ratee_id, r.criterion): r
        for r in db.session.scalars(
            select(TeamRating).where(
                TeamRating.activity_id == activity.id, TeamRating.rater_id == rater.id
            )
        )
    }
    for (ratee, key), level in ratings.items():
        row = existing.get((ratee, key))
        if row is None:
            row = TeamRating(
                activity_id=activity.id, rater_id=rater.id, ratee_id=ratee, criterion=key
            )
            db.session.add(row)
        row.level = level
    db.session.flush()
    record_event(
        rater, "feedback.team_rated", "activity", activity.id, activity=activity, n=len(ratings)
    )
    return len(ratings)


def factors(activity: Activity, round_no: int) -> dict[int, team.TeamFactor]:
    """Every group member's contribution factor from the ratings their teammates gave them."""
    members = lms_groups.membership_for_round(activity, round_no)
    received: dict[int, list[float]] = defaultdict(list)
    for r in db.session.scalars(select(TeamRating).where(TeamRating.activity_id == activity.id)):
        same_team = members.get(r.rater_id) is not None and members.get(r.rater_id) == members.get(
            r.ratee_id
        )
        # Ratings of someone who has since left the rater's group no longer count.
        if r.rater_id != r.ratee_id and same_team and r.criterion in TOP:
            received[r.ratee_id].append(r.level / TOP[r.criterion])
    gc = lms_groups.group_config_of(activity)
    return team.contribution_factors(received, members, floor=gc.factor_min, ceiling=gc.factor_max)


def apply_factors(
    activity: Activity, config: FeedbackConfig, scores: dict[int, formula.Breakdown]
) -> dict[int, formula.Breakdown]:
    """With the contribution factor on, each member's group work scaled by their factor."""
    gc = lms_groups.group_config_of(activity)
    if not (gc.contribution_factor and gc.team_evaluation and gc.group_set_id is not None):
        return scores
    for person, factor in factors(activity, config.current_round).items():
        if person in scores:
            scores[person] = team.apply_factor(
                scores[person], factor, floor=gc.factor_min, ceiling=gc.factor_max
            )
    return scores


@dataclass(frozen=True)
class TeamPanel:
    enabled: bool
    teammates: list[Person]
    rated: int  # how many of the rater's ratings are in
    needed: int


def student_panel(activity: Activity, person: Person, round_no: int) -> TeamPanel:
    if not _enabled(activity):
        return TeamPanel(False, [], 0, 0)
    ids = team_of(activity, person.id, round_no)
    people = [p for p in (db.session.get(Person, i) for i in ids) if p is not None]
    mine = ratings_by(activity, person.id)
    return TeamPanel(
        True,
        people,
        sum(1 for (ratee, _), _lv in mine.items() if ratee in ids),
        len(ids) * len(CRITERIA),
    )
