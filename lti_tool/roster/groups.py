"""A course's groups and sections from the LMS: what each launch says about the launching user
(Canvas and Moodle substitution values), and the whole course from the Course Groups Service when
the platform offers it (Blackboard), synced on demand and by the scheduled roster job.

A launch only tells us the launching user's groups, so a set built from launches fills in as
students open Coproduce; the groups service tells us everyone's. Either way a person's rows in a
set are replaced by the latest word about them, so someone moved in the LMS moves here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from lti_tool.extensions import db
from lti_tool.lti.groups import (
    SCOPE_GROUPS,
    CourseGroups,
    GroupsEndpoint,
    fetch_course_groups,
    launch_groups,
)
from lti_tool.lti.services import PlatformClient, PlatformRef, ServiceError
from lti_tool.models import (
    Context,
    CourseGroup,
    CourseGroupMember,
    CourseGroupSet,
    CourseGroupsService,
    Membership,
    Person,
    Role,
    utcnow,
)

log = logging.getLogger(__name__)

# (source, set name, group name prefix, kind) of the sets launches fill in.
LAUNCH_SETS = {
    "canvas": ("Canvas groups", "Canvas group", "groups"),
    "moodle": ("Moodle groups", "Moodle group", "groups"),
    "sections": ("Sections", "Section", "sections"),
}


class GroupsError(Exception):
    """The groups could not be fetched; the message says why in a facilitator's words."""


@dataclass(frozen=True)
class GroupSetView:
    id: int
    name: str
    source: str
    kind: str
    groups: int
    members: int


def _set(context_id: int, source: str, external_id: str, name: str, kind: str) -> CourseGroupSet:
    row = db.session.scalars(
        select(CourseGroupSet).where(
            CourseGroupSet.context_id == context_id,
            CourseGroupSet.source == source,
            CourseGroupSet.external_id == external_id,
        )
    ).first()
    if row is None:
        row = CourseGroupSet(
            context_id=context_id, source=source, external_id=external_id, name=name, kind=kind
        )
        db.session.add(row)
        db.session.flush()
    elif row.name != name:
        row.name = name
    return row


def _groups(group_set: CourseGroupSet, named: Mapping[str, str]) -> dict[str, CourseGroup]:
    """The set's groups by external id, creating (or renaming) those in `named`."""
    rows = {
        g.external_id: g
        for g in db.session.scalars(select(CourseGroup).where(CourseGroup.set_id == group_set.id))
    }
    for external_id, name in named.items():
        row = rows.get(external_id)
        if row is None:
            row = CourseGroup(
                context_id=group_set.context_id,
                set_id=group_set.id,
                external_id=external_id,
                name=name,
            )
            db.session.add(row)
            rows[external_id] = row
        elif row.name != name and not name.startswith(("Canvas group ", "Moodle group ")):
            row.name = name
    db.session.flush()
    return rows


def _place(group_set: CourseGroupSet, person_id: int, groups: Iterable[CourseGroup]) -> None:
    """The person's groups in this set are exactly `groups` (rows for others untouched)."""
    wanted = {g.id for g in groups}
    in_set = select(CourseGroup.id).where(CourseGroup.set_id == group_set.id)
    current = set(
        db.session.scalars(
            select(CourseGroupMember.group_id).where(
                CourseGroupMember.person_id == person_id, CourseGroupMember.group_id.in_(in_set)
            )
        )
    )
    if current - wanted:
        db.session.execute(
            delete(CourseGroupMember)
            .where(
                CourseGroupMember.person_id == person_id,
                CourseGroupMember.group_id.in_(current - wanted),
            )
            .execution_options(synchronize_session=False)
        )
    for group_id in sorted(wanted - current):
        db.session.add(
            CourseGroupMember(
                context_id=group_set.context_id, group_id=group_id, person_id=person_id
            )
        )
    if current != wanted:
        group_set.updated_at = utcnow()


def record_launch(context: Context, person: Person, body: Mapping[str, Any]) -> None:
    """Store what a launch says about the user's groups and sections, and the groups service
    endpoints it names. Writes inside the launch's transaction."""
    said = launch_groups(body)
    lists: dict[str, list[tuple[str, str]]] = {}
    if said.canvas_groups is not None:
        lists["canvas"] = [(g, f"Canvas group {g[:8]}") for g in said.canvas_groups]
    if said.moodle_groups is not None:
        lists["moodle"] = [(g, f"Moodle group {g}") for g in said.moodle_groups]
    if said.sections is not None:
        lists["sections"] = list(said.sections)
    for source, pairs in lists.items():
        set_name, _prefix, kind = LAUNCH_SETS[source]
        group_set = _set(context.id, source, "", set_name, kind)
        rows = _groups(group_set, dict(pairs))
        _place(group_set, person.id, [rows[g] for g, _ in pairs])
    endpoint = GroupsEndpoint.from_claims(body)
    if endpoint is not None:
        service = db.session.scalars(
            select(CourseGroupsService).where(CourseGroupsService.context_id == context.id)
        ).first()
        if service is None:
            service = CourseGroupsService(context_id=context.id, groups_url=endpoint.groups_url)
            db.session.add(service)
        service.groups_url = endpoint.groups_url
        service.group_sets_url = endpoint.group_sets_url
        service.scopes = list(endpoint.scopes)
    db.session.flush()


