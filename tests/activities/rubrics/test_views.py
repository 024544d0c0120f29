"""HTTP tests per role and route: allowed and refused, another course, another student's ids,
CSRF, escaping, and anonymity (a peer never receives an anonymous author's name)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Activity, Criterion, OutboxScore, Person, Proposal, RubricSetup
from tests.advantage import form_tokens
from tests.builders import error_code, launch, launch_token_of

EVIL = "<script>alert(1)</script>"
NAMES = {"alice": "Alice Anders", "bob": "Bob Brown", "carol": "Carol Chen"}


@dataclass
class Actor:
    client: FlaskClient
    token: str
    aid: int
    csrf: str = ""

    def get(self, path: str = "", **params):
        return self.client.get(
            f"/rubrics/{self.aid}{path}",
            query_string=params,
            headers={"X-Launch-Token": self.token},
        )

    def post(self, path: str, data=None, *, csrf: bool = True, aid: int | None = None):
        if csrf and not self.csrf:
            self.csrf = form_tokens(self.get().get_data(as_text=True)).get("csrf_token", "")
        body = {"launch_token": self.token, **(data or {})}
        if csrf:
            body["csrf_token"] = self.csrf
        return self.client.post(f"/rubrics/{aid or self.aid}{path}", data=body)


@pytest.fixture
def room(app, client, platform, platform_key):
    """A rubric activity (9 points) with three students, a coach, the facilitator, and a
    facilitator of another course with an activity of their own."""
    setup = client.get(launch(client, platform_key, "facilitator", sub="prof").headers["Location"])
    client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "rubric_cocreation",
            "title": "Essay rubric",
            "points": "9",
        },
    )
    with app.app_context():
        aid = db.session.scalars(select(Activity.id)).one()
    actors = {}
    for sub, role in (
        ("alice", "student"),
        ("bob", "student"),
        ("carol", "student"),
        ("coach", "coach"),
        ("prof", "facilitator"),
    ):
        body = {"name": NAMES.get(sub, sub.title())}
        actors[sub] = Actor(
            client, launch_token_of(launch(client, platform_key, role, sub=sub, **body)), aid
        )
    other_token = launch_token_of(
        launch(
            client,
            platform_key,
            "facilitator",
            sub="other-prof",
            **{
                claims.CONTEXT: {"id": "course-2", "title": "Chemistry"},
                claims.RESOURCE_LINK: {"id": "link-2", "title": "Other"},
            },
        )
    )
    other = Actor(client, other_token, aid)
    page = client.get("/activities/setup", headers={"X-Launch-Token": other_token})
    client.post(
        "/activities/setup",
        data={
            **form_tokens(page.get_data(as_text=True)),
            "kind": "rubric_cocreation",
            "title": "Other rubric",
            "points": "0",
        },
    )
    with app.app_context():
        other.aid = db.session.scalars(select(Activity.id).where(Activity.id != aid)).one()
    actors["other"] = other
    return actors


def ids(app, model, **where):
    with app.app_context():
        query = select(model.id).order_by(model.id)
        for k, v in where.items():
            query = query.where(getattr(model, k) == v)
        return list(db.session.scalars(query))


def propose(actor: Actor, title: str, description: str = "Because"):
    return actor.post("/proposals", {"title": title, "description": description})


def test_launch_lands_on_the_rubric_page(room):
    prof = room["prof"]
    response = prof.client.get(f"/activities/{prof.aid}", headers={"X-Launch-Token": prof.token})
    assert response.status_code == 303 and f"/rubrics/{prof.aid}" in response.headers["Location"]
    for who in ("alice", "coach", "prof"):
        page = room[who].get()
        assert page.status_code == 200 and "Propose criteria" in page.get_data(as_text=True)


def test_the_whole_flow_over_http(app, room):
    alice, bob, carol, prof = room["alice"], room["bob"], room["carol"], room["prof"]
    assert propose(alice, "Clarity", EVIL).status_code == 303
    assert propose(bob, "Clear writing").status_code == 303
    assert propose(carol, "Length").status_code == 303
    p1, p2, p3 = ids(app, Proposal)
    html = alice.get().get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;" in html
    assert alice.post(f"/proposals/{p1}/comments", {"body": "Agree"}).status_code == 303
    assert prof.post("/phase", {"phase": "discuss"}).status_code == 303
    assert (
        prof.post(
            "/merge",
            {"proposal_ids": [str(p1), str(p2)], "title": "Clarity", "description": "Clear"},
        ).status_code
        == 303
    )
    assert (
        prof.post(f"/proposals/{p3}/decline", {"reason": "Length is not quality"}).status_code
        == 303
    )
    # Declined with the reason shown to its author.
    assert "declined: Length is not quality" in carol.get().get_data(as_text=True)
    prof.post("/phase", {"phase": "vote"})
    (cid,) = ids(app, Criterion)
    assert alice.post("/ballot", {f"votes-{cid}": "3"}).status_code == 303
    over = bob.post("/ballot", {f"votes-{cid}": "6"})
    assert over.status_code == 400 and "you have 5" in over.get_data(as_text=True)
    assert "Vote results" not in alice.get().get_data(as_text=True)
    prof.post("/phase", {"phase": "describe"})
    page = alice.get().get_data(as_text=True)
    assert 'data-testid="tally-chart"' in page and 'data-testid="tally-table"' in page
    for pos in range(4):
        assert (
            alice.post(
                f"/criteria/{cid}/drafts",
                {"position": str(pos), "title": f"L{pos}", "description": f"Level {pos}"},
            ).status_code
            == 303
        )
    with app.app_context():
        from lti_tool.models import LevelDraft

        drafts = list(db.session.scalars(select(LevelDraft).order_by(LevelDraft.position)))
        draft_ids = [d.id for d in drafts]
    for pos, did in enumerate(draft_ids):
        text = "Level 0, edited" if pos == 0 else f"Level {pos}"
        assert (
            prof.post(
                f"/criteria/{cid}/levels",
                {
                    "position": str(pos),
                    "draft_id": str(did),
                    "title": f"L{pos}",
                    "description": text,
                    "points": str(pos + 1),
                },
            ).status_code
            == 303
        )
    assert 'data-testid="level-edited"' in alice.get().get_data(as_text=True)
    prof.post("/phase", {"phase": "finalise"})
    assert prof.post("/publish", {"weights_from": "vote"}).status_code == 303
    log = alice.get("/changelog").get_data(as_text=True)
    assert log.count('data-testid="changelog-entry"') == 3
    assert "merged into “Clarity”" in log and "declined because: Length is not quality" in log
    with app.app_context():
        scores = {
            p: s
            for p, s in db.session.execute(
                select(Person.sub, OutboxScore.score_given).join(
                    Person, Person.id == OutboxScore.person_id
                )
            )
        }
    assert scores == {"alice": 9, "bob": 3, "carol": 3}


def published(app, room) -> int:
    """The flow above, quickly, with anonymous proposals; returns the version id."""
    prof = room["prof"]
    prof.post(
        "/settings",
        {
            "anonymous": "on",
            "vote_mode": "dots",
            "dot_budget": "5",
            "criteria_count": "4",
            "level_points": "1, 2",
        },
    )
    propose(room["alice"], "Clarity")
    propose(room["bob"], "Evidence")
    p1, p2 = ids(app, Proposal)
    room["bob"].post(f"/proposals/{p1}/comments", {"body": "Nice"})
    prof.post("/phase", {"phase": "discuss"})
    prof.post(f"/proposals/{p1}/accept")
    prof.post(f"/proposals/{p2}/accept")
    prof.post("/phase", {"phase": "describe"})
    for cid in ids(app, Criterion):
        for pos in range(2):
            assert (
                prof.post(
                    f"/criteria/{cid}/levels",
                    {"position": str(pos), "title": "L", "description": "D", "points": str(pos)},
                ).status_code
                == 303
            )
    prof.post("/phase", {"phase": "finalise"})
    assert prof.post("/publish", {"weights_from": "vote"}).status_code == 303
    with app.app_context():
        from lti_tool.models import RubricVersion

        return db.session.scalars(select(RubricVersion.id)).one()


def test_a_peer_never_receives_an_anonymous_authors_name(app, room):
    vid = published(app, room)
    alice, bob, coach, prof = room["alice"], room["bob"], room["coach"], room["prof"]
    student_views = [
        bob.get(),
        bob.get("/changelog"),
        bob.get(f"/versions/{vid}"),
        bob.get(f"/versions/{vid}/export.json"),
        bob.get(f"/versions/{vid}/export.csv"),
        bob.get(f"/versions/{vid}/export.case.json"),
        coach.get(),
        coach.get("/changelog"),
        coach.get(f"/versions/{vid}/export.json"),
    ]
    for response in student_views:
        assert response.status_code == 200
        assert NAMES["alice"] not in response.get_data(as_text=True)
    assert "Anonymous classmate" in bob.get().get_data(as_text=True)
    # Bob's own comment on Alice's proposal does not reveal her to him; she sees "You".
    assert NAMES["bob"] not in alice.get().get_data(as_text=True)
    assert NAMES["alice"] in prof.get().get_data(as_text=True)
    assert NAMES["alice"] in prof.get("/changelog").get_data(as_text=True)
    named = json.loads(prof.get(f"/versions/{vid}/export.json").get_data(as_text=True))
    assert {e.get("author") for e in named["change_log"]} == {NAMES["alice"], NAMES["bob"]}


def test_exports_download(app, room):
    vid = published(app, room)
    csv_response = room["bob"].get(f"/versions/{vid}/export.csv")
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    assert (
        rows[0][:4]
        == ["Rubric Name", "Criteria Name", "Criteria Description", "Criteria Enable Range"]
        and len(rows) == 3
    )
    case = json.loads(room["bob"].get(f"/versions/{vid}/export.case.json").get_data(as_text=True))
    assert len(case["CFRubricCriteria"]) == 2
    assert room["bob"].get(f"/versions/{vid}/export.xml").status_code == 404


@pytest.mark.parametrize(
    "who,path,data",
    [
        ("alice", "/phase", {"phase": "vote"}),
        ("coach", "/phase", {"phase": "vote"}),
        ("alice", "/settings", {}),
        ("alice", "/merge", {}),
        ("coach", "/publish", {}),
        ("alice", "/selection", {}),
        ("prof", "/ballot", {}),
        ("coach", "/ballot", {}),
    ],
)
def test_roles_are_refused(room, who, path, data):
    response = room[who].post(path, data)
    assert response.status_code == 403 and error_code(response) == "ROLE_FORBIDDEN"


def test_csrf_is_required(app, room):
    response = room["alice"].post("/proposals", {"title": "T", "description": "D"}, csrf=False)
    assert response.status_code == 400
    assert ids(app, Proposal) == []


def test_another_course_is_refused(app, room):
    other = room["other"]
    ours = room["prof"].aid
    seen = other.client.get(f"/rubrics/{ours}", headers={"X-Launch-Token": other.token})
    moved = other.post("/phase", {"phase": "vote"}, aid=ours)
    for response in (seen, moved):
        assert response.status_code == 404 and error_code(response) == "ACTIVITY_NOT_FOUND"
    # Their own proposal id used in our activity's URL finds nothing.
    propose(other, "Theirs")
    (theirs,) = ids(app, Proposal)
    room["prof"].post("/phase", {"phase": "discuss"})
    response = room["prof"].post(f"/proposals/{theirs}/decline", {"reason": "x"})
    assert response.status_code == 404 and error_code(response) == "PROPOSAL_NOT_FOUND"
    propose(room["alice"], "Ours")  # wrong phase now: refused inline
    with app.app_context():
        assert db.session.get(Proposal, theirs).fate == "open"


def test_editing_another_students_proposal_is_refused(app, room):
    propose(room["alice"], "Clarity")
    (pid,) = ids(app, Proposal)
    response = room["bob"].post(f"/proposals/{pid}", {"title": "Mine now", "description": "x"})
    assert response.status_code == 403 and error_code(response) == "NOT_YOURS"
    ok = room["alice"].post(f"/proposals/{pid}", {"title": "Clarity 2", "description": "x"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, pid).title == "Clarity 2"


def test_bad_input_is_shown_inline_and_nothing_saved(app, room):
    too_long = propose(room["alice"], "x" * 121)
    assert too_long.status_code == 400 and "at most 120" in too_long.get_data(as_text=True)
    empty = propose(room["alice"], "   ")
    assert empty.status_code == 400 and "cannot be empty" in empty.get_data(as_text=True)
    bad = room["prof"].post(
        "/settings",
        {"vote_mode": "dots", "dot_budget": "x", "criteria_count": "4", "level_points": "1,2"},
    )
    assert bad.status_code == 400 and "whole number" in bad.get_data(as_text=True)
    falling = room["prof"].post(
        "/settings",
        {"vote_mode": "dots", "dot_budget": "5", "criteria_count": "4", "level_points": "3,2"},
    )
    assert falling.status_code == 400
    assert ids(app, Proposal) == []
    with app.app_context():
        assert db.session.scalars(select(RubricSetup.level_points)).one() == [1, 2, 3, 4]
    room["prof"].post("/phase", {"phase": "finalise"})
    none = room["prof"].post("/publish", {"weights_from": "vote"})
    assert none.status_code == 409 and "no criteria" in none.get_data(as_text=True)


def test_version_ids_of_another_activity_are_refused(app, room):
    vid = published(app, room)
    other = room["other"]
    response = other.get(f"/versions/{vid}")
    assert response.status_code == 404
    response = other.client.get(
        f"/rubrics/{other.aid}/versions/{vid}/export.json", headers={"X-Launch-Token": other.token}
    )
    assert response.status_code == 404 and error_code(response) == "VERSION_NOT_FOUND"


def test_the_facilitator_rewords_a_criterion_and_changes_the_selection(app, room):
    prof, alice = room["prof"], room["alice"]
    propose(alice, "Clarity")
    propose(room["bob"], "Evidence")
    p1, p2 = ids(app, Proposal)
    prof.post("/phase", {"phase": "discuss"})
    prof.post(f"/proposals/{p1}/accept")
    prof.post(f"/proposals/{p2}/accept")
    c1, c2 = ids(app, Criterion)
    refused = alice.post(f"/criteria/{c1}", {"title": "Mine", "description": "x"})
    assert refused.status_code == 403
    ok = prof.post(f"/criteria/{c1}", {"title": "Clarity of ideas", "description": "Plain"})
    assert ok.status_code == 303
    page = alice.get().get_data(as_text=True)
    assert "Clarity of ideas" in page
    # The proposal keeps its author's words.
    assert f'<h3 id="proposal-{p1}">Clarity</h3>' in page
    prof.post("/phase", {"phase": "describe"})
    assert prof.post("/selection", {"criterion_ids": [str(c2)]}).status_code == 303
    with app.app_context():
        chosen = dict(db.session.execute(select(Criterion.id, Criterion.selected)).all())
    assert chosen == {c1: False, c2: True}


def test_another_activitys_criterion_is_not_found(app, room):
    other = room["other"]
    propose(other, "Theirs")
    (theirs,) = ids(app, Proposal)
    other.post("/phase", {"phase": "discuss"})
    other.post(f"/proposals/{theirs}/accept")
    (their_criterion,) = ids(app, Criterion)
    prof = room["prof"]
    prof.post("/phase", {"phase": "describe"})
    for path, data in (
        (f"/criteria/{their_criterion}", {"title": "x", "description": "y"}),
        (
            f"/criteria/{their_criterion}/drafts",
            {"position": "0", "title": "x", "description": "y"},
        ),
        (
            f"/criteria/{their_criterion}/levels",
            {"position": "0", "title": "x", "description": "y", "points": "1"},
        ),
        ("/selection", {"criterion_ids": [str(their_criterion)]}),
    ):
        response = prof.post(path, data)
        assert response.status_code == 404 and error_code(response) == "CRITERION_NOT_FOUND", path
    with app.app_context():
        assert db.session.get(Criterion, their_criterion).title == "Theirs"


def test_a_student_sees_what_counted_and_seed_links_are_safe(app, room):
    room["prof"].post(
        "/settings",
        {
            "vote_mode": "dots",
            "dot_budget": "5",
            "criteria_count": "4",
            "level_points": "1,2",
            "participation_scored": "on",
            "seed": f"Exemplar: https://example.edu/essay {EVIL}",
        },
    )
    propose(room["alice"], "Clarity")
    page = room["alice"].get().get_data(as_text=True)
    assert "Proposed: yes · commented: not yet · voted: not yet" in page
    assert 'href="https://example.edu/essay"' in page and EVIL not in page
    assert 'data-testid="participation"' not in room["coach"].get().get_data(as_text=True)
