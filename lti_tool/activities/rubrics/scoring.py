"""Participation scores and the artifact (the final rubric with its change log), recorded
through the grading outbox in the caller's transaction."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lti_tool import i18n
from lti_tool.activities import extensions
from lti_tool.activities.rubrics.versions import change_log, latest_version
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, record_score
from lti_tool.grading.rubrics import Participation, participation_score
from lti_tool.models import (
    Activity,
    Ballot,
    LaunchSession,
    Membership,
    OutboxScore,
    Person,
    Proposal,
    ProposalComment,
    Role,
    RubricSetup,
    Vote,
)
from lti_tool.wording import number


def participation_of(activity: Activity, person_id: int) -> Participation:
    proposed = db.session.scalars(
        select(Proposal.id).where(
            Proposal.activity_id == activity.id, Proposal.author_id == person_id
        )
    ).first()
    commented = db.session.scalars(
        select(ProposalComment.id)
        .join(Proposal, Proposal.id == ProposalComment.proposal_id)
        .where(Proposal.activity_id == activity.id, ProposalComment.author_id == person_id)
    ).first()
    voted = db.session.scalars(
        select(Vote.id)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.activity_id == activity.id, Ballot.voter_id == person_id)
    ).first()
    return Participation(proposed is not None, commented is not None, voted is not None)


def artifact_text(activity: Activity) -> str:
    """The final rubric and its change log as plain text. Authors are not named: the artifact
    travels to the LMS, and proposals may be anonymous to peers."""
    lines: list[str] = []
    version = latest_version(activity)
    if version is None:
        lines.append(_("The rubric has not been published yet."))
    else:
        lines.append(_("%(title)s, version %(number)d", title=version.title, number=version.number))
        for c in version.content.get("criteria", []):
            lines.append(
                "\n"
                + _(
                    "%(title)s (%(weight)s%%): %(description)s",
                    title=c["title"],
                    weight=number(c["weight"]),
                    description=c["description"],
                )
            )
            for lv in c["levels"]:
                lines.append(
                    "  - "
                    + _(
                        "%(title)s (%(points)s pts): %(description)s",
                        title=lv["title"],
                        points=number(lv["points"]),
                        description=lv["description"],
                    )
                )
    lines.append("\n" + _("Change log"))
    for entry in change_log(activity):
        if entry.decided_by:
            lines.append(
                "- "
                + _(
                    "“%(title)s”: %(outcome)s (decided by %(who)s)",
                    title=entry.title,
                    outcome=entry.outcome,
                    who=entry.decided_by,
                )
            )
        else:
            lines.append(
                "- " + _("“%(title)s”: %(outcome)s", title=entry.title, outcome=entry.outcome)
            )
    return "\n".join(lines)


def artifact_of(
    activity: Activity, person: Person, taken: Participation | None = None
) -> ArtifactContent:
    """The student's artifact: how they took part, and the rubric as it stands."""
    taken = taken or participation_of(activity, person.id)
    yes, no = _("yes"), _("no")
    summary = _(
        "Proposed: %(proposed)s; commented: %(commented)s; voted: %(voted)s.",
        proposed=yes if taken.proposed else no,
        commented=yes if taken.commented else no,
        voted=yes if taken.voted else no,
    )
    return ArtifactContent(
        _("Rubric: %(title)s", title=activity.title), summary, artifact_text(activity)
    )


def language_of(activity: Activity, person: Person) -> str | None:
    """The language the student last used in this course (their latest launch's), else the
    registration's: what is sent to the LMS for them is written in it (lti_tool.i18n)."""
    locale = db.session.scalars(
        select(LaunchSession.locale)
        .where(
            LaunchSession.person_id == person.id,
            LaunchSession.context_id == activity.context_id,
            LaunchSession.locale.is_not(None),
        )
        .order_by(LaunchSession.id.desc())
        .limit(1)
    ).first()
    return locale or person.platform.default_language


def _is_student(activity: Activity, person_id: int) -> bool:
    role = db.session.scalars(
        select(Membership.role).where(
            Membership.person_id == person_id, Membership.context_id == activity.context_id
        )
    ).first()
    return role == Role.STUDENT


# The phases a student acts in, and the part of the participation score each one gives.
EXCUSABLE_PARTS = {"propose": "proposed", "discuss": "commented", "vote": "voted"}


def score_participation(
    activity: Activity, setup: RubricSetup, person: Person, *, tool_base_url: str
) -> OutboxScore | None:
    """Record the student's participation score (when this activity scores it)."""
    if not (setup.participation_scored and activity.graded and _is_student(activity, person.id)):
        return None
    taken = participation_of(activity, person.id)
    excused = extensions.excused_phases(activity).get(person.id, set())
    parts = {p for phase, p in EXCUSABLE_PARTS.items() if phase in excused or "*" in excused}
    score = participation_score(activity.points, taken, frozenset(parts))
    if score is None:  # excused from every part: no score
        return None
    with i18n.in_language(language_of(activity, person)):
        comment = ngettext(
            "Participation in co-creating the rubric: %(num)d of 3 parts.",
            "Participation in co-creating the rubric: %(num)d of 3 parts.",
            taken.done,
        )
        artifact = artifact_of(activity, person, taken)
    return record_score(
        activity,
        person,
        ScoreChange(
            score,
            activity_progress="Completed" if taken.done == 3 else "InProgress",
            comment=comment,
            artifact=artifact,
            # Taking part is one piece of work: its first score opens a Canvas attempt, later
            # participation and new rubric versions change the score of the same work.
            work="participation",
        ),
        tool_base_url=tool_base_url,
    )


def rescore_all(activity: Activity, setup: RubricSetup, *, tool_base_url: str) -> int:
    """After publishing: every participating student's artifact shows the new rubric."""
    ids = set(
        db.session.scalars(select(Proposal.author_id).where(Proposal.activity_id == activity.id))
    )
    ids |= set(db.session.scalars(select(Ballot.voter_id).where(Ballot.activity_id == activity.id)))
    ids |= set(
        db.session.scalars(
            select(ProposalComment.author_id)
            .join(Proposal, Proposal.id == ProposalComment.proposal_id)
            .where(Proposal.activity_id == activity.id)
        )
    )
    count = 0
    for pid in sorted(ids):
        person = db.session.get(Person, pid)
        if person is not None and score_participation(
            activity, setup, person, tool_base_url=tool_base_url
        ):
            count += 1
    return count
