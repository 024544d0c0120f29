"""Syncing a course roster from NRPS into Person, Membership and RosterMember rows.

All pages are fetched first, then written in one transaction with batched upserts (a handful of
statements per few hundred members, never one per member), so a sync that fails half way writes
nothing and no write lock is held while the platform answers. A full sync marks members the
platform no longer lists as Deleted; a differences sync (NRPS 2.0 `rel="differences"`) only
touches the members it returns; an `rlid` sync only those who can reach that link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import insert, select, update

from lti_tool import metrics
from lti_tool.auth.roles import resolve_role
from lti_tool.extensions import db
from lti_tool.lti.nrps import SCOPE_MEMBERSHIPS, Member, fetch_roster
from lti_tool.lti.services import PlatformClient, PlatformRef, ServiceError
from lti_tool.models import (
    Context,
    CourseServices,
    Membership,
    MemberStatus,
    Person,
    Platform,
    RosterMember,
    RosterSync,
    utcnow,
)

log = logging.getLogger(__name__)
BATCH = 500


class RosterError(Exception):
    """The roster could not be synced; the message says why in a facilitator's words."""


@dataclass(frozen=True)
class SyncReport:
    members: int
    added: int
    pages: int
    removed: int
    incremental: bool


def _client(platform: Platform, keys_dir: Path, timeout: float) -> PlatformClient:
    return PlatformClient(
        PlatformRef.of(platform), [SCOPE_MEMBERSHIPS], keys_dir=keys_dir, timeout=timeout
    )


@metrics.times_roster_sync
def sync_roster(
    context: Context,
    *,
    keys_dir: Path,
    timeout: float,
    rlid: str | None = None,
    incremental: bool = True,
    page_size: int | None = None,
) -> SyncReport:
    """Fetch the roster (or what changed since the last sync) and store it. Commits."""
    services = db.session.scalars(
        select(CourseServices).where(CourseServices.context_id == context.id)
    ).first()
    if services is None or not services.memberships_url:
        raise RosterError("The LMS has not offered this course's roster to Coproduce (NRPS).")
    scope = rlid or ""
    previous = db.session.scalars(
        select(RosterSync).where(RosterSync.context_id == context.id, RosterSync.scope == scope)
    ).first()
    url = services.memberships_url
    use_differences = bool(incremental and previous and previous.differences_url)
    if use_differences:
        assert previous is not None and previous.differences_url
        url = previous.differences_url
    platform = context.platform
    client = _client(platform, keys_dir, timeout)
    db.session.commit()  # hold no transaction while the platform answers
    try:
        roster = fetch_roster(client, url, rlid=None if use_differences else rlid, limit=page_size)
    except ServiceError as exc:
        log.warning("roster sync of context %s failed: %s %s", context.id, exc, exc.body[:200])
        raise RosterError(
            f"The LMS did not give the roster ({exc.status or 'no answer'}). Try again later."
        ) from exc

    added = _store(context, platform.id, roster.members)
    removed = 0
    if not use_differences and not rlid:
        removed = _mark_missing(context.id, {m.user_id for m in roster.members})
    if previous is None:
        previous = RosterSync(context_id=context.id, scope=scope)
        db.session.add(previous)
    previous.differences_url = roster.differences_url
    previous.member_count = len(roster.members) if not use_differences else previous.member_count
    previous.synced_at = utcnow()
    db.session.commit()
    log.info(
        "roster of context %s synced: %s members in %s pages, %s new, %s removed%s",
        context.id,
        len(roster.members),
        roster.pages,
        added,
        removed,
        " (differences)" if use_differences else "",
    )
    return SyncReport(
        members=len(roster.members),
        added=added,
        pages=roster.pages,
        removed=removed,
        incremental=use_differences,
    )


def _store(context: Context, platform_id: int, members: Sequence[Member]) -> int:
    latest: dict[str, Member] = {m.user_id: m for m in members}  # last word per user wins
    ordered = list(latest.values())
    added = 0
    for start in range(0, len(ordered), BATCH):
        added += _store_batch(context.id, platform_id, ordered[start : start + BATCH])
    return added


