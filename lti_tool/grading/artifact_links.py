"""The "See the work" link in a gradebook comment.

A gradebook comment is read in the LMS (Canvas SpeedGrader, Moodle's grader report, the
student's grade page), where no Coproduce session exists: a link to the tool's own artifact page
answered 401. This link instead carries a ticket that opens one artifact, read-only:

- scoped: the ticket names the artifact and its `link_key`, signed with the tool's secret;
- expiring: after ARTIFACT_LINK_DAYS (the LMS keeps comments for years; Submission Review,
  where the platform offers it, is the durable way in);
- revocable: a facilitator gives the artifact a new `link_key`, and every earlier link stops;
- audited: each open writes an `artifact.link_opened` event.

Who can read the comment can read the work — the student themself and the course's graders —
which is the audience the LMS already shows the comment to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.events import ToolActor, record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Artifact

SALT = "coproduce.artifact-link"
GRADEBOOK_LINK = ToolActor("gradebook link")


def _serializer() -> URLSafeTimedSerializer:
    settings = current_app.extensions["coproduce.settings"]
    return URLSafeTimedSerializer(settings.SECRET_KEY, salt=SALT)


def _max_age() -> int:
    return int(current_app.extensions["coproduce.settings"].ARTIFACT_LINK_DAYS) * 86400


def gradebook_link(artifact: Artifact, tool_base_url: str) -> str:
    """The link for the gradebook comment (gives the artifact a key on first use)."""
    if not artifact.link_key:
        artifact.link_key = secrets.token_urlsafe(24)
    if artifact.id is None:
        db.session.flush()
    ticket = _serializer().dumps({"a": artifact.id, "k": artifact.link_key})
    return f"{tool_base_url}/artifacts/open/{ticket}"


def revoke(artifact: Artifact) -> None:
    artifact.link_key = secrets.token_urlsafe(24)


class LinkRefused(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class OpenedArtifact:
    artifact: Artifact
    activity: Activity


def open_link(ticket: str) -> OpenedArtifact:
    """The artifact a ticket names, and an audit event of the opening (the caller commits)."""
    try:
        data = _serializer().loads(ticket, max_age=_max_age())
    except SignatureExpired:
        raise LinkRefused(
            "ARTIFACT_LINK_EXPIRED",
            _l("This link to the work has expired. Open the activity from the course to see it."),
            410,
        ) from None
    except BadSignature:
        raise LinkRefused(
            "ARTIFACT_LINK_INVALID", _l("This link to the work is not valid."), 404
        ) from None
    artifact = (
        db.session.get(Artifact, data.get("a"))
        if isinstance(data, dict) and isinstance(data.get("a"), int)
        else None
    )
    if (
        artifact is None
        or not artifact.link_key
        or not secrets.compare_digest(str(data.get("k", "")), artifact.link_key)
    ):
        raise LinkRefused(
            "ARTIFACT_LINK_REVOKED",
            _l("This link to the work no longer works: it was withdrawn, or the work was removed."),
            404,
        )
    activity = db.session.get(Activity, artifact.activity_id)
    assert activity is not None
    record_event(GRADEBOOK_LINK, "artifact.link_opened", "artifact", artifact.id, activity=activity)
    return OpenedArtifact(artifact=artifact, activity=activity)
