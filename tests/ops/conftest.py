"""Helpers for the operations endpoints: a migrated-looking database with a signing key and a
live worker, so /readyz can say ready, and a signed-in console."""

from __future__ import annotations

import re

import pytest
from flask_migrate import stamp

from lti_tool.admin.accounts import create_admin
from lti_tool.admin.audit import cli_actor
from lti_tool.extensions import db
from lti_tool.jobs.runner import Heartbeat
from lti_tool.lti import keys

PASSWORD = "correct horse battery staple"


def make_ready(app) -> None:
    """The database at the migrations' head, a current key and a `flask worker` beating."""
    with app.app_context():
        stamp()  # the fixture made the tables with create_all: say they are at head
        keys.ensure_current_key(app.extensions["coproduce.settings"].LTI_KEYS_DIR)
        Heartbeat("worker-test", "process").beat(force=True)
        db.session.remove()


@pytest.fixture
def console(app):
    with app.app_context():
        create_admin("alice", PASSWORD, cli_actor())
    client = app.test_client()
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/admin/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return client
