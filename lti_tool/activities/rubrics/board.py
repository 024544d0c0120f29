"""What one person sees of a rubric activity, assembled for the page: their own proposals, one
page of the others (searchable, filtered by fate, what waits for a decision first), comments on
what is shown, the criteria with who is credited, the ballot, tallies once visible, level drafts
and versions. Reading only; the rules live in services, voting, levels and versions.

A class of 5,000 proposes 5,000 criteria: the page reads plain columns of one page of them, in
a fixed number of statements whatever the class size (tests/activities/rubrics/test_board.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased

from lti_tool.activities.rubrics import services, versions, voting
from lti_tool.activities.rubrics.scoring import participation_of
from lti_tool.extensions import db
from lti_tool.grading.rubrics import Participation
from lti_tool.models import (
    Activity,
    Criterion,
    Level,
    LevelDraft,
    Person,
    Proposal,
    ProposalComment,
    ProposalFate,
    Role,
    RubricSetup,
    RubricVersion,
)

PAGE_SIZE = 20  # classmates' proposals per page
CRITERIA_PAGE = 30  # criteria (and ballot lines) per page: a usual rubric fits on one
TALLY_PAGE = 30  # vote results per page, the most points first
CREDITED_NAMES = 6  # authors named under a criterion; the rest are counted
FATES = tuple(f.value for f in ProposalFate)


@dataclass
class ProposalCard:
    id: int
    title: str
    description: str
    rationale: str
    fate: str
    criterion_title: str | None
    decline_reason: str | None
    decided_by: str | None
    author: str
    own: bool
    comments: list[tuple[str, str]] = field(default_factory=list)  # (author label, body)


@dataclass
class CriterionCard:
    criterion: Criterion
    credited: list[str]  # authors of the proposals behind it, as this viewer may see them
    drafts: list[tuple[int, str, Any]]  # (position, author label, draft)
    accepted: dict[int, Level] = field(default_factory=dict)
    credited_more: int = 0  # proposals behind it whose authors are not named above
    other_drafts: int = 0  # classmates' drafts a student does not see one by one


@dataclass(frozen=True)
class Listing:
    """Which page of the others' proposals is shown."""

    query: str = ""
    fate: str | None = None
    page: int = 1
    criteria_page: int = 1  # ?cpage=
    tally_page: int = 1  # ?tpage=

    @classmethod
    def from_args(cls, args: Any) -> Listing:
        """From the query string; anything unreadable falls back to the first page of all."""
        fate = args.get("fate") or None

        def number(key: str) -> int:
            try:
                return max(1, min(int(args.get(key) or 1), 10**6))
            except ValueError:
                return 1

        return cls(
            (args.get("q") or "").strip()[:120],
            fate if fate in FATES else None,
            number("page"),
            number("cpage"),
            number("tpage"),
        )


@dataclass
class Board:
    activity: Activity
    setup: RubricSetup
    phase: str
    sees_names: bool
    mine: list[ProposalCard]
    proposals: list[ProposalCard]  # one page of the others' proposals
    listing: Listing
    matching: int  # others' proposals matching the search and filter
    pages: int
    fate_counts: dict[str, int]  # every proposal of the activity, by fate
    criteria: list[CriterionCard]  # one page of the activity's criteria, oldest first
    criteria_total: int
    criteria_pages: int
    selected: list[CriterionCard]  # every criterion in the rubric (levels, weights)
    ballot: dict[int, int]
    ballot_elsewhere: list[tuple[int, str, int]]  # (id, title, points) voted off this page
    budget: int
    tallies: list[voting.Tally] | None  # one page of them, the most points first
    tally_total: int
    tally_pages: int
    voters: int
    versions: list[RubricVersion]
    open_count: int
    participation: Participation | None  # a student's own, when participation is scored

    @property
    def total(self) -> int:
        return sum(self.fate_counts.values())

    @property
    def criteria_first(self) -> int:
        """The number of the first criterion on this page (1 on the first)."""
        return (self.listing.criteria_page - 1) * CRITERIA_PAGE + 1

    @property
    def tally_first(self) -> int:
        return (self.listing.tally_page - 1) * TALLY_PAGE + 1


