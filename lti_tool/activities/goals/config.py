"""A goal setting activity's configuration and where it stands in time: its current phase and
the window its dates must fall in.

Plain values in and out; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from lti_tool.activities.goals.kind import GOAL_SETTING
from lti_tool.activities.phase_moves import PhaseMove, check_move
from lti_tool.domain import DomainError
from lti_tool.extensions import db
from lti_tool.models import Activity, GoalSettings
from lti_tool.wording import day as _day

PHASES = tuple(p.key for p in GOAL_SETTING.phases)  # draft, agree, check_in, reflect
STAGES = ("agree", "check_in", "reflect")  # what completion scoring gives points for
AGREERS = ("facilitator", "coach", "both")
SCORINGS = ("completion", "judgement")
MAX_GOALS = 10
MAX_CHECKIN_DATES = 20
DEFAULT_STAGE_POINTS = {"agree": 1.0, "check_in": 1.0, "reflect": 1.0}


class GoalRuleError(DomainError):
    """A rule refused the action; the message says why in the user's words. `status` is the
    HTTP status a view answers with when there is no form to show the message in."""

    default_code = "GOAL_REFUSED"
    default_status = 409


@dataclass(frozen=True)
class GoalConfig:
    min_goals: int = 1
    max_goals: int = 3
    require_criterion: bool = False
    checkin_dates: tuple[str, ...] = ()
    min_checkins: int = 2
    agreed_by: str = "both"
    scoring: str = "completion"
    stage_points: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_STAGE_POINTS))
    judgement_scale: int = 4
    due_dates: dict[str, str] = field(default_factory=dict)

    @property
    def checkins_needed(self) -> int:
        """Check-ins a goal needs: one per scheduled date, else the configured minimum."""
        return len(self.checkin_dates) if self.checkin_dates else self.min_checkins


def settings_of(activity: Activity) -> GoalSettings:
    """The activity's settings row, made with the defaults on first use."""
    row = db.session.get(GoalSettings, activity.id)
    if row is None:
        row = GoalSettings(
            activity_id=activity.id,
            stage_points=dict(DEFAULT_STAGE_POINTS),
            checkin_dates=[],
            due_dates={},
        )
        db.session.add(row)
        db.session.flush()
    return row


def config_of(row: GoalSettings) -> GoalConfig:
    return GoalConfig(
        min_goals=row.min_goals,
        max_goals=row.max_goals,
        require_criterion=row.require_criterion,
        checkin_dates=tuple(row.checkin_dates or ()),
        min_checkins=row.min_checkins,
        agreed_by=row.agreed_by,
        scoring=row.scoring,
        stage_points=dict(row.stage_points or DEFAULT_STAGE_POINTS),
        judgement_scale=row.judgement_scale,
        due_dates=dict(row.due_dates or {}),
    )


def window(activity: Activity, config: GoalConfig) -> tuple[date | None, date | None]:
    """The activity's window: from its first phase date to its last due date (either open)."""
    starts = [date.fromisoformat(d) for d in (activity.phase_dates or {}).values()]
    ends = [date.fromisoformat(d) for d in config.due_dates.values()]
    return (min(starts) if starts else None, max(ends) if ends else None)


def check_in_window(day: date, activity: Activity, config: GoalConfig, what: str) -> None:
    start, end = window(activity, config)
    if start is not None and day < start:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l(
                "%(what)s cannot be before the activity starts (%(date)s).",
                what=what,
                date=_day(start),
            ),
            400,
        )
    if end is not None and day > end:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l("%(what)s cannot be after the activity ends (%(date)s).", what=what, date=_day(end)),
            400,
        )