def groups_service_of(context_id: int) -> CourseGroupsService | None:
    return db.session.scalars(
        select(CourseGroupsService).where(CourseGroupsService.context_id == context_id)
    ).first()


def sync_groups(context: Context, *, keys_dir: Path, timeout: float) -> int:
    """Fetch every group set, group and student's groups from the Course Groups Service and
    store them. Returns how many memberships are now known. Commits."""
    service = groups_service_of(context.id)
    if service is None:
        raise GroupsError("The LMS has not offered this course's groups to Coproduce.")
    endpoint = GroupsEndpoint(service.groups_url, service.group_sets_url, tuple(service.scopes))
    students = list(
        db.session.execute(
            select(Person.id, Person.sub)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == context.id, Membership.role == Role.STUDENT)
            .order_by(Person.id)
        )
    )
    client = PlatformClient(
        PlatformRef.of(context.platform), [SCOPE_GROUPS], keys_dir=keys_dir, timeout=timeout
    )
    db.session.commit()  # hold no transaction while the platform answers
    try:
        fetched = fetch_course_groups(client, endpoint, [sub for _, sub in students])
    except ServiceError as exc:
        log.warning("groups sync of context %s failed: %s %s", context.id, exc, exc.body[:200])
        raise GroupsError(
            f"The LMS did not give the groups ({exc.status or 'no answer'}). Try again later."
        ) from exc
    placed = _store_service_groups(context.id, fetched, dict((sub, pid) for pid, sub in students))
    service.synced_at = utcnow()
    db.session.commit()
    log.info(
        "groups of context %s synced: %s sets, %s groups, %s memberships in %s requests",
        context.id,
        len(fetched.sets),
        len(fetched.groups),
        placed,
        fetched.requests,
    )
    return placed


def _store_service_groups(context_id: int, fetched: CourseGroups, people: dict[str, int]) -> int:
    by_set: dict[str, dict[str, str]] = {}
    for group in fetched.groups.values():
        for set_id in group.set_ids or ("",):
            by_set.setdefault(set_id, {})[group.id] = group.name
    placed = 0
    for set_id, named in sorted(by_set.items()):
        name = fetched.sets.get(set_id) or ("Groups without a set" if not set_id else set_id)
        group_set = _set(context_id, "groups_service", set_id, name, "groups")
        rows = _groups(group_set, named)
        for sub, person_id in people.items():
            if sub not in fetched.members:
                continue
            mine = [rows[g] for g in fetched.members[sub] if g in rows]
            _place(group_set, person_id, mine)
            placed += len(mine)
    return placed


def group_sets_of(context_id: int) -> list[GroupSetView]:
    """The course's group sets and sections with their sizes, for the facilitator to pick."""
    sets = list(
        db.session.scalars(
            select(CourseGroupSet)
            .where(CourseGroupSet.context_id == context_id)
            .order_by(CourseGroupSet.kind, CourseGroupSet.name, CourseGroupSet.id)
        )
    )
    counts = {
        set_id: (groups, members)
        for set_id, groups, members in db.session.execute(
            select(
                CourseGroup.set_id,
                func.count(func.distinct(CourseGroup.id)),
                func.count(CourseGroupMember.id),
            )
            .outerjoin(CourseGroupMember, CourseGroupMember.group_id == CourseGroup.id)
            .where(CourseGroup.context_id == context_id)
            .group_by(CourseGroup.set_id)
        )
    }
    return [GroupSetView(s.id, s.name, s.source, s.kind, *counts.get(s.id, (0, 0))) for s in sets]


def group_set_in(context_id: int, set_id: int) -> CourseGroupSet | None:
    """The group set, only in this course."""
    return db.session.scalars(
        select(CourseGroupSet).where(
            CourseGroupSet.id == set_id, CourseGroupSet.context_id == context_id
        )
    ).first()


def membership_of(group_set: CourseGroupSet) -> dict[int, str]:
    """Person id -> group name in this set. Someone in several groups of one set (the LMS
    allows it) counts in the first by name, so allocation stays deterministic."""
    rows = list(
        db.session.execute(
            select(CourseGroupMember.person_id, CourseGroup.name, CourseGroup.external_id)
            .join(CourseGroup, CourseGroup.id == CourseGroupMember.group_id)
            .where(CourseGroup.set_id == group_set.id)
            .order_by(CourseGroup.name, CourseGroup.external_id)
        )
    )
    ids_by_name: dict[str, set[str]] = {}
    for _, name, external_id in rows:
        ids_by_name.setdefault(name, set()).add(external_id)
    out: dict[int, str] = {}
    for person_id, name, external_id in rows:
        # Two groups may share a name (a Canvas group named twice): the id keeps them apart.
        label = name if len(ids_by_name[name]) == 1 else f"{name} ({external_id})"
        out.setdefault(person_id, label)
    return out
