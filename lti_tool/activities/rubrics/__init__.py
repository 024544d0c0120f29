"""Rubric co-creation (issue 6). `api` is what other activities use to read finalised rubrics.

services   configuration, phases, proposals, comments, accept/merge/decline
voting     ballots and tallies          levels    level drafts and accepted levels
versions   publishing, diffs, change log   export   JSON, Canvas CSV, CASE CFRubric
scoring    participation scores and the artifact, through the grading outbox
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("rubrics", __name__)

from lti_tool.activities.extensions import register_extension_phases  # noqa: E402
from lti_tool.activities.rubrics import views  # noqa: E402,F401  (registers the routes on bp)
from lti_tool.activities.rubrics.kind import RUBRIC_COCREATION as KIND  # noqa: E402  (the kind contract)

# The phases a student acts in, for extensions and "excused" (activities.extensions).
register_extension_phases(
    KIND.key,
    lambda activity: [
        ("propose", _l("Propose criteria")),
        ("discuss", _l("Discuss and cluster")),
        ("vote", _l("Vote")),
    ],
)

__all__ = ["KIND", "bp"]
