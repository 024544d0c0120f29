"""Platform notices (LTI PNS 1.0) on the course side: where each deployment's notification
service is, registering our handler there, storing verified notices, and processing them.

Storing comes first and is all the handler's request does (Canvas does not retry, so the answer
must not wait on the processing); the `notices` job then processes what is stored, once each:
an `LtiContextCopyNotice` records the courses the new one was copied from (`ContextOrigin`), so
its links find last term's activities even when no history variable reaches the tool.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.jobs.registry import Job, JobContext, every, register
from lti_tool.lti.errors import LtiError
from lti_tool.lti.pns import (
    CONTEXT_COPY_NOTICE,
    NoticeService,
    ServiceError,
    VerifiedNotice,
    register_handler,
)
from lti_tool.lti.services import PlatformRef
from lti_tool.models import ContextOrigin, NoticeHandler, Platform, ReceivedNotice, utcnow

log = logging.getLogger(__name__)
WANTED_NOTICES = (CONTEXT_COPY_NOTICE,)
MAX_REGISTRATION_ATTEMPTS = 5
HANDLER_PATH = "/lti/notices"


def note_launch(platform_id: int, deployment_id: str, body: Mapping[str, Any]) -> None:
    """Remember the deployment's notification service the first time a launch names it."""
    service = NoticeService.from_claims(body)
    if service is None:
        return
    for notice_type in WANTED_NOTICES:
        if notice_type not in service.notice_types:
            continue
        row = db.session.scalars(
            select(NoticeHandler).where(
                NoticeHandler.platform_id == platform_id,
                NoticeHandler.deployment_id == deployment_id,
                NoticeHandler.notice_type == notice_type,
            )
        ).first()
        if row is None:
            # A savepoint: two first launches of a deployment race for the row; one keeps it.
            try:
                with db.session.begin_nested():
                    db.session.add(
                        NoticeHandler(
                            platform_id=platform_id,
                            deployment_id=deployment_id,
                            notice_type=notice_type,
                            service_url=service.url,
                        )
                    )
            except IntegrityError:
                pass
        elif row.service_url != service.url:
            row.service_url, row.registered_at, row.attempts = service.url, None, 0


def register_handlers(*, tool_base_url: str, keys_dir: Path, timeout: float) -> int:
    """PUT our handler where it is not registered yet; how many were registered."""
    done = 0
    rows = list(
        db.session.scalars(
            select(NoticeHandler).where(
                NoticeHandler.registered_at.is_(None),
                NoticeHandler.attempts < MAX_REGISTRATION_ATTEMPTS,
            )
        )
    )
    for row in rows:
        platform = db.session.get(Platform, row.platform_id)
        if platform is None:
            continue
        ref, service_url, notice_type = PlatformRef.of(platform), row.service_url, row.notice_type
        # The attempt is counted and committed before the HTTP call: a write transaction held
        # open across it would lock SQLite against the platform (in the sandbox, the same
        # server) writing while it answers, and a crash mid-call still counts the attempt.
        row.attempts += 1
        db.session.commit()
        try:
            register_handler(
                ref,
                service_url,
                notice_type,
                tool_base_url + HANDLER_PATH,
                keys_dir=keys_dir,
                timeout=timeout,
            )
        except ServiceError as exc:
            row.last_error = str(exc)[:1000]
            log.info("notice handler for %s not registered: %s", row.notice_type, exc)
        else:
            row.registered_at, row.last_error = utcnow(), ""
            done += 1
        db.session.commit()
    return done


@dataclass(frozen=True)
class Stored:
    notice: ReceivedNotice | None  # None: this notice was already stored (sent again)