def sees_names(role: Role) -> bool:
    """Facilitators always see who proposed what; coaches and students follow the setting."""
    return role == Role.FACILITATOR


def _display(name: str | None, given: str | None, family: str | None) -> str:
    """Person.display_name, from plain columns."""
    return name or " ".join(p for p in (given, family) if p) or str(_("Anonymous user"))


class _Labels:
    """How authors are named to this viewer (services.author_label), from plain columns."""

    def __init__(self, viewer: Person, names: bool, anonymous: bool) -> None:
        self.viewer_id, self.names, self.anonymous = viewer.id, names, anonymous

    def __call__(self, person_id: int, name: str | None, given: str | None, fam: str | None) -> str:
        if person_id == self.viewer_id:
            return str(_("You"))
        if self.names or not self.anonymous:
            return _display(name, given, fam)
        return str(_("Anonymous classmate"))


Author = aliased(Person)
Decider = aliased(Person)


def _cards(query: Select[Any], label: _Labels, viewer_id: int) -> list[ProposalCard]:
    rows = db.session.execute(
        query.add_columns(
            Proposal.id,
            Proposal.title,
            Proposal.description,
            Proposal.rationale,
            Proposal.fate,
            Criterion.title,
            Proposal.decline_reason,
            Proposal.author_id,
            Author.name,
            Author.given_name,
            Author.family_name,
            Decider.id,
            Decider.name,
            Decider.given_name,
            Decider.family_name,
        )  # fmt: skip
        .join(Author, Author.id == Proposal.author_id)
        .outerjoin(Decider, Decider.id == Proposal.decided_by_id)
        .outerjoin(Criterion, Criterion.id == Proposal.criterion_id)
    )
    return [
        ProposalCard(
            id=r[0],
            title=r[1],
            description=r[2],
            rationale=r[3],
            fate=r[4],
            criterion_title=r[5],
            decline_reason=r[6],
            decided_by=_display(r[12], r[13], r[14]) if r[11] is not None else None,
            author=label(r[7], r[8], r[9], r[10]),
            own=r[7] == viewer_id,
        )  # fmt: skip
        for r in rows
    ]


def _add_comments(cards: Iterable[ProposalCard], label: _Labels) -> None:
    by_id = {c.id: c for c in cards}
    if not by_id:
        return
    for proposal_id, body, author_id, name, given, family in db.session.execute(
        select(
            ProposalComment.proposal_id,
            ProposalComment.body,
            ProposalComment.author_id,
            Person.name,
            Person.given_name,
            Person.family_name,
        )  # fmt: skip
        .join(Person, Person.id == ProposalComment.author_id)
        .where(ProposalComment.proposal_id.in_(sorted(by_id)))
        .order_by(ProposalComment.id)
    ):
        by_id[proposal_id].comments.append((label(author_id, name, given, family), body))


