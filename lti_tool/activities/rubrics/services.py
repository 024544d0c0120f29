"""Rubric co-creation rules: configuration, phases, proposals, comments and the facilitator's
decisions (accept, merge, decline with a reason).

Plain values in, models out; the caller commits once per action and rolls back on
`RubricError`, so nothing is half-saved. Every lookup by id takes the activity it must belong
to, so an id from another activity or course finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from lti_tool.activities.phase_moves import check_move, record_backward
from lti_tool.activities.rubrics.kind import RUBRIC_COCREATION
from lti_tool.activities.services import lock_row
from lti_tool.domain import DomainError, scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Ballot,
    Criterion,
    Person,
    Proposal,
    ProposalComment,
    ProposalFate,
    RubricSetup,
    VoteMode,
    utcnow,
)

PHASES: tuple[str, ...] = tuple(p.key for p in RUBRIC_COCREATION.phases)
PHASE_LABELS = {p.key: p.label for p in RUBRIC_COCREATION.phases}

MAX_TITLE = 120
MAX_TEXT = 1000
MAX_SEED = 5000
MAX_LEVELS = 8
MAX_BUDGET = 100
MAX_CRITERIA = 20


class RubricError(DomainError):
    """An action refused, with a message in the user's words and the HTTP status it maps to."""

    default_code = "RUBRIC_REFUSED"


def clean_text(value: str | None, label: str, limit: int, *, required: bool = True) -> str:
    """Trimmed text within its limit; the message names the field and the limit."""
    text = (value or "").strip()
    if required and not text:
        raise RubricError("TEXT_EMPTY", _l("%(field)s cannot be empty.", field=label))
    if len(text) > limit:
        raise RubricError(
            "TEXT_TOO_LONG",
            _l(
                "%(field)s is %(length)d characters; at most %(limit)d.",
                field=label,
                length=len(text),
                limit=limit,
            ),
        )
    return text


# -- configuration and phases ----------------------------------------------------------------


def _insert_ignoring_conflict(model: type[Any]) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def setup_of(activity: Activity) -> RubricSetup:
    """The activity's rubric configuration, created with defaults on first use (race-free)."""
    found = db.session.scalars(
        select(RubricSetup).where(RubricSetup.activity_id == activity.id)
    ).first()
    if found is not None:
        return found
    db.session.execute(
        _insert_ignoring_conflict(RubricSetup).values(
            activity_id=activity.id,
            phase=PHASES[0],
            anonymous=False,
            vote_mode=VoteMode.DOTS,
            dot_budget=5,
            criteria_count=4,
            criteria_threshold=None,
            level_points=[1.0, 2.0, 3.0, 4.0],
            seed="",
            participation_scored=True,
            updated_at=utcnow(),
        )
    )
    return db.session.scalars(
        select(RubricSetup).where(RubricSetup.activity_id == activity.id)
    ).one()


@dataclass(frozen=True)
class SetupValues:
    anonymous: bool
    vote_mode: str
    dot_budget: int
    criteria_count: int
    criteria_threshold: int | None
    level_points: tuple[float, ...]
    seed: str
    participation_scored: bool


def configure(activity: Activity, setup: RubricSetup, values: SetupValues, by: Person) -> None:
    if values.vote_mode not in (VoteMode.DOTS, VoteMode.WEIGHTS):
        raise RubricError("BAD_VOTE_MODE", _l("Choose dot voting or weights."))
    if not 1 <= values.dot_budget <= MAX_BUDGET:
        raise RubricError(
            "BAD_BUDGET", _l("The dot budget must be between 1 and %(most)d.", most=MAX_BUDGET)
        )
    if not 1 <= values.criteria_count <= MAX_CRITERIA:
        raise RubricError(
            "BAD_COUNT", _l("The rubric holds between 1 and %(most)d criteria.", most=MAX_CRITERIA)
        )
    if values.criteria_threshold is not None and not 1 <= values.criteria_threshold <= 100_000:
        raise RubricError(
            "BAD_THRESHOLD", _l("The vote threshold must be a positive whole number.")
        )
    check_level_points(values.level_points)
    if (
        current_phase(activity, setup) != PHASES[0]
        and (values.vote_mode != setup.vote_mode or values.dot_budget != setup.dot_budget)
        and has_ballots(activity.id)
    ):
        raise RubricError(
            "VOTE_STARTED",
            _l("Votes have been cast; the vote mode and budget can no longer change."),
            409,
        )
    setup.anonymous = values.anonymous
    setup.vote_mode = values.vote_mode
    setup.dot_budget = values.dot_budget
    setup.criteria_count = values.criteria_count
    setup.criteria_threshold = values.criteria_threshold
    setup.level_points = list(values.level_points)
    setup.seed = clean_text(values.seed, _l("The seed"), MAX_SEED, required=False)
    setup.participation_scored = values.participation_scored
    record_event(by, "rubric.configured", "activity", activity.id, activity=activity)


