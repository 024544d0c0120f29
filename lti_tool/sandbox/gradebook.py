"""The sandbox's gradebook page: every column (AGS line item), and per student the latest
score with its comment and submission (Canvas's extension), the number of distinct scores
received and how often one was sent again; "Review" opens the student's work by a submission
review launch."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort, render_template
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.sandbox import bp, profiles
from lti_tool.sandbox import faults as fault_settings
from lti_tool.sandbox.placing import is_teacher
from lti_tool.sandbox.roster import USERS, find_user
from lti_tool.sandbox.store import (
    ColumnReview,
    GradebookColumn,
    IssuedToken,
    ReceivedScore,
    ensure_tables,
)


@dataclass
class Cell:
    latest: ReceivedScore
    entries: int
    replays: int


@bp.route("/gradebook/<user_id>")
def gradebook(user_id: str) -> str:
    viewer = find_user(user_id)
    if viewer is None:
        abort(404, "No such sandbox user.")
    if not is_teacher(viewer):
        abort(403, "Only the course's instructor and TA see the gradebook.")
    ensure_tables(db.engine)
    columns = list(db.session.scalars(select(GradebookColumn).order_by(GradebookColumn.id)))
    cells: dict[tuple[int, str], Cell] = {}
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for score in db.session.scalars(select(ReceivedScore).order_by(ReceivedScore.timestamp)):
        key = (score.line_item_id, score.user_id)
        counts[key][0] += 1
        counts[key][1] += score.replays
        cells[key] = Cell(latest=score, entries=counts[key][0], replays=counts[key][1])
    profile = profiles.current()
    # Moodle's grader report offers the tool's review only for a line item that carries
    # submissionReview (../shared/design/lti.md, "Moodle 4.5 facts"); the others here always do.
    reviewable = {c.id for c in columns if c.resource_link_id}
    if profile.moodle:
        reviewable &= set(db.session.scalars(select(ColumnReview.line_item_id)))
    students = [u.id for u in USERS if claims.ROLE_LEARNER in u.roles]
    students += sorted({user for (_, user) in cells} - set(students))
    names = {u.id: u.name for u in USERS}
    return render_template(
        "sandbox/gradebook.html",
        viewer=viewer,
        columns=columns,
        students=students,
        names=names,
        cells=cells,
        faults=fault_settings.current(),
        profile=profile,
        reviewable=reviewable,
        token_requests=len(list(db.session.scalars(select(IssuedToken.id)))),
    )
