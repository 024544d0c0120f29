"""Erasing a person: their identity removed everywhere, what others depend on kept under a
pseudonym, their own work deleted, in one transaction.

Deleted: their submissions (and the reviews of them, and their uploaded files), goals (with
versions, responses, check-ins, comments and reflections), artifacts, revision plans, scores,
grade outbox rows (pending deliveries are cancelled; what the LMS already received stays in the
LMS), memberships, roster rows, link launches, sessions, deep linking requests, and their open
or declined rubric proposals nobody else commented on.

Kept, pseudonymised: reviews they wrote (others received them), proposals merged into a rubric,
comments in goal and proposal threads, level drafts and votes. The person row stays as the
pseudonym these point at: `sub` becomes a random "erased:" value, names and e-mail go, and
every copy of their name (an event's actor label, a goal thread's author name) becomes
"A former student". A final sweep over every text and JSON column of every table replaces any
other copy of their full name, e-mail or `sub` (in event details, LMS comments, a mentor's
list of mentees).

Erasing again finds no one under that `sub` and does nothing: erasure is idempotent.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, String, Text, delete, exists, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.types import TypeEngine

from lti_tool import storage
from lti_tool.events import EventActor, record_event
from lti_tool.extensions import db
from lti_tool.models import (
    ActorKind,
    Artifact,
    CourseGroupMember,
    DeepLinkRequest,
    DeliveryStatus,
    Extension,
    FeedbackCalibration,
    FeedbackRevisionPlan,
    FeedbackScore,
    FeedbackSubmission,
    Goal,
    LaunchSession,
    LinkLaunch,
    MailPreference,
    MailSent,
    Membership,
    OutboxScore,
    Person,
    Proposal,
    ProposalComment,
    ProposalFate,
    RosterMember,
    TeamRating,
)
from lti_tool.privacy.inventory import TABLES

PSEUDONYM = "A former student"


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark, do not translate yet"
    return text


ERASED_PREFIX = "erased:"

# Marked for translation (N_: the value stays a plain string; the console translates it).
LMS_NOTE = N_(
    "Scores already delivered to the LMS gradebook stay there: the LMS keeps its own records, "
    "which its administrators remove. Pending deliveries were cancelled."
)


@dataclass
class Erasure:
    found: bool
    person_id: int | None = None
    deleted: dict[str, int] = field(default_factory=dict)
    pseudonymised: int = 0
    cancelled_scores: int = 0
    delivered_scores: int = 0
    files: int = 0

    @property
    def summary(self) -> str:
        if not self.found:
            return "Nobody is held under that platform and sub (already erased, or never here)."
        deleted = ", ".join(f"{n} {name}" for name, n in self.deleted.items() if n) or "nothing"
        return (
            f"Erased. Deleted: {deleted}; {self.files} uploaded file(s). "
            f'{self.pseudonymised} value(s) pseudonymised as "{PSEUDONYM}". '
            f"{self.cancelled_scores} pending grade deliveries cancelled; "
            f"{self.delivered_scores} score(s) already in the LMS are left to the LMS. " + LMS_NOTE
        )


def _count(statement: Any) -> int:
    return int(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _needles(person: Person) -> list[str]:
    """The identifying strings to sweep for: full names, e-mail, sub. A given or family name
    alone is too common a word to replace in other people's text."""
    names = {person.name, " ".join(p for p in (person.given_name, person.family_name) if p)}
    return sorted({n for n in (*names, person.email, person.sub) if n and len(n) >= 3}, key=len)[
        ::-1
    ]


def _replacer(needles: list[str]) -> re.Pattern[str]:
    # Whole words only: a sub "ann" must not eat "annual".
    return re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in needles))


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(PSEUDONYM, value)
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    return value


def _is_text(type_: TypeEngine[Any]) -> bool:
    return isinstance(type_, String | Text | JSON)


def _sweep(needles: list[str]) -> int:
    """Replace every remaining copy of the needles in every text and JSON column of every
    table but `person`. LIKE finds the candidate rows (case-insensitively on SQLite); the
    whole-word, case-sensitive pattern decides."""
    if not needles:
        return 0
    pattern = _replacer(needles)
    changed = 0
    for t in db.metadata.sorted_tables:
        columns = [c for c in t.columns if _is_text(c.type)]
        # The person table holds only people's own names: theirs was cleared by the caller,
        # and a namesake's must stay.
        if t.name == "person" or not columns or not t.primary_key.columns:
            continue
        pk = list(t.primary_key.columns)
        for column in columns:
            as_text = sql_cast(column, Text) if isinstance(column.type, JSON) else column
            condition = as_text.contains(needles[0], autoescape=True)
            for n in needles[1:]:
                condition = condition | as_text.contains(n, autoescape=True)
            for row in db.session.execute(select(*pk, column).where(condition)).all():
                new = _scrub(row[-1], pattern)
                if new == row[-1]:
                    continue
                key = {c.name: row[i] for i, c in enumerate(pk)}
                where = [c == key[c.name] for c in pk]
                db.session.execute(update(t).where(*where).values({column.name: new}))
                changed += 1
    return changed


