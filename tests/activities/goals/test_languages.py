"""Goal setting in every language (issue 15, item 9): under the pseudo-locale en-XA every page of
the activity, for every role, and its CSV show no text that skipped gettext; in French the
pages, numbers, dates and the LMS comment read French; under ar-XB the page runs right to left.

Text rendered by other areas' templates inside these pages (the common activity layout's header,
the phase-move form, the grading rule's sentence) is theirs to translate and is left out of
the check here (`mine`), so that this test names only goal setting's own strings.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.models import Activity, OutboxScore, Platform
from tests.activities.goals.builders import seed_class
from tests.activities.goals.http import SMART_FORM, GoalCourse, set_up
from tests.readable import data_strings, untranslated


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def _drop(page: str, start: str, tag: str) -> str:
    """`page` without the element whose opening tag matches `start`, nested `tag`s and all."""
    found = re.search(start, page)
    if found is None:
        return page
    depth, at = 0, found.start()
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[at:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return page[:at] + page[at + match.end() :]
    raise AssertionError(f"unbalanced <{tag}> after {start!r}")


def mine(page: str) -> str:
    """The page without what other areas' templates rendered into it (see module docstring)."""
    page = _drop(page, r'<header class="site"', "header")  # activities/_layout.html
    page = _drop(page, r'<div class="phase-move"', "div")  # activities/_phase_move.html
    # grading/goals.py explains the score rule; the words before it are goal setting's.
    page = re.sub(r'(<p data-testid="score-rule"><strong>.*?</strong>).*?(</p>)', r"\1\2", page)
    # Error codes are identifiers, never translated (the error page shows them for support).
    return ERROR_CODE.sub(" ", page)


ERROR_CODE = re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b")
# Refusals answered by lti_tool/auth before goal setting's code runs: the auth area's words.
OTHERS = [
    "Your role in this course does not give access to this page.",
    "This activity is not part of the course you opened.",
]


def _walk(app, gc: GoalCourse) -> dict[str, str]:
    """A class at every stage, and every goal setting page each role reaches."""
    alice, bob, coach, prof = (gc.people[w] for w in ("alice", "bob", "coach", "prof"))
    gc.move("draft", "check_in")
    first = gc.draft("alice", action="submit")
    assert prof.post(f"{gc.base}/g/{first}/respond", decision="agree").status_code == 303
    for progress in ("33", "67"):
        checked = alice.post(
            f"{gc.base}/g/{first}/check-in", progress=progress, confidence="4", evidence="Work"
        )
        assert checked.status_code == 303
    check_in = re.search(
        r"/check-ins/(\d+)/comment", prof.get(f"{gc.base}/g/{first}").get_data(as_text=True)
    )
    assert check_in is not None
    commented = coach.post(f"{gc.base}/check-ins/{check_in.group(1)}/comment", body="Nice work")
    assert commented.status_code == 303
    second = gc.draft("bob", action="submit")
    suggested = coach.post(
        f"{gc.base}/g/{second}/respond", decision="suggest", comment="Add a number"
    )
    assert suggested.status_code == 303
    reflected = gc.draft("bob", what="Read one paper a week", action="submit")
    assert prof.post(f"{gc.base}/g/{reflected}/respond", decision="agree").status_code == 303
    done = gc.people["bob"].post(
        f"{gc.base}/g/{reflected}/reflect", outcome="partly", learned="Pace", next_steps="More"
    )
    assert done.status_code == 303
    with app.app_context():
        seed_class(db.session.get(Activity, gc.activity_id), 9)
        db.session.commit()
    refused = alice.post(f"{gc.base}/g/{first}/check-in", progress="150", confidence="4")
    assert refused.status_code == 400
    bad_settings = prof.post(
        f"{gc.base}/settings", min_goals="0", max_goals="x", agreed_by="both", scoring="completion"
    )
    assert bad_settings.status_code == 400
    worse_settings = prof.post(
        f"{gc.base}/settings",
        min_goals="4",
        max_goals="2",
        min_checkins="30",
        agreed_by="nobody",
        scoring="none",
        judgement_scale="1",
        checkin_date="2020-01-01",
    )
    assert worse_settings.status_code == 400
    responses = {
        "alice home": alice.get(gc.base),
        "alice goal": alice.get(f"{gc.base}/g/{first}", done="checked-in"),
        "alice goal, refused check-in": refused,
        "alice new goal": alice.get(f"{gc.base}/new"),
        "alice someone else's page": alice.get(f"{gc.base}/students/{gc.ids['bob']}"),
        "bob home": bob.get(gc.base),
        "bob goal to revise": bob.get(f"{gc.base}/g/{second}", done="submitted"),
        "bob reflected goal": bob.get(f"{gc.base}/g/{reflected}", done="reflected"),
        "coach overview": coach.get(gc.base),
        "coach overview, waiting": coach.get(gc.base, stage="waiting"),
        "coach overview, search": coach.get(gc.base, q="Student"),
        "coach goal": coach.get(f"{gc.base}/g/{second}"),
        "coach bob": coach.get(f"{gc.base}/students/{gc.ids['bob']}"),
        "prof overview": prof.get(gc.base, done="phase"),
        "prof overview, page 2": prof.get(gc.base, page="2"),
        "prof alice": prof.get(f"{gc.base}/students/{gc.ids['alice']}"),
        "prof goal": prof.get(f"{gc.base}/g/{first}"),
        "prof reflected goal": prof.get(f"{gc.base}/g/{reflected}"),
        "prof settings": prof.get(f"{gc.base}/settings"),
        "prof settings, not a number": bad_settings,
        "prof settings, refused": worse_settings,
        "admin refused": gc.people["admin"].get(gc.base),
        "another course's goal": gc.people["other_prof"].get(f"{gc.base}/g/{first}"),
    }
    return {where: r.get_data(as_text=True) for where, r in responses.items()}


