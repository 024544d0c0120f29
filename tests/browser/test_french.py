"""Each activity's full flow in French (issue 15, acceptance): every person of the flow launches
with the locale claim "fr" (the sandbox LMS sends it, PUT /sandbox/api/locales, as Canvas and
Moodle send the person's language), acts through the French names of the buttons and links a
person reads, and the pages are <html lang="fr"> with the French words of each step: the goal's
status words, the phases, the confirmations, French dates. The feedback flow runs to its end:
respond, the revision plan, round 2 pre-filled from round 1, the held scores released into the
gradebook. Pages of each flow are audited (axe at desktop width and 390 px, no sideways scroll)
in French."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect

from tests.browser.a11y import Audit
from tests.browser.flows import advance, fitted, link_url, navigate, open_tool

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
GOAL_STUDENT, GOAL_STUDENT_NAME = "student-6", "Femi Adeyemi"
RUBRIC_STUDENT = "student-7"
ROUND_STUDENTS = ("student-1", "student-2", "student-3")
PEOPLE = ("instructor-1", GOAL_STUDENT, RUBRIC_STUDENT, *ROUND_STUDENTS)
# Dates as French readers write them: a day in Babel's medium format ("3 déc. 2026") and a
# moment in its short one ("03/12/2026 14:19 UTC"), never "Dec 3, 2026" or "12/3/26".
FRENCH_DAY = (
    r"\d{1,2} (?:janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.) \d{4}"
)
FRENCH_MOMENT = r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"


@pytest.fixture
def in_french(live_server: LiveServer) -> Iterator[None]:
    live_server.set_locales(dict.fromkeys(PEOPLE, "fr"))
    yield
    # The sandbox course and its settings are shared by every browser test of the run: back
    # to English, and make sure, for the tests that follow.
    live_server.set_locales(dict.fromkeys(PEOPLE))
    left = json.loads(_get(f"{live_server.sandbox_base_url}/sandbox/api/locales"))
    assert not set(left) & set(PEOPLE), left


def _get(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:  # noqa: S310 - the test app's own URL
        return response.read().decode()


def _french(tool: FrameLocator, where: str) -> None:
    assert tool.locator("html").get_attribute("lang") == "fr", where


def _main(tool: FrameLocator) -> str:
    return tool.locator("main").inner_text()


def _open(page: Page, live_server: LiveServer, user: str, link_id: str) -> FrameLocator:
    tool = open_tool(page, link_url(live_server, user, link_id))
    _french(tool, f"{user} on {link_id}")
    return tool


def _place(page: Page, live_server: LiveServer, kind: str, title: str, points: str) -> str:
    """flows.place, through the French picker."""
    page.bring_to_front()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.get_by_role("heading", name=re.compile("Ajout d'une activité")).wait_for()
    _french(tool, "picker")
    tool.locator(f"input[name=kind][value={kind}]").check()
    tool.locator("#title").fill(title)
    tool.locator("#points").fill(points)
    tool.get_by_role("button", name="Ajouter au cours").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id
    return link_id


def _score_in_gradebook(live_server: LiveServer, title: str, user: str, score: str | None) -> None:
    """Wait until `user` has `score` (None: any score) in this activity's column (delivered in
    the background; the sandbox course, and so its gradebook, is shared by every browser test
    of the run)."""
    gradebook_url = f"{live_server.sandbox_base_url}/sandbox/gradebook/instructor-1"
    column = re.search(rf'data-column="(\d+)">{re.escape(title)}<', _get(gradebook_url))
    assert column, "the activity has no gradebook column"
    deadline = time.monotonic() + 20
    while True:
        gradebook = _get(gradebook_url)
        cell = re.search(rf'data-cell="{column.group(1)}:{user}">(.*?)</td>', gradebook, re.S)
        shown = 'data-testid="score">' + (f"{score}<" if score is not None else "")
        if cell and shown in cell.group(1):
            return
        assert time.monotonic() < deadline, "the score did not reach the sandbox gradebook: " + (
            cell.group(1) if cell else "no cell"
        )
        time.sleep(0.2)


# -- goal setting -----------------------------------------------------------------------------


def test_goal_setting_in_french(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, in_french: None
) -> None:
    context = launch_browser()
    audit = Audit()
    teacher = context.new_page()
    title = f"Objectifs en français {int(time.time())}"
    link_id = _place(teacher, live_server, "goal_setting", title, "10")

    # The student drafts a SMART goal and submits it for agreement.
    student_page = context.new_page()
    tool = _open(student_page, live_server, GOAL_STUDENT, link_id)
    expect(tool.get_by_test_id("next-step")).to_contain_text("Rédigez votre premier objectif")
    navigate(student_page, tool.get_by_role("link", name="Rédiger un nouvel objectif"))
    tool.locator("#what").fill("Rédiger un rapport de TP <b>en deux jets</b>")
    tool.locator("#measure").fill("Niveau 3 sur 4 ou mieux à chaque critère")
    tool.locator("#plan").fill("Un jet par semaine, un retour des pairs entre les deux")
    tool.locator("#relevance").fill("Les rapports de TP font la moitié de la note")
    tool.locator("#by_when").fill("2026-12-10")
    tool.get_by_role("button", name="Soumettre pour validation").click()
    expect(tool.get_by_test_id("goal-status")).to_have_text("En attente de validation")
    _french(tool, "goal submitted")
    assert "Votre objectif est envoyé pour validation." in _main(tool)
    assert "<b>en deux jets</b>" in tool.get_by_test_id("goal-title").inner_text()  # escaped
    # The deadline in the French medium format (wording.day), not "Dec 10, 2026".
    assert "Pour quand\n10 déc. 2026" in _main(tool)

    # The facilitator moves on from "Draft goals" and agrees the goal.
    overview = _open(teacher, live_server, "instructor-1", link_id)
    expect(overview.get_by_test_id("phase")).to_have_text("Rédiger les objectifs")
    overview.get_by_role("button", name="Passer à : Valider les objectifs").click()
    expect(overview.get_by_test_id("phase")).to_have_text("Valider les objectifs")
    expect(overview.get_by_test_id("student-row").first).to_contain_text(GOAL_STUDENT_NAME)
    navigate(
        teacher,
        overview.locator("tr", has_text=GOAL_STUDENT_NAME).get_by_role("link").nth(1),
    )
    overview.get_by_test_id("goal-title").wait_for()
    _french(overview, "facilitator's goal page")
    overview.locator("#comment").fill("Validé : clair et mesurable.")
    overview.get_by_role("button", name="Valider", exact=True).click()
    expect(overview.get_by_test_id("goal-status")).to_have_text("Validé")
    text = _main(overview)
    assert "Votre réponse est enregistrée ; l'étudiant la voit sur sa page." in text
    assert re.search(rf"Version 1 soumise le {FRENCH_MOMENT} UTC", text), text
    assert re.search(rf"Ada Okafor \(enseignant\) l'a validé {FRENCH_MOMENT}", text), text

    # The student checks in and reflects.
    tool = _open(student_page, live_server, GOAL_STUDENT, link_id)
    expect(tool.get_by_test_id("goal-row")).to_have_count(1)
    navigate(student_page, tool.get_by_test_id("goal-row").get_by_role("link"))
    # Two check-ins: the activity's default asks for two per goal.
    for progress, evidence in (("40", "Premier jet terminé"), ("85", "Second jet relu")):
        tool.locator("#progress").fill(progress)
        tool.locator("#evidence").fill(evidence)
        tool.locator("#confidence").select_option("4")
        tool.get_by_role("button", name="Enregistrer le point d'étape").click()
        expect(tool.get_by_test_id("check-in").last).to_contain_text(evidence)
    expect(tool.get_by_test_id("progress-table")).to_contain_text("40 → 85")
    text = _main(tool)
    assert re.search(rf"Point d'étape 2 · {FRENCH_DAY} · 85\u00a0% · confiance 4/5", text), text
    audit.check(student_page, "french-goal-check-in")
    tool.get_by_label("Atteint", exact=True).check()
    tool.locator("#learned").fill("Prévoir deux jets me réussit.")
    tool.locator("#next_steps").fill("Le même plan pour le prochain rapport.")
    tool.get_by_role("button", name="Enregistrer la réflexion").click()
    expect(tool.get_by_test_id("goal-status")).to_have_text("Réflexion faite")
    _french(tool, "goal reflected")
    text = _main(tool)
    assert "Votre réflexion est enregistrée." in text
    assert re.search(rf"Atteint {FRENCH_DAY}", text), text

    # The score reaches the sandbox gradebook.
    _score_in_gradebook(live_server, title, GOAL_STUDENT, "10")
    audit.assert_clean()


# -- rubric co-creation -----------------------------------------------------------------------


def _move(tool: FrameLocator, phase: str, name: str) -> None:
    """flows.move by the button's French name ("Passer à : <phase>")."""
    tool.get_by_role("button", name=f"Passer à : {name}").click()
    tool.locator(f"[data-testid=phase-{phase}][aria-current=step]").wait_for()


