"""/healthz and /readyz: no login, tiny JSON, 503 naming the failed check, nothing secret in the
body; the console's health page shows the same checks with details, the jobs and the figures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.jobs.runner import run_due_jobs
from lti_tool.models import ToolKey, ToolKeyStatus, WorkerHeartbeat, utcnow
from tests.ops.conftest import make_ready


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"]


def test_readyz_ready(app, client):
    make_ready(app)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "signing_key": "ok", "worker": "ok"},
    }


def test_readyz_names_each_failed_check(app, client):
    response = client.get("/readyz")  # never migrated, no key, no worker
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["migrations", "signing_key", "worker"]
    make_ready(app)
    with app.app_context():
        db.session.execute(update(WorkerHeartbeat).values(beat_at=utcnow() - timedelta(minutes=10)))
        db.session.execute(update(ToolKey).values(status=ToolKeyStatus.RETIRED))
        db.session.commit()
    body = client.get("/readyz").get_json()
    assert body["failed"] == ["signing_key", "worker"]
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001_foundation'"))
        db.session.commit()
    assert "migrations" in client.get("/readyz").get_json()["failed"]


def test_readyz_body_holds_no_secret(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    body = app.test_client().get("/readyz").get_data(as_text=True)
    settings = app.extensions["coproduce.settings"]
    for secret in (settings.SECRET_KEY, database_url, str(settings.LTI_KEYS_DIR)):
        assert secret not in body
    assert set(app.test_client().get("/readyz").get_json()) == {"status", "checks", "failed"}


def test_no_worker_expected_with_the_inprocess_worker(make_app):
    app = make_app(OUTBOX_INPROCESS_WORKER=True, JOB_SCHEDULER=False)
    make_ready(app)
    with app.app_context():
        db.session.execute(WorkerHeartbeat.__table__.delete())
        db.session.commit()
    body = app.test_client().get("/readyz").get_json()
    assert body["status"] == "ok" and "worker" not in body["checks"]


def test_readyz_with_the_database_down(tmp_path):
    bad = create_app(
        {
            "APP_ENV": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.sqlite3",
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "LTI_KEYS_DIR": str(tmp_path / "keys"),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "OUTBOX_INPROCESS_WORKER": False,
        }
    )
    response = bad.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "failed"},
        "failed": ["database"],
    }
    assert bad.test_client().get("/healthz").status_code == 200  # alive, not ready


def test_console_health_page_shows_checks_jobs_and_figures(app, console, client):
    make_ready(app)
    client.get("/healthz")
    with app.app_context():
        run_due_jobs(app.extensions["coproduce.settings"], "w")
    page = console.get("/admin/health").get_data(as_text=True)
    assert "Migrations" in page and "Worker" in page and "last heartbeat" in page
    assert "roster_refresh" in page and "0 activities moved on" in page
    assert "coproduce_outbox_depth" in page and "coproduce_job_runs_total" in page
    assert "/admin/health" not in client.get("/readyz").get_data(as_text=True)
