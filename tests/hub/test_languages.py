"""The course hub in every language (issue 15, item 9): under the pseudo-locale en-XA the hub
page (whole course and one activity, each staff role) and its CSV show no text that skipped
gettext; in French its sentences, numbers and headers read French; under ar-XB it runs right to
left.

The other kinds' names and phases ("Rubric co-creation", "Round 2 of 2: Review") are theirs to
translate (activities/rubrics, activities/feedback) and count as given text here, like the
class's data; so is what the common activity layout's header shows (`mine`)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from lti_tool.activities.kinds import kinds
from lti_tool.extensions import db
from lti_tool.models import Activity, LaunchSession, utcnow
from tests.activities.goals.test_languages import ERROR_CODE, mine
from tests.hub.builders import person, seed_course
from tests.readable import data_strings, untranslated

STAFF = ("prof", "coach", "admin")


@pytest.fixture
def seeded(app, platform):
    with app.app_context():
        course = seed_course(platform.id)
        tokens = {who: course.token(app, getattr(course, who)) for who in STAFF}
        tokens["student"] = course.token(app, course.students[0])
        mentor = person(course.context, "hub-mentor", "mentor", "Morgan Mentor")
        db.session.commit()
        tokens["mentor"] = course.token(app, mentor)
        ids = {"rubric": course.rubric.id, "goals": course.goals.id, "feedback": course.feedback.id}
        db.session.remove()
    return tokens, ids


def _in(app, locale: str) -> None:
    """Every session of the seeded course in `locale`, as a launch with that locale claim."""
    with app.app_context():
        db.session.execute(update(LaunchSession).values(locale=locale))
        db.session.commit()


def _get(client, token, path="/hub", **query):
    return client.get(path, query_string=query, headers={"X-Launch-Token": token})


def _others(app) -> list[str]:
    """The other kinds' names and current phases, as the hub shows them."""
    with app.app_context():
        activities = list(db.session.query(Activity))
        found = []
        for key, kind in kinds().items():
            if key == "goal_setting":
                continue
            found.append(str(kind.name))
            mine_ = [a for a in activities if a.kind == key]
            found += [str(p) for p in kind.phases_now(mine_, utcnow().date()).values()]
        return sorted(found, key=len, reverse=True)


def test_the_hub_passes_through_gettext(app, client, seeded):
    tokens, ids = seeded
    _in(app, "en-XA")
    pages = {}
    for who in STAFF:
        pages[who] = _get(client, tokens[who])
        pages[f"{who}, goals only"] = _get(client, tokens[who], activity=ids["goals"])
    pages["prof, rubric only"] = _get(client, tokens["prof"], activity=ids["rubric"])
    pages["student refused"] = _get(client, tokens["student"])
    pages["no such activity"] = _get(client, tokens["prof"], activity=999999)
    data = data_strings(app) + _others(app)
    found = []
    for where, response in pages.items():
        page = response.get_data(as_text=True)
        assert '<html lang="en-XA"' in page, where
        found += untranslated(where, mine(page), data)
    assert pages["prof"].status_code == 200 and pages["student refused"].status_code == 403
    for query in ({}, {"activity": ids["goals"]}):
        export = _get(client, tokens["prof"], "/hub/export.csv", **query)
        assert export.status_code == 200
        cells = [c for row in csv.reader(io.StringIO(export.get_data(as_text=True))) for c in row]
        text = ERROR_CODE.sub(" ", "".join(f"<td>{c}</td>" for c in cells))
        found += untranslated(f"hub CSV {query}", text, data)
    assert found == [], "\n".join(found)


def test_the_hub_in_french(app, client, seeded):
    tokens, ids = seeded
    _in(app, "fr")
    page = _get(client, tokens["prof"]).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr"' in page
    assert "<h1>Tableau de bord du cours</h1>" in page
    assert "1 objectif attend une validation" in page
    assert "2 propositions de critère attendent une décision" in page
    assert 'data-testid="adoption-rate">50 %' in page
    assert 'data-testid="contributor-rate">8 sur 10</strong> étudiants ont contribué' in page
    assert 'data-testid="gini">0,56' in page  # a French decimal comma
    assert "Charge de travail des tuteurs" in page and ">tuteur<" in page
    export = _get(client, tokens["prof"], "/hub/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export)))
    assert rows[0] == ["section", "élément", "mesure", "valeur"]
    assert ["validation des objectifs", "", "validés du premier coup", "1"] in rows
    refused = _get(client, tokens["student"]).get_data(as_text=True)
    assert "Le tableau de bord du cours est destiné aux enseignants et aux tuteurs" in refused


def test_the_hub_right_to_left(app, client, seeded):
    tokens, _ids = seeded
    _in(app, "ar-XB")
    page = _get(client, tokens["coach"]).get_data(as_text=True)
    assert '<html lang="ar-XB" dir="rtl"' in page and "⟦" in page
