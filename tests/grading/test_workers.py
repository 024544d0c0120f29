"""Workers: `flask worker` processes, a worker killed mid-delivery (nothing lost: its lease runs
out and another sends the rows again, which the platform takes as the same scores), several
workers at once never delivering the same row (row locks with SKIP LOCKED on PostgreSQL), and
the in-process worker woken after a commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from lti_tool.extensions import db
from lti_tool.grading import kick
from lti_tool.grading.delivery import Deliverer, DeliveryOptions
from lti_tool.grading.outbox import claim_scores
from lti_tool.models import OutboxScore, utcnow
from tests.advantage import deliver_all
from tests.grading.helpers import graded_course

REPO = Path(__file__).resolve().parents[2]


def _worker_env(live, **extra: str) -> dict[str, str]:
    settings = live.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "OUTBOX_"))}
    env.update(
        APP_ENV="test",
        DATABASE_URL=settings.DATABASE_URL,
        SECRET_KEY=settings.SECRET_KEY,
        LTI_KEYS_DIR=str(settings.LTI_KEYS_DIR),
        INSTANCE_PATH=str(settings.INSTANCE_PATH),
        LTI_TOOL_BASE_URL=live.url,
        SANDBOX="0",
        OUTBOX_INPROCESS_WORKER="0",
        NO_PROXY="127.0.0.1,localhost",
        **extra,
    )
    return env


def _flask() -> str:
    return str(Path(sys.executable).parent / "flask")


def test_worker_command_delivers_what_is_due(live):
    course = graded_course(live, students=5)
    for sub in course.students:
        course.record(sub, 4)
    done = subprocess.run(  # noqa: S603 - our venv's flask, fixed arguments
        [_flask(), "--app", "lti_tool", "worker", "--once"],
        cwd=REPO,
        env=_worker_env(live),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "delivered=5" in done.stdout
    course.assert_newest_delivered_exactly_once()


def test_a_worker_killed_mid_delivery_loses_nothing(live):
    course = graded_course(live, students=8)
    for sub in course.students:
        course.record(sub, 7)
    live.faults(latency_ms=3000)  # every score post takes 3 s: the kill lands mid-flight
    process = subprocess.Popen(  # noqa: S603
        [_flask(), "--app", "lti_tool", "worker"],
        cwd=REPO,
        # A lease far longer than the test: "nobody touches them until it runs out" must hold
        # however slow the machine is; the test then runs the lease out itself (below).
        env=_worker_env(live, OUTBOX_LEASE_SECONDS="600", HTTP_TIMEOUT_SECONDS="10"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not all(r.claimed_by for r in course.outbox()):
            assert process.poll() is None, "the worker exited early"
            assert time.monotonic() < deadline, "the worker never claimed the scores"
            time.sleep(0.05)
        time.sleep(0.8)  # posts are in flight now
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    rows = course.outbox()
    assert {r.status for r in rows} == {"pending"}  # nothing recorded as delivered, nothing lost
    assert all(r.claimed_by for r in rows)
    # Until the lease runs out, no other worker touches them.
    live.faults(reset=True)
    live.deliver()
    assert {r.status for r in course.outbox()} == {"pending"}
    # The killed worker's lease runs out (time passing, which the test does not wait for).
    with live.app.app_context():
        db.session.execute(
            OutboxScore.__table__.update().values(claimed_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    deliver_all(live)
    course.assert_newest_delivered_exactly_once()
    # The platform may have finished the killed worker's posts: those came again with the same
    # timestamp, and count as the same scores (replays), never as second entries.
    assert live.stats()["scores"] == 8


def test_two_workers_never_deliver_the_same_row(live_factory):
    live = live_factory(OUTBOX_BATCH_SIZE=7, OUTBOX_CONCURRENCY=4)
    course = graded_course(live, students=40)
    for sub in course.students:
        course.record(sub, 5)
    live.faults(latency_ms=60)
    delivered: dict[str, int] = {}

    def work(name: str) -> None:
        with live.app.app_context():
            deliverer = Deliverer(DeliveryOptions.of(live.settings), worker_id=name)
            try:
                delivered[name] = deliverer.run_until_idle().delivered
            finally:
                deliverer.close()
                db.session.remove()

    workers = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(delivered.values()) == 40, delivered
    assert sum(1 for d in delivered.values() if d) >= 2, delivered  # the work was shared
    stats = live.stats()
    assert (stats["scores"], stats["replays"]) == (40, 0)  # no row was sent twice
    course.assert_newest_delivered_exactly_once()


def test_skip_locked_claims_pass_over_rows_another_worker_holds(live):
    with live.app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite has one writer")
    course = graded_course(live, students=10)
    for sub in course.students:
        course.record(sub, 3)
    with live.app.app_context():
        # Worker A has picked five rows and holds their locks (its transaction is open).
        holder = db.engine.connect()
        transaction = holder.begin()
        held = [
            row[0]
            for row in holder.execute(
                text("SELECT id FROM outbox_score ORDER BY id LIMIT 5 FOR UPDATE SKIP LOCKED")
            )
        ]
        try:
            # Worker B, at the same moment, neither waits for them nor takes them.
            started = time.monotonic()
            claimed = claim_scores(
                "worker-b:1",
                limit=10,
                lease=__import__("datetime").timedelta(seconds=60),
                now=utcnow(),
            )
            db.session.commit()
            assert time.monotonic() - started < 2
            assert len(claimed) == 5 and not {r.id for r in claimed} & set(held)
        finally:
            transaction.rollback()
            holder.close()
        assert (
            db.session.scalar(
                select(func.count(OutboxScore.id)).where(OutboxScore.claimed_by == "worker-b:1")
            )
            == 5
        )


def test_the_in_process_worker_delivers_after_a_commit(live_factory):
    live = live_factory(OUTBOX_INPROCESS_WORKER=True)
    course = graded_course(live, students=3)
    for sub in course.students:
        course.record(sub, 2)
    with live.app.app_context():
        kick()
    deadline = time.monotonic() + 15
    while live.stats()["scores"] < 3:
        assert time.monotonic() < deadline, "the in-process worker did not deliver"
        time.sleep(0.05)
    # It keeps running, and is woken again by the next commit.
    course.record(course.students[0], 9)
    with live.app.app_context():
        kick()
    while live.stats()["scores"] < 4:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    course.assert_newest_delivered_exactly_once()
