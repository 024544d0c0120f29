"""The rubric co-creation pages and the common activity pages in every language (issue 15,
item 9): under the pseudo-locale en-XA every word a student, coach, facilitator or mentor reads
went through gettext, in every phase; in French the pages read French, with French numbers and
dates; under ar-XB a page is laid out right to left."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.models import Activity, Criterion, OutboxScore, Person, Proposal
from tests.activities.rubrics.test_views import NAMES, Actor, ids, propose
from tests.activities.rubrics.test_views import room as room  # noqa: F401  (fixture)
from tests.advantage import form_tokens
from tests.builders import launch, launch_token_of
from tests.readable import data_strings, untranslated

PHASES = ("propose", "discuss", "vote", "describe", "finalise")


@pytest.fixture
def pseudo(launch_locale):
    """Before `room`: every launch of the test names the pseudo-locale."""
    launch_locale("en-XA")


@pytest.fixture
def french(launch_locale):
    launch_locale("fr")


@pytest.fixture
def rtl(launch_locale):
    launch_locale("ar-XB")


def _get(actor: Actor, path: str, **params):
    return actor.client.get(path, query_string=params, headers={"X-Launch-Token": actor.token})


def _walk_to_published(app, room, pages: dict) -> int:  # noqa: F811
    """The whole flow, with a look at every role's page in every phase (and a refusal shown
    inline); returns the published version's id."""
    alice, bob, carol, coach, prof = (room[k] for k in ("alice", "bob", "carol", "coach", "prof"))
    people = {"alice": alice, "bob": bob, "coach": coach, "prof": prof}

    def look(phase: str, **params) -> None:
        for who, actor in people.items():
            pages[f"{who} in {phase}"] = actor.get(**params)

    prof.post(
        "/settings",
        {
            "anonymous": "on",
            "vote_mode": "dots",
            "dot_budget": "5",
            "criteria_count": "4",
            "level_points": "1, 2.5",
            "seed": "Good essays are clear.",
            "participation_scored": "on",
        },
    )
    propose(alice, "Clarity", "Easy to follow")
    propose(bob, "Evidence", "Sources back claims")
    propose(carol, "Length", "Three pages")
    propose(carol, "Voice", "Sounds like the writer")
    p1, p2, p3, p4 = ids(app, Proposal)
    bob.post(f"/proposals/{p1}/comments", {"body": "Nice"})
    look("propose")
    pages["prof after saving settings"] = prof.get(done="configure")
    pages["alice refused (empty proposal)"] = propose(alice, "", "")
    pages["alice refused (bad number)"] = prof.post("/settings", {"dot_budget": "x"})
    assert prof.post("/phase", {"phase": "discuss", "from_phase": "propose"}).status_code == 303
    prof.post(f"/proposals/{p1}/accept")
    prof.post(f"/proposals/{p3}/decline", {"reason": "Length is not quality"})
    look("discuss", done="accept")
    pages["prof filtering proposals"] = prof.get(fate="open", q="e")
    prof.post(
        "/merge", {"proposal_ids": [str(p2), str(p4)], "title": "Backing", "description": "B"}
    )
    pages["prof refused (phase back without a reason)"] = prof.post(
        "/phase", {"phase": "propose", "from_phase": "discuss", "confirm_back": "yes"}
    )
    prof.post("/phase", {"phase": "vote", "from_phase": "discuss"})
    c1, c2 = ids(app, Criterion)
    alice.post("/ballot", {f"votes-{c1}": "3", f"votes-{c2}": "2"})
    pages["bob refused (over budget)"] = bob.post("/ballot", {f"votes-{c1}": "9"})
    look("vote", done="vote")
    prof.post("/phase", {"phase": "describe", "from_phase": "vote"})
    alice.post(f"/criteria/{c1}/drafts", {"position": "0", "title": "Muddled", "description": "M"})
    bob.post(f"/criteria/{c1}/drafts", {"position": "1", "title": "Crisp", "description": "C"})
    look("describe", done="draft_level")
    for cid in (c1, c2):
        for pos, pts in ((0, "1"), (1, "2.5")):
            assert (
                prof.post(
                    f"/criteria/{cid}/levels",
                    {"position": str(pos), "title": "L", "description": "D", "points": pts},
                ).status_code
                == 303
            )
    prof.post("/phase", {"phase": "finalise", "from_phase": "describe"})
    look("finalise")
    assert prof.post("/publish", {"weights_from": "vote", "note": "First"}).status_code == 303
    pages["prof after publishing"] = prof.get(done="publish")
    # A second version, so the version page has changes to list; then a move back.
    prof.post(f"/criteria/{c1}", {"title": "Clear ideas", "description": "Easy to follow"})
    prof.post("/publish", {"weights_from": "hand", f"weight-{c1}": "3", f"weight-{c2}": "1"})
    prof.post(
        "/phase",
        {"phase": "describe", "from_phase": "finalise", "confirm_back": "yes", "reason": "Typo"},
    )
    look("describe again")
    with app.app_context():
        from lti_tool.models import RubricVersion

        versions = list(db.session.scalars(select(RubricVersion.id).order_by(RubricVersion.id)))
    return versions[-1]


