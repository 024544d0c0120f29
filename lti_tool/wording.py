"""Words for people: the one place where the tool's stored keys (statuses, stages, phases,
decisions, outcomes) become the words a student, a facilitator or a grader reads, and where
numbers are written for reading in the reader's language (points to at most 2 decimals,
percentages rounded, dates per locale). Counts with their plural are ngettext's (lti_tool.i18n).

Templates (as Jinja filters, see `init_wording`), CSV exports and the comments sent to an LMS
all use these, so a key such as "check_in" or "pending" never reaches a reader (issue 15,
item 2). Plain values in, text out: nothing here reads a request or the database; the words
and formats follow the language Flask-Babel gives the request (English outside one).
"""

from __future__ import annotations

import hashlib
import math
import string
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l

# -- stored keys -> words ------------------------------------------------------------------

# A goal's status (models.GoalStatus) as a badge.
GOAL_STATUS = {
    "draft": _l("Draft"),
    "pending": _l("Waiting for agreement"),
    "changes": _l("Change suggested"),
    "agreed": _l("Agreed"),
    "reflected": _l("Reflected on"),
}
# What a student did to a goal, as the confirmation after the action.
GOAL_DONE = {
    "saved": _l("Your draft is saved."),
    "submitted": _l("Your goal is sent for agreement."),
    "responded": _l("Your response is saved; the student sees it on their page."),
    "checked-in": _l("Your check-in is saved."),
    "judged": _l("Your judgement is saved and the score updated."),
    "phase": _l("The activity moved to its new phase; students see it on their page now."),
    "settings": _l("Settings saved."),
    "reflected": _l("Your reflection is saved."),
    "reopened": _l("The goal is open again."),
    "commented": _l("Your comment is saved."),
}
# The confirmation after each action on a rubric co-creation page, by the action's view name.
RUBRIC_DONE = {
    "configure": _l("Settings saved."),
    "move_phase": _l("The activity moved to its new phase; students see it on their page now."),
    "propose": _l("Your proposal is added."),
    "edit_proposal": _l("Your proposal is updated."),
    "comment": _l("Your comment is added."),
    "accept": _l("Proposal accepted into the rubric's criteria."),
    "decline": _l("Proposal declined; its author sees why."),
    "merge": _l("Proposals merged into one criterion."),
    "edit_criterion": _l("Criterion saved."),
    "select_criteria": _l("The selection of criteria is saved."),
    "vote": _l("Your ballot is counted. You can change it until the vote closes."),
    "draft_level": _l("Your level description is added."),
    "accept_level": _l("Level description accepted."),
    "publish": _l("The rubric is published."),
}
# The same for feedback rounds.
FEEDBACK_DONE = {
    "settings": _l("Settings saved."),
    "advance": _l("The activity moved to its next phase; students see it on their page now."),
    "submit": _l("Your work is submitted. You will see your reviews here when they arrive."),
    "review": _l("Your review is saved."),
    "respond": _l("Your response is saved."),
    "endorse": _l("Saved."),
    "assign": _l("Reviewer assigned."),
    "swap": _l("Reviewer swapped."),
    "plan": _l("Your revision plan is saved."),
    "contest": _l("Your question about the score is sent to the facilitator."),
    "update_scores": _l("Scores updated; changes are on their way to the gradebook."),
    "resolve": _l("Decision saved."),
}
# The stages completion scoring gives points for.
GOAL_STAGE = {
    "agree": _l("goal agreed"),
    "check_in": _l("check-ins done"),
    "reflect": _l("reflection"),
}
GOAL_OUTCOME = {
    "achieved": _l("Achieved"),
    "partly": _l("Partly achieved"),
    "not": _l("Not achieved"),
}
GOAL_DECISION = {
    "agree": _l("agreed"),
    "suggest": _l("suggested a change"),
    "reopen": _l("re-opened"),
}
FEEDBACK_PHASE = {
    "submit": _l("Submit work"),
    "review": _l("Peer review"),
    "respond": _l("Respond to reviews"),
    "revise": _l("Revise"),
}
FEEDBACK_REVIEW_KIND = {"peer": _l("peer"), "self": _l("self-review"), "staff": _l("staff")}
FEEDBACK_RESPONSE = {"act": _l("will act on it"), "wont": _l("won't act on it")}
FEEDBACK_ANONYMITY = {
    "double_blind": _l("double-blind (nobody sees names)"),
    "single_blind": _l("single-blind (reviewers are anonymous)"),
    "open": _l("open (names shown)"),
}
# Delivery of a score to the LMS (grading outbox states).
DELIVERY = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "delivered": _l("Sent"),
    "failed": _l("Not sent (will retry)"),
    "dead": _l("Not sent: needs attention"),
    "held": _l("Held back"),
}

