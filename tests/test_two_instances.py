"""Two instances of the tool, as two machines behind a load balancer: separate Flask apps with
their own INSTANCE_PATH and key folder (no shared disk), one PostgreSQL schema, requests
alternating between them. A class runs through a feedback round: launches, an upload on one
machine downloaded on the other, reviews, scores delivered to the sandbox gradebook, and a key
rotation half-way (keys in the database, KEY_STORE=database); then a goal setting activity
placed by deep linking, every student drafting a goal. A second test runs rubric co-creation
the same way: proposals, the facilitator's phases, votes, levels, the published rubric, and
participation scores delivered from the second machine.

Instance A also hosts the sandbox LMS (the platform both machines trust) and answers at the
tool's public address; instance B is the second machine behind it. PostgreSQL only: with
SQLite there is no database two machines could share.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from lti_tool.extensions import db
from lti_tool.models import Activity, OutboxScore
from lti_tool.models.feedback import FeedbackAllocation, FeedbackCriterion, FeedbackSubmission
from lti_tool.models.goals import Goal
from lti_tool.models.rubrics import Ballot, Criterion, LevelDraft, Proposal, RubricVersion
from lti_tool.sandbox import platform as sandbox
from lti_tool.sandbox.messages import find_any_link
from lti_tool.sandbox.roster import find_user
from lti_tool.sandbox.store import ReceivedScore, ensure_tables
from tests.activities.goals.http import SMART_FORM
from tests.advantage import HIDDEN, deliver_all, local, place_by_deep_linking, start_live
from tests.builders import parse_login_page, session_token_for

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="two machines share a PostgreSQL database (TEST_DATABASE_URL); SQLite cannot be shared",
)

STUDENTS = ("student-1", "student-2", "student-3", "student-4")
PDF = b"%PDF-1.4\n" + os.urandom(64 * 1024) + b"\n%%EOF"
RUBRIC = "Argument: weak / fair / good / strong\nEvidence: thin / adequate / rich"


def _machine(root: Path) -> dict[str, Any]:
    """What one machine has on its own disk: nothing the other can read."""
    return {
        "INSTANCE_PATH": str(root / "instance"),
        "LTI_KEYS_DIR": str(root / "keys"),
        "UPLOAD_DIR": str(root / "uploads"),  # unused with the database store: no shared folder
        "KEY_STORE": "database",
        "UPLOAD_STORE": "database",
    }


class Class:
    """Browsers of one class; every request goes to the next machine in turn."""

    def __init__(self, a: Flask, b: Flask, lms: Any) -> None:
        self.apps = (a, b)
        self.lms = lms  # instance A's Live: the sandbox LMS lives there
        self._turn = itertools.cycle((0, 1))
        self.tokens: dict[str, str] = {}
        self.served: list[int] = []

    def _client(self) -> tuple[int, FlaskClient]:
        i = next(self._turn)
        self.served.append(i)
        return i, self.apps[i].test_client()

    def launch(self, user_id: str, link_id: str = "sandbox-link-1") -> str:
        """OIDC login on one machine, the LMS's sign-in, the launch post on the other; the
        landing page's session token."""
        a = self.apps[0]
        with a.app_context():
            user, link = find_user(user_id), find_any_link(link_id)
            assert user is not None and link is not None
            url = sandbox.login_initiation_url(
                a.extensions["coproduce.settings"], user, link, storage=False
            )
        _, browser = self._client()  # one browser keeps its cookies across the three steps
        login = browser.get(local(url))
        assert login.status_code == 200, login.get_data(as_text=True)[:300]
        started = parse_login_page(login)
        form = a.test_client().get(local(started.data["auth_url"]))  # the LMS (on A)
        assert form.status_code == 200, form.get_data(as_text=True)[:300]
        fields = dict(HIDDEN.findall(form.get_data(as_text=True)))
        # The launch lands on the other machine: the login state is in the shared database.
        other = self.apps[1] if browser.application is self.apps[0] else self.apps[0]
        landing = other.test_client()
        for cookie in (browser._cookies or {}).values():  # noqa: SLF001 - the same browser
            landing.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        response = landing.post(
            "/lti/launch",
            data={"id_token": unescape(fields["id_token"]), "state": fields["state"]},
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        token = session_token_for(other, response.headers["Location"])
        self.tokens[user_id] = token
        return token

    def get(self, who: str, path: str) -> Any:
        _, client = self._client()
        return client.get(path, headers={"X-Launch-Token": self.tokens[who]})

    def post(self, who: str, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        i, client = self._client()
        body = {
            "launch_token": self.tokens[who],
            "csrf_token": _csrf(self.apps[i], self.tokens[who]),
        }
        return client.post(path, data={**body, **(data or {})}, **kw)

    def query(self, statement: Any) -> list[Any]:
        with self.apps[1].app_context():
            try:
                return list(db.session.scalars(statement))
            finally:
                db.session.remove()


def _csrf(app: Flask, token: str) -> str:
    from tests.advantage import csrf_for

    return csrf_for(app, token)


@pytest.fixture
def machines(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[tuple[Any, Flask]]:
    a = start_live(make_app, **_machine(tmp_path / "a"))
    b = make_app(
        **_machine(tmp_path / "b"),
        SANDBOX=False,  # the LMS is elsewhere (on A); B is only the tool
        SANDBOX_BASE_URL=a.url,
        LTI_TOOL_BASE_URL=a.url,  # one public address for both machines
        OUTBOX_INPROCESS_WORKER=False,
        OUTBOX_BACKOFF_BASE_MS=20,
        OUTBOX_BACKOFF_CAP_SECONDS=1,
        HTTP_TIMEOUT_SECONDS=5,
    )
    server = make_server("127.0.0.1", 0, b, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with a.app.app_context():
        ensure_tables(db.engine)
        db.session.remove()
    assert Path(a.settings.INSTANCE_PATH) != Path(b.extensions["coproduce.settings"].INSTANCE_PATH)
    try:
        yield a, b
    finally:
        server.shutdown()
        server.server_close()
        a.server.shutdown()
        a.server.server_close()
        a.http.close()


def _deliver_from(app: Flask) -> None:
    from lti_tool.grading.delivery import deliver_until_idle

    with app.app_context():
        try:
            deliver_until_idle(app.extensions["coproduce.settings"])
        finally:
            db.session.remove()


# Until the database key store exists, each machine signs with its own folder's key and the
# second machine cannot sign after the rotation: the failure this test is here to prevent.
def test_a_class_runs_across_two_machines(machines, tmp_path):
    lms, b = machines
    a = lms.app
    c = Class(a, b, lms)

    # The instructor sets up the link: the activity and its gradebook column.
    c.launch("instructor-1")
    r = c.post(
        "instructor-1",
        "/activities/setup",
        {"kind": "feedback_rounds", "title": "Essay rounds", "points": "10"},
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    (activity_id,) = c.query(select(Activity.id))
    base = f"/feedback/{activity_id}"
    settings = {
        "rubric": RUBRIC, "rounds": "1", "k": "2", "allocation": "random",
        "anonymity": "double_blind", "aggregate": "median", "late_policy": "accept",
        "weight_peer": "0.8", "weight_self": "0", "weight_staff": "0", "weight_reviewing": "0.2",
    }  # fmt: skip
    assert c.post("instructor-1", base + "/settings", settings).status_code == 303

    for student in STUDENTS:
        c.launch(student)
    # An upload on one machine...
    r = c.post(
        "student-1",
        base + "/submit",
        {"file": (io.BytesIO(PDF), "essay.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    for student in STUDENTS[1:]:
        assert c.post(student, base + "/submit", {"body": f"Essay by {student}"}).status_code == 303
    (sub,) = c.query(select(FeedbackSubmission).where(FeedbackSubmission.file_key.is_not(None)))
    # ...is downloaded, byte for byte, from both.
    for _ in range(2):
        got = c.get("student-1", f"{base}/files/{sub.id}")
        assert got.status_code == 200 and got.get_data() == PDF
    assert c.post("instructor-1", base + "/phase").status_code == 303  # review: allocation

    # Key rotation half-way, on machine A; B signs with the new key too (keys in the database).
    out = a.test_cli_runner().invoke(args=["keys", "rotate"])
    assert out.exit_code == 0, out.output

    criteria = [x.id for x in c.query(select(FeedbackCriterion))]
    for student in STUDENTS:
        pid = _person_id(c, student)
        for alloc in c.query(
            select(FeedbackAllocation).where(FeedbackAllocation.reviewer_id == pid)
        ):
            data = {f"level-{cid}": "2" for cid in criteria}
            data.update({f"comment-{cid}": f"From {student}" for cid in criteria})
            data.update(overall="Good work", action="submit")
            r = c.post(student, f"{base}/reviews/{alloc.id}", data)
            assert r.status_code == 303, r.get_data(as_text=True)[:400]
    # A reviewer of student-1 downloads the upload too, from whichever machine is next.
    reviewer = c.query(
        select(FeedbackAllocation.reviewer_id).where(FeedbackAllocation.submission_id == sub.id)
    )[0]
    who = next(s for s in STUDENTS if _person_id(c, s) == reviewer)
    assert c.get(who, f"{base}/files/{sub.id}").get_data() == PDF

    assert c.post("instructor-1", base + "/phase").status_code == 303  # respond: scores
    assert c.post("instructor-1", base + "/scores").status_code == 303
    released = c.post("instructor-1", f"/activities/{activity_id}/progress/release")
    assert released.status_code == 303
    assert {r.status for r in c.query(select(OutboxScore))} == {"pending"}

    # Delivery from machine B signs its token request with the rotated key; the LMS (on A)
    # checks it against the JWKS at the public address.
    _deliver_from(b)
    deliver_all(lms)
    with a.app_context():
        received = {s.user_id for s in db.session.scalars(select(ReceivedScore))}
        db.session.remove()
    assert received == set(STUDENTS)
    assert {r.status for r in c.query(select(OutboxScore))} == {"delivered"}
    assert set(c.served) == {0, 1} and abs(c.served.count(0) - c.served.count(1)) <= 1

    # A second activity, placed by deep linking: goal setting, each student drafting a goal
    # through whichever machine is next.
    link_id = place_by_deep_linking(lms, a.test_client(), kind="goal_setting", title="Goals")
    (goals_id,) = c.query(select(Activity.id).where(Activity.kind == "goal_setting"))
    for student in STUDENTS:
        c.launch(student, link_id=link_id)
        r = c.post(student, f"/goals/{goals_id}/new", {**SMART_FORM, "what": f"Goal {student}"})
        assert r.status_code == 303, r.get_data(as_text=True)[:400]
    assert len(c.query(select(Goal.id).where(Goal.activity_id == goals_id))) == len(STUDENTS)


def _person_id(c: Class, user_id: str) -> int:
    from lti_tool.models import Person

    return c.query(select(Person.id).where(Person.sub == user_id))[0]


def test_a_class_co_creates_a_rubric_across_two_machines(machines):
    """Rubric co-creation, placed by deep linking: every student proposes a criterion on
    whichever machine is next, the facilitator moves the phases, students vote and draft a
    level, the rubric is published, and participation scores reach the sandbox gradebook,
    delivered from machine B."""
    lms, b = machines
    a = lms.app
    c = Class(a, b, lms)

    link_id = place_by_deep_linking(
        lms, a.test_client(), kind="rubric_cocreation", title="Essay rubric", points="9"
    )
    (rubric_id,) = c.query(select(Activity.id).where(Activity.kind == "rubric_cocreation"))
    base = f"/rubrics/{rubric_id}"
    c.launch("instructor-1", link_id=link_id)
    setup = {"vote_mode": "dots", "dot_budget": "5", "criteria_count": "4", "level_points": "1, 2"}
    setup["participation_scored"] = "on"  # a checkbox: left out, the settings form turns it off
    r = c.post("instructor-1", base + "/settings", setup)
    assert r.status_code == 303, r.get_data(as_text=True)[:400]

    titles = dict(zip(STUDENTS, ("Clarity", "Evidence", "Structure", "Length"), strict=True))
    for student, title in titles.items():
        c.launch(student, link_id=link_id)
        data = {"title": title, "description": f"What {title.lower()} means", "rationale": ""}
        r = c.post(student, base + "/proposals", data)
        assert r.status_code == 303, r.get_data(as_text=True)[:400]
    proposals = {p.title: p.id for p in c.query(select(Proposal))}
    assert set(proposals) == set(titles.values())
    r = c.post("student-1", f"{base}/proposals/{proposals['Evidence']}/comments", {"body": "Yes"})
    assert r.status_code == 303, r.get_data(as_text=True)[:400]

    def move(to: str, seen: str) -> None:
        r = c.post("instructor-1", base + "/phase", {"phase": to, "from_phase": seen})
        assert r.status_code == 303, r.get_data(as_text=True)[:400]

    move("discuss", "propose")
    for title in ("Clarity", "Evidence", "Structure"):
        r = c.post("instructor-1", f"{base}/proposals/{proposals[title]}/accept")
        assert r.status_code == 303, r.get_data(as_text=True)[:400]
    r = c.post(
        "instructor-1",
        f"{base}/proposals/{proposals['Length']}/decline",
        {"reason": "Length says nothing about quality"},
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    criteria = {x.title: x.id for x in c.query(select(Criterion))}
    assert set(criteria) == {"Clarity", "Evidence", "Structure"}

    move("vote", "discuss")
    for i, student in enumerate(STUDENTS):
        ballot = {f"votes-{criteria['Clarity']}": "3", f"votes-{criteria['Evidence']}": str(i % 3)}
        r = c.post(student, base + "/ballot", ballot)
        assert r.status_code == 303, r.get_data(as_text=True)[:400]
    assert len(c.query(select(Ballot.id).where(Ballot.activity_id == rubric_id))) == len(STUDENTS)

    move("describe", "vote")
    assert "tally-table" in c.get("student-2", base).get_data(as_text=True)
    # A student drafts the lowest level of one criterion; the facilitator accepts the draft on
    # the other machine and writes the rest.
    r = c.post(
        "student-3",
        f"{base}/criteria/{criteria['Clarity']}/drafts",
        {"position": "0", "title": "Hard to follow", "description": "Ideas jump around"},
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    (draft_id,) = c.query(select(LevelDraft.id))
    for title, cid in criteria.items():
        for pos in range(2):
            level = {"position": str(pos), "title": f"{title} {pos + 1}", "points": str(pos + 1)}
            level["description"] = f"Level {pos + 1} of {title}"
            if cid == criteria["Clarity"] and pos == 0:
                level.update(draft_id=str(draft_id), title="Hard to follow")
            r = c.post("instructor-1", f"{base}/criteria/{cid}/levels", level)
            assert r.status_code == 303, r.get_data(as_text=True)[:400]

    move("finalise", "describe")
    r = c.post("instructor-1", base + "/publish", {"weights_from": "vote"})
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    (version,) = c.query(select(RubricVersion).where(RubricVersion.activity_id == rubric_id))
    assert version.number == 1 and len(version.content["criteria"]) == 3
    log = c.get("student-4", base + "/changelog").get_data(as_text=True)
    assert "declined because: Length says nothing about quality" in log

    # Participation (proposed, commented, voted; 9 points): student-1 did all three parts.
    assert {r.status for r in c.query(select(OutboxScore))} == {"pending"}
    _deliver_from(b)  # machine B signs the token request; the LMS (on A) checks it
    assert "delivered" in {r.status for r in c.query(select(OutboxScore))}
    deliver_all(lms)
    assert {r.status for r in c.query(select(OutboxScore))} == {"delivered"}
    with a.app_context():
        received = db.session.scalars(select(ReceivedScore).order_by(ReceivedScore.timestamp))
        latest = {s.user_id: (s.score_given, s.score_maximum) for s in received}
        db.session.remove()
    assert latest == {
        "student-1": (9, 9),
        "student-2": (6, 9),
        "student-3": (6, 9),
        "student-4": (6, 9),
    }
    assert set(c.served) == {0, 1} and abs(c.served.count(0) - c.served.count(1)) <= 1
