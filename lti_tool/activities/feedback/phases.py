"""Moving through rounds and phases: by the facilitator, or by their dates on the first visit
after them. Entering review allocates the round's reviewers."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback.assignments import allocate_round
from lti_tool.activities.feedback.configuration import config_of, criteria_of, next_step, phase_date
from lti_tool.activities.feedback.rules import PHASES, FeedbackError
from lti_tool.activities.services import lock_row
from lti_tool.events import record_event
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import (
    FeedbackConfig,
)
from lti_tool.wording import label


def catch_up(activity: Activity, today: date) -> list[str]:
    """Move through every phase whose date has come (dated phases move by themselves; undated
    ones wait for the facilitator). Returns the phases entered."""
    config = config_of(activity)
    entered: list[str] = []
    locked = False
    while (step := next_step(config)) is not None:
        day = phase_date(config, *step)
        if day is None or date.fromisoformat(day) > today:
            break
        if not locked:
            # Two first visits after the date would both move on (and skip a phase): lock,
            # then look again at what the other visit may already have done.
            lock_row(config)
            locked = True
            continue
        if step[1] == "review" and not criteria_of(activity):
            break  # no rubric yet: the facilitator is told on their page
        advance_phase(activity, None)
        entered.append(config.current_phase)
    return entered


def check_step(config: FeedbackConfig, seen_round: str | None, seen_phase: str | None) -> None:
    """A form shows the round and phase it was made in; after a move it is stale (a double
    click on "Move to the next phase" must not move twice and skip peer review)."""
    if seen_phase is None and seen_round is None:
        return
    if (seen_phase, seen_round) != (config.current_phase, str(config.current_round)):
        raise FeedbackError(
            "STALE_FORM",
            _l(
                "The activity is now in round %(round)s, phase “%(phase)s”: this page was opened "
                "before that. Nothing was changed; reload the page and try again.",
                round=config.current_round,
                phase=label(config.current_phase, "feedback_phase"),
            ),
            409,
        )


def advance_phase(
    activity: Activity,
    by: Person | None,
    *,
    seen_round: str | None = None,
    seen_phase: str | None = None,
) -> FeedbackConfig:
    """Move to the next phase (after revise: the next round's submit). Entering review
    allocates the round's reviewers. The config row is locked, so two moves at once run one
    after the other, and the second sees the first's phase (and, given what its form showed,
    refuses as stale)."""
    config = config_of(activity)
    lock_row(config)
    check_step(config, seen_round, seen_phase)
    index = PHASES.index(config.current_phase)
    if index == len(PHASES) - 1:
        if config.current_round >= config.rounds:
            raise FeedbackError("FEEDBACK_REFUSED", _l("This was the last round."), 409)
        config.current_round += 1
        config.current_phase = PHASES[0]
        # A rubric revised since (issue 17): this round assesses with the new version.
        from lti_tool.activities.feedback.rubric_loop import adopt_newer_version

        adopt_newer_version(activity, config, by)
    else:
        config.current_phase = PHASES[index + 1]
    if config.current_phase == "review":
        if not criteria_of(activity):
            raise FeedbackError("FEEDBACK_REFUSED", _l("Set the rubric before reviews start."), 409)
        allocate_round(activity, config)
    record_event(
        by,
        "feedback.phase_moved",
        "activity",
        activity.id,
        activity=activity,
        round=config.current_round,
        phase=config.current_phase,
    )
    return config
