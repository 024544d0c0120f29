"""Feedback rounds as an `ActivityKind` (activities.kinds): what the rest of the tool asks of it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.kinds import ActivityKind, Phase
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent
from lti_tool.models import Activity, FeedbackConfig, FeedbackSubmission, Person


class FeedbackRounds(ActivityKind):
    key = "feedback_rounds"
    name = _l("Feedback rounds")
    summary = _l(
        "Students submit work, review peers against the rubric, respond to the feedback they "
        "received and revise, round after round."
    )
    phases = (
        Phase("submit", _l("Submit")),
        Phase("review", _l("Review")),
        Phase("respond", _l("Respond")),
        Phase("revise", _l("Revise")),
    )
    home_endpoint = "feedback.home"
    # A score that moves with every peer review would reach gradebooks half-made.
    holds_scores = True

    @property
    def blueprint(self) -> Blueprint:
        from lti_tool.activities.feedback import bp

        return bp

    def has_data(self, activity: Activity) -> bool:
        # Reviews, responses and plans all hang on a submission.
        return (
            db.session.scalars(
                select(FeedbackSubmission.id).where(FeedbackSubmission.activity_id == activity.id)
            ).first()
            is not None
        )

    def phases_now(self, activities: list[Activity], today: date) -> dict[int, str]:
        # The phase as last moved: dated phases move on the next visit (phases.catch_up).
        labels = {p.key: p.label for p in self.phases}
        rows = {
            c.activity_id: c
            for c in db.session.scalars(
                select(FeedbackConfig).where(
                    FeedbackConfig.activity_id.in_([a.id for a in activities])
                )
            )
        }
        words = {}
        for a in activities:
            row = rows.get(a.id)
            if row is None:
                words[a.id] = str(_l("Round 1: %(phase)s", phase=self.phases[0].label))
            else:
                phase = labels.get(row.current_phase, row.current_phase)
                words[a.id] = str(
                    _l(
                        "Round %(round)s of %(rounds)s: %(phase)s",
                        round=row.current_round,
                        rounds=row.rounds,
                        phase=phase,
                    )
                )
        return words

    def rescore(
        self,
        activity: Activity,
        *,
        tool_base_url: str,
        person_id: int | None = None,
        by: Person | None = None,
    ) -> int:
        """Always the whole class: a score depends on the other reviewers' levels (consensus)."""
        from lti_tool.activities.feedback import scoring

        return scoring.update_scores(activity, by, tool_base_url)

    def artifact(self, activity: Activity, person: Person) -> ArtifactContent:
        from lti_tool.activities.feedback import scoring

        return scoring.artifact_of(activity, person, scoring.load_class(activity))

    def export_csv(self, activity: Activity) -> str:
        from lti_tool.activities.feedback.reports import export_csv

        return export_csv(activity)

    def export_filename(self, activity: Activity) -> str:
        return f"feedback-{activity.id}.csv"

    def phase_dates_of(self, activity: Activity) -> dict[str, str]:
        """Round 1's dates as the settings page keeps them (they start as the placement's, and
        the facilitator may change them there; the activity's own then go stale)."""
        config = db.session.scalars(
            select(FeedbackConfig).where(FeedbackConfig.activity_id == activity.id)
        ).first()
        if config is None:
            return super().phase_dates_of(activity)
        return dict((config.round_dates or {}).get("1", {}))

    def copy_from(
        self, source: Activity, activity: Activity, *, shift_days: int, provenance: str
    ) -> str | None:
        from lti_tool.activities.feedback.copying import copy_feedback

        copy_feedback(source, activity, shift_days=shift_days)
        return None


FEEDBACK_ROUNDS = FeedbackRounds()