def validate_config(activity: Activity, config: GoalConfig) -> dict[str, str]:
    """Errors by field name; empty when the configuration is sound."""
    errors: dict[str, str] = {}
    if not 1 <= config.min_goals <= MAX_GOALS:
        errors["min_goals"] = _l("At least 1 and at most %(max)s goals.", max=MAX_GOALS)
    if not 1 <= config.max_goals <= MAX_GOALS or config.max_goals < config.min_goals:
        errors["max_goals"] = _l("From the minimum up to %(max)s goals.", max=MAX_GOALS)
    if not 0 <= config.min_checkins <= 20:
        errors["min_checkins"] = _l("From 0 to 20 check-ins.")
    if len(config.checkin_dates) > MAX_CHECKIN_DATES:
        errors["checkin_dates"] = _l("At most %(max)s check-in dates.", max=MAX_CHECKIN_DATES)
    if config.agreed_by not in AGREERS:
        errors["agreed_by"] = _l("Choose who can agree goals.")
    if config.scoring not in SCORINGS:
        errors["scoring"] = _l("Choose how goals are scored.")
    if not 2 <= config.judgement_scale <= 10:
        errors["judgement_scale"] = _l("A scale from 2 to 10.")
    if any(v < 0 or v > 100 for v in config.stage_points.values()) or not any(
        v > 0 for v in config.stage_points.values()
    ):
        errors["stage_points"] = _l(
            "Give each stage 0 to 100 points, and at least one more than 0."
        )
    days = [*config.checkin_dates, *config.due_dates.values()]
    try:
        parsed = [date.fromisoformat(d) for d in days]
    except ValueError:
        errors["dates"] = _l("Enter dates as YYYY-MM-DD.")
        return errors
    starts = [date.fromisoformat(d) for d in (activity.phase_dates or {}).values()]
    if starts and any(d < min(starts) for d in parsed):
        errors["dates"] = _l(
            "Dates cannot be before the activity starts (%(date)s).", date=_day(min(starts))
        )
    ends = [date.fromisoformat(d) for d in config.due_dates.values()]
    if ends and any(date.fromisoformat(d) > max(ends) for d in config.checkin_dates):
        errors["checkin_dates"] = _l(
            "Check-ins cannot be after the last due date (%(date)s).", date=_day(max(ends))
        )
    due = [config.due_dates.get(s) for s in STAGES if config.due_dates.get(s)]
    if due != sorted(due):  # type: ignore[type-var]
        errors["due_dates"] = _l("Due dates must follow the stages' order.")
    return errors


def save_config(activity: Activity, config: GoalConfig) -> GoalSettings:
    errors = validate_config(activity, config)
    if errors:
        raise GoalRuleError("CONFIG_INVALID", " ".join(str(e) for e in errors.values()), 400)
    row = settings_of(activity)
    row.min_goals, row.max_goals = config.min_goals, config.max_goals
    row.require_criterion = config.require_criterion
    row.checkin_dates = sorted(config.checkin_dates)
    row.min_checkins = config.min_checkins
    row.agreed_by, row.scoring = config.agreed_by, config.scoring
    row.stage_points = {s: float(config.stage_points.get(s, 0)) for s in STAGES}
    row.judgement_scale = config.judgement_scale
    row.due_dates = {s: d for s, d in config.due_dates.items() if s in STAGES and d}
    return row


def current_phase(activity: Activity, row: GoalSettings, today: date) -> str:
    """The later of the phase the facilitator moved to and the last phase whose date has come."""
    index = PHASES.index(row.phase) if row.phase in PHASES else 0
    for i, key in enumerate(PHASES):
        day = (activity.phase_dates or {}).get(key)
        if day and date.fromisoformat(day) <= today:
            index = max(index, i)
    return PHASES[index]


def move_phase(
    activity: Activity,
    row: GoalSettings,
    to: str,
    today: date,
    *,
    confirmed: bool = False,
    reason: str = "",
) -> PhaseMove:
    """A facilitator moves the activity to phase `to`: forward, or back with a confirmation and
    a reason students read (activities.phase_moves), when the dates allow."""
    labels = {p.key: p.label for p in GOAL_SETTING.phases}
    before = current_phase(activity, row, today)
    move = check_move(
        PHASES, labels, before, to, confirmed=confirmed, reason=reason, error=GoalRuleError
    )
    row.phase = to
    reached = current_phase(activity, row, today)
    if reached != to:
        raise GoalRuleError(
            "GOAL_REFUSED",
            _l(
                "The phase dates have already reached “%(phase)s”; change the dates to go back.",
                phase=labels[reached],
            ),
            409,
        )
    return move
