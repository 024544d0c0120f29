"""Words for people: the one place where the tool's stored keys (statuses, stages, phases,
decisions, outcomes) become the words a student, a facilitator or a grader reads, and where
numbers are written for reading (points to at most 2 decimals, percentages rounded, counts
with the right plural).

Templates (as Jinja filters, see `init_wording`), CSV exports and the comments sent to an LMS
all use these, so a key such as "check_in" or "pending" never reaches a reader (issue 15,
item 2). Pure functions of plain values: nothing here reads a request or the database.
"""

from __future__ import annotations

import hashlib
import math
import string
from collections.abc import Mapping
from typing import Any

# -- stored keys -> words ------------------------------------------------------------------

# A goal's status (models.GoalStatus) as a badge.
GOAL_STATUS = {
    "draft": "Draft",
    "pending": "Waiting for agreement",
    "changes": "Change suggested",
    "agreed": "Agreed",
    "reflected": "Reflected on",
}
# What a student did to a goal, as the confirmation after the action.
GOAL_DONE = {
    "saved": "Your draft is saved.",
    "submitted": "Your goal is sent for agreement.",
    "responded": "Your response is saved; the student sees it on their page.",
    "checked-in": "Your check-in is saved.",
    "judged": "Your judgement is saved and the score updated.",
    "phase": "The activity moved to its new phase; students see it on their page now.",
    "settings": "Settings saved.",
    "reflected": "Your reflection is saved.",
    "reopened": "The goal is open again.",
    "commented": "Your comment is saved.",
}
# The confirmation after each action on a rubric co-creation page, by the action's view name.
RUBRIC_DONE = {
    "configure": "Settings saved.",
    "move_phase": "The activity moved to its new phase; students see it on their page now.",
    "propose": "Your proposal is added.",
    "edit_proposal": "Your proposal is updated.",
    "comment": "Your comment is added.",
    "accept": "Proposal accepted into the rubric's criteria.",
    "decline": "Proposal declined; its author sees why.",
    "merge": "Proposals merged into one criterion.",
    "edit_criterion": "Criterion saved.",
    "select_criteria": "The selection of criteria is saved.",
    "vote": "Your ballot is counted. You can change it until the vote closes.",
    "draft_level": "Your level description is added.",
    "accept_level": "Level description accepted.",
    "publish": "The rubric is published.",
}
# The same for feedback rounds.
FEEDBACK_DONE = {
    "settings": "Settings saved.",
    "advance": "The activity moved to its next phase; students see it on their page now.",
    "submit": "Your work is submitted. You will see your reviews here when they arrive.",
    "review": "Your review is saved.",
    "respond": "Your response is saved.",
    "endorse": "Saved.",
    "assign": "Reviewer assigned.",
    "swap": "Reviewer swapped.",
    "plan": "Your revision plan is saved.",
    "contest": "Your question about the score is sent to the facilitator.",
    "update_scores": "Scores updated; changes are on their way to the gradebook.",
    "resolve": "Decision saved.",
}
# The stages completion scoring gives points for.
GOAL_STAGE = {"agree": "goal agreed", "check_in": "check-ins done", "reflect": "reflection"}
GOAL_OUTCOME = {"achieved": "Achieved", "partly": "Partly achieved", "not": "Not achieved"}
GOAL_DECISION = {"agree": "agreed", "suggest": "suggested a change", "reopen": "re-opened"}
FEEDBACK_PHASE = {
    "submit": "Submit work",
    "review": "Peer review",
    "respond": "Respond to reviews",
    "revise": "Revise",
}
FEEDBACK_REVIEW_KIND = {"peer": "peer", "self": "self-review", "staff": "staff"}
FEEDBACK_RESPONSE = {"act": "will act on it", "wont": "won't act on it"}
FEEDBACK_ANONYMITY = {
    "double_blind": "double-blind (nobody sees names)",
    "single_blind": "single-blind (reviewers are anonymous)",
    "open": "open (names shown)",
}
# Delivery of a score to the LMS (grading outbox states).
DELIVERY = {
    "pending": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "delivered": "Sent",
    "failed": "Not sent (will retry)",
    "dead": "Not sent: needs attention",
    "held": "Held back",
}

_GROUPS: dict[str, Mapping[str, str]] = {
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
    return _GROUPS[group].get(text) or humanise(text)


def stages_comment(done: list[str]) -> str | None:
    """The LMS grade comment of completion scoring: "Done: goal agreed, check-ins done." rather
    than the stage keys ("Stages done: agree, check_in")."""
    if not done:
        return None
    return "Done so far: " + ", ".join(label(s, "goal_stage") for s in done) + "."


# -- numbers --------------------------------------------------------------------------------


def number(value: float | int | None, places: int = 2) -> str:
    """At most `places` decimals, trailing zeros dropped: 0.7111111 -> "0.71", 3.0 -> "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(value: float | int | None) -> str:
    """Points as people read them: "2.5 points", "1 point"."""
    if value is None:
        return ""
    return f"{number(value)} {'point' if number(value) == '1' else 'points'}"


def percent(value: float | int | None, *, fraction: bool = True) -> str:
    """A rounded percentage; `fraction` when the value is 0..1 (0.4567 -> "46%")."""
    if value is None:
        return ""
    scaled = float(value) * 100 if fraction else float(value)
    return f"{round(scaled)}%"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """ "1 goal", "2 goals", "0 goals"; `many` for irregular plurals ("1 reply", "2 replies")."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{count} {word}"


def audit_value(value: Any) -> str:
    """A value of an audit or change-log entry, for reading: floats to 2 decimals, lists and
    objects flattened, True/False as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
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
        plural=lambda count, singular, many=None: plural(int(count), singular, many),
        audit_value=audit_value,
    )
