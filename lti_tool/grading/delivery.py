"""Delivering the outbox: one round claims due rows, gets one cached token per platform and
scope set, posts the scores concurrently (HTTP only, no database in the threads), refreshes the
token once on 401, and records every outcome.

Used by the worker command, by the in-process worker woken after a commit, and by tests and
benchmarks directly. It must run inside an application context.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from requests.adapters import HTTPAdapter
from sqlalchemy import select, update

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.grading import line_items as columns
from lti_tool.grading import outbox
from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.ags import (
    CANVAS_SUBMISSION,
    SCOPE_SCORE,
    SCORE_MEDIA,
    Judgement,
    Problem,
    ScorePayload,
    Verdict,
    judge_score_answer,
    platform_words,
    sub_url,
    token_scopes,
)
from lti_tool.lti.http import new_session
from lti_tool.lti.services import (
    RETRYABLE_STATUSES,
    Answer,
    PlatformClient,
    PlatformRef,
    ServiceError,
    send,
)
from lti_tool.models import (
    Activity,
    CourseServices,
    LineItem,
    LineItemState,
    OutboxScore,
    Person,
    Platform,
    ProductFamily,
    utcnow,
)
from lti_tool.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryOptions:
    keys_dir: Path
    tool_base_url: str
    timeout: float
    concurrency: int
    batch_size: int
    lease: timedelta
    policy: outbox.RetryPolicy

    @classmethod
    def of(cls, settings: Settings) -> DeliveryOptions:
        return cls(
            keys_dir=settings.LTI_KEYS_DIR,
            tool_base_url=settings.LTI_TOOL_BASE_URL,
            timeout=float(settings.HTTP_TIMEOUT_SECONDS),
            concurrency=max(1, settings.OUTBOX_CONCURRENCY),
            batch_size=max(1, settings.OUTBOX_BATCH_SIZE),
            lease=timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            policy=outbox.RetryPolicy(
                max_attempts=max(1, settings.OUTBOX_MAX_ATTEMPTS),
                base_seconds=settings.OUTBOX_BACKOFF_BASE_MS / 1000,
                cap_seconds=float(settings.OUTBOX_BACKOFF_CAP_SECONDS),
            ),
        )


@dataclass
class RoundReport:
    columns: int = 0
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    rejected: int = 0
    lost_claims: int = 0

    def add(self, other: RoundReport) -> None:
        for name in ("columns", "claimed", "delivered", "retried", "rejected", "lost_claims"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Job:
    row_id: int
    activity_id: int
    url: str
    document: dict[str, object]
    answer: Answer | None = None
    judgement: Judgement | None = None
    # Canvas refused to open another attempt; the score went again without one.
    without_attempt: bool = False


@dataclass
class _Group:
    platform: PlatformRef
    scopes: tuple[str, ...]
    jobs: list[_Job] = field(default_factory=list)


class Deliverer:
    """A worker's delivery machinery: its HTTP connection pool and threads, reused by rounds."""

    def __init__(self, options: DeliveryOptions, worker_id: str | None = None) -> None:
        self.options = options
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.session = new_session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=options.concurrency)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.pool = ThreadPoolExecutor(options.concurrency, thread_name_prefix="outbox-post")
        self._round = 0

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.session.close()

    # -- one round ------------------------------------------------------------------------

    def run_round(self) -> RoundReport:
        report = RoundReport()
        report.columns = self.sync_columns()
        self._round += 1
        claim = f"{self.worker_id}:{self._round}"
        now = utcnow()
        rows = outbox.claim_scores(
            claim, limit=self.options.batch_size, lease=self.options.lease, now=now
        )
        report.claimed = len(rows)
        if not rows:
            return report
        groups = self._groups(rows)
        db.session.commit()  # the claim: from here on the rows are ours until the lease ends
        for group in groups.values():
            self._deliver(group)
        now = utcnow()
        for group in groups.values():
            for job in group.jobs:
                self._record(job, claim, report, now)
                metrics.delivery(
                    group.platform.id, str(job.judgement.verdict if job.judgement else "retry")
                )
        db.session.commit()
        return report

    def run_until_idle(self, max_rounds: int = 1000) -> RoundReport:
        """Rounds until nothing is due now (rows waiting for a retry later are left)."""
        total = RoundReport()
        for _ in range(max_rounds):
            report = self.run_round()
            total.add(report)
            if report.claimed == 0 and report.columns == 0:
                break
        return total

    # -- scores ---------------------------------------------------------------------------

    def _groups(self, rows: list) -> dict[tuple[int, tuple[str, ...]], _Group]:  # type: ignore[type-arg]
        activity_ids = {r.activity_id for r in rows}
        activities = {
            a.id: a
            for a in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids)))
        }
        # Rows are claimed only once their line item has a URL (outbox.claim).
        urls: dict[int, str] = {
            activity_id: url
            for activity_id, url in db.session.execute(
                select(LineItem.activity_id, LineItem.url).where(
                    LineItem.activity_id.in_(activity_ids)
                )
            )
            if url is not None
        }
        context_ids = {a.context_id for a in activities.values()}
        scopes_of = dict(
            db.session.execute(
                select(CourseServices.context_id, CourseServices.ags_scopes).where(
                    CourseServices.context_id.in_(context_ids)
                )
            ).all()
        )
        subs = dict(
            db.session.execute(
                select(Person.id, Person.sub).where(Person.id.in_({r.person_id for r in rows}))
            ).all()
        )
        platforms = {
            p.id: PlatformRef.of(p)
            for p in db.session.scalars(
                select(Platform).where(Platform.id.in_({r.platform_id for r in rows}))
            )
        }
        groups: dict[tuple[int, tuple[str, ...]], _Group] = {}
        for row in rows:
            activity = activities[row.activity_id]
            platform = platforms[row.platform_id]
            scopes = tuple(token_scopes(scopes_of.get(activity.context_id) or [SCOPE_SCORE]))
            payload = ScorePayload(
                user_id=subs[row.person_id],
                score_given=row.score_given,
                score_maximum=row.score_maximum,
                activity_progress=row.activity_progress,
                grading_progress=row.grading_progress,
                timestamp=row.score_timestamp,
                comment=row.comment,
                submission=row.submission,
            )
            document = payload.document(canvas=platform.product_family == ProductFamily.CANVAS)
            group = groups.setdefault(
                (platform.id, scopes), _Group(platform=platform, scopes=scopes)
            )
            group.jobs.append(
                _Job(row.id, row.activity_id, sub_url(urls[row.activity_id], "scores"), document)
            )
        return groups

    def _token(self, group: _Group, replacing: str | None = None) -> str | ServiceError:
        try:
            return access_token(
                group.platform,
                group.scopes,
                keys_dir=self.options.keys_dir,
                session=self.session,
                timeout=self.options.timeout,
                replacing=replacing,
            )
        except ServiceError as exc:
            log.warning("no access token for platform %s: %s", group.platform.id, exc)
            return exc

    def _post_all(self, jobs: list[_Job], token: str, family: str) -> None:
        def post(job: _Job) -> Answer:
            return send(
                self.session,
                "POST",
                job.url,
                token=token,
                timeout=self.options.timeout,
                content_type=SCORE_MEDIA,
                body=job.document,
            )

        for job, answer in zip(jobs, self.pool.map(post, jobs), strict=True):
            job.answer = answer
            job.judgement = judge_score_answer(answer, family)

    def _deliver(self, group: _Group) -> None:
        token = self._token(group)
        if isinstance(token, ServiceError):
            self._token_failed(group.jobs, token)
            return
        family = group.platform.product_family
        self._post_all(group.jobs, token, family)
        refused = [
            j for j in group.jobs if j.judgement and j.judgement.verdict == Verdict.UNAUTHORIZED
        ]
        if refused:
            # One fresh token for the whole group (the platform expired or revoked ours), one
            # retry.
            fresh = self._token(group, replacing=token)
            if isinstance(fresh, ServiceError):
                self._token_failed(refused, fresh)
            else:
                token = fresh
                self._post_all(refused, fresh, family)
        exhausted = [
            j for j in group.jobs if j.judgement and j.judgement.verdict == Verdict.WITHOUT_ATTEMPT
        ]
        if exhausted:
            # canvas-lms scores_controller.rb: verify_attempts_for_online_upload refuses only a
            # score that opens a submission; the same score with new_submission: false is
            # taken, so the student's score is never lost to the attempt limit.
            for job in exhausted:
                extension = dict(job.document.get(CANVAS_SUBMISSION) or {})  # type: ignore[call-overload]
                job.document = {**job.document, CANVAS_SUBMISSION: {"new_submission": False}}
                job.without_attempt = bool(extension)
            self._post_all(exhausted, token, family)

    @staticmethod
    def _token_failed(jobs: list[_Job], error: ServiceError) -> None:
        said = f" {error.body[:150]}" if error.body else ""
        # A refusal by the token endpoint (400/401: bad client assertion, unknown client, a
        # wrong `aud`) is the registration's problem; anything else is the LMS being away.
        refused = error.status in (400, 401, 403)
        response = (
            f"HTTP {error.status}: {' '.join(error.body.split())}"[:500]
            if error.status is not None
            else f"no answer: {error.message}"[:500]
        )
        for job in jobs:
            job.judgement = Judgement(
                Verdict.RETRY,
                f"could not get an access token: {error.message}{said}",
                error.retry_after,
                problem=Problem.TOKEN_REFUSED if refused else Problem.UNAVAILABLE,
                response=response,
            )

    def _record(self, job: _Job, claim: str, report: RoundReport, now) -> None:  # type: ignore[no-untyped-def]
        judgement = job.judgement or Judgement(Verdict.RETRY, "not attempted")
        status = job.answer.status if job.answer else None
        if job.without_attempt:
            # What was sent is a score without new work: remember it, so a retry does not ask
            # for an attempt again.
            db.session.execute(
                update(OutboxScore)
                .where(
                    OutboxScore.id == job.row_id,
                    OutboxScore.claimed_by == claim,
                    OutboxScore.version == OutboxScore.claimed_version,
                )
                .values(submission=None)
                .execution_options(synchronize_session=False)
            )
        if judgement.verdict == Verdict.DELIVERED:
            kept = outbox.record_delivered(
                job.row_id, claim, status=status, now=now, response=judgement.response
            )
            report.delivered += kept
        elif judgement.verdict in (Verdict.REJECTED, Verdict.WITHOUT_ATTEMPT):
            kept = outbox.record_rejected(
                job.row_id,
                claim,
                status=status,
                reason=judgement.reason,
                now=now,
                problem=judgement.problem,
                response=judgement.response,
            )
            report.rejected += kept
            log.warning("score %s refused for good: %s", job.row_id, judgement.reason)
        else:
            attempts = db.session.scalar(
                select(OutboxScore.attempts).where(OutboxScore.id == job.row_id)
            )
            if judgement.verdict == Verdict.COLUMN_GONE:
                columns.column_gone(job.activity_id, judgement.reason, judgement.response)
                delay = 0.0  # due again as soon as the column is found or made again
            elif judgement.verdict == Verdict.RESTAMP:
                delay = 1.0
            else:
                delay = self.options.policy.delay((attempts or 0) + 1, judgement.retry_after)
            kept = outbox.record_retry(
                job.row_id,
                claim,
                status=status,
                reason=judgement.reason,
                delay=delay,
                max_attempts=self.options.policy.max_attempts,
                now=now,
                problem=judgement.problem,
                response=judgement.response,
                restamp=judgement.verdict == Verdict.RESTAMP,
            )
            report.retried += kept
        if not kept:
            report.lost_claims += 1
            log.warning(
                "score %s: claim %s ran out before its outcome was recorded", job.row_id, claim
            )

    # -- gradebook columns ----------------------------------------------------------------

    def sync_columns(self) -> int:
        claim = f"{self.worker_id}:columns"
        ids = outbox.claim_line_items(claim, limit=20, lease=self.options.lease, now=utcnow())
        for line_item_id in ids:
            self._sync_column(line_item_id, claim)
        return len(ids)

    def _sync_column(self, line_item_id: int, claim: str) -> None:
        row = db.session.get(LineItem, line_item_id)
        if row is None or row.claimed_by != claim:
            return
        activity = db.session.get(Activity, row.activity_id)
        assert activity is not None
        services = columns.course_services(activity.context_id)
        links = columns.links_of(activity.id)
        platform = db.session.get(Platform, activity.context.platform_id)
        assert platform is not None
        family = platform.product_family
        client = None
        if services is not None and services.ags_scopes:
            client = PlatformClient(
                PlatformRef.of(platform),
                token_scopes(services.ags_scopes),
                keys_dir=self.options.keys_dir,
                timeout=self.options.timeout,
                session=self.session,
            )
        db.session.commit()  # no transaction held open across the HTTP calls below
        now = utcnow()
        policy = self.options.policy
        try:
            url = columns.resolve(
                row,
                activity,
                services,
                links,
                client,
                product_family=family,
                review_url=f"{self.options.tool_base_url}/lti/launch",
            )
        except columns.Wait as wait:
            # Not a failure: the platform makes this column once its link is launched. The
            # wait backs off like a retry, and the progress page says what it waits for.
            row.attempts += 1
            row.error = str(wait)
            row.next_attempt_at = now + timedelta(seconds=policy.delay(row.attempts))
        except columns.Unavailable as gone:
            row.state = LineItemState.UNAVAILABLE
            row.error = str(gone)
            row.problem = "no_service"
            columns.fail_waiting_scores(activity.id, f"no gradebook column: {gone}", "no_service")
        except ServiceError as exc:
            row.attempts += 1
            said = platform_words(exc.body) if exc.body else ""
            row.error = f"{exc.message} {said}".strip()[:500]
            row.last_response = (
                f"HTTP {exc.status}: {' '.join(exc.body.split())}"
                if exc.status is not None
                else f"no answer: {exc.message}"
            )[:500]
            problem = _column_problem(exc, family)
            gave_up = row.attempts >= policy.max_attempts
            if problem == Problem.UNAVAILABLE and not gave_up:
                row.problem = problem
                row.next_attempt_at = now + timedelta(
                    seconds=policy.delay(row.attempts, exc.retry_after)
                )
                log.warning("gradebook column of activity %s: %s", activity.id, row.error)
            else:
                # Refused for good, or transient failures until the attempts ran out: the
                # waiting scores say so, and a Retry starts again.
                row.problem = Problem.GAVE_UP if problem == Problem.UNAVAILABLE else problem
                row.state = LineItemState.REFUSED
                failed = columns.fail_waiting_scores(
                    activity.id,
                    f"no gradebook column: {row.error}",
                    row.problem,
                    row.last_response,
                )
                log.warning(
                    "gradebook column of activity %s refused (%s): %s; %s scores need attention",
                    activity.id,
                    row.problem,
                    row.error,
                    failed,
                )
        else:
            row.url = url
            row.state = LineItemState.READY
            row.error = None
            row.problem = None
            row.last_response = None
            row.attempts = 0
            row.synced_at = now
            log.info("gradebook column of activity %s is %s", activity.id, url)
        row.claimed_by = None
        row.claimed_until = None
        db.session.commit()


def _column_problem(exc: ServiceError, family: str) -> Problem:
    """The class of a failed line item call (see lti.ags.judge_score_answer for scores)."""
    status = exc.status
    body = (exc.body or "").lower()
    if status is None or status in RETRYABLE_STATUSES or status == 401:
        return Problem.UNAVAILABLE if status != 401 else Problem.TOKEN_REFUSED
    if family == "canvas" and status == 422 and "course has concluded" in body:
        # canvas-lms gradebook_services.rb, verify_course_not_concluded (line items too).
        return Problem.COURSE_CONCLUDED
    if 300 <= status < 400:
        return Problem.REDIRECTED
    if 200 <= status < 300:
        return Problem.UNEXPECTED  # a 2xx without a line item in it
    return Problem.COLUMN_REFUSED


def deliver_until_idle(settings: Settings) -> RoundReport:
    """One-off delivery of everything due now (tests, CLI --once)."""
    deliverer = Deliverer(DeliveryOptions.of(settings))
    try:
        return deliverer.run_until_idle()
    finally:
        deliverer.close()