# A person's role in a course (models.Role), as shown beside their name.
ROLE = {
    "student": _l("student"),
    "coach": _l("coach"),
    "facilitator": _l("facilitator"),
    "mentor": _l("mentor"),
    "admin": _l("admin"),
}

_GROUPS: dict[str, Mapping[str, Any]] = {
    "role": ROLE,
    "goal_status": GOAL_STATUS,
    "goal_done": GOAL_DONE,
    "rubric_done": RUBRIC_DONE,
    "goal_stage": GOAL_STAGE,
    "goal_outcome": GOAL_OUTCOME,
    "goal_decision": GOAL_DECISION,
    "feedback_phase": FEEDBACK_PHASE,
    "anonymity": FEEDBACK_ANONYMITY,
    "review_kind": FEEDBACK_REVIEW_KIND,
    "feedback_response": FEEDBACK_RESPONSE,
    "delivery": DELIVERY,
}


def humanise(key: str) -> str:
    """A key nobody wrote words for yet, made readable rather than shown raw."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def label(key: object, group: str) -> str:
    """The words for `key` in `group` (e.g. label("check_in", "goal_stage"))."""
    text = str(getattr(key, "value", key) or "")
    found = _GROUPS[group].get(text)
    return str(found) if found is not None else humanise(text)


def stages_comment(done: list[str]) -> str | None:
    """The LMS grade comment of completion scoring: "Done: goal agreed, check-ins done." rather
    than the stage keys ("Stages done: agree, check_in")."""
    if not done:
        return None
    return str(
        _l("Done so far: %(stages)s.", stages=", ".join(label(s, "goal_stage") for s in done))
    )


# -- numbers --------------------------------------------------------------------------------


def _locale() -> str:
    """The request's locale for numbers (English outside a request: jobs, the CLI)."""
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def number(value: float | int | None, places: int = 2) -> str:
    """At most `places` decimals, trailing zeros dropped, in the reader's locale: 0.7111111 ->
    "0.71" ("0,71" in French), 3.0 -> "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    rounded = round(float(value), places)
    if rounded == 0:
        rounded = 0.0  # never "-0"
    pattern = "0" + ("." + "#" * places if places > 0 else "")
    return str(format_decimal(rounded, format=pattern, locale=_locale()))


def points(value: float | int | None) -> str:
    """Points as people read them: "2.5 points", "1 point"."""
    if value is None:
        return ""
    text = number(value)
    return ngettext("%(value)s point", "%(value)s points", 1 if text == "1" else 2, value=text)


def percent(value: float | int | None, *, fraction: bool = True) -> str:
    """A rounded percentage in the reader's locale; `fraction` when the value is 0..1
    (0.4567 -> "46%"; "46 %" in French)."""
    if value is None:
        return ""
    scaled = float(value) if fraction else float(value) / 100
    return str(format_percent(round(scaled, 2), locale=_locale()))


def day(value: date | datetime | str | None, width: str = "medium") -> str:
    """A date in the reader's locale ("Dec 3, 2026", "3 déc. 2026"); an ISO date string (as
    activity settings store them) is read first, and anything else is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(format_date(value, format=width, locale=_locale()))


def moment(value: datetime | None, width: str = "short") -> str:
    """A date and time (UTC, as stored) in the reader's locale: "12/3/26, 1:05 PM UTC"."""
    if value is None:
        return ""
    return str(format_datetime(value, format=width, tzinfo=UTC, locale=_locale())) + " UTC"


def audit_value(value: Any) -> str:
    """A value of an audit or change-log entry, for reading: floats to 2 decimals, lists and
    objects flattened, True/False as yes/no."""
    if isinstance(value, bool):
        return str(_l("yes")) if value else str(_l("no"))
    if isinstance(value, float):
        return number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{humanise(str(k))}: {audit_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(audit_value(v) for v in value)
    if value is None:
        return "—"
    return str(value)


# -- anonymous labels -------------------------------------------------------------------------


def letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": spreadsheet-style column letters."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def anonymous_labels(secret: str, scope: str, keys: list[int]) -> dict[int, str]:
    """Labels for the things one reader sees anonymously ("Work A", "Work B"): letters in an
    order drawn from a keyed hash, so they are stable for this reader and scope on every visit
    but say nothing of the database order (which would reveal who submitted first), and two
    readers' letters do not line up. `secret` is the app's secret key; `scope` names the reader
    and what they look at (e.g. "feedback:12:reviewer:7")."""

    def rank(key: int) -> bytes:
        return hashlib.sha256(f"{secret}\x00{scope}\x00{key}".encode()).digest()

    ordered = sorted(set(keys), key=rank)
    return {key: letters(i) for i, key in enumerate(ordered)}


def init_wording(app: Any) -> None:
    """The Jinja filters templates use for all of the above."""
    app.jinja_env.filters.update(
        words=label,
        number=number,
        points=points,
        percent=percent,
        day=day,
        moment=moment,
        audit_value=audit_value,
    )
