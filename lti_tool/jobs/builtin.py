"""The jobs every installation runs: dated phases, roster refresh, clean-up, reminder e-mail
(lti_tool/reminders) and the platforms' course retention rules (lti_tool/privacy/retention.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from lti_tool.extensions import db
from lti_tool.jobs.phases import clocks
from lti_tool.jobs.registry import Job, JobContext, every, register
from lti_tool.jobs.runner import JobFailed
from lti_tool.models import (
    AccessToken,
    Activity,
    AdminSession,
    Context,
    LaunchSession,
    RosterSync,
    UsedLinkTicket,
    UsedNonce,
    WorkerHeartbeat,
)

log = logging.getLogger(__name__)


def apply_dated_phases(ctx: JobContext) -> str:
    """Every activity whose phase date has come moves on, as its first visit would have made it
    (the kind's own catch-up, which records the same events)."""
    moved = failed = 0
    for kind, clock in clocks().items():
        ids = list(db.session.scalars(select(Activity.id).where(Activity.kind == kind)))
        db.session.rollback()
        for activity_id in ids:
            activity = db.session.get(Activity, activity_id)
            if activity is None:
                continue
            try:
                entered = clock.catch_up(activity, ctx.today, ctx.settings.LTI_TOOL_BASE_URL)
            except Exception:  # one activity's trouble must not hold back the others
                db.session.rollback()
                failed += 1
                log.exception("phases: activity %s could not move on", activity_id)
                continue
            if entered:
                db.session.commit()
                moved += 1
                log.info("activity %s: phases moved by date: %s", activity_id, entered)
            else:
                db.session.rollback()
    # Scores that changed with a phase go out in the same worker round: every worker loop runs
    # the due jobs and then delivers the outbox until it is idle (grading/worker.py).
    summary = f"{moved} activities moved on"
    if failed:
        raise JobFailed(f"{summary}, {failed} could not")
    return summary


def refresh_rosters_before_allocation(ctx: JobContext) -> str:
    """Sync the roster of each course whose activity allocates from it (reviewers) within the
    lookahead, unless it was synced recently: students who joined late get reviewers too."""
    from lti_tool.roster import RosterError, sync_roster

    # Phase dates are days: an allocation on the day the lookahead reaches counts.
    lookahead = timedelta(hours=ctx.settings.JOB_ROSTER_LOOKAHEAD_HOURS)
    horizon = (datetime.combine(ctx.today, ctx.now.time()) + lookahead).date()
    fresh_after = ctx.now - timedelta(hours=ctx.settings.JOB_ROSTER_MAX_AGE_HOURS)
    context_ids: set[int] = set()
    for kind, clock in clocks().items():
        if clock.next_allocation is None:
            continue
        for activity in db.session.scalars(select(Activity).where(Activity.kind == kind)):
            day = clock.next_allocation(activity, ctx.today)
            if day is not None and day <= horizon:
                context_ids.add(activity.context_id)
    db.session.rollback()  # next_allocation may have made a config row: a visit makes it
    synced = skipped = failed = 0
    for context_id in sorted(context_ids):
        last = db.session.scalar(
            select(RosterSync.synced_at).where(
                RosterSync.context_id == context_id, RosterSync.scope == ""
            )
        )
        context = db.session.get(Context, context_id)
        if context is None or (last is not None and last >= fresh_after):
            skipped += 1
            continue
        try:
            sync_roster(
                context,
                keys_dir=ctx.settings.LTI_KEYS_DIR,
                timeout=float(ctx.settings.HTTP_TIMEOUT_SECONDS),
            )
        except RosterError as exc:  # the LMS offers no roster, or refused: nothing to do
            db.session.rollback()
            log.info("roster refresh: course %s: %s", context_id, exc)
            skipped += 1
            continue
        except Exception:
            db.session.rollback()
            log.exception("roster refresh: course %s failed", context_id)
            failed += 1
            continue
        synced += 1
        if refresh_groups(ctx, context) is False:
            failed += 1
    summary = f"{synced} rosters synced, {skipped} skipped"
    if failed:
        raise JobFailed(f"{summary}, {failed} failed")
    return summary


def refresh_groups(ctx: JobContext, context: Context) -> bool | None:
    """The course's groups from the Course Groups Service, after its roster (issue 16): None
    when the LMS offers no groups service, else whether the fetch worked."""
    from lti_tool.roster.groups import GroupsError, groups_service_of, sync_groups

    if groups_service_of(context.id) is None:
        return None
    try:
        sync_groups(
            context,
            keys_dir=ctx.settings.LTI_KEYS_DIR,
            timeout=float(ctx.settings.HTTP_TIMEOUT_SECONDS),
        )
    except GroupsError as exc:
        db.session.rollback()
        log.info("roster refresh: groups of course %s: %s", context.id, exc)
        return False
    return True


def forget_expired(ctx: JobContext) -> str:
    """Delete what has expired: used nonces and link tickets, launch and console sessions,
    platform access tokens, markers of spent invitations whose links have expired anyway, and
    heartbeats of workers gone for a week. (OIDC login state is signed, never stored.)"""
    now = ctx.now
    invites_expired = now - timedelta(hours=ctx.settings.REGISTRATION_INVITE_TTL_HOURS + 24)
    statements = {
        "nonces": delete(UsedNonce).where(
            UsedNonce.expires_at < now, ~UsedNonce.nonce.startswith("invite:")
        ),
        "invitations": delete(UsedNonce).where(
            UsedNonce.nonce.startswith("invite:"), UsedNonce.created_at < invites_expired
        ),
        "link tickets": delete(UsedLinkTicket).where(UsedLinkTicket.expires_at < now),
        "launch sessions": delete(LaunchSession).where(LaunchSession.expires_at < now),
        "console sessions": delete(AdminSession).where(AdminSession.expires_at <= now),
        "access tokens": delete(AccessToken).where(AccessToken.expires_at < now),
        "heartbeats": delete(WorkerHeartbeat).where(
            WorkerHeartbeat.beat_at < now - timedelta(days=7)
        ),
    }
    counts = {}
    for name, statement in statements.items():
        counts[name] = db.session.execute(statement).rowcount  # type: ignore[attr-defined]
        db.session.commit()  # one short transaction each: no long lock on a busy table
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def send_reminders(ctx: JobContext) -> str:
    """Reminder e-mail due now, each once (lti_tool.reminders); nothing while SMTP_HOST is
    empty."""
    from lti_tool.reminders import smtp
    from lti_tool.reminders.sender import send_due_reminders

    if not smtp.enabled(ctx.settings):
        return "e-mail is off (SMTP_HOST is empty)"
    outcome = send_due_reminders(ctx.settings, ctx.now)
    if outcome.failed:
        raise JobFailed(outcome.summary())
    return outcome.summary()


register(
    Job(
        "phases",
        every("JOB_PHASES_INTERVAL_SECONDS"),
        apply_dated_phases,
        "Dated phases move on at their time",
    )
)
register(
    Job(
        "roster_refresh",
        every("JOB_ROSTER_INTERVAL_SECONDS"),
        refresh_rosters_before_allocation,
        "Rosters synced before reviewers are allocated",
    )
)
register(
    Job(
        "cleanup",
        every("JOB_CLEANUP_INTERVAL_SECONDS"),
        forget_expired,
        "Expired nonces, tickets, sessions, tokens and invitations deleted",
    )
)
register(
    Job(
        "reminders",
        every("JOB_REMINDERS_INTERVAL_SECONDS"),
        send_reminders,
        "Reminder e-mail (due soon, agreement, reviews, respond, weekly digest)",
    )
)


def retention(ctx: JobContext) -> str:
    """Each platform's course retention rule (privacy/retention.py): a report while the rule
    is a dry run, the deletion of expired courses once an admin armed it."""
    from lti_tool.privacy.retention import retention_job

    return retention_job(ctx)


register(
    Job(
        "retention",
        every("JOB_RETENTION_INTERVAL_SECONDS"),
        retention,
        "Courses past their platform's retention period deleted (dry run until armed)",
    )
)
