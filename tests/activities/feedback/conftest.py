"""A feedback rounds activity in a test course: the facilitator, a coach and named students,
each with a launch token, and helpers that post forms with the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Person
from tests.advantage import form_tokens
from tests.builders import launch, launch_token_of

STUDENTS = ("Alice Anders", "Bob Brown", "Cara Chen", "Dev Dutta", "Eve Evans")
RUBRIC = "Argument: weak / fair / good / strong\nEvidence: thin / adequate / rich"


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


@dataclass
class Course:
    app: Flask
    client: FlaskClient
    activity_id: int
    tokens: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/feedback/{self.activity_id}"

    def get(self, who: str, path: str = "", **kw: Any) -> Any:
        return self.client.get(self.base + path, headers={"X-Launch-Token": self.tokens[who]}, **kw)

    def post(self, who: str, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = {"launch_token": self.tokens[who], "csrf_token": self.csrf_of(who), **(data or {})}
        return self.client.post(self.base + path, data=body, **kw)

    def csrf_of(self, who: str) -> str:
        """The CSRF token a page of this launch would carry (its secret rides in the token)."""
        if who not in self.csrf:
            with self.app.test_request_context(headers={"X-Launch-Token": self.tokens[who]}):
                self.csrf[who] = generate_csrf()
        return self.csrf[who]

    def person_id(self, name: str) -> int:
        with self.app.app_context():
            return db.session.scalars(select(Person.id).where(Person.name == name)).one()

    def query(self, statement: Any) -> Any:
        with self.app.app_context():
            try:
                return list(db.session.scalars(statement))
            finally:
                db.session.remove()


def _sub(name: str) -> str:
    return name.split()[0].lower()


@pytest.fixture
def course(app, client, platform, platform_key) -> Course:
    prof = launch(client, platform_key, "facilitator", sub="prof", name="Pat Professor")
    setup = client.get(prof.headers["Location"])
    client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "feedback_rounds",
            "title": "Essay rounds",
            "points": "10",
        },
    )
    with app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    c = Course(app, client, activity_id)
    c.tokens["prof"] = launch_token_of(prof)
    c.tokens["coach"] = launch_token_of(
        launch(client, platform_key, "coach", sub="coach", name="Cory Coach")
    )
    for name in STUDENTS:
        c.tokens[_sub(name)] = launch_token_of(
            launch(client, platform_key, "student", sub=_sub(name), name=name)
        )
    return c


def configure(c: Course, **overrides: str) -> Any:
    data = {
        "rubric": RUBRIC,
        "rounds": "2",
        "k": "2",
        "allocation": "random",
        "anonymity": "double_blind",
        "aggregate": "median",
        "late_policy": "accept",
        "staff_review": "on",
        "reshuffle": "on",
        "weight_peer": "0.6",
        "weight_self": "0",
        "weight_staff": "0.2",
        "weight_reviewing": "0.2",
        **overrides,
    }
    return c.post("prof", "/settings", {k: v for k, v in data.items() if v is not None})


def student_subs() -> list[str]:
    return [_sub(n) for n in STUDENTS]
