"""Peer assessment that earns trust, in a real Chromium through the sandbox LMS: the instructor
turns on calibration and the weighted method, adds and assesses an exemplar and publishes it;
three students calibrate (and only then see the facilitator's levels and why), review each
other, and read their score with each reviewer's weight (numbered) beside the unweighted level;
one contests and the instructor overrides. And the loop back to the rubric: a criterion the
reviewers disagree on is flagged, the facilitator sends the class's co-created rubric back to
proposals with a reason students read, a student proposes a change, version 2 is published, and
round 2 assesses with it while round 1's feedback keeps version 1."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page

from tests.browser.a11y import Audit
from tests.browser.flows import advance as _advance
from tests.browser.flows import fitted as _fitted
from tests.browser.flows import navigate as _navigate
from tests.browser.test_feedback_rounds import _open

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
STUDENTS = {"student-1": "Amira Haddad", "student-2": "Ben Carter", "student-3": "Chen Wei"}


def test_calibration_weights_contest_and_override(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    audit = Audit()  # axe and the 390 px width on the reliability pages, with their data
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.locator("input[name=kind][value=feedback_rounds]").check()
    tool.locator("#title").fill(f"Calibrated essays {int(time.time())}")
    tool.locator("#points").fill("10")
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id

    prof = _open(page, live_server, "instructor-1", link_id)
    _navigate(page, prof.get_by_test_id("settings-link"))
    prof.locator("#rubric").fill("Argument: weak / fair / good / strong\nEvidence: thin / rich")
    prof.locator("#k").fill("2")
    prof.locator("#aggregate").select_option("weighted")
    _navigate(page, prof.get_by_test_id("save-settings"))
    _navigate(page, prof.get_by_test_id("reliability-link"))
    audit.check(page, "feedback-reliability")
    prof.get_by_test_id("calibration-on").check()
    prof.locator("input[name=calibration_required]").check()
    prof.locator("input[name=show_other_reviews]").check()
    _navigate(page, prof.get_by_test_id("save-reliability"))
    prof.locator("#ex-title").fill("A strong essay")
    prof.locator("#ex-body").fill("Claims, each backed by a named source.")
    _navigate(page, prof.get_by_test_id("add-exemplar"))
    # Not publishable before the facilitator assessed it.
    _navigate(page, prof.get_by_test_id("publish-calibration"))
    assert "Assess every exemplar" in prof.locator("main").inner_text()
    prof = _open(page, live_server, "instructor-1", link_id)
    _navigate(page, prof.get_by_test_id("reliability-link"))
    exemplar = prof.get_by_test_id("exemplar")
    sets = exemplar.locator("fieldset")
    sets.nth(0).locator("input[type=radio]").nth(3).check()
    sets.nth(0).locator("textarea").fill("Every claim follows from the one before")
    sets.nth(1).locator("input[type=radio]").nth(1).check()
    sets.nth(1).locator("textarea").fill("Sources are named and weighed")
    _navigate(page, exemplar.get_by_test_id("assess-exemplar"))
    _navigate(page, prof.get_by_test_id("publish-calibration"))
    prof.get_by_test_id("calibration-published").wait_for()
    audit.check(page, "feedback-reliability-published")

    pages = {user: context.new_page() for user in STUDENTS}
    for n, (user, p) in enumerate(pages.items()):
        t = _open(p, live_server, user, link_id)
        t.locator("#body").fill(f"Essay by {user}")
        _navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
        _navigate(p, t.get_by_test_id("calibration-link").get_by_role("link"))
        item = t.get_by_test_id("calibration-exemplar")
        assert "Every claim follows" not in item.inner_text()  # not before their own attempt
        if n == 0:
            audit.check(p, "feedback-calibration")
        # student-1 calibrates well, the others too generously on Evidence... or severely
        item.locator("fieldset").nth(0).locator("input[type=radio]").nth(3 - n).check()
        item.locator("fieldset").nth(1).locator("input[type=radio]").nth(1).check()
        _navigate(p, item.get_by_test_id("submit-calibration"))
        t.get_by_test_id("calibration-result").wait_for()
        assert "Every claim follows from the one before" in t.locator("main").inner_text()
        if n == 0:
            audit.check(p, "feedback-calibration-result")

    prof = _open(page, live_server, "instructor-1", link_id)
    _advance(page, prof, "review")
    for n, (user, p) in enumerate(pages.items()):
        t = _open(p, live_server, user, link_id)
        for i in range(2):
            _navigate(p, t.get_by_test_id("review-link").nth(i))
            sets = t.locator("form.config fieldset")
            sets.first.wait_for()
            sets.nth(0).locator("input[type=radio]").nth(3 - n).check()
            sets.nth(1).locator("input[type=radio]").nth(n % 2).check()
            sets.nth(0).locator("textarea").fill("Name a source for the second claim")
            t.locator("#overall").fill("Clear")
            _navigate(p, t.get_by_test_id("submit-review"))
            t.get_by_test_id("review-link").first.wait_for()
    prof = _open(page, live_server, "instructor-1", link_id)
    _advance(page, prof, "respond")
    _navigate(page, prof.get_by_role("link", name="Grade delivery"))
    prof.get_by_test_id("held-count").wait_for()
    _navigate(page, prof.get_by_test_id("release-now"))
    prof.get_by_test_id("notice").wait_for()

    student = pages["student-2"]
    t = _open(student, live_server, "student-2", link_id)
    weights = t.get_by_test_id("reviewer-weights")
    weights.wait_for()
    text = weights.inner_text()
    assert "Reviewer 1" in text and "Reviewer 2" in text
    assert not [name for name in STUDENTS.values() if name in text]
    assert t.get_by_test_id("unweighted-level").count() >= 1
    audit.check(student, "feedback-student-weighted-score")
    # A reviewer's own pages once the round is in respond: how their reviewing compares, and
    # (the facilitator allowed it above) the other reviews of work they reviewed.
    _navigate(student, t.get_by_test_id("my-accuracy-link"))
    t.get_by_test_id("my-bias").first.wait_for()  # with its figures, not an empty state
    audit.check(student, "feedback-my-accuracy")
    t = _open(student, live_server, "student-2", link_id)
    _navigate(student, t.get_by_test_id("other-reviews-link").first)
    t.get_by_test_id("other-review").first.wait_for()
    audit.check(student, "feedback-other-reviews")
    t = _open(student, live_server, "student-2", link_id)
    t.locator("#contest").fill("My argument was strong")
    _navigate(student, t.get_by_role("button", name="Send to the facilitator"))
    t.get_by_test_id("contest-state").wait_for()
    audit.check(student, "feedback-student-contested")

    prof = _open(page, live_server, "instructor-1", link_id)
    contest = prof.get_by_test_id("contest")
    contest.wait_for()
    audit.check(page, "feedback-staff-contest")
    _navigate(page, prof.get_by_test_id("queue-link"))
    audit.check(page, "feedback-accuracy-queue")
    prof = _open(page, live_server, "instructor-1", link_id)
    _navigate(page, prof.get_by_test_id("extensions-link"))
    audit.check(page, "activity-extensions")
    prof = _open(page, live_server, "instructor-1", link_id)
    _navigate(page, prof.get_by_test_id("groups-link"))
    audit.check(page, "feedback-groups")
    prof = _open(page, live_server, "instructor-1", link_id)
    contest = prof.get_by_test_id("contest")
    contest.locator("input[value=override]").check()
    contest.locator("input[name=points]").fill("9")
    contest.locator("textarea[name=reason]").fill("Checked against the exemplar")
    _navigate(page, contest.get_by_role("button", name="Resolve"))
    t = _open(student, live_server, "student-2", link_id)
    assert "Checked against the exemplar" in t.get_by_test_id("contest-state").inner_text()
    assert "9.0" in t.get_by_test_id("score").inner_text()
    audit.assert_clean()


def _place(page: Page, live_server: LiveServer, kind: str, title: str, points: str) -> str:
    """The instructor adds an activity of `kind` to the sandbox course; its resource link id."""
    page.bring_to_front()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.locator(f"input[name=kind][value={kind}]").check()
    tool.locator("#title").fill(title)
    tool.locator("#points").fill(points)
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id
    return link_id


def _rubric_forward(page: Page, tool: FrameLocator, phase: str) -> None:
    # The rubric's forward move names the next phase (activities.phase_moves).
    _navigate(page, tool.get_by_test_id("move-forward"))
    tool.locator(f"[data-testid=phase-{phase}][aria-current=step]").wait_for()


def _describe_levels(page: Page, tool: FrameLocator, words: tuple[str, str]) -> None:
    """The facilitator drafts and accepts both levels of the one selected criterion."""
    for n, text in enumerate(words):
        _fitted(page)
        tool.get_by_text(f"Draft a description for level {n + 1}").click()
        form = tool.locator(f"form[data-testid$='-{n}']")
        form.locator("input[name=title]").fill(f"Level {n + 1}")
        form.locator("textarea[name=description]").fill(text)
        _navigate(page, form.get_by_role("button", name="Add draft"))
        drafts = tool.get_by_role("list", name=f"Drafts for level {n + 1}")
        _fitted(page)
        drafts.get_by_text("Accept this draft").click()
        _navigate(page, drafts.get_by_role("button", name="Accept"))
        tool.get_by_role("heading", name=re.compile(f"Level {n + 1}: Level {n + 1}")).wait_for()


def test_flagged_criterion_opens_a_revision_and_round_2_uses_version_2(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    pages = {user: context.new_page() for user in STUDENTS}
    stamp = int(time.time())

    # Version 1 of the class's rubric: one criterion, two levels.
    rubric_title = f"Essay rubric {stamp}"
    rubric = _place(page, live_server, "rubric_cocreation", rubric_title, "9")
    prof = _open(page, live_server, "instructor-1", rubric)
    _fitted(page)
    prof.get_by_text("Settings", exact=True).click()
    prof.locator("#level_points").fill("1, 2")
    _navigate(page, prof.get_by_role("button", name="Save settings"))
    t = _open(pages["student-1"], live_server, "student-1", rubric)
    t.locator("#p-title").fill("Evidence")
    t.locator("#p-desc").fill("Claims are backed by sources")
    _navigate(pages["student-1"], t.get_by_role("button", name="Propose"))
    prof = _open(page, live_server, "instructor-1", rubric)
    _rubric_forward(page, prof, "discuss")
    _navigate(page, prof.get_by_role("button", name="Accept as-is"))
    prof.get_by_test_id("proposal-fate").filter(has_text="accepted").wait_for()
    _rubric_forward(page, prof, "vote")
    _rubric_forward(page, prof, "describe")  # nobody voted: the one criterion goes on
    _describe_levels(page, prof, ("No source named", "Every claim sourced"))
    _rubric_forward(page, prof, "finalise")
    _navigate(page, prof.get_by_test_id("publish-form").get_by_role("button", name="Publish"))
    prof.get_by_test_id("latest-version").filter(has_text="version 1").wait_for()

    # Feedback rounds assessed with it.
    rounds = _place(page, live_server, "feedback_rounds", f"Rubric loop {stamp}", "10")
    prof = _open(page, live_server, "instructor-1", rounds)
    _navigate(page, prof.get_by_test_id("settings-link"))
    prof.locator("#rubric_version").select_option(label=f"{rubric_title} (version 1)")
    prof.locator("#rounds").fill("2")
    prof.locator("#k").fill("2")
    _navigate(page, prof.get_by_test_id("save-settings"))
    for user, p in pages.items():
        t = _open(p, live_server, user, rounds)
        t.locator("#body").fill(f"Round 1 essay by {user}")
        _navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
    prof = _open(page, live_server, "instructor-1", rounds)
    _advance(page, prof, "Peer review")
    for user, p in pages.items():
        t = _open(p, live_server, user, rounds)
        for i in range(2):
            _navigate(p, t.get_by_test_id("review-link").nth(i))
            evidence = t.locator("form.config fieldset")
            assert evidence.count() == 1
            assert "Evidence" in evidence.locator("legend").inner_text()
            # student-2 reads every essay as fully sourced, the others as unsourced
            evidence.locator("input[type=radio]").nth(1 if user == "student-2" else 0).check()
            evidence.locator("textarea").fill("Name the source of the second claim")
            t.locator("#overall").fill("Clear")
            _navigate(p, t.get_by_test_id("submit-review"))
            t.get_by_test_id("review-link").first.wait_for()
    prof = _open(page, live_server, "instructor-1", rounds)
    _advance(page, prof, "Respond to reviews")

    # Criterion health flags Evidence; the facilitator sends the rubric back to proposals.
    _navigate(page, prof.get_by_test_id("queue-link"))
    row = prof.get_by_test_id("criterion-row").filter(has_text="Evidence")
    assert "reviewers disagree" in row.get_by_test_id("criterion-flag").inner_text()
    reason = "Reviewers read Evidence differently: say what counts as a source."
    prof.locator("#revision-reason").fill(reason)
    prof.get_by_test_id("confirm-revision").check()
    _navigate(page, prof.get_by_test_id("open-rubric-revision"))
    prof.locator("[data-testid=phase-propose][aria-current=step]").wait_for()

    # A student reads why, with the evidence in view, and proposes a change.
    t = _open(pages["student-3"], live_server, "student-3", rubric)
    assert reason in t.get_by_test_id("back-notice").inner_text()
    assert "reviewers disagree" in t.get_by_test_id("revision-flag").inner_text()
    t.locator("#p-title").fill("Named sources")
    t.locator("#p-desc").fill("Every claim names the book, paper or page it comes from")
    _navigate(pages["student-3"], t.get_by_role("button", name="Propose"))

    # The facilitator takes the proposal's wording into the criterion and publishes version 2.
    prof = _open(page, live_server, "instructor-1", rubric)
    _rubric_forward(page, prof, "discuss")
    card = prof.get_by_test_id("criterion").filter(has_text="Evidence")
    _fitted(page)
    card.get_by_text("Edit the wording").click()
    card.locator("input[name=title]").fill("Named sources")
    card.locator("textarea[name=description]").fill(
        "Every claim names the book, paper or page it comes from"
    )
    _navigate(page, card.get_by_role("button", name="Save"))
    for phase in ("vote", "describe", "finalise"):
        _rubric_forward(page, prof, phase)
    _navigate(page, prof.get_by_test_id("publish-form").get_by_role("button", name="Publish"))
    prof.get_by_test_id("latest-version").filter(has_text="version 2").wait_for()

    # Round 2 assesses with version 2.
    prof = _open(page, live_server, "instructor-1", rounds)
    _advance(page, prof, "Revise")
    _advance(page, prof, "Round 2")
    for user, p in pages.items():
        t = _open(p, live_server, user, rounds)
        t.locator("#body").fill(f"Round 2 essay by {user}, every source named")
        _navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
    prof = _open(page, live_server, "instructor-1", rounds)
    _advance(page, prof, "Peer review")
    student = pages["student-1"]
    t = _open(student, live_server, "student-1", rounds)
    _navigate(student, t.get_by_test_id("review-link").first)
    fieldset = t.locator("form.config fieldset")
    assert fieldset.count() == 1
    assert fieldset.locator("legend").inner_text() == "Named sources"
    assert "names the book, paper or page" in fieldset.inner_text()
    # Round 1's reviews keep version 1: Amira's feedback on her round 1 essay reads "Evidence".
    t = _open(student, live_server, "student-1", rounds)
    past = t.get_by_test_id("past-round")
    past.locator("summary").click()
    received = past.get_by_test_id("received-review")
    assert received.count() == 2
    for i in range(2):
        text = received.nth(i).inner_text()
        assert "Evidence" in text and "Named sources" not in text