def _common_pages(app, client, platform_key, room, vid: int, pages: dict) -> dict:  # noqa: F811
    """The pages every kind shares: artifact, extensions, edit, mentor, set-up, picker."""
    from tests.lti.test_deep_linking import dl_launch

    alice, coach, prof = room["alice"], room["coach"], room["prof"]
    with app.app_context():
        alice_id = db.session.scalars(select(Person.id).where(Person.sub == "alice")).one()
    aid = prof.aid
    pages["changelog (alice)"] = alice.get("/changelog")
    pages["changelog (prof)"] = prof.get("/changelog")
    pages["version (alice)"] = alice.get(f"/versions/{vid}")
    pages["artifact (alice)"] = _get(alice, f"/artifacts/{aid}/{alice_id}")
    pages["artifact (prof)"] = _get(prof, f"/artifacts/{aid}/{alice_id}")
    # The extensions page with a grant in its history, for the facilitator and a coach.
    page = _get(prof, f"/activities/{aid}/extensions")
    client.post(
        f"/activities/{aid}/extensions",
        data={
            **form_tokens(page.get_data(as_text=True)),
            "target": f"person:{alice_id}",
            "phase": "vote",
            "due": "2026-12-10",
            "reason": "Ill",
        },
    )
    pages["extensions (prof)"] = _get(prof, f"/activities/{aid}/extensions")
    pages["extensions (coach)"] = _get(coach, f"/activities/{aid}/extensions")
    pages["edit (prof)"] = _get(prof, f"/activities/{aid}/edit")
    edit = pages["edit (prof)"].get_data(as_text=True)
    pages["edit refused (prof)"] = client.post(
        f"/activities/{aid}/edit",
        data={**form_tokens(edit), "kind": "rubric_cocreation", "title": "", "points": "-1"},
    )
    mentor = launch_token_of(launch(client, platform_key, "mentor", sub="parent"))
    pages["mentor"] = client.get(f"/activities/{aid}", headers={"X-Launch-Token": mentor})
    # Another link of the course, not set up yet: its set-up page and the refusal of a bad form.
    fresh = launch(
        client,
        platform_key,
        "facilitator",
        sub="prof",
        **{"https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "link-new"}},
    )
    setup_page = client.get(fresh.headers["Location"])
    pages["setup (prof)"] = setup_page
    pages["setup refused (prof)"] = client.post(
        "/activities/setup", data={**form_tokens(setup_page.get_data(as_text=True)), "title": ""}
    )
    bob_id = ids(app, Person)[2]
    pages["artifact refused (alice reads bob's)"] = _get(alice, f"/artifacts/{aid}/{bob_id}")
    cancelled = dl_launch(client, platform_key)
    page = client.get(cancelled.headers["Location"])
    pages["picker cancelled (prof)"] = client.post(
        urlsplit(cancelled.headers["Location"]).path + "/cancel",
        data=form_tokens(page.get_data(as_text=True)),
    )
    picker = dl_launch(client, platform_key)
    pages["picker (prof)"] = client.get(picker.headers["Location"])
    tokens = form_tokens(pages["picker (prof)"].get_data(as_text=True))
    path = urlsplit(picker.headers["Location"]).path
    pages["picker returned (prof)"] = client.post(
        path, data={**tokens, "kind": "rubric_cocreation", "title": "Added", "points": "5"}
    )
    return pages


def _other_kinds_words(app) -> set[str]:
    from lti_tool.activities.kinds import kinds

    with app.app_context():
        return {
            str(text)
            for kind in kinds().values()
            if kind.key != "rubric_cocreation"
            for text in (kind.name, kind.summary)
        }


def test_every_rubric_page_is_translated_in_every_phase(
    app,
    client,
    platform_key,
    pseudo,
    room,  # noqa: F811
):
    pages: dict = {}
    vid = _walk_to_published(app, room, pages)
    _common_pages(app, client, platform_key, room, vid, pages)
    data = data_strings(app)
    found = []
    for where, response in pages.items():
        assert response.status_code in (200, 400, 403, 409), (where, response.status_code)
        # An error page names its code (a reference to pass on, never translated).
        codes = frozenset({"ROLE", "FORBIDDEN"}) if response.status_code == 403 else frozenset()
        found += untranslated(where, response.get_data(as_text=True), data, allowed=codes)
    # The picker and the configuration form list every kind: the other kinds' names and
    # summaries are their packages' words (goals/kind.py, feedback/kind.py), translated there.
    others = _other_kinds_words(app)
    found = [f for f in found if not any(f.endswith(f"in {w[:120]!r}") for w in others)]
    with app.app_context():
        comments = [c for c in db.session.scalars(select(OutboxScore.comment)) if c]
    assert comments, "participation is scored in this walk"
    found += [p for c in comments for p in untranslated("LMS comment", c, data)]
    assert found == [], "\n".join(found)
    # The walk met what it meant to: refusals inline, the back notice, the version's changes.
    assert "⟦" in pages["bob refused (over budget)"].get_data(as_text=True)
    assert 'data-testid="back-notice"' in pages["alice in describe again"].get_data(as_text=True)
    assert 'data-testid="form-error"' in pages["alice refused (empty proposal)"].get_data(
        as_text=True
    )


def test_the_pages_read_french(app, client, platform_key, french, room):  # noqa: F811
    alice, prof = room["alice"], room["prof"]
    with app.app_context():
        db.session.execute(update(Activity).values(phase_dates={"vote": "2026-12-10"}, points=2.5))
        db.session.commit()
    propose(alice, "Clarté", "Facile à suivre")
    page = alice.get().get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert "Proposer des critères" in page  # the phase
    assert "2,5 points" in page  # a French number
    assert "10 déc. 2026" in page  # a French date
    refused = propose(alice, "", "x").get_data(as_text=True)
    assert "ne peut pas être vide" in refused
    facilitator = prof.get().get_data(as_text=True)
    assert "Passer à : Discuter et regrouper" in facilitator
    assert NAMES["alice"] in facilitator


def test_a_right_to_left_page(app, rtl, room):  # noqa: F811
    for who, path in (("alice", ""), ("prof", ""), ("alice", "/changelog")):
        page = room[who].get(path).get_data(as_text=True)
        assert '<html lang="ar-XB" dir="rtl"' in page, (who, path)


def test_the_lms_comment_is_in_the_students_language(app, course):  # noqa: F811
    """A facilitator's action (in English) rescores a student who last launched in French:
    what goes to the LMS for her is French (lti_tool.i18n.in_language)."""
    from datetime import timedelta

    from lti_tool.activities.rubrics import scoring, services
    from lti_tool.models import LaunchSession, utcnow

    student = course.students[0]
    db.session.add(
        LaunchSession(
            token_salt="s",
            platform_id=course.context.platform_id,
            person_id=student.id,
            context_id=course.context.id,
            message_type="LtiResourceLinkRequest",
            csrf_secret="c",
            locale="fr",
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    services.propose(course.activity, course.setup, student, "Clarté", "Facile à suivre", "")
    with app.test_request_context("/"):
        queued = scoring.score_participation(
            course.activity, course.setup, student, tool_base_url="https://tool.example"
        )
        assert queued is not None
        assert queued.comment.startswith(
            "Participation à la co-construction de la grille d'évaluation : 1 partie sur 3.\n\n"
            "Proposition : oui ; commentaire : non ; vote : non."
        )
        # The facilitator's own page stays English.
        from flask_babel import gettext

        assert gettext("Propose criteria") == "Propose criteria"


def test_the_course_copy_pages_are_translated(app, client, platform, platform_key, pseudo):
    """Set-up in a copied course: last term's activities offered, the copy form, a refusal, and
    the copied rubric's page, under en-XA."""
    from tests.activities.test_course_copy import (
        CANVAS,
        RUBRIC,
        copy_link,
        land,
        new_term_launch,
        old_term_rubric,
    )

    source_id = old_term_rubric(app, client, platform_key)
    pages = {}
    path, pages["setup with sources"] = land(
        client, new_term_launch(client, platform_key, **CANVAS)
    )
    html = pages["setup with sources"].get_data(as_text=True)
    assert 'data-testid="copy-sources"' in html
    pages["copy form"] = client.get(copy_link(html, source_id))
    form_html = pages["copy form"].get_data(as_text=True)
    pages["copy refused"] = client.post(
        f"/activities/setup/copy/{source_id}",
        data={**form_tokens(form_html), **RUBRIC, "phase-rubric_cocreation-propose": "soon"},
    )
    done = client.post(
        f"/activities/setup/copy/{source_id}", data={**form_tokens(form_html), **RUBRIC}
    )
    assert done.status_code == 303
    path, pages["copied rubric"] = land(
        client, new_term_launch(client, platform_key, "student", sub="stu-new")
    )
    data = data_strings(app)
    others = _other_kinds_words(app)
    found = []
    for where, response in pages.items():
        assert response.status_code in (200, 400), (where, response.status_code)
        found += untranslated(where, response.get_data(as_text=True), data)
    found = [f for f in found if not any(f.endswith(f"in {w[:120]!r}") for w in others)]
    assert found == [], "\n".join(found)


def test_an_activity_of_a_kind_no_longer_offered(app, pseudo, room):  # noqa: F811
    """The plain activity page, shown when the activity's kind is not offered any more."""
    with app.app_context():
        db.session.execute(update(Activity).values(kind="retired_kind"))
        db.session.commit()
    data = data_strings(app)
    found = []
    for who in ("alice", "coach", "prof"):
        actor = room[who]
        page = _get(actor, f"/activities/{actor.aid}")
        assert page.status_code == 200, who
        html = page.get_data(as_text=True)
        assert 'data-testid="activity-title"' in html
        found += untranslated(who, html, data)
    assert found == [], "\n".join(found)
