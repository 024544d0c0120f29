"""Peer assessment that earns trust, in a real Chromium through the sandbox LMS: the instructor
turns on calibration and the weighted method, adds and assesses an exemplar and publishes it;
three students calibrate (and only then see the facilitator's levels and why), review each
other, and read their score with each reviewer's weight (numbered) beside the unweighted level;
one contests and the instructor overrides. (The rubric-revision loop to version 2 is exercised
over HTTP in tests/activities/feedback/test_rubric_loop.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.test_feedback_rounds import _advance, _navigate, _open

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
STUDENTS = {"student-1": "Amira Haddad", "student-2": "Ben Carter", "student-3": "Chen Wei"}


def test_calibration_weights_contest_and_override(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
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
    prof.get_by_test_id("calibration-on").check()
    prof.locator("input[name=calibration_required]").check()
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

    pages = {user: context.new_page() for user in STUDENTS}
    for n, (user, p) in enumerate(pages.items()):
        t = _open(p, live_server, user, link_id)
        t.locator("#body").fill(f"Essay by {user}")
        _navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
        _navigate(p, t.get_by_test_id("calibration-link").get_by_role("link"))
        item = t.get_by_test_id("calibration-exemplar")
        assert "Every claim follows" not in item.inner_text()  # not before their own attempt
        # student-1 calibrates well, the others too generously on Evidence... or severely
        item.locator("fieldset").nth(0).locator("input[type=radio]").nth(3 - n).check()
        item.locator("fieldset").nth(1).locator("input[type=radio]").nth(1).check()
        _navigate(p, item.get_by_test_id("submit-calibration"))
        t.get_by_test_id("calibration-result").wait_for()
        assert "Every claim follows from the one before" in t.locator("main").inner_text()

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
    t.locator("#contest").fill("My argument was strong")
    _navigate(student, t.get_by_role("button", name="Send to the facilitator"))
    t.get_by_test_id("contest-state").wait_for()

    prof = _open(page, live_server, "instructor-1", link_id)
    contest = prof.get_by_test_id("contest")
    contest.locator("input[value=override]").check()
    contest.locator("input[name=points]").fill("9")
    contest.locator("textarea[name=reason]").fill("Checked against the exemplar")
    _navigate(page, contest.get_by_role("button", name="Resolve"))
    t = _open(student, live_server, "student-2", link_id)
    assert "Checked against the exemplar" in t.get_by_test_id("contest-state").inner_text()
    assert "9.0" in t.get_by_test_id("score").inner_text()
