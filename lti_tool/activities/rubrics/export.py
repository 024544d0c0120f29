"""Exports of a published version: JSON, Canvas's rubric import CSV and 1EdTech CASE CFRubric.

All three are built from the version's stored content, so an export of version N never changes.
None of them names a proposal's author unless the caller says the reader may see names.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import uuid
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from lti_tool.activities.rubrics.versions import LogEntry
from lti_tool.activities.spreadsheet import csv_writer
from lti_tool.models import RubricVersion

CANVAS_HEADER = ["Rubric Name", "Criteria Name", "Criteria Description", "Criteria Enable Range"]
CANVAS_RATING = ["Rating Name", "Rating Description", "Rating Points"]


def _iso(version: RubricVersion) -> str:
    return version.published_at.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def to_json(
    version: RubricVersion, log: Sequence[LogEntry], credits: dict[int, str] | None
) -> dict[str, Any]:
    """The version and its change log; `credits` (proposal id -> author) only for readers
    allowed to see authors."""
    return {
        "format": "coproduce-rubric/1",
        "title": version.title,
        "version": version.number,
        "published_at": _iso(version),
        "note": version.note,
        "criteria": version.content.get("criteria", []),
        "change_log": [
            {
                "proposal": e.title,
                "fate": e.fate,
                "outcome": e.outcome,
                "decided_by": e.decided_by,
                **(
                    {"author": credits[e.proposal_id]}
                    if credits and e.proposal_id in credits
                    else {}
                ),
            }
            for e in log
        ],
    }


def to_canvas_csv(version: RubricVersion) -> str:
    """One row per criterion; ratings highest first, as Canvas lists them."""
    criteria = version.content.get("criteria", [])
    most = max((len(c["levels"]) for c in criteria), default=0)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CANVAS_HEADER + CANVAS_RATING * most)
    name = f"{version.title} (v{version.number})"
    for c in criteria:
        row = [name, c["title"], c["description"], "false"]
        for lv in sorted(c["levels"], key=lambda lv: -lv["points"]):
            row += [lv["title"], lv["description"], f"{lv['points']:g}"]
        writer.writerow(row)
    return out.getvalue()


def _uuid(base: str, *parts: object) -> str:
    """Stable identifiers: the same version exports the same CASE identifiers every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base, *map(str, parts)])))


def case_token(version_id: int, secret: str) -> str:
    """The path part naming a version in its CASE URIs: its id and a keyed hash of it, so a URI
    resolves for whoever holds the export (what a CASE URI is for) but rubric versions cannot
    be read by counting ids."""
    mac = hmac.new(secret.encode(), f"case-uri:{version_id}".encode(), hashlib.sha256)
    return f"{version_id}.{mac.hexdigest()[:24]}"


def version_of_token(token: str, secret: str) -> int | None:
    head, _dot, _signature = token.partition(".")
    if not head.isdigit():
        return None
    return int(head) if hmac.compare_digest(token, case_token(int(head), secret)) else None


def to_case(version: RubricVersion, base_url: str, secret: str = "") -> dict[str, Any]:
    """A CASE 1.0 CFRubric with its CFRubricCriteria and CFRubricCriterionLevels. Each `uri`
    resolves to that node as JSON (rubrics.views.case_uri) when `secret` (the app's secret key)
    is given; CASE 1.0 makes `uri` required and says it is "the URI of the object", so a URI
    answering 404 is worse than useless (issue 15, item 7)."""
    when = _iso(version)
    rubric_id = _uuid(base_url, "rubric", version.id)
    prefix = f"{base_url}/case/{case_token(version.id, secret)}" if secret else f"{base_url}/case"

    def uri(ident: str) -> str:
        return f"{prefix}/{ident}"

    criteria = []
    for pos, c in enumerate(version.content.get("criteria", []), start=1):
        crit_id = _uuid(base_url, "rubric", version.id, "criterion", c["id"])
        criteria.append(
            {
                "identifier": crit_id,
                "uri": uri(crit_id),
                "category": c["title"],
                "description": c["description"],
                "weight": c["weight"],
                "position": pos,
                "rubricId": rubric_id,
                "lastChangeDateTime": when,
                "CFRubricCriterionLevels": [
                    {
                        "identifier": (lid := _uuid(base_url, "rubric", version.id, c["id"], i)),
                        "uri": uri(lid),
                        "description": lv["description"],
                        "quality": lv["title"],
                        "score": lv["points"],
                        "feedback": "",
                        "position": i + 1,
                        "criterionId": crit_id,
                        "lastChangeDateTime": when,
                    }
                    for i, lv in enumerate(c["levels"])
                ],
            }
        )
    return {
        "identifier": rubric_id,
        "uri": uri(rubric_id),
        "title": f"{version.title} (v{version.number})",
        "description": version.note
        or _("Co-created rubric, version %(number)d.", number=version.number),
        "lastChangeDateTime": when,
        "CFRubricCriteria": criteria,
    }


def case_node(document: dict[str, Any], ident: str) -> dict[str, Any] | None:
    """The rubric, a criterion or a level of a CASE document, by its identifier."""
    if document["identifier"] == ident:
        return {k: v for k, v in document.items() if k != "CFRubricCriteria"} | {
            "CFRubricCriteria": [
                {"identifier": c["identifier"], "uri": c["uri"]}
                for c in document["CFRubricCriteria"]
            ]
        }
    for criterion in document["CFRubricCriteria"]:
        if criterion["identifier"] == ident:
            return criterion
        for level in criterion["CFRubricCriterionLevels"]:
            if level["identifier"] == ident:
                return dict(level)
    return None
