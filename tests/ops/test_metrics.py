"""/metrics: Prometheus text with launches by outcome, latency by endpoint name (never a path
with ids), outbox depth and oldest due age from the database, deliveries, token and JWKS
fetches, roster syncs and job runs; a bearer token guards it (no token: 404 in production);
multiprocess mode adds up gunicorn workers; no secret ever appears in a label."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.jobs.runner import run_due_jobs
from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.http import new_session
from lti_tool.lti.services import PlatformRef
from lti_tool.models import Platform
from tests.builders import as_launch, launch, launch_token_of, make_platform
from tests.ops.conftest import PASSWORD
from tests.service_double import ServiceDouble

ROOT = Path(__file__).parents[2]


def _families(text: str) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def _value(text: str, sample_name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                return float(sample.value)
    return 0.0


def test_metrics_open_in_test_and_read_the_database(app, client):
    body = client.get("/metrics")
    assert body.status_code == 200 and body.mimetype == "text/plain"
    text = body.get_data(as_text=True)
    families = _families(text)
    for name in (
        "coproduce_launches",
        "coproduce_request_duration_seconds",
        "coproduce_deliveries",
        "coproduce_token_fetches",
        "coproduce_jwks_fetches",
        "coproduce_roster_sync_duration_seconds",
        "coproduce_job_runs",
        "coproduce_outbox_depth",
        "coproduce_outbox_oldest_due_age_seconds",
        "coproduce_worker_heartbeat_age_seconds",
    ):
        assert name in families, name
    assert _value(text, "coproduce_outbox_depth", state="pending") == 0


def test_a_bearer_token_guards_metrics(make_app):
    app = make_app(METRICS_TOKEN="scrape-secret-123")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert answer.status_code == 200
    assert "scrape-secret-123" not in answer.get_data(as_text=True)


def test_no_token_in_production_means_no_metrics(make_app):
    production = {"APP_ENV": "production", "LTI_TOOL_BASE_URL": "https://tool.example.edu"}
    assert make_app(**production).test_client().get("/metrics").status_code == 404
    guarded = make_app(**production, METRICS_TOKEN="t0ken-for-prometheus")
    assert guarded.test_client().get("/metrics").status_code == 401


def test_latency_is_by_endpoint_name_never_by_path(app, client):
    client.get("/activities/123456/progress")
    client.get("/no/such/page/987654")
    text = client.get("/metrics").get_data(as_text=True)
    assert "123456" not in text and "987654" not in text
    endpoints = {
        s.labels["endpoint"]
        for s in _families(text)["coproduce_request_duration_seconds"]
        if "endpoint" in s.labels
    }
    assert "unmatched" in endpoints
    assert all("/" not in e for e in endpoints)


def test_launches_jobs_and_token_fetches_are_counted(app, client, platform, platform_key):
    before = client.get("/metrics").get_data(as_text=True)
    response = launch(client, platform_key, "facilitator", sub="prof")
    assert response.status_code == 303
    client.post("/lti/launch", data={"id_token": "not-a-jwt", "state": "x"})
    metrics.launch_outcome("LAUNCH_CONFLICT")  # what the launch code calls with its code
    with app.app_context():
        run_due_jobs(app.extensions["coproduce.settings"], "w")
    after = client.get("/metrics").get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("coproduce_launches_total", outcome="http_303") == 1
    assert sum(grew("coproduce_launches_total", outcome=f"http_{s}") for s in (400, 401, 403)) == 1
    assert grew("coproduce_launches_total", outcome="LAUNCH_CONFLICT") == 1
    assert grew("coproduce_job_runs_total", job="cleanup", outcome="ok") == 1
    assert grew("coproduce_jwks_fetches_total", outcome="ok") >= 1


def test_no_secret_in_any_metric_label(app, client, console, platform, platform_key):
    """A launch (its link ticket and session token), a fetch with the token header, a console
    sign-in (its password), an access token from a token endpoint and a bearer scrape: none
    of them is in the exposition text."""
    secrets: set[str] = {PASSWORD, "bearer-of-metrics"}
    response = launch(client, platform_key, "student", sub="s1")
    location = response.headers["Location"]
    secrets.add(parse_qs(urlsplit(location).query)["lt"][0])
    token = launch_token_of(response)
    secrets.add(token)
    client.get(location)
    client.get("/start", headers=as_launch(token))
    client.get(f"/start?lt={token}&launch_token={token}")
    double = ServiceDouble().start()
    try:
        with app.app_context():
            row = make_platform(double.url + "/jwks", issuer="https://other.example")
            row.auth_token_url = double.url + "/token"
            db.session.commit()
            ref = PlatformRef.of(
                db.session.scalars(select(Platform).where(Platform.id == row.id)).one()
            )
            issued = access_token(
                ref,
                ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                keys_dir=app.extensions["coproduce.settings"].LTI_KEYS_DIR,
                session=new_session(),
                timeout=5,
            )
            secrets.add(issued)
    finally:
        double.stop()
    text = client.get("/metrics", headers={"Authorization": "Bearer bearer-of-metrics"}).get_data(
        as_text=True
    )
    assert _value(text, "coproduce_token_fetches_total", outcome="ok") >= 1
    labels = [
        value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for value in sample.labels.values()
    ]
    for secret in secrets:
        assert secret not in text
        assert not any(secret in value for value in labels)
    assert not any(re.search(r"\d+\.[0-9a-f]{64}", v) for v in labels)
    assert all(re.fullmatch(r"[A-Za-z0-9_.:+-]{1,64}", v) for v in labels), labels


def test_a_label_that_could_carry_a_secret_becomes_other():
    metrics.delivery("https://lms.example/x?token=abc", "delivered")  # type: ignore[arg-type]
    metrics.launch_outcome("eyJhbGciOi.eyJzdWIi.sig with spaces")
    text = metrics.render()[0].decode()
    assert "token=abc" not in text and "eyJ" not in text
    assert _value(text, "coproduce_deliveries_total", platform="other") >= 1


_CHILD = """
import sys
from lti_tool import metrics
for _ in range(int(sys.argv[1])):
    metrics.launch_outcome("ok")
"""


def test_multiprocess_mode_adds_up_the_workers(tmp_path):
    directory = tmp_path / "prom"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    directory.mkdir()
    (directory / "stale_counter_1.db").write_bytes(b"left by a previous run")
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "from lti_tool import metrics; metrics.on_starting(None)"],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    assert list(directory.iterdir()) == []
    for count in ("2", "3"):  # two gunicorn workers
        subprocess.run([sys.executable, "-c", _CHILD, count], env=env, cwd=ROOT, check=True)  # noqa: S603
    scrape = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from prometheus_client import generate_latest; "
         "from lti_tool import metrics; "
         "print(generate_latest(metrics._process_registry()).decode())"],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert _value(scrape.stdout, "coproduce_launches_total", outcome="ok") == 5
    # gunicorn's child_exit hook for a worker that ended: its files stay counted (counters),
    # and the call succeeds for a pid with no live gauges.
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from lti_tool import metrics\n"
         "class W: pid = 4242\nmetrics.child_exit(None, W())"],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
