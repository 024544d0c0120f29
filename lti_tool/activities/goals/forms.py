"""Reading goal setting forms: text to plain values, or an error message by field. Lengths and
content rules are the services'; here only what a browser can send wrongly (numbers, dates)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from lti_tool.activities.goals.config import DEFAULT_STAGE_POINTS, STAGES, GoalConfig
from lti_tool.activities.goals.progress import CheckInText
from lti_tool.activities.goals.services import GoalText
from lti_tool.robustness import bounded_int


class FormError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        # Plain text now, in the reader's language: a lazy message would render as markup
        # (flask_babel's LazyString has __html__), and this one may quote what was typed.
        message = str(message)
        super().__init__(message)
        self.field, self.message = field, message


def _int(data: Mapping[str, str], name: str, label: str, default: int | None = None) -> int:
    raw = (data.get(name) or "").strip()
    if not raw and default is not None:
        return default
    try:
        return bounded_int(raw)
    except ValueError:
        raise FormError(name, _l("%(label)s: enter a whole number.", label=label)) from None


def _date(data: Mapping[str, str], name: str, label: str) -> date | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(
            name, _l("%(label)s: enter a real date as YYYY-MM-DD.", label=label)
        ) from None


def goal_text(data: Mapping[str, str]) -> GoalText:
    criterion = None
    raw = (data.get("criterion") or "").strip()
    if raw:
        try:
            version_id, criterion_id = (bounded_int(p) for p in raw.split(":", 1))
        except ValueError:
            raise FormError("criterion", _l("Choose a criterion from the list.")) from None
        criterion = (version_id, criterion_id)
    return GoalText(
        what=data.get("what") or "",
        measure=data.get("measure") or "",
        plan=data.get("plan") or "",
        relevance=data.get("relevance") or "",
        by_when=_date(data, "by_when", _l("By when")),
        criterion=criterion,
    )


def check_in_text(data: Mapping[str, str]) -> CheckInText:
    return CheckInText(
        progress=_int(data, "progress", _l("Progress")),
        confidence=_int(data, "confidence", _l("Confidence")),
        evidence=data.get("evidence") or "",
        helped=data.get("helped") or "",
        hindered=data.get("hindered") or "",
    )


def goal_config(data: Mapping[str, str]) -> GoalConfig:
    dates = []
    # One date input per check-in (`checkin_date`, repeated; the page offers a few empty ones,
    # no script needed), or the older space-separated text field.
    picked = data.getlist("checkin_date") if hasattr(data, "getlist") else []
    parts = [p.strip() for p in picked if p.strip()]
    for part in parts + (data.get("checkin_dates") or "").replace(",", " ").split():
        try:
            dates.append(date.fromisoformat(part).isoformat())
        except ValueError:
            raise FormError(
                "checkin_dates", _l("Check-in dates: “%(value)s” is not YYYY-MM-DD.", value=part)
            ) from None
    stage_points = {}
    for stage in STAGES:
        stage_points[stage] = float(
            _int(data, f"points-{stage}", _l("Stage points"), int(DEFAULT_STAGE_POINTS[stage]))
        )
    due = {}
    for stage in STAGES:
        day = _date(data, f"due-{stage}", _l("Due date"))
        if day is not None:
            due[stage] = day.isoformat()
    return GoalConfig(
        min_goals=_int(data, "min_goals", _l("Minimum goals")),
        max_goals=_int(data, "max_goals", _l("Maximum goals")),
        require_criterion=data.get("require_criterion") == "on",
        checkin_dates=tuple(sorted(set(dates))),
        min_checkins=_int(data, "min_checkins", _l("Minimum check-ins"), 0),
        agreed_by=data.get("agreed_by") or "",
        scoring=data.get("scoring") or "",
        stage_points=stage_points,
        judgement_scale=_int(data, "judgement_scale", _l("Judgement scale"), 4),
        due_dates=due,
    )
