"""A walk through a rubric co-creation class after publishing (anonymous proposals, participation
scores of 9 points in thirds): no page, CSV or LMS comment shows a raw status key, a database id
as an anonymous label or an unformatted float (issue 15, item 2; tests/readable.py)."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import OutboxScore, Person
from tests.activities.rubrics.test_views import published, room  # noqa: F401  (fixture)
from tests.readable import csv_problems, page_problems


def test_a_published_class_reads_as_words(app, room):  # noqa: F811
    vid = published(app, room)
    with app.app_context():
        alice_id = db.session.scalars(select(Person.id).where(Person.sub == "alice")).one()
    prof, alice, coach = room["prof"], room["alice"], room["coach"]
    pages = {
        "prof board": prof.get(),
        "prof after publishing": prof.get(done="publish"),
        "alice board": alice.get(),
        "coach board": coach.get(),
        "changelog": alice.get("/changelog"),
        "version": alice.get(f"/versions/{vid}"),
        "progress": prof.client.get(
            f"/activities/{prof.aid}/progress", headers={"X-Launch-Token": prof.token}
        ),
        "artifact": alice.client.get(
            f"/artifacts/{alice.aid}/{alice_id}", headers={"X-Launch-Token": alice.token}
        ),
    }
    found = []
    for where, response in pages.items():
        assert response.status_code == 200, where
        found += page_problems(where, response.get_data(as_text=True))
    export = alice.get(f"/versions/{vid}/export.csv")
    found += csv_problems("canvas csv", export.get_data(as_text=True))
    with app.app_context():
        comments = [c for c in db.session.scalars(select(OutboxScore.comment)) if c]
    # Participation scoring is off in this flow; its comment is words only (rubrics.scoring).
    found += [p for c in comments for p in page_problems("LMS comment", c)]
    assert found == [], "\n".join(found)
    published_page = pages["prof after publishing"].get_data(as_text=True)
    assert 'data-testid="published-link"' in published_page and "The rubric is published." in (
        published_page
    )
