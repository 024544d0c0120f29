"""Extensions and accommodations, shared by every activity kind: a person's or a group's own
last day for a phase, or "excused" from it (it drops out of their score as a missing component
does), and who granted what.

A kind says which of its phases a student acts in (`register_extension_phases`) and where its
groups come from (`register_group_source`); feedback rounds' typed groups are one source, the
course's LMS groups and sections another, registered for every kind (activities.lms_groups,
keys prefixed "lms:"), so shared code never names a kind or a group source.
Phase keys are the kind's: feedback rounds use "r<round>:<phase>", goals their stages, rubrics
their phases; "*" is the whole activity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.domain import DomainError
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Membership, Person, Role, utcnow
from lti_tool.models.extensions import Extension, ExtensionPolicy

WHOLE_ACTIVITY = "*"
EVERY_KIND = "*"  # a group source for every activity kind
MAX_REASON = 2000

PhaseList = Callable[[Activity], list[tuple[str, str]]]
GroupMembers = Callable[[Activity, int], Iterable[str]]  # (activity, person id) -> group keys
GroupChoices = Callable[[Activity], list[tuple[str, str]]]  # (key, label) of the groups
# (activity) -> person id -> group keys, for everyone at once (one read, not one per student)
GroupsByPerson = Callable[[Activity], Mapping[int, Iterable[str]]]


@dataclass(frozen=True)
class GroupSource:
    members: GroupMembers
    choices: GroupChoices
    everyone: GroupsByPerson | None = None


_PHASES: dict[str, PhaseList] = {}
_GROUPS: dict[str, list[GroupSource]] = {}


def register_extension_phases(kind_key: str, phases: PhaseList) -> None:
    """The phases of `kind_key` a student acts in: [(key, label)], for the grant form."""
    _PHASES[kind_key] = phases


def register_group_source(
    kind_key: str,
    members: GroupMembers,
    choices: GroupChoices,
    everyone: GroupsByPerson | None = None,
) -> None:
    """A source of groups for `kind_key`, or for every kind (EVERY_KIND). `everyone` reads
    all memberships at once; without it a class is read one student at a time."""
    _GROUPS.setdefault(kind_key, []).append(GroupSource(members, choices, everyone))


def _sources(activity: Activity) -> list[GroupSource]:
    return [*_GROUPS.get(activity.kind, []), *_GROUPS.get(EVERY_KIND, [])]


def phases_of(activity: Activity) -> list[tuple[str, str]]:
    listed = _PHASES.get(activity.kind)
    return [*(listed(activity) if listed else []), (WHOLE_ACTIVITY, _l("The whole activity"))]


def groups_of(activity: Activity) -> list[tuple[str, str]]:
    """(key, label) of every group of the activity a grant may name, in this course only."""
    return [g for source in _sources(activity) for g in source.choices(activity)]


def group_keys_of(activity: Activity, person_id: int) -> set[str]:
    return {k for source in _sources(activity) for k in source.members(activity, person_id)}


def group_keys_by_person(activity: Activity, people: Iterable[int]) -> dict[int, set[str]]:
    """Person id -> their group keys, for many people with one read per source."""
    wanted = set(people)
    out: dict[int, set[str]] = {p: set() for p in wanted}
    for source in _sources(activity):
        if source.everyone is None:
            for person_id in wanted:
                out[person_id].update(source.members(activity, person_id))
            continue
        for person_id, keys in source.everyone(activity).items():
            if person_id in wanted:
                out[person_id].update(keys)
    return out


class ExtensionError(DomainError):
    pass


@dataclass(frozen=True)
class Target:
    """Whom a grant is for: a person of the course, or a group key."""

    person_id: int | None = None
    group_key: str | None = None

    @property
    def type(self) -> str:
        return "person" if self.person_id is not None else "group"


def coaches_may_grant(activity: Activity) -> bool:
    policy = db.session.scalars(
        select(ExtensionPolicy).where(ExtensionPolicy.activity_id == activity.id)
    ).first()
    return bool(policy and policy.coaches_may_grant)


def set_coaches_may_grant(activity: Activity, by: Person, allowed: bool) -> None:
    policy = db.session.scalars(
        select(ExtensionPolicy).where(ExtensionPolicy.activity_id == activity.id)
    ).first()
    if policy is None:
        policy = ExtensionPolicy(activity_id=activity.id)
        db.session.add(policy)
    policy.coaches_may_grant = allowed
    record_event(
        by, "extension.policy_set", "activity", activity.id, activity=activity, coaches=allowed
    )


def may_grant(activity: Activity, role: Role) -> bool:
    return role == Role.FACILITATOR or (role == Role.COACH and coaches_may_grant(activity))


def _check_target(activity: Activity, target: Target) -> None:
    if (target.person_id is None) == (target.group_key is None):
        raise ExtensionError("EXTENSION_REFUSED", _l("Choose one student or one group."), 400)
    if target.person_id is not None:
        member = db.session.scalars(
            select(Membership.id).where(
                Membership.person_id == target.person_id,
                Membership.context_id == activity.context_id,
                Membership.role == Role.STUDENT,
            )
        ).first()
        if member is None:
            raise ExtensionError(
                "EXTENSION_REFUSED", _l("Extensions are for students of this course."), 404
            )
    elif target.group_key not in {k for k, _ in groups_of(activity)}:
        raise ExtensionError("EXTENSION_REFUSED", _l("That group is not in this activity."), 404)


def grant(
    activity: Activity,
    by: Person,
    role: Role,
    target: Target,
    phase: str,
    *,
    due: date | None = None,
    excused: bool = False,
    reason: str = "",
) -> Extension:
    """Give the target its own last day for `phase` (or excuse it; neither revokes). The
    grant supersedes the target's earlier one for that phase; both stay, as the audit."""
    if not may_grant(activity, role):
        raise ExtensionError(
            "ROLE_FORBIDDEN", _l("Only the facilitator grants extensions in this activity."), 403
        )
    if phase not in {k for k, _ in phases_of(activity)}:
        raise ExtensionError("EXTENSION_REFUSED", _l("That phase is not in this activity."), 400)
    if len(reason) > MAX_REASON:
        raise ExtensionError(
            "EXTENSION_REFUSED",
            _l("A reason is at most %(most)d characters.", most=MAX_REASON),
        )
    _check_target(activity, target)
    now = utcnow()
    for old in _current(activity, target, phase):
        old.superseded_at = now
    row = Extension(
        activity_id=activity.id,
        target_type=target.type,
        person_id=target.person_id,
        group_key=target.group_key,
        phase=phase,
        due=None if excused else due,
        excused=excused,
        reason=reason.strip(),
        granted_by_id=by.id,
        granted_role=str(role),
        granted_at=now,
    )
    db.session.add(row)
    db.session.flush()
    verb = "extension.excused" if excused else "extension.granted" if due else "extension.revoked"
    record_event(
        by,
        verb,
        "extension",
        row.id,
        activity=activity,
        person=target.person_id,
        group=target.group_key,
        phase=phase,
        due=due.isoformat() if due and not excused else None,
    )
    return row


