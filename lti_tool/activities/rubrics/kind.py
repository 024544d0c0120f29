"""Rubric co-creation as an `ActivityKind` (activities.kinds): what the rest of the tool asks of
it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.kinds import ActivityKind, Phase
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent
from lti_tool.models import Activity, Ballot, Person, Proposal, RubricSetup, RubricVersion


class RubricCocreation(ActivityKind):
    key = "rubric_cocreation"
    name = _l("Rubric co-creation")
    summary = _l(
        "The class proposes criteria, discusses and merges them, votes, describes levels, and "
        "the facilitator publishes the rubric with a change log."
    )
    phases = (
        Phase("propose", _l("Propose criteria")),
        Phase("discuss", _l("Discuss and cluster")),
        Phase("vote", _l("Vote")),
        Phase("describe", _l("Describe levels")),
        Phase("finalise", _l("Finalise")),
    )
    home_endpoint = "rubrics.show"

    @property
    def blueprint(self) -> Blueprint:
        from lti_tool.activities.rubrics import bp

        return bp

    def has_data(self, activity: Activity) -> bool:
        # A published version counts too: other activities may already use the rubric.
        return any(
            db.session.scalars(select(model.id).where(model.activity_id == activity.id)).first()
            is not None
            for model in (Proposal, Ballot, RubricVersion)
        )

    def phases_now(self, activities: list[Activity], today: date) -> dict[int, str]:
        from lti_tool.activities.rubrics.services import current_phase

        labels = {p.key: p.label for p in self.phases}
        rows = {
            s.activity_id: s
            for s in db.session.scalars(
                select(RubricSetup).where(RubricSetup.activity_id.in_([a.id for a in activities]))
            )
        }
        # An activity nobody opened yet has no setup row: it starts in its first phase.
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
        from lti_tool.activities.rubrics import scoring, services

        setup = services.setup_of(activity)
        if person_id is None:
            return scoring.rescore_all(activity, setup, tool_base_url=tool_base_url)
        person = db.session.get(Person, person_id)
        if person is None:
            return 0
        queued = scoring.score_participation(activity, setup, person, tool_base_url=tool_base_url)
        return int(queued is not None)

    def artifact(self, activity: Activity, person: Person) -> ArtifactContent:
        from lti_tool.activities.rubrics import scoring

        return scoring.artifact_of(activity, person)

    def export_csv(self, activity: Activity) -> str | None:
        """The latest published version, in Canvas's rubric CSV."""
        from lti_tool.activities.rubrics.export import to_canvas_csv
        from lti_tool.activities.rubrics.versions import latest_version

        version = latest_version(activity)
        return to_canvas_csv(version) if version is not None else None

    def export_filename(self, activity: Activity) -> str:
        return f"rubric-{activity.id}.csv"

    def copy_from(
        self, source: Activity, activity: Activity, *, shift_days: int, provenance: str
    ) -> str | None:
        from lti_tool.activities.rubrics.copying import copy_rubric

        return copy_rubric(source, activity, provenance=provenance)


RUBRIC_COCREATION = RubricCocreation()
