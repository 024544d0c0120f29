"""The activity configuration form: read and check what a facilitator entered, in their words.

Used by the deep linking picker, the first-launch set-up and the edit page alike. Phase dates
are per kind (`phase-<kind>-<phase>`), so the browser can show only the chosen kind's dates and
the server reads only those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from lti_tool.activities.kinds import kind_of
from lti_tool.activities.services import ActivityConfig

MAX_TITLE = 200
MAX_INSTRUCTIONS = 5000
MAX_POINTS = Decimal(1000)


def phase_field(kind: str, phase: str) -> str:
    return f"phase-{kind}-{phase}"


@dataclass
class ConfigForm:
    """The submitted values (to show again) and the errors by field name."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: ActivityConfig) -> ConfigForm:
        values = {
            "kind": config.kind,
            "title": config.title,
            "instructions": config.instructions,
            "points": f"{config.points:g}",
        }
        for phase, day in config.phase_dates.items():
            values[phase_field(config.kind, phase)] = day
        return cls(values=values)

    @classmethod
    def blank(cls, title: str | None = None) -> ConfigForm:
        return cls(values={"kind": "", "title": title or "", "instructions": "", "points": "10"})

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def parse_config(data: Mapping[str, str]) -> tuple[ActivityConfig | None, ConfigForm]:
    """The configuration, or None with the form's errors."""
    form = ConfigForm(values={k: str(v) for k, v in data.items() if k != "csrf_token"})
    errors = form.errors
    kind = kind_of(form.value("kind"))
    if kind is None:
        errors["kind"] = _("Choose what kind of activity this is.")
    title = " ".join(form.value("title").split())
    if not title:
        errors["title"] = _("Give the activity a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Keep the title under %(most)d characters.", most=MAX_TITLE)
    instructions = form.value("instructions").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        errors["instructions"] = _(
            "Keep the instructions under %(most)d characters.", most=MAX_INSTRUCTIONS
        )
    points = Decimal(0)
    try:
        points = Decimal(form.value("points").strip() or "0")
        if not points.is_finite() or points < 0 or points > MAX_POINTS:
            raise InvalidOperation
    except InvalidOperation:
        errors["points"] = _(
            "Points must be a number from 0 to %(most)s (0: not graded).", most=MAX_POINTS
        )
    phase_dates: dict[str, str] = {}
    if kind is not None:
        previous: tuple[str, date] | None = None
        for phase in kind.phases:
            name = phase_field(kind.key, phase.key)
            raw = form.value(name).strip()
            if not raw:
                continue
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                errors[name] = _("%(phase)s: enter a date as YYYY-MM-DD.", phase=phase.label)
                continue
            if previous is not None and day < previous[1]:
                errors[name] = _(
                    "%(phase)s cannot start before %(earlier)s.",
                    phase=phase.label,
                    earlier=previous[0],
                )
            previous = (phase.label, day)
            phase_dates[phase.key] = day.isoformat()
    if errors:
        return None, form
    assert kind is not None
    return (
        ActivityConfig(
            kind=kind.key,
            title=title,
            instructions=instructions,
            points=float(points),
            phase_dates=phase_dates,
        ),
        form,
    )


__all__ = ["ConfigForm", "parse_config", "phase_field"]
