"""A placed, graded activity in the sandbox course with students the tool knows (from a roster
sync), and ways to record scores for them and read what the sandbox's gradebook holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grading import ScoreChange, record_score
from lti_tool.lti import claims
from lti_tool.models import Activity, Context, OutboxScore, Person
from lti_tool.roster import sync_roster
from lti_tool.sandbox.roster import course_members
from lti_tool.sandbox.store import ReceivedScore
from tests.advantage import Live, place_by_deep_linking


@dataclass
class Course:
    live: Live
    link_id: str
    students: list[str]
    # What was recorded last per student: (version, score, timestamp)
    newest: dict[str, tuple[int, float, datetime]] = field(default_factory=dict)
    timestamps: dict[str, set[datetime]] = field(default_factory=dict)

    def record(self, sub: str, score: float, **change: object) -> None:
        with self.live.app.app_context():
            activity = db.session.scalars(select(Activity)).one()
            person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
            row = record_score(
                activity,
                person,
                ScoreChange(score, **change),
                tool_base_url=self.live.url,  # type: ignore[arg-type]
            )
            db.session.commit()
            db.session.refresh(row)
            self.newest[sub] = (row.version, score, row.score_timestamp)
            self.timestamps.setdefault(sub, set()).add(row.score_timestamp)
            db.session.remove()

    def received(self) -> dict[str, list[ReceivedScore]]:
        with self.live.app.app_context():
            rows = db.session.scalars(select(ReceivedScore).order_by(ReceivedScore.timestamp)).all()
            db.session.expunge_all()
        by_user: dict[str, list[ReceivedScore]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        return by_user

    def outbox(self) -> list[OutboxScore]:
        with self.live.app.app_context():
            rows = list(db.session.scalars(select(OutboxScore).order_by(OutboxScore.id)))
            db.session.expunge_all()
            return rows

    def assert_newest_delivered_exactly_once(self) -> None:
        """Every student's newest score is in the gradebook, once, as the latest entry; every
        entry is a score that was recorded (nothing invented, nothing sent twice as two)."""
        received = self.received()
        for sub, (_version, score, timestamp) in self.newest.items():
            entries = received.get(sub, [])
            assert entries, f"{sub}: nothing delivered"
            assert entries[-1].score_given == score, (sub, entries[-1].score_given, score)
            assert entries[-1].timestamp == timestamp
            stamps = [e.timestamp for e in entries]
            assert len(stamps) == len(set(stamps)), f"{sub}: a score arrived twice"
            assert set(stamps) <= self.timestamps[sub], f"{sub}: an entry nobody recorded"
        assert set(received) <= set(self.newest)
        for row in self.outbox():
            assert row.status == "delivered" and row.delivered_version == row.version, row.id


def graded_course(live: Live, *, students: int = 20, points: str = "10") -> Course:
    """Place an activity by deep linking and sync a roster of `students` + the staff."""
    link_id = place_by_deep_linking(live, live.client(), points=points)
    live.launch(live.client(), "student-1", link_id=link_id)  # binds the link, names its column
    # The sandbox's named people who are not learners (staff, a mentor) come on top of `students`.
    others = sum(1 for u in course_members() if claims.ROLE_LEARNER not in u.roles)
    live.faults(roster_size=students + others, page_size=100)
    with live.app.app_context():
        context = db.session.scalars(select(Context)).one()
        sync_roster(context, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5)
        subs = list(
            db.session.scalars(
                select(Person.sub).where(Person.sub.like("student-%")).order_by(Person.sub)
            )
        )
        db.session.remove()
    live.faults(page_size=50)  # no faults; the roster keeps its size (students stay gradable)
    return Course(live=live, link_id=link_id, students=subs[:students])
