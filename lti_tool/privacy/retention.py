"""Course retention: per platform, a course's data is deleted `days` after the later of its
last activity and its end date.

Last activity: the latest of the course's creation and update, a member's launch, an activity's
change and an event in the course. End date: the last date any of its activities is planned
to (phase dates, goal due dates, feedback round dates); LTI sends no course end date.

A new rule is a dry run: the `retention` job (jobs/builtin.py) then only records which courses
it would delete (`last_report`, shown in the console). An admin arms the rule having seen that
report; from then on each run deletes the expired courses, each in its own transaction, with
its activities, every row that depends on them (the database's ON DELETE CASCADE), the
course's events and its uploaded files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from lti_tool import storage
from lti_tool.events import EventActor, ToolActor, record_event
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Context,
    Event,
    FeedbackConfig,
    FeedbackSubmission,
    GoalSettings,
    Membership,
    Platform,
    RetentionRule,
    utcnow,
)

if TYPE_CHECKING:
    from lti_tool.jobs.registry import JobContext

MAX_DAYS = 36500
RETENTION_ACTOR = ToolActor("Coproduce retention")


@dataclass(frozen=True)
class CourseFate:
    context_id: int
    title: str
    last_activity: datetime
    end_date: date | None
    goes_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.goes_at <= now


def _dates(value: Any) -> list[date]:
    """ISO dates anywhere in a JSON value of dates (flat or nested by round)."""
    found: list[date] = []
    if isinstance(value, dict):
        for v in value.values():
            found += _dates(v)
    elif isinstance(value, list):
        for v in value:
            found += _dates(v)
    elif isinstance(value, str):
        try:
            found.append(date.fromisoformat(value[:10]))
        except ValueError:
            pass
    return found


def _latest(*values: datetime | None) -> datetime:
    present = [v for v in values if v is not None]
    return max(present)


def course_fates(platform_id: int, days: int) -> list[CourseFate]:
    """Every course of the platform and when the rule deletes it, soonest first."""
    contexts = db.session.scalars(select(Context).where(Context.platform_id == platform_id)).all()
    fates = []
    for context in contexts:
        launched = db.session.scalar(
            select(func.max(Membership.last_launch_at)).where(Membership.context_id == context.id)
        )
        changed = db.session.scalar(
            select(func.max(Activity.updated_at)).where(Activity.context_id == context.id)
        )
        happened = db.session.scalar(
            select(func.max(Event.occurred_at)).where(Event.context_id == context.id)
        )
        last = _latest(context.created_at, context.updated_at, launched, changed, happened)
        if last.tzinfo is None:  # an aggregate over UTC columns comes back naive on SQLite
            last = last.replace(tzinfo=UTC)
        planned: list[date] = []
        for phase_dates in db.session.scalars(
            select(Activity.phase_dates).where(Activity.context_id == context.id)
        ):
            planned += _dates(phase_dates)
        for due in db.session.scalars(
            select(GoalSettings.due_dates)
            .join(Activity, Activity.id == GoalSettings.activity_id)
            .where(Activity.context_id == context.id)
        ):
            planned += _dates(due)
        for rounds in db.session.scalars(
            select(FeedbackConfig.round_dates)
            .join(Activity, Activity.id == FeedbackConfig.activity_id)
            .where(Activity.context_id == context.id)
        ):
            planned += _dates(rounds)
        end = max(planned) if planned else None
        base = last
        if end is not None:
            # The end date counts to its last moment: a course ending today is not over yet.
            base = max(base, datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC))
        fates.append(
            CourseFate(context.id, context.display_name, last, end, base + timedelta(days=days))
        )
    return sorted(fates, key=lambda f: (f.goes_at, f.context_id))


def rule_of(platform_id: int) -> RetentionRule | None:
    return db.session.scalar(select(RetentionRule).where(RetentionRule.platform_id == platform_id))


def set_rule(platform: Platform, days: int | None, actor: EventActor) -> RetentionRule | None:
    """Set (or with None remove) the platform's rule. A new rule, and a rule whose period got
    shorter, is a dry run again: the next report shows what the change would delete."""
    rule = rule_of(platform.id)
    if days is None:
        if rule is not None:
            db.session.delete(rule)
            record_event(
                actor, "retention.removed", "platform", platform.id, platform_id=platform.id
            )
        db.session.commit()
        return None
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(_l("the retention period is 1 to %(max)d days", max=MAX_DAYS))
    if rule is None:
        rule = RetentionRule(platform_id=platform.id, days=days, armed=False, last_report={})
        db.session.add(rule)
    elif days < rule.days:
        rule.armed = False
    rule.days = days
    record_event(
        actor,
        "retention.set",
        "platform",
        platform.id,
        platform_id=platform.id,
        days=days,
        armed=rule.armed,
    )
    db.session.commit()
    return rule


def arm_rule(rule: RetentionRule, actor: EventActor) -> None:
    """The admin has seen the dry-run report: from the next run on, courses are deleted."""
    if not rule.last_report:
        raise ValueError(_l("run the dry run first: the rule is armed once its report was seen"))
    rule.armed = True
    record_event(
        actor,
        "retention.armed",
        "platform",
        rule.platform_id,
        platform_id=rule.platform_id,
        days=rule.days,
    )
    db.session.commit()


def delete_course(context_id: int) -> int:
    """Delete one course's data and its uploaded files; the caller commits. Returns how many
    files went."""
    keys = [
        k
        for k in db.session.scalars(
            select(FeedbackSubmission.file_key)
            .join(Activity, Activity.id == FeedbackSubmission.activity_id)
            .where(Activity.context_id == context_id)
        )
        if k
    ]
    db.session.execute(delete(Event).where(Event.context_id == context_id))
    db.session.execute(delete(Context).where(Context.id == context_id))
    store = storage.current()
    if store.transactional:
        for key in keys:
            store.delete(key)
    return len(keys)


def run_rule(rule: RetentionRule, now: datetime) -> dict[str, Any]:
    """One run of one rule: a report (dry run) or the deletion of every expired course."""
    platform_id, dry_run = rule.platform_id, not rule.armed
    due = [f for f in course_fates(platform_id, rule.days) if f.expired(now)]
    report: dict[str, Any] = {
        "at": now.isoformat(),
        "dry_run": dry_run,
        "courses": [
            {"id": f.context_id, "title": f.title, "goes_at": f.goes_at.isoformat()} for f in due
        ],
    }
    deleted = 0
    if not dry_run:
        store = storage.current()
        for fate in due:
            keys = [] if store.transactional else _file_keys(fate.context_id)
            files = delete_course(fate.context_id)
            record_event(
                RETENTION_ACTOR,
                "retention.course_deleted",
                "context",
                fate.context_id,
                platform_id=platform_id,
                files=files,
                days=rule.days,
            )
            db.session.commit()
            for key in keys:
                store.delete(key)
            deleted += 1
        report["deleted"] = deleted
    rule = db.session.get(RetentionRule, rule.id) or rule
    rule.last_run_at = now
    rule.last_report = report
    db.session.commit()
    return report


def _file_keys(context_id: int) -> list[str]:
    return [
        k
        for k in db.session.scalars(
            select(FeedbackSubmission.file_key)
            .join(Activity, Activity.id == FeedbackSubmission.activity_id)
            .where(Activity.context_id == context_id)
        )
        if k
    ]


def run_all(now: datetime | None = None) -> str:
    now = now or utcnow()
    reported = deleted = 0
    for rule_id in list(db.session.scalars(select(RetentionRule.id).order_by(RetentionRule.id))):
        rule = db.session.get(RetentionRule, rule_id)
        if rule is None:
            continue
        report = run_rule(rule, now)
        if report["dry_run"]:
            reported += len(report["courses"])
        else:
            deleted += int(report.get("deleted", 0))
    return f"{deleted} courses deleted, {reported} would go under rules still in dry run"


def retention_job(ctx: JobContext) -> str:
    """The scheduled `retention` job."""
    return run_all(ctx.now)
