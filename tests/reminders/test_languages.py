"""Reminder mail in the recipient's language (issue 15, item 9): the locale of their latest
launch, else their platform's registered language, else English; under the pseudo-locale every
word of the subject, the body and the footer went through gettext."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from lti_tool.extensions import db
from lti_tool.models import LaunchSession, Platform
from lti_tool.reminders.sender import send_due_reminders
from tests.activities.feedback.conftest import configure
from tests.readable import data_strings, untranslated
from tests.reminders.test_reminders import course  # noqa: F401 - the class with addresses

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def pseudo(launch_locale):
    launch_locale("en-XA")


@pytest.fixture
def french(launch_locale):
    launch_locale("fr")


def _send(app, course, smtp_sink):  # noqa: F811 - the imported fixture's value
    sink, _ = smtp_sink  # the app of tests/reminders/conftest.py sends to it
    settings = app.extensions["coproduce.settings"]
    assert configure(course, **{"date-1-review": TOMORROW}).status_code == 303
    with app.app_context():
        assert send_due_reminders(settings).sent
    return sink


@pytest.mark.usefixtures("pseudo")
def test_a_reminder_mail_is_all_translated(app, course, smtp_sink):  # noqa: F811
    sink = _send(app, course, smtp_sink)
    data = data_strings(app)
    found = []
    for message in sink.messages:
        found += untranslated(f"subject to {message['To']}", message["Subject"], data)
        body = re.sub(r"https?://\S+", " ", message.get_content())
        found += untranslated(f"mail to {message['To']}", body, data)
    assert found == [], "\n".join(found)


@pytest.mark.usefixtures("french")
def test_a_reminder_in_the_recipients_language(app, course, smtp_sink):  # noqa: F811
    sink = _send(app, course, smtp_sink)
    due = sink.to("dev@uni.example")
    assert due and due[0]["Subject"].startswith("Échéance proche")
    body = due[0].get_content()
    assert "est à remettre avant la fin du" in body and "Arrêter ces rappels" in body
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}", body), body


def test_without_a_launch_locale_the_platforms_language(app, course, smtp_sink):  # noqa: F811
    with app.app_context():
        db.session.execute(update(LaunchSession).values(locale=None))
        db.session.execute(update(Platform).values(default_language="es"))
        db.session.commit()
    sink = _send(app, course, smtp_sink)
    assert sink.to("dev@uni.example")[0]["Subject"].startswith("Vence pronto")
    digest = sink.to("pat@uni.example")[0]
    assert digest["Subject"].startswith("Resumen semanal")


def test_otherwise_english(app, course, smtp_sink):  # noqa: F811
    sink = _send(app, course, smtp_sink)
    assert sink.to("dev@uni.example")[0]["Subject"].startswith("Due soon")