def test_rubric_cocreation_in_french(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, in_french: None
) -> None:
    context = launch_browser()
    audit = Audit()
    page = context.new_page()
    link_id = _place(
        page, live_server, "rubric_cocreation", f"Grille en français {int(time.time())}", "2"
    )
    course = link_url(live_server, "instructor-1", link_id)
    tool = _open(page, live_server, "instructor-1", link_id)
    for phase, name in (
        ("propose", "Proposer des critères"),
        ("discuss", "Discuter et regrouper"),
        ("vote", "Voter"),
        ("describe", "Décrire les niveaux"),
        ("finalise", "Finaliser"),
    ):
        expect(tool.get_by_test_id(f"phase-{phase}")).to_have_text(name)
    # Two levels keep the flow short.
    tool.get_by_text("Réglages", exact=True).click()
    tool.locator("#level_points").fill("1, 2")
    with page.expect_response(lambda r: "/settings" in r.url):
        tool.get_by_role("button", name="Enregistrer les réglages").click()

    # The student proposes a criterion.
    student_page = context.new_page()
    mine = link_url(live_server, RUBRIC_STUDENT, link_id)
    frame = _open(student_page, live_server, RUBRIC_STUDENT, link_id)
    form = frame.get_by_test_id("propose-form")
    form.locator("#p-title").fill("Clarté")
    form.locator("#p-desc").fill("Des idées faciles à suivre, en mots simples")
    form.locator("#p-why").fill("Un lecteur doit comprendre du premier coup")
    form.get_by_role("button", name="Proposer").click()
    frame.get_by_role("heading", name="Clarté", exact=True).wait_for()

    # Discuss: the facilitator accepts it as it is.
    tool = open_tool(page, course)
    _move(tool, "discuss", "Discuter et regrouper")
    card = tool.locator("article[data-testid=proposal]", has_text="Clarté")
    card.get_by_role("button", name="Accepter telle quelle").click()
    card.get_by_test_id("proposal-fate").filter(has_text="acceptée").wait_for()
    assert "Proposition acceptée parmi les critères de la grille d'évaluation." in _main(tool)
    audit.check(page, "french-rubric-discuss")

    # Vote.
    _move(tool, "vote", "Voter")
    frame = open_tool(student_page, mine)
    ballot = frame.get_by_test_id("ballot-form")
    ballot.locator("input[type=number]").first.fill("3")
    ballot.get_by_role("button", name="Déposer mon bulletin").click()
    frame.get_by_role("button", name="Modifier mon bulletin").wait_for()

    # Describe levels: the student drafts both, the facilitator accepts them.
    tool = open_tool(page, course)
    _move(tool, "describe", "Décrire les niveaux")
    frame = open_tool(student_page, mine)
    for position, (name, words) in enumerate(
        [("Confus", "Difficile à suivre"), ("Limpide", "Facile à suivre")]
    ):
        frame.get_by_text(f"Rédiger une description pour le niveau {position + 1}").click()
        form = frame.locator(f"form[data-testid$='-{position}']")
        form.locator("input[name=title]").fill(name)
        form.locator("textarea[name=description]").fill(words)
        form.get_by_role("button", name="Ajouter le brouillon").click()
        drafts = frame.get_by_role("list", name=f"Brouillons du niveau {position + 1}")
        drafts.get_by_text(words).first.wait_for()

    tool = open_tool(page, course)
    for position, name in ((1, "Confus"), (2, "Limpide")):
        drafts = tool.get_by_role("list", name=f"Brouillons du niveau {position}")
        drafts.get_by_text("Accepter ce brouillon (modifiez-le si besoin)").click()
        drafts.get_by_role("button", name="Accepter", exact=True).click()
        tool.get_by_role("heading", name=f"Niveau {position} : {name}").wait_for()
    assert "Description de niveau acceptée." in _main(tool)

    # Finalise and publish.
    _move(tool, "finalise", "Finaliser")
    tool.get_by_test_id("publish-form").get_by_role("button", name="Publier").click()
    tool.get_by_test_id("latest-version").wait_for()
    _french(tool, "rubric published")
    assert "La grille d'évaluation est publiée." in _main(tool)
    assert "Ouvrir la grille publiée (version 1)" in _main(tool)
    navigate(page, tool.get_by_test_id("latest-version"))
    tool.get_by_role("heading", level=1).wait_for()
    _french(tool, "rubric version")
    text = _main(tool)
    assert re.search(rf"Publiée le {FRENCH_MOMENT} UTC\.", text), text
    assert "Première version" in text and "Tous les critères sont nouveaux." in text
    assert "Clarté" in text and "Limpide (2)" in text
    audit.assert_clean()


