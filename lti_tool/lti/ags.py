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

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "label": self.label,
            "scoreMaximum": self.score_maximum,
            "resourceId": self.resource_id,
            "tag": self.tag,
        }
        if self.resource_link_id:
            doc["resourceLinkId"] = self.resource_link_id
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
        if canvas and self.submission:
            extension: dict[str, Any] = {
                "new_submission": bool(self.submission.get("new", True)),
                "submission_type": self.submission["submission_type"],
            }
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


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str = ""
    retry_after: float | None = None


MOODLE_NOT_GRADABLE = "incorrect score received"


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


def judge_score_answer(answer: Answer, product_family: str) -> Judgement:
    status = answer.status
    if status is None:
        return Judgement(Verdict.RETRY, f"no answer from the LMS ({answer.error})"[:300])
    if 200 <= status < 300:
        return Judgement(Verdict.DELIVERED)
    said = _platform_message(answer.text)
    if status == 401:
        return Judgement(Verdict.UNAUTHORIZED, f"LMS refused the access token (401) {said}")
    retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
    if status in RETRYABLE_STATUSES:
        busy = "rate-limited" if status == 429 else "unavailable"
        return Judgement(Verdict.RETRY, f"LMS {busy} ({status}) {said}".strip(), retry_after)
    if MOODLE_NOT_GRADABLE in answer.text.lower():
        return Judgement(
            Verdict.REJECTED, "not gradable: the LMS answered 'Incorrect score received' (Moodle)"
        )
    if product_family == "canvas" and status in (404, 422):
        return Judgement(
            Verdict.REJECTED,
            f"not gradable: Canvas answered {status} (a teacher, test student or dropped "
            f"student cannot be graded) {said}".strip(),
        )
    return Judgement(Verdict.REJECTED, f"LMS refused the score ({status}) {said}".strip())


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
