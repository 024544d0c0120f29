"""What a facilitator or an admin reads when a score or a gradebook column did not get through:
the class of the problem (lti.ags.Problem), whether the tool keeps trying, and what a person can
do about it. One table, used by the progress page, the console and the closing notes alike."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lti_tool.lti.ags import Problem


@dataclass(frozen=True)
class Remedy:
    title: str
    remedy: str
    transient: bool = False


REMEDIES: dict[str, Remedy] = {
    Problem.COURSE_CONCLUDED: Remedy(
        _l("The course has concluded in the LMS"),
        _l(
            "Re-open the course (or extend its end date) in the LMS, then press Retry; or export "
            "the grades from this page as CSV."
        ),
    ),
    Problem.NOT_GRADABLE: Remedy(
        _l("The LMS does not accept grades for this person"),
        _l(
            "The LMS does not list them as a student of the course (a teacher, a dropped or "
            "concluded student). Re-enrol them as a student, then press Retry."
        ),
    ),
    Problem.ATTEMPTS_EXHAUSTED: Remedy(
        _l("No submission attempts left in the LMS"),
        _l("Allow more attempts on the LMS assignment, then press Retry."),
    ),
    Problem.STALE_TIMESTAMP: Remedy(
        _l("The LMS holds a newer score"),
        _l(
            "The tool sends the score again with a newer time; nothing to do unless it keeps "
            "failing."
        ),
        transient=True,
    ),
    Problem.COLUMN_GONE: Remedy(
        _l("The gradebook column was deleted in the LMS"),
        _l(
            "The tool looks for the column again (or makes a new one); nothing to do unless it "
            "keeps failing."
        ),
        transient=True,
    ),
    Problem.COLUMN_REFUSED: Remedy(
        _l("The LMS refused to create the gradebook column"),
        _l(
            "Check that the tool may manage gradebook columns in this course (the line item "
            "scope), or make the link a graded assignment in the LMS, then press Retry."
        ),
    ),
    Problem.TOKEN_REFUSED: Remedy(
        _l("The LMS refused the tool's credentials"),
        _l(
            "An LMS administrator should check the registration (client id, the tool's key set "
            "URL, the developer key turned on), then press Retry."
        ),
    ),
    Problem.UNAVAILABLE: Remedy(
        _l("The LMS did not answer or was busy"),
        _l("The tool tries again with increasing waits; nothing to do."),
        transient=True,
    ),
    Problem.REDIRECTED: Remedy(
        _l("The LMS answered with a redirect"),
        _l(
            "The gradebook address the tool holds is not the LMS's service address: an LMS "
            "administrator should check the registration's URLs, then press Retry."
        ),
    ),
    Problem.REFUSED: Remedy(
        _l("The LMS refused the score"),
        _l("Read the LMS's answer below; once the cause is fixed, press Retry."),
    ),
    Problem.UNEXPECTED: Remedy(
        _l("The LMS gave an answer the tool does not understand"),
        _l("Read the LMS's answer below and tell your LMS administrator; then press Retry."),
    ),
    Problem.GAVE_UP: Remedy(
        _l("The LMS kept failing"),
        _l("The tool stopped after the attempts allowed. Press Retry once the LMS is back."),
    ),
    "no_service": Remedy(
        _l("The course offers no gradebook service"),
        _l(
            "Turn on the tool's grade (AGS) service in the LMS, or place the activity as a graded "
            "assignment; the next launch picks it up. Then press Retry."
        ),
    ),
}


def remedy_of(problem: str | None) -> Remedy | None:
    return REMEDIES.get(problem) if problem else None
