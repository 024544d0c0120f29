"""The class overview of a goal setting activity: each student's stage, the queue of goals
waiting for agreement, last check-in and progress; and its CSV export.

A fixed number of queries whatever the class size (students, goals, versions, last check-ins),
assembled in Python.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lti_tool.activities.spreadsheet import csv_writer
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    CheckIn,
    Goal,
    GoalStatus,
    GoalVersion,
    Membership,
    Person,
    Reflection,
    Role,
)
from lti_tool.wording import label

STAGES = {
    "waiting": _l("Waiting for agreement"),
    "changes": _l("Revising after a suggestion"),
    "not_started": _l("Not started"),
    "drafting": _l("Drafting"),
    "agreed": _l("Agreed, no check-in yet"),
    "checking_in": _l("Checking in"),
    "reflected": _l("Reflected"),
}


@dataclass
class GoalLine:
    id: int
    what: str
    status: str
    version: int
    waiting_since: datetime | None
    check_ins: int = 0
    last_check_in: datetime | None = None
    progress: int | None = None
    outcome: str | None = None


@dataclass
class StudentLine:
    person_id: int
    name: str
    goals: list[GoalLine] = field(default_factory=list)

    @property
    def stage(self) -> str:
        statuses = {g.status for g in self.goals}
        if not statuses:
            return "not_started"
        if GoalStatus.PENDING in statuses:
            return "waiting"
        if GoalStatus.CHANGES in statuses:
            return "changes"
        if statuses == {GoalStatus.REFLECTED}:
            return "reflected"
        if statuses <= {GoalStatus.DRAFT}:
            return "drafting"
        return "checking_in" if any(g.check_ins for g in self.goals) else "agreed"

    @property
    def waiting_since(self) -> datetime | None:
        times = [g.waiting_since for g in self.goals if g.status == GoalStatus.PENDING]
        return min(t for t in times if t) if any(times) else None

    @property
    def last_check_in(self) -> datetime | None:
        times = [g.last_check_in for g in self.goals if g.last_check_in]
        return max(times) if times else None

    @property
    def progress(self) -> int | None:
        values = [g.progress for g in self.goals if g.progress is not None]
        return round(sum(values) / len(values)) if values else None


def _name(name: str | None, given: str | None, family: str | None) -> str:
    """Person.display_name, from plain columns."""
    return name or " ".join(p for p in (given, family) if p) or str(_l("Anonymous user"))


def class_overview(activity: Activity, stage: str | None = None) -> list[StudentLine]:
    """Every student of the course with their goals; the agreement queue first (oldest waiting
    first), then by name. `stage` keeps only students at that stage."""
    # Plain columns rather than ORM objects: this page lists a whole class.
    students = {
        person_id: StudentLine(person_id, _name(name, given, family))
        for person_id, name, given, family in db.session.execute(
            select(Person.id, Person.name, Person.given_name, Person.family_name)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
        )
    }
    goals = db.session.execute(
        select(Goal.id, Goal.person_id, Goal.status).where(Goal.activity_id == activity.id)
    ).all()
    latest: dict[int, tuple[int, str, datetime | None]] = {}
    for goal_id, number, what, submitted_at in db.session.execute(
        select(GoalVersion.goal_id, GoalVersion.number, GoalVersion.what, GoalVersion.submitted_at)
        .join(Goal, Goal.id == GoalVersion.goal_id)
        .where(Goal.activity_id == activity.id)
        .order_by(GoalVersion.number)
    ):
        latest[goal_id] = (number, what, submitted_at)
    last_ids = (
        select(func.max(CheckIn.id).label("id"), func.count(CheckIn.id).label("n"))
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(Goal.activity_id == activity.id)
        .group_by(CheckIn.goal_id)
        .subquery()
    )
    last_check_ins = {
        goal_id: (n, created_at, progress)
        for goal_id, created_at, progress, n in db.session.execute(
            select(CheckIn.goal_id, CheckIn.created_at, CheckIn.progress, last_ids.c.n).join(
                last_ids, last_ids.c.id == CheckIn.id
            )
        )
    }
    # Newest last, so a re-opened and re-reflected goal shows its latest outcome.
    outcomes = {
        goal_id: outcome
        for goal_id, outcome in db.session.execute(
            select(Reflection.goal_id, Reflection.outcome)
            .join(Goal, Goal.id == Reflection.goal_id)
            .where(Goal.activity_id == activity.id)
            .order_by(Reflection.id)
        )
    }
    for goal_id, person_id, status in sorted(goals):
        number, what, submitted_at = latest.get(goal_id, (0, "", None))
        line = GoalLine(
            id=goal_id,
            what=what,
            status=status,
            version=number,
            waiting_since=submitted_at,
            outcome=outcomes.get(goal_id) if status == GoalStatus.REFLECTED else None,
        )
        if goal_id in last_check_ins:
            line.check_ins, line.last_check_in, line.progress = last_check_ins[goal_id]
        student = students.get(person_id)
        if student is None:  # left the course (or changed role): still show their goals
            student = students[person_id] = StudentLine(person_id, str(_l("(no longer a student)")))
        student.goals.append(line)
    lines = [s for s in students.values() if stage is None or s.stage == stage]

    def order(s: StudentLine) -> tuple[int, str, str]:
        waiting = s.waiting_since.isoformat() if s.waiting_since else ""
        return (0, waiting, s.name.lower()) if s.stage == "waiting" else (1, "", s.name.lower())

    return sorted(lines, key=order)


def stage_counts(lines: list[StudentLine]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    for line in lines:
        counts[line.stage] += 1
    return counts


def export_csv(lines: list[StudentLine]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        [
            _("student"),
            _("stage"),
            _("goal"),
            _("status"),
            _("version"),
            _("check-ins"),
            _("last check-in"),
            _("progress %"),
            _("outcome"),
        ]
    )
    for s in lines:
        goals: list[GoalLine | None] = [*s.goals] or [None]
        for g in goals:
            writer.writerow(
                (
                    s.name,
                    str(STAGES[s.stage]),
                    g.what if g else "",
                    label(g.status, "goal_status") if g else "",
                    g.version if g else "",
                    g.check_ins if g else "",
                    g.last_check_in.date().isoformat() if g and g.last_check_in else "",
                    g.progress if g and g.progress is not None else "",
                    label(g.outcome, "goal_outcome") if g and g.outcome else "",
                )
            )
    return out.getvalue()
