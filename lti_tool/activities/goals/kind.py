"""Goal setting as an `ActivityKind` (activities.kinds): what the rest of the tool asks of it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.kinds import ActivityKind, Phase
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent
from lti_tool.models import Activity, Goal, GoalSettings, Person, utcnow


class GoalSetting(ActivityKind):
    key = "goal_setting"
    name = _l("Goal setting")
    summary = _l(
        "Students draft SMART goals, agree them with a facilitator or coach, check in on their "
        "progress and reflect at the end."
    )
    phases = (
        Phase("draft", _l("Draft goals")),
        Phase("agree", _l("Agree goals")),
        Phase("check_in", _l("Check-ins")),
        Phase("reflect", _l("Final reflection")),
    )
    home_endpoint = "goals.home"

    @property
    def blueprint(self) -> Blueprint:
        from lti_tool.activities.goals import bp

        return bp

    def has_data(self, activity: Activity) -> bool:
        return (
            db.session.scalars(select(Goal.id).where(Goal.activity_id == activity.id)).first()
            is not None
        )

    def phases_now(self, activities: list[Activity], today: date) -> dict[int, str]:
        from lti_tool.activities.goals.config import current_phase

        labels = {p.key: p.label for p in self.phases}
        rows = {
            s.activity_id: s
            for s in db.session.scalars(
                select(GoalSettings).where(GoalSettings.activity_id.in_([a.id for a in activities]))
            )
        }
        return {
            a.id: labels[current_phase(a, rows[a.id], today)]
            if a.id in rows
            else self.phases[0].label
            for a in activities
        }

    def rescore(
        self,
        activity: Activity,
        *,
        tool_base_url: str,
        person_id: int | None = None,
        by: Person | None = None,
    ) -> int:
        from lti_tool.activities.goals import scoring
        from lti_tool.activities.goals.services import Scope

        scope = Scope.of(activity, utcnow().date(), tool_base_url)
        people = (
            [person_id]
            if person_id is not None
            else sorted(
                set(
                    db.session.scalars(
                        select(Goal.person_id).where(Goal.activity_id == activity.id)
                    )
                )
            )
        )
        return sum(scoring.rescore(scope, pid) is not None for pid in people)

    def artifact(self, activity: Activity, person: Person) -> ArtifactContent:
        from lti_tool.activities.goals import scoring
        from lti_tool.activities.goals.services import Scope

        goals = list(
            db.session.scalars(
                select(Goal)
                .where(Goal.activity_id == activity.id, Goal.person_id == person.id)
                .order_by(Goal.id)
            )
        )
        return scoring.artifact_of(Scope.of(activity, utcnow().date(), ""), person, goals)

    def export_csv(self, activity: Activity) -> str:
        from lti_tool.activities.goals.overview import class_overview, export_csv

        return export_csv(class_overview(activity))

    def export_filename(self, activity: Activity) -> str:
        return f"goals-{activity.id}.csv"

    def copy_from(
        self, source: Activity, activity: Activity, *, shift_days: int, provenance: str
    ) -> str | None:
        from lti_tool.activities.goals.copying import copy_goal_settings

        copy_goal_settings(source, activity, shift_days=shift_days)
        return None


GOAL_SETTING = GoalSetting()