def check_level_points(points: Sequence[float]) -> None:
    if not 2 <= len(points) <= MAX_LEVELS:
        raise RubricError(
            "BAD_LEVELS", _l("A rubric has between 2 and %(most)d levels.", most=MAX_LEVELS)
        )
    if any(p < 0 for p in points):
        raise RubricError("BAD_POINTS", _l("Level points cannot be negative."))
    if any(b <= a for a, b in zip(points, points[1:], strict=False)):
        raise RubricError(
            "POINTS_NOT_INCREASING",
            _l("Each level must be worth more points than the one below it."),
        )


def has_ballots(activity_id: int) -> bool:
    return (
        db.session.scalars(select(Ballot.id).where(Ballot.activity_id == activity_id)).first()
        is not None
    )


def current_phase(activity: Activity, setup: RubricSetup, today: date | None = None) -> str:
    """The phase now: the facilitator's manual move, or later if a phase's start date passed."""
    today = today or utcnow().date()
    index = PHASES.index(setup.phase) if setup.phase in PHASES else 0
    for i, key in enumerate(PHASES):
        start = (activity.phase_dates or {}).get(key)
        if start:
            try:
                if date.fromisoformat(start) <= today:
                    index = max(index, i)
            except ValueError:
                continue
    return PHASES[index]


def phase_index(phase: str) -> int:
    return PHASES.index(phase)


def require_phase(activity: Activity, setup: RubricSetup, *allowed: str) -> str:
    phase = current_phase(activity, setup)
    if phase not in allowed:
        if len(allowed) == 1:
            message = _l(
                "That is possible during “%(allowed)s”; the activity is in “%(phase)s”.",
                allowed=PHASE_LABELS[allowed[0]],
                phase=PHASE_LABELS[phase],
            )
        else:
            message = _l(
                "That is possible during “%(allowed)s” or “%(last)s”; the activity is in "
                "“%(phase)s”.",
                allowed="”, “".join(str(PHASE_LABELS[p]) for p in allowed[:-1]),
                last=PHASE_LABELS[allowed[-1]],
                phase=PHASE_LABELS[phase],
            )
        raise RubricError("WRONG_PHASE", message, 409)
    return phase


def move_phase(
    activity: Activity,
    setup: RubricSetup,
    to: str,
    by: Person,
    *,
    seen: str | None = None,
    confirmed: bool = False,
    reason: str = "",
) -> None:
    """Move to `to`. `seen` is the phase the facilitator's page showed: under the setup row's
    lock, a move made meanwhile (another tab, a double click) makes the form stale. A move back
    (e.g. from "Finalise" to "Propose criteria") needs `confirmed` and a `reason`
    (activities.phase_moves), which students then read on their page."""
    if to not in PHASES:
        raise RubricError("BAD_PHASE", _l("Unknown phase."))
    lock_row(setup)
    before = current_phase(activity, setup)
    if seen is not None and seen != before:
        raise RubricError(
            "STALE_FORM",
            _l(
                "The activity moved to “%(phase)s” since this page was opened. "
                "Nothing was changed: reload the page and choose again.",
                phase=PHASE_LABELS[before],
            ),
            409,
        )
    move = check_move(
        PHASES, PHASE_LABELS, before, to, confirmed=confirmed, reason=reason, error=RubricError
    )
    setup.phase = to
    if current_phase(activity, setup) != to:
        # A start date that has passed holds the activity in its phase: going back would
        # seem to work and change nothing. The caller rolls back.
        raise RubricError(
            "PHASE_DATED",
            _l(
                "The phase dates have already reached “%(phase)s”; change the dates to go back.",
                phase=PHASE_LABELS[before],
            ),
            409,
        )
    record_backward(by, activity, move, PHASE_LABELS)
    if phase_index(to) >= phase_index("describe"):
        from lti_tool.activities.rubrics.voting import select_top_criteria

        select_top_criteria(activity, setup)
    record_event(
        by,
        "rubric.phase_moved",
        "activity",
        activity.id,
        activity=activity,
        before=before,
        to=to,
        backward=move.backward,
        reason=move.reason,
    )


