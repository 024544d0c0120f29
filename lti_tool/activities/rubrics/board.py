"""What one person sees of a rubric activity, assembled for the page: proposals with their
authors named or not (anonymity), comments, the ballot, tallies once visible, level drafts and
versions. Reading only; the rules live in services, voting, levels and versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lti_tool.activities.rubrics import levels, services, versions, voting
from lti_tool.activities.rubrics.scoring import participation_of
from lti_tool.grading.rubrics import Participation
from lti_tool.models import (
    Activity,
    Criterion,
    Level,
    Person,
    Proposal,
    ProposalFate,
    Role,
    RubricSetup,
    RubricVersion,
)


@dataclass
class ProposalCard:
    proposal: Proposal
    author: str
    own: bool
    comments: list[tuple[str, str]]  # (author label, body)


@dataclass
class CriterionCard:
    criterion: Criterion
    credited: list[str]  # authors of the proposals behind it, as this viewer may see them
    drafts: list[tuple[int, str, Any]]  # (position, author label, draft)
    accepted: dict[int, Level] = field(default_factory=dict)


@dataclass
class Board:
    activity: Activity
    setup: RubricSetup
    phase: str
    sees_names: bool
    proposals: list[ProposalCard]
    criteria: list[CriterionCard]
    ballot: dict[int, int]
    budget: int
    tallies: list[voting.Tally] | None
    voters: int
    versions: list[RubricVersion]
    open_count: int
    participation: Participation | None  # a student's own, when participation is scored


def sees_names(role: Role) -> bool:
    """Facilitators always see who proposed what; coaches and students follow the setting."""
    return role == Role.FACILITATOR


def board_for(activity: Activity, setup: RubricSetup, viewer: Person, role: Role) -> Board:
    names = sees_names(role)

    def label(author: Person) -> str:
        return services.author_label(author, viewer, names, setup.anonymous)

    comments = services.comments_by_proposal(activity)
    props = services.proposals_of(activity)
    cards = [
        ProposalCard(
            p,
            label(p.author),
            p.author_id == viewer.id,
            [(label(c.author), c.body) for c in comments.get(p.id, [])],
        )
        for p in props
    ]
    all_drafts = levels.drafts_by_criterion(activity)
    all_levels = levels.levels_by_criterion(activity)
    crit_cards = []
    for c in services.criteria_of(activity):
        behind = [p for p in props if p.criterion_id == c.id]
        credited = sorted({label(p.author) for p in behind})
        drafts = [(d.position, label(d.author), d) for d in all_drafts.get(c.id, [])]
        crit_cards.append(CriterionCard(c, credited, drafts, all_levels.get(c.id, {})))
    visible = voting.tallies_visible(activity, setup)
    return Board(
        activity=activity,
        setup=setup,
        phase=services.current_phase(activity, setup),
        sees_names=names,
        proposals=cards,
        criteria=crit_cards,
        ballot=voting.ballot_of(activity, viewer),
        budget=voting.budget_of(setup),
        tallies=voting.tallies(activity) if visible else None,
        voters=voting.voter_count(activity),
        versions=versions.versions_of(activity),
        open_count=sum(1 for p in props if p.fate == ProposalFate.OPEN),
        participation=(
            participation_of(activity, viewer.id)
            if role == Role.STUDENT and setup.participation_scored and activity.graded
            else None
        ),
    )


def credits_for(activity: Activity, setup: RubricSetup, role: Role) -> dict[int, str] | None:
    """Proposal authors for an export, or None when this reader may not see them all."""
    if not (sees_names(role) or not setup.anonymous):
        return None
    return {p.id: p.author.display_name for p in services.proposals_of(activity)}


def chart(tallies: list[voting.Tally], width: int = 480, bar: int = 24) -> dict[str, Any]:
    """Geometry of the tally bar chart, drawn as SVG by the template (no scripts, no images)."""
    most = max((t.points for t in tallies), default=0) or 1
    label_w, gap = 180, 6
    bars = [
        {
            "y": i * (bar + gap),
            "w": round((width - label_w - 60) * t.points / most, 1),
            "tally": t,
        }
        for i, t in enumerate(tallies)
    ]
    return {
        "width": width,
        "height": max(1, len(bars)) * (bar + gap),
        "bar": bar,
        "label_w": label_w,
        "bars": bars,
    }