def _current(activity: Activity, target: Target, phase: str) -> list[Extension]:
    query = select(Extension).where(
        Extension.activity_id == activity.id,
        Extension.phase == phase,
        Extension.superseded_at.is_(None),
    )
    if target.person_id is not None:
        query = query.where(Extension.person_id == target.person_id)
    else:
        query = query.where(Extension.group_key == target.group_key)
    return list(db.session.scalars(query))


def _in_force(activity: Activity) -> list[Extension]:
    return list(
        db.session.scalars(
            select(Extension).where(
                Extension.activity_id == activity.id, Extension.superseded_at.is_(None)
            )
        )
    )


def _pick(rows: list[Extension], person_id: int, groups: set[str], phase: str) -> Extension | None:
    own = group = None
    for row in rows:
        if row.phase != phase:
            continue
        if row.person_id == person_id:
            own = row
        elif row.group_key is not None and row.group_key in groups:
            later = group is None or (row.due or date.min) > (group.due or date.min)
            group = row if later else group
    found = own or group
    return found if found is not None and (found.due or found.excused) else None


def extension_for(activity: Activity, person_id: int, phase: str) -> Extension | None:
    """The grant in force for the person and phase: their own wins over their group's (a
    revocation, with neither date nor excused, counts as "none")."""
    return _pick(_in_force(activity), person_id, group_keys_of(activity, person_id), phase)


def due_for(activity: Activity, person_id: int, phase: str) -> date | None:
    """The person's own last day for the phase, when one is granted."""
    found = extension_for(activity, person_id, phase)
    return found.due if found is not None and not found.excused else None


def excused_phases(activity: Activity) -> dict[int, set[str]]:
    """Person id -> the phases they are excused from (their own grants and their groups').
    Groups are read once for the class, so the statements do not grow with its size."""
    rows = [r for r in _in_force(activity) if r.excused or r.due]
    if not any(r.excused for r in rows):
        return {}
    out: dict[int, set[str]] = {}
    people = {r.person_id for r in rows if r.person_id is not None}
    if any(r.group_key for r in rows):
        people |= set(
            db.session.scalars(
                select(Membership.person_id).where(
                    Membership.context_id == activity.context_id, Membership.role == Role.STUDENT
                )
            )
        )
        groups = group_keys_by_person(activity, people)
    else:
        groups = {p: set() for p in people}  # own grants only: no group can change the pick
    phases = {r.phase for r in rows}
    for person_id in people:
        for phase in phases:
            found = _pick(rows, person_id, groups[person_id], phase)
            if found is not None and found.excused:
                out.setdefault(person_id, set()).add(phase)
    return out


def history(activity: Activity) -> list[Extension]:
    """Every grant of the activity, newest first: who granted what, to whom, and when."""
    return list(
        db.session.scalars(
            select(Extension)
            .where(Extension.activity_id == activity.id)
            .order_by(Extension.granted_at.desc(), Extension.id.desc())
        )
    )
