"""A walk through a seeded goal setting class (students at every stage, fractional scores):
no page, CSV or LMS comment shows a raw status key, a database id as a label or an
unformatted float (issue 15, item 2; tests/readable.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, OutboxScore
from tests.activities.goals.builders import seed_class
from tests.activities.goals.http import SMART_FORM, set_up
from tests.readable import csv_problems, page_problems


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def test_a_seeded_class_reads_as_words(app, client, platform, platform_key):
    gc = set_up(app, client, platform_key, points="7")  # 7 / 3 stages: 2.333… points each
    alice, bob, coach, prof = (gc.people[w] for w in ("alice", "bob", "coach", "prof"))
    gc.move("draft", "check_in")
    first = gc.draft("alice", action="submit")
    assert prof.post(f"{gc.base}/g/{first}/respond", decision="agree").status_code == 303
    for progress in ("33", "67"):
        checked = alice.post(
            f"{gc.base}/g/{first}/check-in", progress=progress, confidence="4", evidence="Work"
        )
        assert checked.status_code == 303
    second = gc.draft("bob", action="submit")
    suggested = coach.post(
        f"{gc.base}/g/{second}/respond", decision="suggest", comment="Add a number"
    )
    assert suggested.status_code == 303
    with app.app_context():
        seed_class(db.session.get(Activity, gc.activity_id), 9)
        db.session.commit()
    pages = {
        "alice home": alice.get(gc.base),
        "alice goal (after check-in)": alice.get(f"{gc.base}/g/{first}", done="checked-in"),
        "alice new goal": alice.get(f"{gc.base}/new"),
        "bob goal": bob.get(f"{gc.base}/g/{second}", done="submitted"),
        "prof overview": prof.get(gc.base),
        "prof overview, waiting": prof.get(gc.base, stage="waiting"),
        "prof alice": prof.get(f"{gc.base}/students/{gc.ids['alice']}"),
        "prof goal": prof.get(f"{gc.base}/g/{first}"),
        "coach goal": coach.get(f"{gc.base}/g/{second}"),
        "prof settings": prof.get(f"{gc.base}/settings"),
        "progress": prof.get(f"/activities/{gc.activity_id}/progress"),
        "artifact": alice.get(f"/artifacts/{gc.activity_id}/{gc.ids['alice']}"),
    }
    found = []
    for where, response in pages.items():
        assert response.status_code == 200, where
        found += page_problems(where, response.get_data(as_text=True))
    export = prof.get(f"{gc.base}/export.csv")
    assert export.status_code == 200
    found += csv_problems("export.csv", export.get_data(as_text=True))
    with app.app_context():
        comments = [c for c in db.session.scalars(select(OutboxScore.comment)) if c]
        scores = list(db.session.scalars(select(OutboxScore.score_given)))
    assert comments and any(s is not None for s in scores)
    found += [p for c in comments for p in page_problems("LMS comment", c)]
    assert found == []
    assert any(c.startswith("Done so far: goal agreed, check-ins done.") for c in comments)
    assert SMART_FORM["what"] in pages["alice home"].get_data(as_text=True)
