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
        errors["kind"] = "Choose what kind of activity this is."
    title = " ".join(form.value("title").split())
    if not title:
        errors["title"] = "Give the activity a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters."
    instructions = form.value("instructions").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        errors["instructions"] = f"Keep the instructions under {MAX_INSTRUCTIONS} characters."
    points = Decimal(0)
    try:
        points = Decimal(form.value("points").strip() or "0")
        if not points.is_finite() or points < 0 or points > MAX_POINTS:
            raise InvalidOperation
    except InvalidOperation:
        errors["points"] = f"Points must be a number from 0 to {MAX_POINTS} (0: not graded)."
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
                errors[name] = f"{phase.label}: enter a date as YYYY-MM-DD."
                continue
            if previous is not None and day < previous[1]:
                errors[name] = f"{phase.label} cannot start before {previous[0]}."
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