NAME_FIELDS = ("name", "given_name", "family_name", "email")


def _names(member: Member) -> dict[str, str]:
    # Only what the platform shares (privacy settings): a field it withholds keeps our value.
    # E-mail only when the tool sends mail (data minimisation, docs/privacy.md).
    keep = NAME_FIELDS if _keeps_email() else NAME_FIELDS[:3]
    return {k: v for k in keep if (v := getattr(member, k))}


def _keeps_email() -> bool:
    return has_app_context() and bool(current_app.extensions["coproduce.settings"].wants_email)


def _store_batch(context_id: int, platform_id: int, members: list[Member]) -> int:
    now = utcnow()
    known_people = {
        row.sub: row
        for row in db.session.execute(
            select(Person.id, Person.sub, *(getattr(Person, k) for k in NAME_FIELDS)).where(
                Person.platform_id == platform_id, Person.sub.in_([m.user_id for m in members])
            )
        )
    }
    new_people = [
        {
            "platform_id": platform_id,
            "sub": m.user_id,
            **dict.fromkeys(NAME_FIELDS),
            **_names(m),
            "created_at": now,
            "updated_at": now,
        }
        for m in members
        if m.user_id not in known_people
    ]
    renamed = [
        {"id": known_people[m.user_id].id, **names, "updated_at": now}
        for m in members
        if m.user_id in known_people
        and (names := _names(m))
        and any(getattr(known_people[m.user_id], k) != v for k, v in names.items())
    ]
    people = {sub: row.id for sub, row in known_people.items()}
    if new_people:
        db.session.execute(insert(Person), new_people)
        people.update(
            db.session.execute(
                select(Person.sub, Person.id).where(
                    Person.platform_id == platform_id,
                    Person.sub.in_([p["sub"] for p in new_people]),
                )
            ).all()
        )
    if renamed:
        db.session.execute(update(Person), renamed)

    person_ids = [people[m.user_id] for m in members]
    memberships = dict(
        db.session.execute(
            select(Membership.person_id, Membership.id).where(
                Membership.context_id == context_id, Membership.person_id.in_(person_ids)
            )
        ).all()
    )
    new_memberships = [
        {
            "person_id": people[m.user_id],
            "context_id": context_id,
            "raw_roles": list(m.roles),
            "role": resolve_role(m.roles).value,
            "created_at": now,
        }
        for m in members
        if people[m.user_id] not in memberships
    ]
    if new_memberships:
        db.session.execute(insert(Membership), new_memberships)

    roster = dict(
        db.session.execute(
            select(RosterMember.person_id, RosterMember.id).where(
                RosterMember.context_id == context_id, RosterMember.person_id.in_(person_ids)
            )
        ).all()
    )
    fresh = [
        {
            "context_id": context_id,
            "person_id": people[m.user_id],
            "status": m.status,
            "roles": list(m.roles),
            "synced_at": now,
        }
        for m in members
        if people[m.user_id] not in roster
    ]
    known = [
        {
            "id": roster[people[m.user_id]],
            "status": m.status,
            "roles": list(m.roles),
            "synced_at": now,
        }
        for m in members
        if people[m.user_id] in roster
    ]
    if fresh:
        db.session.execute(insert(RosterMember), fresh)
    if known:
        db.session.execute(update(RosterMember), known)
    return len(new_memberships)


def _mark_missing(context_id: int, seen_subs: set[str]) -> int:
    """After a full sync: members the platform no longer lists are Deleted (their work stays)."""
    listed = (
        select(RosterMember.id, Person.sub)
        .join(Person, Person.id == RosterMember.person_id)
        .where(RosterMember.context_id == context_id, RosterMember.status != MemberStatus.DELETED)
    )
    gone = [row_id for row_id, sub in db.session.execute(listed) if sub not in seen_subs]
    for start in range(0, len(gone), BATCH):
        db.session.execute(
            update(RosterMember)
            .where(RosterMember.id.in_(gone[start : start + BATCH]))
            .values(status=MemberStatus.DELETED, synced_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return len(gone)