def _proposals(
    activity: Activity, viewer: Person, label: _Labels, listing: Listing
) -> tuple[list[ProposalCard], list[ProposalCard], int]:
    """(the viewer's own, one page of the others', how many others match)."""
    base = select().select_from(Proposal).where(Proposal.activity_id == activity.id)
    mine = _cards(
        base.where(Proposal.author_id == viewer.id).order_by(Proposal.id), label, viewer.id
    )
    others = base.where(Proposal.author_id != viewer.id)
    if listing.fate:
        others = others.where(Proposal.fate == listing.fate)
    if listing.query:
        others = others.where(
            or_(
                Proposal.title.icontains(listing.query, autoescape=True),
                Proposal.description.icontains(listing.query, autoescape=True),
            )
        )
    matching = db.session.scalar(others.add_columns(func.count(Proposal.id))) or 0
    waiting_first = case((Proposal.fate == ProposalFate.OPEN, 0), else_=1)
    # The page's ids from the proposals alone, then their authors and criteria: joining first
    # would join every proposal of a big class before the sort kept 20.
    shown = (
        others.add_columns(Proposal.id)
        .order_by(waiting_first, Proposal.id)
        .offset((listing.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .subquery("shown")
    )
    page = _cards(
        base.where(Proposal.id.in_(select(shown.c.id))).order_by(waiting_first, Proposal.id),
        label,
        viewer.id,
    )
    _add_comments([*mine, *page], label)
    return mine, page, matching


def _credits(
    activity: Activity, label: _Labels, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Per criterion of `ids`: the first authors behind it as labels, and how many proposals
    in all."""
    totals = {
        cid: n
        for cid, n in db.session.execute(
            select(Proposal.criterion_id, func.count(Proposal.id))
            .where(Proposal.activity_id == activity.id, Proposal.criterion_id.in_(ids))
            .group_by(Proposal.criterion_id)
        )
        if cid is not None
    }
    rank = (
        func.row_number()
        .over(partition_by=Proposal.criterion_id, order_by=Proposal.id)
        .label("rank")
    )
    first = (
        select(Proposal.criterion_id, Proposal.author_id, rank)
        .where(Proposal.activity_id == activity.id, Proposal.criterion_id.in_(ids))
        .subquery()
    )
    named: dict[int, set[str]] = defaultdict(set)
    for cid, author_id, name, given, family in db.session.execute(
        select(
            first.c.criterion_id,
            first.c.author_id,
            Person.name,
            Person.given_name,
            Person.family_name,
        )  # fmt: skip
        .join(Person, Person.id == first.c.author_id)
        .where(first.c.rank <= CREDITED_NAMES)
    ):
        named[cid].add(label(author_id, name, given, family))
    return {cid: sorted(v) for cid, v in named.items()}, totals


def _drafts(
    activity: Activity, viewer: Person, label: _Labels, own_only: bool, ids: list[int]
) -> tuple[dict[int, list[tuple[int, str, LevelDraft]]], dict[int, int]]:
    """Level drafts by criterion (only the viewer's own for a student) and, for a student, how
    many classmates' drafts each criterion has."""
    query = (
        select(LevelDraft, Person.name, Person.given_name, Person.family_name)
        .join(Criterion, Criterion.id == LevelDraft.criterion_id)
        .join(Person, Person.id == LevelDraft.author_id)
        .where(Criterion.activity_id == activity.id, Criterion.id.in_(ids))
        .order_by(LevelDraft.position, LevelDraft.id)
    )
    others: dict[int, int] = {}
    if own_only:
        query = query.where(LevelDraft.author_id == viewer.id)
        others = {
            cid: n
            for cid, n in db.session.execute(
                select(LevelDraft.criterion_id, func.count(LevelDraft.id))
                .join(Criterion, Criterion.id == LevelDraft.criterion_id)
                .where(
                    Criterion.activity_id == activity.id,
                    Criterion.id.in_(ids),
                    LevelDraft.author_id != viewer.id,
                )
                .group_by(LevelDraft.criterion_id)
            )
        }
    found: dict[int, list[tuple[int, str, LevelDraft]]] = defaultdict(list)
    for draft, name, given, family in db.session.execute(query):
        found[draft.criterion_id].append(
            (draft.position, label(draft.author_id, name, given, family), draft)
        )
    return found, others


def _levels(activity: Activity, ids: list[int]) -> dict[int, dict[int, Level]]:
    found: dict[int, dict[int, Level]] = defaultdict(dict)
    for level, _draft in db.session.execute(
        select(Level, LevelDraft)
        .join(Criterion, Criterion.id == Level.criterion_id)
        .outerjoin(LevelDraft, LevelDraft.id == Level.draft_id)
        .where(Criterion.activity_id == activity.id, Criterion.id.in_(ids))
    ):
        found[level.criterion_id][level.position] = level
    return found


def board_for(
    activity: Activity,
    setup: RubricSetup,
    viewer: Person,
    role: Role,
    listing: Listing | None = None,
) -> Board:
    """The page as `viewer` sees it; `listing` picks the page of the others' proposals."""
    listing = listing or Listing()
    names = sees_names(role)
    label = _Labels(viewer, names, setup.anonymous)
    mine, page, matching = _proposals(activity, viewer, label, listing)
    fate_counts = dict.fromkeys(FATES, 0) | {
        fate: n
        for fate, n in db.session.execute(
            select(Proposal.fate, func.count(Proposal.id))
            .where(Proposal.activity_id == activity.id)
            .group_by(Proposal.fate)
        )
    }
    # The criteria on this page and those in the rubric, never all of a class's candidates.
    criteria_total = (
        db.session.scalar(
            select(func.count(Criterion.id)).where(Criterion.activity_id == activity.id)
        )
        or 0
    )
    criteria_pages = max(1, -(-criteria_total // CRITERIA_PAGE))
    listing = replace(listing, criteria_page=min(listing.criteria_page, criteria_pages))
    page_criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.activity_id == activity.id)
            .order_by(Criterion.id)
            .offset((listing.criteria_page - 1) * CRITERIA_PAGE)
            .limit(CRITERIA_PAGE)
        )
    )
    on_page = {c.id for c in page_criteria}
    in_rubric = [
        c
        for c in db.session.scalars(
            select(Criterion)
            .where(Criterion.activity_id == activity.id, Criterion.selected.is_(True))
            .order_by(Criterion.id)
        )
        if c.id not in on_page
    ]
    ids = sorted(on_page | {c.id for c in in_rubric})
    credited, behind = _credits(activity, label, ids)
    drafts, other_drafts = _drafts(activity, viewer, label, role == Role.STUDENT, ids)
    accepted = _levels(activity, ids)

    def card(c: Criterion) -> CriterionCard:
        return CriterionCard(
            c,
            credited.get(c.id, []),
            drafts.get(c.id, []),
            accepted.get(c.id, {}),
            credited_more=max(0, behind.get(c.id, 0) - CREDITED_NAMES),
            other_drafts=other_drafts.get(c.id, 0),
        )

    crit_cards = [card(c) for c in page_criteria]
    selected = sorted(
        [k for k in crit_cards if k.criterion.selected] + [card(c) for c in in_rubric],
        key=lambda k: k.criterion.id,
    )
    ballot = voting.ballot_of(activity, viewer)
    elsewhere = sorted(cid for cid in ballot if cid not in on_page)
    # Always run, even with nothing to look up: the page's statements do not vary by page.
    titles = dict(
        db.session.execute(
            select(Criterion.id, Criterion.title).where(Criterion.id.in_(elsewhere))
        ).all()
    )
    visible = voting.tallies_visible(activity, setup)
    tallies, tally_total = (
        voting.tally_page(activity, (listing.tally_page - 1) * TALLY_PAGE, TALLY_PAGE)
        if visible
        else (None, 0)
    )
    return Board(
        activity=activity,
        setup=setup,
        phase=services.current_phase(activity, setup),
        sees_names=names,
        mine=mine,
        proposals=page,
        listing=listing,
        matching=matching,
        pages=max(1, -(-matching // PAGE_SIZE)),
        fate_counts=fate_counts,
        criteria=crit_cards,
        criteria_total=criteria_total,
        criteria_pages=criteria_pages,
        selected=selected,
        ballot=ballot,
        ballot_elsewhere=[(cid, titles.get(cid, "?"), ballot[cid]) for cid in elsewhere],
        budget=voting.budget_of(setup),
        tallies=tallies,
        tally_total=tally_total,
        tally_pages=max(1, -(-tally_total // TALLY_PAGE)),
        voters=voting.voter_count(activity),
        versions=versions.versions_of(activity),
        open_count=fate_counts.get(ProposalFate.OPEN, 0),
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
