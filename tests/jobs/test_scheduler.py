"""The scheduler: each due time runs once however many workers look (3 threads with their own
sessions; on PostgreSQL the claim is a row lock with SKIP LOCKED, on SQLite a compare-and-set),
failures are recorded and do not stop the other jobs, a job can be replaced by name, and
`flask worker` runs them."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from lti_tool.extensions import db
from lti_tool.grading.worker import run_worker
from lti_tool.jobs import registry
from lti_tool.jobs import runner as jobs_runner
from lti_tool.jobs.registry import Job, every
from lti_tool.jobs.runner import Heartbeat, JobFailed, run_due_jobs
from lti_tool.models import ScheduledJob, WorkerHeartbeat, utcnow

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture
def only(monkeypatch):
    """Run only the given jobs (the built-in ones stay registered, just not run)."""

    def use(*jobs: Job) -> None:
        monkeypatch.setattr(jobs_runner, "registered", lambda: list(jobs))

    return use


def _settings(app):
    return app.extensions["coproduce.settings"]


def _row(app, name):
    with app.app_context():
        row = db.session.get(ScheduledJob, name)
        db.session.expunge(row)
        return row


def _make_due(app, name):
    with app.app_context():
        db.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == name)
            .values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def _three_workers_at_once(app, rounds: int) -> None:
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                with app.app_context():  # a session of its own
                    run_due_jobs(_settings(app), f"worker-{n}")
                    db.session.remove()
                barrier.wait(timeout=30)
                if n == 0:
                    _make_due(app, "once")
                barrier.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def test_three_workers_one_due_run_runs_once(app, only):
    runs: list[str] = []
    lock = threading.Lock()

    def once(ctx):
        with lock:
            runs.append(ctx.worker_id)
        time.sleep(0.05)  # still running while the others look
        return "ran"

    only(Job("once", every(3600), once))
    _three_workers_at_once(app, rounds=10)
    assert len(runs) == 10, runs  # one run per due time, never two
    row = _row(app, "once")
    assert (row.runs, row.failures, row.last_outcome) == (10, 0, "ok")


@pytest.mark.skipif(not POSTGRES, reason="row locks need PostgreSQL (TEST_DATABASE_URL)")
def test_a_locked_job_row_is_skipped_not_waited_for(app, only):
    ran: list[str] = []
    only(Job("once", every(3600), lambda ctx: ran.append(ctx.worker_id) or "ran"))
    with app.app_context():
        run_due_jobs(_settings(app), "seed")  # makes the row and runs it
    _make_due(app, "once")
    ran.clear()
    with app.app_context():
        holder = db.engine.connect()
        transaction = holder.begin()
        holder.execute(text("SELECT name FROM scheduled_job WHERE name = 'once' FOR UPDATE"))
        try:
            started = time.monotonic()
            assert run_due_jobs(_settings(app), "other") == []
            assert time.monotonic() - started < 5  # it did not wait for the lock
        finally:
            transaction.rollback()
            holder.close()
        assert run_due_jobs(_settings(app), "other")[0].outcome == "ok"
    assert ran == ["other"]


def test_single_worker_runs_each_due_time_once(app, only):
    ran: list[int] = []
    only(Job("tick", every(3600), lambda ctx: ran.append(1) or "ok"))
    with app.app_context():
        assert [r.name for r in run_due_jobs(_settings(app), "w")] == ["tick"]
        assert run_due_jobs(_settings(app), "w") == []  # not due again for an hour
        row = db.session.get(ScheduledJob, "tick")
        assert row.next_due_at > utcnow() + timedelta(minutes=59)
    _make_due(app, "tick")
    with app.app_context():
        assert len(run_due_jobs(_settings(app), "w")) == 1
    assert len(ran) == 2


def test_after_downtime_missed_due_times_run_once(app, only):
    ran: list[int] = []
    only(Job("tick", every(60), lambda ctx: ran.append(1) or "ok"))
    with app.app_context():
        run_due_jobs(_settings(app), "w")
        db.session.execute(
            update(ScheduledJob).values(next_due_at=utcnow() - timedelta(hours=5))
        )  # five hours of due times missed
        db.session.commit()
        run_due_jobs(_settings(app), "w")
        assert run_due_jobs(_settings(app), "w") == []
        assert db.session.get(ScheduledJob, "tick").next_due_at > utcnow()
    assert len(ran) == 2


def test_a_failing_job_is_recorded_and_the_others_still_run(app, only):
    def broken(ctx):
        raise RuntimeError("boom with a secret inside")

    def partial(ctx):
        raise JobFailed("2 done, 1 could not")

    only(
        Job("a_broken", every(60), broken),
        Job("b_partial", every(60), partial),
        Job("c_fine", every(60), lambda ctx: "fine"),
    )
    with app.app_context():
        runs = {r.name: r.outcome for r in run_due_jobs(_settings(app), "w")}
    assert runs == {"a_broken": "failed", "b_partial": "failed", "c_fine": "ok"}
    broken_row = _row(app, "a_broken")
    assert (broken_row.failures, broken_row.last_detail) == (1, "RuntimeError")
    assert _row(app, "b_partial").last_detail == "2 done, 1 could not"


def test_a_hook_is_replaced_by_registering_its_name(app):
    before = registry.get("reminders")
    assert before is not None  # the placeholder is there for the feature that needs it
    sent: list[str] = []
    try:
        registry.register(Job("reminders", every(3600), lambda ctx: sent.append("x") or "sent 1"))
        with app.app_context():
            runs = run_due_jobs(_settings(app), "w")
        assert {r.name for r in runs} >= {"phases", "cleanup", "roster_refresh", "retention"}
        assert sent == ["x"]
        assert _row(app, "reminders").last_detail == "sent 1"
    finally:
        registry.register(before)


def test_switched_off_nothing_runs(make_app, only):
    app = make_app(JOB_SCHEDULER=False)
    only(Job("tick", every(60), lambda ctx: pytest.fail("must not run")))
    with app.app_context():
        assert run_due_jobs(_settings(app), "w") == []


def test_flask_worker_runs_the_jobs_and_beats(app, only):
    ran: list[str] = []
    only(Job("tick", every(3600), lambda ctx: ran.append(ctx.worker_id) or "ok"))
    beats: list[str] = []
    real_beat = Heartbeat.beat

    def beat(self, force=False):
        real_beat(self, force)
        beats.append(
            db.session.scalars(select(WorkerHeartbeat.kind)).one()
        )  # the row is there while the loop runs

    Heartbeat.beat = beat  # type: ignore[method-assign]
    try:
        with app.app_context():
            run_worker(_settings(app), once=True)
            assert db.session.scalars(select(WorkerHeartbeat)).all() == []  # a clean stop
    finally:
        Heartbeat.beat = real_beat  # type: ignore[method-assign]
    assert len(ran) == 1 and beats == ["process"]
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(ran) == 1  # not due again yet


def test_heartbeat_is_written_at_most_every_few_seconds(app):
    with app.app_context():
        beat = Heartbeat("w-1", "process")
        beat.beat()
        first = db.session.get(WorkerHeartbeat, "w-1").beat_at
        db.session.rollback()
        beat.beat()
        assert db.session.get(WorkerHeartbeat, "w-1").beat_at == first
        db.session.rollback()
        beat.beat(force=True)
        assert db.session.get(WorkerHeartbeat, "w-1").beat_at > first


def test_the_inprocess_worker_runs_the_jobs_on_a_single_machine(make_app, only):
    ran: list[str] = []
    only(Job("tick", every(3600), lambda ctx: ran.append(ctx.worker_id) or "ok"))
    app = make_app(OUTBOX_INPROCESS_WORKER=True)
    try:
        assert app.test_client().get("/healthz").status_code == 200  # the first request
        deadline = time.monotonic() + 20
        while not ran and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(ran) == 1 and ran[0].startswith("inproc-")
        with app.app_context():
            kinds = set(db.session.scalars(select(WorkerHeartbeat.kind)))
        assert kinds == {"inprocess"}
    finally:
        app.extensions["coproduce.outbox_worker"].stop()


def test_a_job_no_longer_registered_does_not_wake_the_worker(app, only):
    from lti_tool.jobs.runner import seconds_until_next_job

    only(Job("gone", every(3600), lambda ctx: "ok"))
    with app.app_context():
        run_due_jobs(_settings(app), "w")
    _make_due(app, "gone")  # its row is due, but the job was removed
    only(Job("kept", every(3600), lambda ctx: "ok"))
    with app.app_context():
        run_due_jobs(_settings(app), "w")
        assert seconds_until_next_job(_settings(app), 30.0) > 29


def test_three_worker_processes_run_each_due_job_once(app):
    """Three `flask worker --once` processes started together on the same database: every
    built-in job ran exactly once."""
    import subprocess
    import sys
    from pathlib import Path

    settings = _settings(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "OUTBOX_"))}
    env.update(
        APP_ENV="test",
        DATABASE_URL=settings.DATABASE_URL,
        SECRET_KEY=settings.SECRET_KEY,
        LTI_KEYS_DIR=str(settings.LTI_KEYS_DIR),
        INSTANCE_PATH=str(settings.INSTANCE_PATH),
        SANDBOX="0",
        OUTBOX_INPROCESS_WORKER="0",
    )
    flask = str(Path(sys.executable).parent / "flask")
    processes = [
        subprocess.Popen(  # noqa: S603 - our venv's flask, fixed arguments
            [flask, "--app", "lti_tool", "worker", "--once"],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
    with app.app_context():
        rows = db.session.scalars(select(ScheduledJob)).all()
        assert {r.name: r.runs for r in rows} == {
            name: 1
            for name in ("cleanup", "notices", "phases", "reminders", "retention", "roster_refresh")
        }