def store_notice(verified: VerifiedNotice) -> Stored:
    """Keep a verified notice before anything is done with it. The same token again is a
    replay (refused, 409, nothing stored); the same notice in a new token (a platform sending it
    again) is acknowledged without a second row."""
    replay = db.session.scalars(
        select(ReceivedNotice.id).where(
            ReceivedNotice.platform_id == verified.platform_id,
            ReceivedNotice.token_id == verified.token_id,
        )
    ).first()
    if replay is not None:
        raise LtiError(
            "NOTICE_REPLAYED", "This notice token was already received.", 409, verified.token_id
        )
    again = db.session.scalars(
        select(ReceivedNotice.id).where(
            ReceivedNotice.platform_id == verified.platform_id,
            ReceivedNotice.notice_id == verified.notice_id,
        )
    ).first()
    if again is not None:
        return Stored(None)
    row = ReceivedNotice(
        platform_id=verified.platform_id,
        deployment_id=verified.deployment_id,
        notice_id=verified.notice_id,
        token_id=verified.token_id,
        notice_type=verified.notice_type,
        claims=verified.claims,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as exc:  # the same token or notice stored a moment ago elsewhere
        raise LtiError(
            "NOTICE_REPLAYED", "This notice was already received.", 409, verified.token_id
        ) from exc
    return Stored(row)


def _context_copy(row: ReceivedNotice) -> str:
    claims = row.claims or {}
    context = claims.get("https://purl.imsglobal.org/spec/lti/claim/context")
    new_id = context.get("id") if isinstance(context, Mapping) else None
    origins = claims.get("https://purl.imsglobal.org/spec/lti/claim/origin_contexts")
    if not new_id or not isinstance(origins, list):
        return "ignored: no context or origin_contexts"
    added = 0
    for origin in origins:
        origin_id = str(origin)[:255] if isinstance(origin, str | int) else ""
        if not origin_id or origin_id == str(new_id):
            continue
        exists = db.session.scalars(
            select(ContextOrigin.id).where(
                ContextOrigin.platform_id == row.platform_id,
                ContextOrigin.context_id == str(new_id)[:255],
                ContextOrigin.origin_context_id == origin_id,
            )
        ).first()
        if exists is None:
            db.session.add(
                ContextOrigin(
                    platform_id=row.platform_id,
                    context_id=str(new_id)[:255],
                    origin_context_id=origin_id,
                    notice_id=row.id,
                )
            )
            added += 1
    return f"course {str(new_id)[:80]} copied from {added} known origin(s)"


def process_notices(limit: int = 200) -> int:
    """Process stored notices not processed yet (each once: the row is claimed under a lock
    on PostgreSQL, and processed_at set in the same transaction)."""
    done = 0
    ids = list(
        db.session.scalars(
            select(ReceivedNotice.id)
            .where(ReceivedNotice.processed_at.is_(None))
            .order_by(ReceivedNotice.id)
            .limit(limit)
        )
    )
    db.session.commit()
    for notice_id in ids:
        row = db.session.scalars(
            select(ReceivedNotice)
            .where(ReceivedNotice.id == notice_id, ReceivedNotice.processed_at.is_(None))
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            db.session.rollback()
            continue
        if row.notice_type == CONTEXT_COPY_NOTICE:
            row.outcome = _context_copy(row)
        else:
            row.outcome = f"acknowledged: {row.notice_type} needs nothing here"
        row.processed_at = utcnow()
        db.session.commit()
        log.info("notice %s (%s) processed: %s", row.notice_id, row.notice_type, row.outcome)
        done += 1
    return done


def run_notices(ctx: JobContext) -> str:
    processed = process_notices()
    registered = register_handlers(
        tool_base_url=ctx.settings.LTI_TOOL_BASE_URL,
        keys_dir=ctx.settings.LTI_KEYS_DIR,
        timeout=ctx.settings.HTTP_TIMEOUT_SECONDS,
    )
    return f"{processed} notices processed, {registered} handlers registered"


# Registered by this module, as a kind registers its phase clock: jobs never imports activities.
register(
    Job(
        "notices",
        every("JOB_NOTICES_INTERVAL_SECONDS"),
        run_notices,
        "Platform notices processed and notice handlers registered",
    )
)