# -- proposals and comments -------------------------------------------------------------------


def proposal_in(activity: Activity, proposal_id: int) -> Proposal:
    return scoped_get(
        Proposal,
        proposal_id,
        activity_id=activity.id,
        error=RubricError,
        code="PROPOSAL_NOT_FOUND",
        message=_l("That proposal is not part of this activity."),
    )


def criterion_in(activity: Activity, criterion_id: int) -> Criterion:
    return scoped_get(
        Criterion,
        criterion_id,
        activity_id=activity.id,
        error=RubricError,
        code="CRITERION_NOT_FOUND",
        message=_l("That criterion is not part of this activity."),
    )


def propose(
    activity: Activity,
    setup: RubricSetup,
    author: Person,
    title: str,
    description: str,
    rationale: str,
) -> Proposal:
    require_phase(activity, setup, "propose")
    proposal = Proposal(
        activity_id=activity.id,
        author_id=author.id,
        title=clean_text(title, _l("The criterion's name"), MAX_TITLE),
        description=clean_text(description, _l("The description"), MAX_TEXT),
        rationale=clean_text(rationale, _l("Why it matters"), MAX_TEXT, required=False),
        fate=ProposalFate.OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    record_event(author, "rubric.proposed", "rubric_proposal", proposal.id, activity=activity)
    return proposal


def edit_proposal(
    activity: Activity,
    setup: RubricSetup,
    proposal_id: int,
    author: Person,
    title: str,
    description: str,
    rationale: str,
) -> Proposal:
    """Authors edit their own words while proposing is open; nobody else ever does."""
    proposal = proposal_in(activity, proposal_id)
    if proposal.author_id != author.id:
        raise RubricError("NOT_YOURS", _l("Only its author can edit a proposal."), 403)
    require_phase(activity, setup, "propose")
    if proposal.fate != ProposalFate.OPEN:
        raise RubricError("ALREADY_DECIDED", _l("This proposal has been decided on already."), 409)
    before = {"title": proposal.title, "description": proposal.description}
    proposal.title = clean_text(title, _l("The criterion's name"), MAX_TITLE)
    proposal.description = clean_text(description, _l("The description"), MAX_TEXT)
    proposal.rationale = clean_text(rationale, _l("Why it matters"), MAX_TEXT, required=False)
    record_event(
        author,
        "rubric.proposal_edited",
        "rubric_proposal",
        proposal.id,
        activity=activity,
        before=before,
    )
    return proposal


def comment(
    activity: Activity, setup: RubricSetup, proposal_id: int, author: Person, body: str
) -> ProposalComment:
    require_phase(activity, setup, "propose", "discuss")
    proposal = proposal_in(activity, proposal_id)
    note = ProposalComment(
        proposal_id=proposal.id,
        author_id=author.id,
        body=clean_text(body, _l("A comment"), MAX_TEXT),
    )
    db.session.add(note)
    db.session.flush()
    record_event(
        author,
        "rubric.commented",
        "rubric_proposal",
        proposal.id,
        activity=activity,
        comment_id=note.id,
    )
    return note


# -- the facilitator's decisions ---------------------------------------------------------------


def _decide(activity: Activity, proposal_ids: Iterable[int], by: Person, **values: Any) -> None:
    """Mark open proposals decided, all or none: a conditional UPDATE, so two facilitators
    deciding the same proposal at once cannot both win (the loser's transaction is refused)."""
    ids = sorted(set(proposal_ids))
    for pid in ids:
        proposal_in(activity, pid)
    changed = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Proposal)
            .where(
                Proposal.id.in_(ids),
                Proposal.activity_id == activity.id,
                Proposal.fate == ProposalFate.OPEN,
            )
            .values(decided_by_id=by.id, decided_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != len(ids):
        raise RubricError(
            "ALREADY_DECIDED",
            _l(
                "Someone decided on one of these proposals a moment ago. Reload to see what "
                "changed."
            ),
            409,
        )
    for pid in ids:
        stale = db.session.get(Proposal, pid)
        if stale is not None:
            db.session.expire(stale)


def accept_proposal(
    activity: Activity, setup: RubricSetup, proposal_id: int, by: Person
) -> Criterion:
    require_phase(activity, setup, "discuss")
    proposal = proposal_in(activity, proposal_id)
    criterion = Criterion(
        activity_id=activity.id,
        title=proposal.title,
        description=proposal.description,
        created_by_id=by.id,
    )
    db.session.add(criterion)
    db.session.flush()
    _decide(activity, [proposal.id], by, fate=ProposalFate.ACCEPTED, criterion_id=criterion.id)
    record_event(
        by,
        "rubric.accepted",
        "rubric_proposal",
        proposal.id,
        activity=activity,
        criterion_id=criterion.id,
    )
    return criterion


def merge_proposals(
    activity: Activity,
    setup: RubricSetup,
    proposal_ids: Sequence[int],
    title: str,
    description: str,
    by: Person,
) -> Criterion:
    """One criterion from several proposals; each keeps its words and points to it, so every
    author is credited."""
    require_phase(activity, setup, "discuss")
    ids = sorted(set(proposal_ids))
    if len(ids) < 2:
        raise RubricError("MERGE_NEEDS_TWO", _l("Choose at least two proposals to merge."))
    criterion = Criterion(
        activity_id=activity.id,
        title=clean_text(title, _l("The merged criterion's name"), MAX_TITLE),
        description=clean_text(description, _l("The merged description"), MAX_TEXT),
        created_by_id=by.id,
    )
    for pid in ids:
        proposal_in(activity, pid)  # 404 before anything is written, for another activity's id
    db.session.add(criterion)
    db.session.flush()
    _decide(activity, ids, by, fate=ProposalFate.MERGED, criterion_id=criterion.id)
    record_event(
        by, "rubric.merged", "rubric_criterion", criterion.id, activity=activity, proposal_ids=ids
    )
    return criterion


def decline_proposal(
    activity: Activity, setup: RubricSetup, proposal_id: int, reason: str, by: Person
) -> Proposal:
    require_phase(activity, setup, "discuss")
    why = clean_text(reason, _l("The reason"), MAX_TEXT)
    _decide(activity, [proposal_id], by, fate=ProposalFate.DECLINED, decline_reason=why)
    record_event(
        by, "rubric.declined", "rubric_proposal", proposal_id, activity=activity, reason=why
    )
    return proposal_in(activity, proposal_id)


def edit_criterion(
    activity: Activity,
    setup: RubricSetup,
    criterion_id: int,
    title: str,
    description: str,
    by: Person,
) -> Criterion:
    """The facilitator's wording of a criterion; the proposals behind it keep theirs."""
    if phase_index(current_phase(activity, setup)) < phase_index("discuss"):
        raise RubricError(
            "WRONG_PHASE",
            _l("Criteria are edited from “%(phase)s” on.", phase=PHASE_LABELS["discuss"]),
            409,
        )
    criterion = criterion_in(activity, criterion_id)
    before = {"title": criterion.title, "description": criterion.description}
    criterion.title = clean_text(title, _l("The criterion's name"), MAX_TITLE)
    criterion.description = clean_text(description, _l("The description"), MAX_TEXT)
    record_event(
        by,
        "rubric.criterion_edited",
        "rubric_criterion",
        criterion.id,
        activity=activity,
        before=before,
    )
    return criterion


# -- reading -----------------------------------------------------------------------------------


def proposals_of(activity: Activity) -> list[Proposal]:
    """With their authors, deciders and criteria loaded in a fixed number of queries."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.activity_id == activity.id)
            .order_by(Proposal.id)
            .options(
                selectinload(Proposal.author),
                selectinload(Proposal.decided_by),
                selectinload(Proposal.criterion),
            )
        )
    )


def criteria_of(activity: Activity, *, selected_only: bool = False) -> list[Criterion]:
    query = select(Criterion).where(Criterion.activity_id == activity.id)
    if selected_only:
        query = query.where(Criterion.selected.is_(True))
    return list(db.session.scalars(query.order_by(Criterion.id)))


def comments_by_proposal(activity: Activity) -> dict[int, list[ProposalComment]]:
    rows = db.session.scalars(
        select(ProposalComment)
        .join(Proposal, Proposal.id == ProposalComment.proposal_id)
        .where(Proposal.activity_id == activity.id)
        .order_by(ProposalComment.id)
        .options(selectinload(ProposalComment.author))
    )
    found: dict[int, list[ProposalComment]] = {}
    for row in rows:
        found.setdefault(row.proposal_id, []).append(row)
    return found


def author_label(author: Person, viewer: Person, sees_names: bool, anonymous: bool) -> str:
    """How a proposal's or comment's author is named to this viewer: facilitators always see
    names; peers see them unless the activity is anonymous; everyone recognises their own."""
    if author.id == viewer.id:
        return str(_("You"))
    if sees_names or not anonymous:
        return author.display_name
    return str(_("Anonymous classmate"))
