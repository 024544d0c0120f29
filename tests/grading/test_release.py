"""Faculty decide when grades go out, a hand score is sticky, a points change re-sends, and an
idle worker sleeps. Against the sandbox gradebook over real HTTP."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from lti_tool.activities.services import ActivityConfig, update_activity
from lti_tool.extensions import db
from lti_tool.grading import ScoreChange, record_score, release
from lti_tool.grading import worker as workers
from lti_tool.grading.scores import return_to_automatic
from lti_tool.models import Activity, LineItem, OutboxScore, Person, utcnow
from lti_tool.sandbox.store import ReceivedScore
from tests.advantage import deliver_all
from tests.grading.helpers import graded_course


def _received(live) -> dict[str, list[float | None]]:
    with live.app.app_context():
        rows = db.session.scalars(select(ReceivedScore).order_by(ReceivedScore.timestamp)).all()
        out: dict[str, list[float | None]] = {}
        for r in rows:
            out.setdefault(r.user_id, []).append(r.score_given)
        db.session.remove()
        return out


def _hold(live) -> None:
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        release.set_mode(activity, release.HOLD)
        db.session.commit()
        db.session.remove()


def test_held_scores_reach_nothing_until_release_then_the_newest(live):
    course = graded_course(live, students=3)
    _hold(live)
    for score in (2, 5, 7):
        for sub in course.students:
            course.record(sub, score)
        live.deliver()
    assert _received(live) == {}
    with live.app.app_context():
        assert {r.status for r in db.session.scalars(select(OutboxScore))} == {"held"}
        activity = db.session.scalars(select(Activity)).one()
        student_id = db.session.scalars(
            select(Person.id).where(Person.sub == course.students[0])
        ).one()
        assert release.visible_score(activity, student_id) == (None, True)
        assert release.release(activity) == 3
        db.session.commit()
        db.session.remove()
    deliver_all(live)
    assert _received(live) == {sub: [7] for sub in course.students}
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        assert release.visible_score(activity, student_id) == (7, False)
        db.session.remove()
    # Held again for the next round: a change waits for the next release.
    course.record(course.students[0], 9)
    deliver_all(live)
    assert _received(live)[course.students[0]] == [7]


def test_a_hand_score_survives_automatic_rescoring_until_the_facilitator_drops_it(live):
    course = graded_course(live, students=1)
    sub = course.students[0]
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
        record_score(
            activity,
            person,
            ScoreChange(8, comment="Thoughtful", by_hand=True),
            tool_base_url=live.url,
        )
        db.session.commit()
        # The student's next check-in rescoring: automatic 6.67.
        record_score(
            activity, person, ScoreChange(6.67, comment="Stages done"), tool_base_url=live.url
        )
        db.session.commit()
        row = db.session.scalars(select(OutboxScore)).one()
        assert (row.score_given, row.automatic_score, row.manual_score) == (8, 6.67, 8)
        assert "Thoughtful" in (row.comment or "")
        db.session.remove()
    deliver_all(live)
    assert _received(live)[sub] == [8]
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
        return_to_automatic(activity, person, tool_base_url=live.url)
        db.session.commit()
        db.session.remove()
    deliver_all(live)
    assert _received(live)[sub] == [8, 6.67]


def test_a_points_change_re_sends_every_score_rescaled(live):
    course = graded_course(live, students=2, points="25")
    for sub in course.students:
        course.record(sub, 20)
    deliver_all(live)
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        config = ActivityConfig.of(activity)
        update_activity(activity, ActivityConfig(**{**config.__dict__, "points": 40.0}))
        db.session.commit()
        db.session.remove()
    deliver_all(live)
    assert _received(live) == {sub: [20, 32] for sub in course.students}
    with live.app.app_context():
        assert {r.score_maximum for r in db.session.scalars(select(OutboxScore))} == {40}
        db.session.remove()


def _rounds_while_idle(live, seconds: float) -> int:
    """How many delivery rounds a real worker loop runs in `seconds` with nothing it can do."""
    from lti_tool.grading.delivery import Deliverer

    count = 0
    original = Deliverer.run_until_idle

    def counting(self, max_rounds: int = 1000):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return original(self, max_rounds)

    Deliverer.run_until_idle = counting  # type: ignore[method-assign]
    try:
        thread = threading.Thread(target=_run_worker_for, args=(live, seconds), daemon=True)
        thread.start()
        thread.join(seconds + 10)
    finally:
        Deliverer.run_until_idle = original  # type: ignore[method-assign]
    return count


def _run_worker_for(live, seconds: float) -> None:
    stop_at = time.monotonic() + seconds
    with live.app.app_context():
        settings = live.settings
        from lti_tool.grading.delivery import Deliverer, DeliveryOptions

        deliverer = Deliverer(DeliveryOptions.of(settings))
        try:
            while time.monotonic() < stop_at:
                deliverer.run_until_idle()
                time.sleep(workers._seconds_until_next_due(workers.POLL_SECONDS))
                db.session.remove()
        finally:
            deliverer.close()


def test_an_idle_worker_sleeps_its_poll_interval_with_a_column_backing_off(live, monkeypatch):
    course = graded_course(live, students=2)
    for sub in course.students:
        course.record(sub, 3)
    with live.app.app_context():
        # The column is being made again and backs off for a minute: the scores cannot go.
        column = db.session.scalars(select(LineItem)).one()
        column.url, column.state = None, "wanted"
        column.next_attempt_at = utcnow().replace(microsecond=0) + __import__("datetime").timedelta(
            seconds=60
        )
        db.session.commit()
        assert workers._seconds_until_next_due(workers.POLL_SECONDS) >= workers.POLL_SECONDS
        db.session.remove()
    monkeypatch.setattr(workers, "POLL_SECONDS", 0.25)
    assert _rounds_while_idle(live, 1.0) <= 6  # ~4 at 0.25 s; a busy loop makes hundreds


def test_an_idle_worker_sleeps_with_points_set_to_zero_and_a_score_pending(live, monkeypatch):
    course = graded_course(live, students=1)
    course.record(course.students[0], 3)
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        config = ActivityConfig.of(activity)
        update_activity(activity, ActivityConfig(**{**config.__dict__, "points": 0.0}))
        db.session.commit()
        assert db.session.scalars(select(OutboxScore.status)).one() == "pending"
        assert workers._seconds_until_next_due(workers.POLL_SECONDS) >= workers.POLL_SECONDS
        db.session.remove()
    monkeypatch.setattr(workers, "POLL_SECONDS", 0.25)
    assert _rounds_while_idle(live, 1.0) <= 6
