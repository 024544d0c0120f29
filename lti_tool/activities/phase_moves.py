"""Safe phase moves, shared by every activity kind (issue 15, item 1).

A forward move goes to the next phase and is named on its button ("Move on to: Vote"). A
backward move (re-opening proposals after a published rubric, say) undoes what students were
told, so the service refuses it unless the facilitator confirmed it and gave a reason; the
reason is recorded as an event and shown to the students on their page ("The facilitator moved
the activity back to … because …").

The check lives here, in the services' layer, not in the form: a POST without the
confirmation is refused whatever sent it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.domain import DomainError
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.i18n import in_language
from lti_tool.models import Activity, Event, Person

BACKWARD_VERB = "activity.phase_moved_back"
MAX_REASON = 500


class PhaseMoveError(DomainError):
    default_code = "PHASE_MOVE_REFUSED"
    default_status = 409


@dataclass(frozen=True)
class PhaseMove:
    before: str
    to: str
    backward: bool
    reason: str


@dataclass(frozen=True)
class BackwardNotice:
    """What students read after a backward move."""

    to_label: str
    reason: str
    at: datetime


def next_phase(keys: Sequence[str], current: str) -> str | None:
    index = list(keys).index(current) if current in keys else 0
    return keys[index + 1] if index + 1 < len(keys) else None


def check_move(
    keys: Sequence[str],
    labels: dict[str, str],
    before: str,
    to: str,
    *,
    confirmed: bool,
    reason: str,
    error: type[DomainError] = PhaseMoveError,
) -> PhaseMove:
    """The move from `before` to `to`, if it may be made. A backward move needs `confirmed` and
    a reason; a move to the phase the activity is already in is refused (nothing to do, and a
    second click would otherwise look like a move). Refusals raise `error`, the kind's own
    DomainError, so its pages show them inline."""
    if to not in keys:
        raise error("BAD_PHASE", _l("Unknown phase."), 400)
    if to == before:
        raise error(
            "PHASE_UNCHANGED",
            _l("The activity is already in “%(phase)s”.", phase=labels.get(to, to)),
            409,
        )
    backward = list(keys).index(to) < list(keys).index(before)
    reason = (reason or "").strip()
    if backward:
        if not confirmed:
            raise error(
                "CONFIRM_BACKWARD",
                _l(
                    "Going back to “%(phase)s” re-opens work students were told was over. Tick "
                    "the confirmation and say why; nothing was changed.",
                    phase=labels.get(to, to),
                ),
                400,
            )
        if not reason:
            raise error(
                "REASON_REQUIRED",
                _l("Say why the activity goes back (students will read it); nothing was changed."),
                400,
            )
        if len(reason) > MAX_REASON:
            raise error(
                "REASON_TOO_LONG",
                _l("Keep the reason under %(most)d characters.", most=MAX_REASON),
                400,
            )
    return PhaseMove(before, to, backward, reason if backward else "")


def record_backward(
    by: Person | None, activity: Activity, move: PhaseMove, labels: dict[str, str]
) -> None:
    """The event students' pages read their notice from (and the audit log shows)."""
    if not move.backward:
        return
    record_event(
        by,
        BACKWARD_VERB,
        "activity",
        activity.id,
        activity=activity,
        before=move.before,
        to=move.to,
        # Stored in English; each reader's page names the phase in their language (below).
        to_label=_english(labels.get(move.to, move.to)),
        reason=move.reason,
    )


def _english(label: object) -> str:
    with in_language("en"):
        return str(label)


def backward_notice(
    activity: Activity, labels: Mapping[str, object] | None = None
) -> BackwardNotice | None:
    """The latest backward move of this activity, for its students' pages; `labels` (the
    kind's phase labels, lazily translated) name the phase in the reader's language."""
    event = db.session.scalars(
        select(Event)
        .where(
            Event.verb == BACKWARD_VERB,
            Event.object_type == "activity",
            Event.object_id == str(activity.id),
            Event.context_id == activity.context_id,
        )
        .order_by(Event.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    data = event.data or {}
    to = str(data.get("to") or "")
    to_label = labels[to] if labels and to in labels else data.get("to_label")
    return BackwardNotice(str(to_label or ""), str(data.get("reason") or ""), event.occurred_at)
