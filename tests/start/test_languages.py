"""The start pages in every language (issue 15, item 9): each role's start page under the
pseudo-locale en-XA shows no text that skipped gettext; in French it reads French; under ar-XB
it runs right to left."""

from __future__ import annotations

import pytest

from tests.auth.course import build_course
from tests.builders import launch, launch_token_of
from tests.readable import data_strings, untranslated

WHO = ("prof", "coach", "alice", "bob", "mentor", "demoted")


def _start_pages(app, client, platform_key) -> dict[str, str]:
    course = build_course(app, client, platform_key)
    pages = {who: course.who(who).get("/start") for who in WHO}
    # A student on a link nobody has set up yet, an administrator of the LMS (no course), and
    # an administrator of the platform in a course (the console's link).
    fresh = launch(client, platform_key, "student", sub="carol", name="Carol")
    admin = launch(client, platform_key, "admin", sub="it-admin", name="Ida Admin")
    for who, launched in (("fresh student", fresh), ("admin", admin)):
        token = launch_token_of(launched)
        pages[who] = client.get("/start", headers={"X-Launch-Token": token})
    for who, response in pages.items():
        assert response.status_code == 200, who
    return {who: r.get_data(as_text=True) for who, r in pages.items()}


def test_every_start_page_passes_through_gettext(
    app, client, platform, platform_key, launch_locale
):
    launch_locale("en-XA")
    pages = _start_pages(app, client, platform_key)
    data = data_strings(app)
    found = []
    for who, page in pages.items():
        assert '<html lang="en-XA" dir="ltr"' in page, who
        assert 'data-testid="start-page"' in page, who
        found += untranslated(f"start page of {who}", page, data)
    assert found == [], "\n".join(found)
    roles = {p.split('data-role="')[1].split('"')[0] for p in pages.values()}
    assert roles == {"student", "coach", "facilitator", "mentor", "admin"}


def test_the_start_pages_in_french(app, client, platform, platform_key, launch_locale):
    launch_locale("fr")
    pages = _start_pages(app, client, platform_key)
    for page in pages.values():
        assert '<html lang="fr" dir="ltr"' in page
    bob = pages["bob"]
    assert "Bienvenue, Sam" in bob and "Votre rôle ici" in bob and ">étudiant<" in bob
    assert "Voici votre page d'accueil d'étudiant. Ici, vous pourrez :" in bob
    assert "Ouvrir « Term goals »" in bob
    assert "Tableau de bord du cours" in pages["prof"] and ">enseignant<" in pages["prof"]
    assert "Cette activité n'est pas encore configurée." in pages["fresh student"]
    assert "Page d'accueil de l'administrateur" in pages["admin"]


@pytest.mark.parametrize("who", ["alice", "prof"])
def test_a_start_page_right_to_left(app, client, platform, platform_key, launch_locale, who):
    launch_locale("ar-XB")
    page = _start_pages(app, client, platform_key)[who]
    assert '<html lang="ar-XB" dir="rtl"' in page and "⟦" in page
