"""A toy fourth kind, added through the kind contract alone (lti_tool.activities.kinds): no
edit to shared code, only the EXTRA_ACTIVITY_KINDS setting naming `tests.activities.toy_kind:KIND`.

"Tally": a student says they took part, once; that is their whole score. It keeps no tables of
its own (a real kind adds its models and a migration): its work is the score and artifact it
sends through the grading outbox, which is also what `has_data` looks at.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template
from sqlalchemy import select

from lti_tool.activities.kinds import ActivityKind, Phase
from lti_tool.activities.spreadsheet import csv_writer
from lti_tool.activities.views import course_activity
from lti_tool.auth import current_launch, launch_required
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, kick, record_score
from lti_tool.models import Activity, OutboxScore, Person, Role
from lti_tool.templating import launch_url

bp = Blueprint("toy_tally", __name__, template_folder=str(Path(__file__).parent / "templates"))


class Tally(ActivityKind):
    key = "toy_tally"
    name = "Tally"
    summary = "Each student says once that they took part."
    phases = (Phase("open", "Open"), Phase("closed", "Closed"))
    home_endpoint = "toy_tally.home"

    @property
    def blueprint(self) -> Blueprint:
        return bp

    def has_data(self, activity: Activity) -> bool:
        return bool(_scores(activity))

    def rescore(
        self,
        activity: Activity,
        *,
        tool_base_url: str,
        person_id: int | None = None,
        by: Person | None = None,
    ) -> int:
        people = [person_id] if person_id is not None else list(_scores(activity))
        queued = 0
        for pid in people:
            person = db.session.get(Person, pid)
            if person is not None and activity.graded:
                record_score(
                    activity,
                    person,
                    ScoreChange(activity.points, artifact=self.artifact(activity, person)),
                    tool_base_url=tool_base_url,
                )
                queued += 1
        return queued

    def artifact(self, activity: Activity, person: Person) -> ArtifactContent:
        return ArtifactContent(
            f"Tally: {activity.title}", "Took part", f"{person.display_name} took part."
        )

    def export_csv(self, activity: Activity) -> str:
        out = io.StringIO()
        writer = csv_writer(out)
        writer.writerow(["person", "score"])
        for pid, score in sorted(_scores(activity).items()):
            writer.writerow([pid, score])
        return out.getvalue()

    def copy_from(
        self, source: Activity, activity: Activity, *, shift_days: int, provenance: str
    ) -> str | None:
        # A tally keeps no settings of its own: the shared configuration is all there is, and
        # its scores (who took part) are student data that a copy never carries.
        return None


def _scores(activity: Activity) -> dict[int, float | None]:
    return {
        row.person_id: row.score_given
        for row in db.session.scalars(
            select(OutboxScore).where(OutboxScore.activity_id == activity.id)
        )
    }


KIND = Tally()


@bp.route("/toy-tally/<int:activity_id>")
@launch_required(Role.STUDENT, Role.FACILITATOR)
def home(activity_id: int) -> str:
    launch = current_launch()
    activity = course_activity(activity_id, KIND)
    counted = launch.person.id in _scores(activity)
    return render_template(
        "toy_kind/home.html", launch=launch, activity=activity, kind=KIND, counted=counted
    )


@bp.route("/toy-tally/<int:activity_id>/count", methods=["POST"])
@launch_required(Role.STUDENT)
def count(activity_id: int) -> Response:
    launch = current_launch()
    activity = course_activity(activity_id, KIND)
    base = current_app.extensions["coproduce.settings"].LTI_TOOL_BASE_URL
    KIND.rescore(activity, tool_base_url=base, person_id=launch.person.id)
    db.session.commit()
    kick()
    return redirect(launch_url(KIND.home_endpoint, activity_id=activity.id), code=303)  # type: ignore[return-value]
