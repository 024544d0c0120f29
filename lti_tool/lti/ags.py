"""Assignment and Grade Services 2.0: line items, scores and results, and how to read a
platform's answer to a score (delivered, try again later, or refused for good).

Platform quirks handled here (../shared/design/lti.md): Canvas wants a User-Agent (lti/http.py)
and strictly increasing score timestamps with sub-second precision; Canvas answers 404/422 and
Moodle "Incorrect score received" for a user who cannot be graded (a teacher, a test student, a
dropped student) — a permanent outcome for that score, not a reason to retry forever.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lti_tool.lti.services import (
    RETRYABLE_STATUSES,
    Answer,
    PlatformClient,
    ServiceError,
    retry_after_seconds,
)

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
ALL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT, SCOPE_SCORE)

LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


@dataclass(frozen=True)
class AgsEndpoint:
    """The AGS claim of a launch: what the platform lets the tool do in this course."""

    scopes: tuple[str, ...]
    lineitems: str | None
    lineitem: str | None

    @classmethod
    def from_claims(cls, body: Mapping[str, Any]) -> AgsEndpoint | None:
        claim = body.get(AGS_CLAIM)
        if not isinstance(claim, dict):
            return None
        scopes = claim.get("scope")
        scopes = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
        lineitems = claim.get("lineitems")
        lineitem = claim.get("lineitem")
        return cls(
            scopes=tuple(scopes),
            lineitems=lineitems if isinstance(lineitems, str) and lineitems else None,
            lineitem=lineitem if isinstance(lineitem, str) and lineitem else None,
        )


def token_scopes(offered: list[str] | tuple[str, ...]) -> list[str]:
    """The AGS scopes to ask a token for: those the course offered that the tool uses. One token
    then serves line item lookups, score posts and result reads alike."""
    return sorted(s for s in set(offered) if s in ALL_SCOPES)


@dataclass(frozen=True)
class LineItemSpec:
    label: str
    score_maximum: float
    resource_id: str
    tag: str
    resource_link_id: str | None = None
    # LTI Submission Review 1.0 §2.1: the line item's `submissionReview` lets the platform's
    # gradebook open a student's work by an LtiSubmissionReviewRequest launch (Moodle 4.5's
    # grader report does: mod/lti/service/gradebookservices).
    review_url: str | None = None
    review_label: str = "Open the work in Coproduce"

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "label": self.label,
            "scoreMaximum": self.score_maximum,
            "resourceId": self.resource_id,
            "tag": self.tag,
        }
        if self.resource_link_id:
            doc["resourceLinkId"] = self.resource_link_id
        if self.review_url:
            doc["submissionReview"] = {
                "reviewableStatus": ["Submitted", "Completed"],
                "label": self.review_label,
                "url": self.review_url,
            }
        return doc


@dataclass(frozen=True)
class LineItemDoc:
    url: str
    label: str
    score_maximum: float | None
    resource_id: str | None
    tag: str | None
    resource_link_id: str | None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> LineItemDoc:
        maximum = item.get("scoreMaximum")
        return cls(
            url=str(item["id"]),
            label=str(item.get("label") or ""),
            score_maximum=float(maximum) if isinstance(maximum, int | float) else None,
            resource_id=item.get("resourceId"),
            tag=item.get("tag"),
            resource_link_id=item.get("resourceLinkId"),
        )


def find_line_items(
    client: PlatformClient,
    lineitems_url: str,
    *,
    resource_link_id: str | None = None,
    resource_id: str | None = None,
    tag: str | None = None,
) -> list[LineItemDoc]:
    """Every line item of the container matching the filters, across all pages. Filters are
    also applied here: a platform may ignore a filter parameter it does not support."""
    params = {
        k: v
        for k, v in (
            ("resource_link_id", resource_link_id),
            ("resource_id", resource_id),
            ("tag", tag),
        )
        if v
    }
    found: list[LineItemDoc] = []
    for page, _links in client.pages(lineitems_url, accept=LINEITEMS_MEDIA, params=params):
        for item in page if isinstance(page, list) else []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            doc = LineItemDoc.from_json(item)
            if resource_link_id and doc.resource_link_id not in (None, resource_link_id):
                continue
            if resource_id and doc.resource_id != resource_id:
                continue
            if tag and doc.tag != tag:
                continue
            found.append(doc)
    return found


def _line_item_answer(answer: Answer, url: str) -> LineItemDoc:
    try:
        item = json.loads(answer.text)
        return LineItemDoc.from_json(item)
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"{url} answered no line item", status=answer.status) from exc


def create_line_item(client: PlatformClient, lineitems_url: str, spec: LineItemSpec) -> LineItemDoc:
    answer = client.call(
        "POST",
        lineitems_url,
        accept=LINEITEM_MEDIA,
        content_type=LINEITEM_MEDIA,
        body=spec.document(),
    )
    return _line_item_answer(answer, lineitems_url)


def update_line_item(client: PlatformClient, url: str, spec: LineItemSpec) -> LineItemDoc:
    """PUT replaces the line item (AGS 2.0 3.2.5), so what the platform holds is read first and
    only our fields are changed: its own properties (dates, resourceLinkId) stay."""
    current = json.loads(client.call("GET", url, accept=LINEITEM_MEDIA).text or "{}")
    document = {**(current if isinstance(current, dict) else {}), **spec.document(), "id": url}
    if not spec.resource_link_id and isinstance(current, dict) and current.get("resourceLinkId"):
        document["resourceLinkId"] = current["resourceLinkId"]
    answer = client.call(
        "PUT", url, accept=LINEITEM_MEDIA, content_type=LINEITEM_MEDIA, body=document
    )
    return _line_item_answer(answer, url)


def sub_url(lineitem_url: str, leaf: str) -> str:
    """The scores or results endpoint of a line item: its path plus /scores, keeping any query
    string (AGS 2.0 3.4: a line item URL may carry one, as Moodle's does)."""
    parts = urlsplit(lineitem_url)
    path = parts.path.rstrip("/") + "/" + leaf
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def iso_timestamp(when: datetime) -> str:
    """ISO 8601 with microseconds and an explicit offset, as Canvas asks."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ScorePayload:
    user_id: str
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    timestamp: datetime
    comment: str | None = None
    # Canvas's submission extension: submission_type, submission_data, submitted_at, new.
    submission: Mapping[str, Any] | None = None

    def document(self, *, canvas: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "userId": self.user_id,
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
            "timestamp": iso_timestamp(self.timestamp),
        }
        if self.score_given is not None:
            doc["scoreGiven"] = self.score_given
            doc["scoreMaximum"] = self.score_maximum
        if self.comment:
            doc["comment"] = self.comment
        if canvas:
            # canvas-lms app/controllers/lti/ims/scores_controller.rb, new_submission?: a score
            # without the extension (or without new_submission: false) counts as a new
            # submission and opens an attempt. Only new work opens one; every other score
            # (progress, a rescored or agreed value) says new_submission: false, so a
            # one-attempt assignment keeps its attempt for the work and still takes the score.
            new = bool(self.submission and self.submission.get("new"))
            extension: dict[str, Any] = {"new_submission": new}
            if new and self.submission:
                extension["submission_type"] = self.submission["submission_type"]
                if self.submission.get("submission_data"):
                    extension["submission_data"] = self.submission["submission_data"]
                if self.submission.get("submitted_at"):
                    extension["submitted_at"] = self.submission["submitted_at"]
            doc[CANVAS_SUBMISSION] = extension
        return doc


class Verdict(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    UNAUTHORIZED = "unauthorized"  # the token: refresh once, then retry
    REJECTED = "rejected"  # permanent for this score
    # Canvas: the assignment's attempts are used up; post the score again without opening one.
    WITHOUT_ATTEMPT = "without_attempt"
    RESTAMP = "restamp"  # the platform holds a score as new as ours: send again, newer
    COLUMN_GONE = "column_gone"  # the line item no longer exists: find or make it again


class Problem(enum.StrEnum):
    """Why a score or column did not get through, in classes a person can act on."""

    COURSE_CONCLUDED = "course_concluded"
    NOT_GRADABLE = "not_gradable"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    STALE_TIMESTAMP = "stale_timestamp"
    COLUMN_GONE = "column_gone"
    COLUMN_REFUSED = "column_refused"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - a problem class, not a secret
    UNAVAILABLE = "unavailable"  # 5xx, 429, timeouts: transient
    REDIRECTED = "redirected"  # a 3xx: the URL we hold is not the service's
    REFUSED = "refused"  # another 4xx, in the platform's words
    UNEXPECTED = "unexpected"  # an answer of a shape the service never gives
    GAVE_UP = "gave_up"  # transient failures until the attempts ran out


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str = ""
    retry_after: float | None = None
    problem: str | None = None
    # The platform's answer as received (status and first 500 characters), for the record.
    response: str | None = None


MOODLE_NOT_GRADABLE = "incorrect score received"
MOODLE_OLDER_SCORE = "refusing score with an earlier timestamp"
CANVAS_CONCLUDED = "this course has concluded"
CANVAS_NOT_STUDENT = "user not found in course or is not a student"
CANVAS_ATTEMPTS = "maximum number of allowed attempts has been reached"
CANVAS_OLDER_SCORE = "before last updated timestamp"


def _platform_message(text: str) -> str:
    """The platform's own words from an error body (JSON `errors`/`error`/`message`, or text)."""
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key in ("message", "error_description", "error", "errors", "type"):
                if key in value:
                    walk(value[key])
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return "; ".join(dict.fromkeys(found))[:200]


# Reason phrases that say nothing beyond the status code.
_STANDARD_REASONS = frozenset(
    r.lower()
    for r in (
        "Bad Request",
        "Unauthorized",
        "Forbidden",
        "Not Found",
        "Conflict",
        "Unknown",
        "Unprocessable Entity",
        "Precondition Failed",
        "Internal Server Error",
        "OK",
        "Too Many Requests",
        "Service Unavailable",
        "Bad Gateway",
        "Gateway Timeout",
        "Method Not Allowed",
        "Unsupported Media Type",
        "Found",
        "Moved Permanently",
        "See Other",
        "Temporary Redirect",
        "Permanent Redirect",
        "Created",
        "No Content",
    )
)


def answer_record(answer: Answer) -> str:
    """What the platform said, kept as it came: its status and the first 500 characters."""
    if answer.status is None:
        return f"no answer: {answer.error or 'unknown network failure'}"[:500]
    body = " ".join(answer.text.split())
    line = f"HTTP {answer.status}" + (f" {answer.reason}" if answer.reason else "")
    return (line + (f": {body}" if body else " (empty body)"))[:500]


def platform_words(text: str) -> str:
    return _platform_message(text)


def judge_score_answer(answer: Answer, product_family: str) -> Judgement:
    """Classify the platform's answer to a score post. Each branch names the platform rule it
    follows (../shared/design/lti.md, "AGS 2.0" and the platform specifics)."""
    status = answer.status
    record = answer_record(answer)
    if status is None:
        return Judgement(
            Verdict.RETRY,
            f"no answer from the LMS ({answer.error})"[:300],
            problem=Problem.UNAVAILABLE,
            response=record,
        )
    if 200 <= status < 300:
        # AGS 2.0 §3.4.5: a score post succeeds with any 2xx; the body is not defined, so an
        # empty or HTML body is still a delivery.
        return Judgement(Verdict.DELIVERED, response=record)
    said = _platform_message(answer.text)
    if answer.reason and answer.reason.lower() not in _STANDARD_REASONS:
        said = f"{answer.reason}; {said}" if said and said != "[]" else answer.reason
    lowered = (answer.text + " " + answer.reason).lower()
    canvas = product_family == "canvas"

    def judged(verdict: Verdict, reason: str, problem: Problem, **extra: Any) -> Judgement:
        return Judgement(verdict, reason.strip()[:500], problem=problem, response=record, **extra)

    if 300 <= status < 400:
        # requests follows redirects for GET only; a 3xx to a POST means the line item URL we
        # hold is not the service's: retrying the same URL cannot help.
        where = answer.headers.get("Location", "")
        return judged(
            Verdict.REJECTED,
            f"the LMS answered a redirect ({status}) {where}".strip(),
            Problem.REDIRECTED,
        )
    if status == 401:
        return judged(
            Verdict.UNAUTHORIZED,
            f"LMS refused the access token (401) {said}",
            Problem.TOKEN_REFUSED,
        )
    retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
    if status in RETRYABLE_STATUSES:
        busy = "rate-limited" if status == 429 else "unavailable"
        return judged(
            Verdict.RETRY,
            f"LMS {busy} ({status}) {said}",
            Problem.UNAVAILABLE,
            retry_after=retry_after,
        )
    if canvas and status == 422 and CANVAS_CONCLUDED in lowered:
        # canvas-lms app/controllers/lti/ims/concerns/gradebook_services.rb,
        # verify_course_not_concluded; doc/api/assignment_tools.md "Common Error Codes": no AGS
        # request is accepted for a concluded course until it is re-opened.
        return judged(
            Verdict.REJECTED, f"Canvas: the course has concluded ({said})", Problem.COURSE_CONCLUDED
        )
    if canvas and status == 422 and CANVAS_ATTEMPTS in lowered:
        # canvas-lms app/controllers/lti/ims/scores_controller.rb,
        # verify_attempts_for_online_upload: only a score that opens a new submission
        # (new_submission, true by default) is refused; the same score without one is accepted.
        return judged(
            Verdict.WITHOUT_ATTEMPT,
            f"Canvas: no submission attempts left ({said})",
            Problem.ATTEMPTS_EXHAUSTED,
        )
    if canvas and status == 422 and CANVAS_NOT_STUDENT in lowered:
        # canvas-lms gradebook_services.rb, verify_user_in_context: teachers, concluded or
        # removed students and unknown users cannot be graded (the test student can).
        return judged(
            Verdict.REJECTED,
            f"not gradable: Canvas answered 422 ({said})",
            Problem.NOT_GRADABLE,
        )
    if canvas and status == 400 and CANVAS_OLDER_SCORE in lowered:
        # canvas-lms scores_controller.rb, verify_valid_timestamp: a timestamp strictly older
        # than the result's updated_at is refused (an equal one is accepted).
        return judged(
            Verdict.RESTAMP, f"Canvas holds a newer score ({said})", Problem.STALE_TIMESTAMP
        )
    if canvas and status == 404:
        # canvas-lms gradebook_services.rb, verify_line_item_in_context: the line item (its
        # assignment) was deleted; doc/api/assignment_tools.md: "The specified resource does not
        # exist."
        return judged(
            Verdict.COLUMN_GONE,
            f"Canvas: the gradebook column is gone ({said})",
            Problem.COLUMN_GONE,
        )
    if MOODLE_NOT_GRADABLE in lowered:
        # moodle mod/lti/service/gradebookservices/classes/local/resources/scores.php: a user not
        # gradable in the course (like a malformed score) is answered 400 "Incorrect score
        # received".
        return judged(
            Verdict.REJECTED,
            "not gradable: the LMS answered 'Incorrect score received' (Moodle)",
            Problem.NOT_GRADABLE,
        )
    if status == 409 and MOODLE_OLDER_SCORE in lowered:
        # moodle scores.php: a grade whose timemodified (whole seconds) is >= the score's
        # timestamp refuses it with 409, so two scores within one second collide.
        return judged(
            Verdict.RESTAMP, f"Moodle holds a score as new ({said})", Problem.STALE_TIMESTAMP
        )
    if (
        product_family == "moodle"
        and status in (403, 404)
        and ("line item" in lowered or "grade item" in lowered)
    ):
        # moodle scores.php: "Grade item … doesn't exist" (404) / "Line item does not exist" (403).
        return judged(
            Verdict.COLUMN_GONE,
            f"Moodle: the gradebook column is gone ({said})",
            Problem.COLUMN_GONE,
        )
    return judged(Verdict.REJECTED, f"LMS refused the score ({status}) {said}", Problem.REFUSED)


def read_results(
    client: PlatformClient, lineitem_url: str, *, user_id: str | None = None
) -> list[dict[str, Any]]:
    params = {"user_id": user_id} if user_id else None
    results: list[dict[str, Any]] = []
    for page, _links in client.pages(
        sub_url(lineitem_url, "results"), accept=RESULTS_MEDIA, params=params
    ):
        results.extend(r for r in (page if isinstance(page, list) else []) if isinstance(r, dict))
    return results