# -- feedback rounds --------------------------------------------------------------------------


def test_feedback_rounds_in_french(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, in_french: None
) -> None:
    context = launch_browser()
    audit = Audit()
    page = context.new_page()
    title = f"Tours en français {int(time.time())}"
    link_id = _place(page, live_server, "feedback_rounds", title, "10")

    # Settings: the rubric and two reviews per student.
    prof = _open(page, live_server, "instructor-1", link_id)
    navigate(page, prof.get_by_role("link", name="Paramètres et grille d'évaluation"))
    _french(prof, "feedback settings")
    prof.locator("#rubric").fill("Argument : faible / correct / solide\nSources : rares / riches")
    prof.locator("#k").fill("2")
    navigate(page, prof.get_by_role("button", name="Enregistrer", exact=True))
    expect(prof.get_by_test_id("phase")).to_contain_text("phase : Remettre le travail")

    # The students submit.
    pages = {user: context.new_page() for user in ROUND_STUDENTS}
    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        t.locator("#body").fill(f"Dissertation du tour 1 par {user}")
        navigate(p, t.get_by_role("button", name="Remettre", exact=True))
        t.get_by_test_id("submitted").wait_for()
        text = _main(t)
        assert "Votre travail est remis." in text
        assert re.search(rf"Remis le {FRENCH_MOMENT} UTC\.", text), text
    prof = _open(page, live_server, "instructor-1", link_id)
    # The sandbox course may hold students of the other browser tests, who have not submitted.
    counts = re.search(
        r"(\d+) sur (\d+) remis", prof.get_by_test_id("progress-counts").inner_text()
    )
    assert counts and int(counts.group(1)) == len(ROUND_STUDENTS), counts
    advance(page, prof, "phase : Évaluation par les pairs")

    # Each student reviews the two others.
    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        assert t.get_by_test_id("review-link").count() == 2
        for i in range(2):
            navigate(p, t.get_by_test_id("review-link").nth(i))
            sets = t.locator("form.config fieldset")
            sets.first.wait_for()
            _french(t, "review form")
            for j in range(sets.count()):
                sets.nth(j).locator("input[type=radio]").nth(1).check()
                sets.nth(j).locator("textarea").fill(f"Point {j} : ajoute une source")
            t.locator("#overall").fill("Structure claire")
            navigate(p, t.get_by_role("button", name="Remettre l'évaluation"))
            t.get_by_test_id("review-link").first.wait_for()
    advance(page, prof, "phase : Répondre aux évaluations")

    # A student responds to the reviews they received.
    user = ROUND_STUDENTS[0]
    p = pages[user]
    t = _open(p, live_server, user, link_id)
    articles = t.get_by_test_id("received-review")
    assert articles.count() == 2
    assert "Que faire maintenant : Lisez les évaluations de votre travail" in _main(t)
    audit.check(p, "french-feedback-respond")
    article = articles.first
    article.locator("input[name=helpfulness][value='4']").check()
    acts = article.locator("input[value=act]")
    for j in range(acts.count()):
        acts.nth(j).check()
    navigate(p, article.get_by_role("button", name="Envoyer ma réponse"))
    t.get_by_test_id("received-review").first.wait_for()
    fitted(p)
    _french(t, "responded")
    assert "Votre réponse est enregistrée." in _main(t)
    expect(t.get_by_test_id("received-review").first.get_by_test_id("response").first).to_have_text(
        "y donnera suite"
    )

    # Revise: the student plans what they will change, naming a comment they act on.
    advance(page, prof, "phase : Réviser")
    t = _open(p, live_server, user, link_id)
    t.locator("#plan").fill("Ajouter deux sources à l'argument")
    t.locator("input[name=comment_id]").first.check()
    navigate(p, t.get_by_role("button", name="Enregistrer le plan"))
    t.locator("#plan").wait_for()
    _french(t, "plan saved")
    assert "Votre plan de révision est enregistré." in _main(t)
    audit.check(p, "french-feedback-plan")

    # Round 2: the form starts from round 1's text, with the plan beside it.
    advance(page, prof, "Tour 2 sur 2")
    t = _open(p, live_server, user, link_id)
    expect(t.locator("#body")).to_have_value(f"Dissertation du tour 1 par {user}")
    expect(t.get_by_test_id("prefilled")).to_have_text(
        "Prérempli avec votre version du tour 1 : révisez-la."
    )
    expect(t.get_by_test_id("previous-plan")).to_contain_text("Votre plan de révision du tour 1")
    expect(t.get_by_test_id("previous-plan")).to_contain_text("Ajouter deux sources à l'argument")
    t.locator("#body").fill(f"Dissertation du tour 2 par {user}, avec deux sources")
    navigate(p, t.get_by_role("button", name="Remettre", exact=True))
    t.get_by_test_id("submitted").wait_for()
    assert re.search(rf"Remis le {FRENCH_MOMENT} UTC\.", _main(t)), _main(t)
    audit.check(p, "french-feedback-round-2")

    # Scores: computed, held for the facilitator, released, and in the gradebook.
    prof = _open(page, live_server, "instructor-1", link_id)
    navigate(
        page, prof.get_by_role("button", name="Mettre à jour les notes et envoyer les changements")
    )
    prof.get_by_test_id("phase").wait_for()
    navigate(page, prof.get_by_role("link", name="Envoi des notes"))
    _french(prof, "grade delivery")
    prof.get_by_test_id("held-count").wait_for()
    navigate(page, prof.get_by_role("button", name="Publier les notes maintenant"))
    prof.get_by_test_id("notice").wait_for()
    _french(prof, "released")
    audit.check(page, "french-grade-delivery")
    _score_in_gradebook(live_server, title, user, None)
    audit.assert_clean()