def test_every_goal_page_passes_through_gettext(app, client, platform, platform_key, launch_locale):
    launch_locale("en-XA")
    gc = set_up(app, client, platform_key, points="7")
    pages = _walk(app, gc)
    export = gc.people["prof"].get(f"{gc.base}/export.csv")
    assert export.status_code == 200
    data = data_strings(app) + OTHERS
    found = []
    for where, page in pages.items():
        assert '<html lang="en-XA"' in page, where
        found += untranslated(where, mine(page), data)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    found += untranslated("export.csv header", " ".join(f"<td>{c}</td>" for c in rows[0]), data)
    cells = [cell for row in rows[1:] for cell in row]
    found += untranslated("export.csv", "".join(f"<td>{c}</td>" for c in cells), data)
    assert found == [], "\n".join(found)


def test_goal_setting_in_french(app, client, platform, platform_key, launch_locale):
    with app.app_context():
        # The gradebook's text (artifact, comment) is in the registration's language.
        db.session.execute(update(Platform).values(default_language="fr"))
        db.session.commit()
    launch_locale("fr")
    gc = set_up(app, client, platform_key, points="7")  # 7 / 3 stages: 2,33 points each
    pages = _walk(app, gc)
    for page in pages.values():
        assert '<html lang="fr" dir="ltr"' in page
    home = pages["alice home"]
    assert "<strong>Que faire maintenant :</strong>" in home
    assert "Rédigez votre réflexion finale sur chaque objectif validé." in home
    assert "1 objectif pour l'instant ; cette activité en demande de 1 à 3." in home
    assert "67\u202f%" in home or "67\xa0%" in home  # a French percentage
    goal = pages["alice goal"]
    # The confirmation, a lazy message: escaped like any text (the apostrophe as &#39;).
    assert "Votre point d'étape est enregistré." in html.unescape(goal)
    assert "10 déc. 2026" in goal  # the SMART form's "by when", as a French date
    assert "(enseignant) l'a validé" in goal and "confiance 4/5" in goal
    assert "La progression est un pourcentage de 0 à 100." in pages["alice goal, refused check-in"]
    assert "Chaque étudiant fixe de 1 à 3 objectifs," in pages["prof overview"]
    refused = pages["prof settings, refused"]
    assert "Non enregistré." in refused and "Une échelle de 2 à 10." in refused
    denied = pages["alice someone else's page"]
    assert "Accès refusé" in denied and "Vous ne pouvez ouvrir que vos propres objectifs." in denied
    export = gc.people["prof"].get(f"{gc.base}/export.csv").get_data(as_text=True)
    assert export.splitlines()[0].startswith("étudiant,étape,objectif,statut,version")
    with app.app_context():
        comments = [c for c in db.session.scalars(select(OutboxScore.comment)) if c]
    # The LMS comment, in the registration's language.
    assert any(
        c.startswith("Fait jusqu'ici : objectif validé, points d'étape faits.") for c in comments
    )
    assert any("1 objectif, 1 validé, 2 points d'étape, 0 avec réflexion" in c for c in comments)


def test_a_goal_page_right_to_left(app, client, platform, platform_key, launch_locale):
    launch_locale("ar-XB")
    gc = set_up(app, client, platform_key)
    page = gc.people["alice"].get(gc.base).get_data(as_text=True)
    assert '<html lang="ar-XB" dir="rtl"' in page
    assert "⟦" in page and SMART_FORM["what"] not in page


def test_goal_setting_in_spanish(app, client, platform, platform_key, launch_locale):
    launch_locale("es")
    gc = set_up(app, client, platform_key)
    pages = _walk(app, gc)
    for where, page in pages.items():
        assert '<html lang="es" dir="ltr"' in page, where
    home = pages["alice home"]
    assert "<strong>Qué hacer ahora:</strong>" in home and "Redactar un nuevo objetivo" in home
    assert "1 objetivo por ahora; esta actividad pide de 1 a 3." in home
    assert "Tu seguimiento está guardado." in pages["alice goal"]
    assert "10 dic 2026" in pages["alice goal"]  # a Spanish date
    assert "Cada estudiante fija de 1 a 3 objetivos," in pages["prof overview"]
    assert "Solo puedes abrir tus propios objetivos." in pages["alice someone else's page"]


def test_what_someone_typed_inside_a_translated_message_is_escaped(
    app, client, platform, platform_key
):
    """A lazy message renders as markup (flask_babel's LazyString has __html__), so a value the
    person typed must reach the page as text: the settings page's error names the bad date."""
    gc = set_up(app, client, platform_key)
    evil = "<script>alert(1)</script>"
    page = gc.people["prof"].post(
        f"{gc.base}/settings",
        min_goals="1",
        max_goals="3",
        agreed_by="both",
        scoring="completion",
        checkin_date=evil,
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
