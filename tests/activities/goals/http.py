"""HTTP helpers for goal setting tests: a goal setting activity set up through real launches,
and one launch token per person (each with a CSRF token for its forms)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Activity, Person
from tests.advantage import csrf_for, form_tokens
from tests.builders import launch, launch_token_of

SMART_FORM = {
    "what": "Write a lab report in under two drafts",
    "measure": "The second draft meets every criterion",
    "plan": "One draft a week, feedback from a peer",
    "relevance": "Lab reports are half of the grade",
    "by_when": "2026-12-10",
}


@dataclass
class Who:
    app: Flask
    client: FlaskClient
    token: str

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(path, query_string=query, headers={"X-Launch-Token": self.token})

    def post(self, path: str, *, csrf: bool = True, **form: Any) -> Any:
        data = {"launch_token": self.token, **form}
        if csrf:
            data["csrf_token"] = csrf_for(self.app, self.token)
        return self.client.post(path, data=data)


@dataclass
class GoalCourse:
    activity_id: int
    people: dict[str, Who]
    ids: dict[str, int]  # person ids by sub

    @property
    def base(self) -> str:
        return f"/goals/{self.activity_id}"

    def move(self, seen: str, to: str) -> None:
        """The facilitator moves the activity forward (past "Draft goals", goals can be agreed,
        checked in on and reflected on: services.NOT_WHILE_DRAFTING)."""
        response = self.people["prof"].post(self.base + "/phase", phase=seen, to=to)
        assert response.status_code == 303, response.get_data(as_text=True)[:800]

    def draft(self, who: str = "alice", **form: str) -> int:
        """A new goal through the page; its id."""
        response = self.people[who].post(self.base + "/new", **{**SMART_FORM, **form})
        assert response.status_code == 303, response.get_data(as_text=True)[:800]
        return int(re.search(r"/g/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def set_up(app: Flask, client: FlaskClient, key: Any, *, points: str = "10") -> GoalCourse:
    first = launch(client, key, "facilitator", sub="prof", name="Prof")
    setup = client.get(first.headers["Location"])
    made = client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "goal_setting",
            "title": "Term goals",
            "points": points,
        },
    )
    assert made.status_code == 303, made.get_data(as_text=True)[:500]
    people = {}
    for sub, role in (
        ("alice", "student"),
        ("bob", "student"),
        ("coach", "coach"),
        ("prof", "facilitator"),
        ("admin", "admin"),
    ):
        launched = launch(client, key, role, sub=sub, name=sub.title())
        people[sub] = Who(app, client, launch_token_of(launched))
    other = launch(
        client,
        key,
        "facilitator",
        sub="prof2",
        **{claims.CONTEXT: {"id": "course-2", "title": "Chemistry"}},
    )
    people["other_prof"] = Who(app, client, launch_token_of(other))
    with app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
        ids = {p.sub: p.id for p in db.session.scalars(select(Person))}
    return GoalCourse(activity_id, people, ids)