def _pseudonymise_name_copies(person: Person) -> int:
    """Columns the inventory marks as a copy of someone's name (`name_of`)."""
    changed = 0
    for entry in TABLES:
        if entry.name not in db.metadata.tables:
            continue
        t = db.metadata.tables[entry.name]
        for column, p in entry.personal.items():
            if not p.name_of:
                continue
            condition = t.c[p.name_of] == person.id
            if entry.name == "event":
                condition = condition & (t.c.actor_kind == ActorKind.PERSON.value)
            changed += _count(update(t).where(condition).values({column: PSEUDONYM}))
    return changed


def _unlink_mentor_lists(person: Person) -> int:
    changed = 0
    for membership in db.session.scalars(
        select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Person.platform_id == person.platform_id,
            sql_cast(Membership.mentee_subs, Text).contains(person.sub, autoescape=True),
        )
    ):
        if person.sub in membership.mentee_subs:
            membership.mentee_subs = [s for s in membership.mentee_subs if s != person.sub]
            changed += 1
    return changed


def erase_person(platform_id: int, sub: str, actor: EventActor) -> Erasure:
    """Erase the person with this `sub` on this platform and commit; nothing is written when
    any step fails (one transaction). Uploaded files in a store outside the database are
    removed after the commit."""
    person = db.session.scalar(
        select(Person).where(Person.platform_id == platform_id, Person.sub == sub)
    )
    if person is None or sub.startswith(ERASED_PREFIX):
        return Erasure(found=False)
    result = Erasure(found=True, person_id=person.id)
    try:
        needles = _needles(person)
        pid = person.id
        file_keys = [
            k
            for k in db.session.scalars(
                select(FeedbackSubmission.file_key).where(FeedbackSubmission.person_id == pid)
            )
            if k
        ]
        outbox = db.session.execute(
            select(OutboxScore.status).where(OutboxScore.person_id == pid)
        ).scalars()
        for status in outbox:
            if status == DeliveryStatus.DELIVERED:
                result.delivered_scores += 1
            else:
                result.cancelled_scores += 1
        commented_by_others = exists().where(
            ProposalComment.proposal_id == Proposal.id, ProposalComment.author_id != pid
        )
        deletions: dict[str, Any] = {
            "grade deliveries": delete(OutboxScore).where(OutboxScore.person_id == pid),
            "submissions": delete(FeedbackSubmission).where(FeedbackSubmission.person_id == pid),
            "revision plans": delete(FeedbackRevisionPlan).where(
                FeedbackRevisionPlan.person_id == pid
            ),
            "scores": delete(FeedbackScore).where(FeedbackScore.person_id == pid),
            "goals": delete(Goal).where(Goal.person_id == pid),
            "artifacts": delete(Artifact).where(Artifact.person_id == pid),
            "proposals": delete(Proposal).where(
                Proposal.author_id == pid,
                Proposal.fate.in_([ProposalFate.OPEN.value, ProposalFate.DECLINED.value]),
                ~commented_by_others,
            ),
            "memberships": delete(Membership).where(Membership.person_id == pid),
            "roster entries": delete(RosterMember).where(RosterMember.person_id == pid),
            "link launches": delete(LinkLaunch).where(LinkLaunch.person_id == pid),
            "sessions": delete(LaunchSession).where(LaunchSession.person_id == pid),
            "deep linking requests": delete(DeepLinkRequest).where(
                DeepLinkRequest.person_id == pid
            ),
            "extensions": delete(Extension).where(Extension.person_id == pid),
            "reminder e-mail": delete(MailSent).where(MailSent.person_id == pid),
            "mail preferences": delete(MailPreference).where(MailPreference.person_id == pid),
            "group memberships": delete(CourseGroupMember).where(
                CourseGroupMember.person_id == pid
            ),
            # Ratings of them go; ratings they gave stay (their teammates' factors rest on them).
            "team ratings of them": delete(TeamRating).where(TeamRating.ratee_id == pid),
            "calibration attempts": delete(FeedbackCalibration).where(
                FeedbackCalibration.person_id == pid
            ),
        }
        for name, statement in deletions.items():
            result.deleted[name] = _count(statement.execution_options(synchronize_session=False))
        result.pseudonymised += _pseudonymise_name_copies(person)
        result.pseudonymised += _unlink_mentor_lists(person)
        person.sub = ERASED_PREFIX + secrets.token_hex(16)
        person.name = PSEUDONYM
        person.given_name = None
        person.family_name = None
        person.email = None
        db.session.flush()
        result.pseudonymised += _sweep(needles)
        store = storage.current()
        if store.transactional:
            for key in file_keys:
                store.delete(key)
        result.files = len(file_keys)
        record_event(
            actor,
            "privacy.erased",
            "person",
            person.id,
            platform_id=platform_id,
            deleted={k: v for k, v in result.deleted.items() if v},
            files=result.files,
            cancelled_scores=result.cancelled_scores,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if not store.transactional:
        for key in file_keys:
            store.delete(key)
    return result


def is_erased(person: Person) -> bool:
    return person.sub.startswith(ERASED_PREFIX)
