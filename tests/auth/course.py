"""A course for authority tests, built over HTTP as the LMS would: a goal-setting activity on
link-goals and a feedback round on link-feedback, and people who launched different links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Activity, Person
from tests.activities.goals.http import SMART_FORM, Who
from tests.advantage import form_tokens
from tests.builders import launch, launch_token_of

GOALS_LINK = {"id": "link-goals", "title": "Goals"}
FEEDBACK_LINK = {"id": "link-feedback", "title": "Essay"}


@dataclass
class Course:
    app: Flask
    client: FlaskClient
    goals: int
    feedback: int
    people: dict[str, Who] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def who(self, name: str) -> Who:
        return self.people[name]


def _launch(client: FlaskClient, key: Any, role: str, sub: str, link: dict, **body: Any) -> Any:
    return launch(
        client, key, role, sub=sub, name=sub.title(), **{claims.RESOURCE_LINK: link}, **body
    )


def _set_up(client: FlaskClient, key: Any, link: dict, kind: str, title: str) -> None:
    page = client.get(_launch(client, key, "facilitator", "prof", link).headers["Location"])
    made = client.post(
        "/activities/setup",
        data={
            **form_tokens(page.get_data(as_text=True)),
            "kind": kind,
            "title": title,
            "points": "10",
        },
    )
    assert made.status_code == 303, made.get_data(as_text=True)[:500]


def build_course(app: Flask, client: FlaskClient, key: Any) -> Course:
    _set_up(client, key, GOALS_LINK, "goal_setting", "Term goals")
    _set_up(client, key, FEEDBACK_LINK, "feedback_rounds", "Essay rounds")
    with app.app_context():
        ids = {a.kind: a.id for a in db.session.scalars(select(Activity))}
    course = Course(app, client, ids["goal_setting"], ids["feedback_rounds"])

    def token(role: str, sub: str, link: dict, **body: Any) -> str:
        return launch_token_of(_launch(client, key, role, sub, link, **body))

    # Who launched what: the LMS's release of each activity.
    course.people["prof"] = Who(app, client, token("facilitator", "prof", GOALS_LINK))
    course.people["coach"] = Who(app, client, token("coach", "coach", GOALS_LINK))
    token("student", "alice", GOALS_LINK)
    course.people["alice"] = Who(app, client, token("student", "alice", FEEDBACK_LINK))
    # Bob was shown only the goals link (the feedback link is not released to him).
    course.people["bob"] = Who(app, client, token("student", "bob", GOALS_LINK))
    # A Canvas observer of Alice (Mentor with role_scope_mentor), who launched both links.
    scope = {claims.ROLE_SCOPE_MENTOR: ["alice"]}
    token("mentor", "parent", GOALS_LINK, **scope)
    course.people["mentor"] = Who(app, client, token("mentor", "parent", FEEDBACK_LINK, **scope))
    # An instructor keeps the session of a facilitator launch, then launches again as a learner.
    course.people["demoted"] = Who(app, client, token("facilitator", "exprof", GOALS_LINK))
    token("student", "exprof", GOALS_LINK)
    with app.app_context():
        course.ids = {p.sub: p.id for p in db.session.scalars(select(Person))}
    # Alice has a goal; Alice and Bob each hand in nothing else yet.
    alice = course.who("alice")
    drafted = alice.post(f"/goals/{course.goals}/new", **SMART_FORM)
    assert drafted.status_code == 303, drafted.get_data(as_text=True)[:500]
    return course
