"""Feedback rounds in a real Chromium through the sandbox LMS: the instructor places the
activity and sets its rubric; four students submit, review each other, respond with
helpfulness, the coach endorses a peer comment, students plan their revision and resubmit in
round 2; the scores reach the sandbox gradebook."""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page

from tests.browser.a11y import Audit
from tests.browser.flows import advance, link_url, navigate, open_tool

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
STUDENTS = {
    "student-1": "Amira Haddad",
    "student-2": "Ben Carter",
    "student-3": "Chen Wei",
    "student-4": "Dara Byrne",
}


def _get(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:  # noqa: S310 - the test app's own URL
        return response.read().decode()


def _open(page: Page, live_server: LiveServer, user: str, link_id: str) -> FrameLocator:
    return open_tool(page, link_url(live_server, user, link_id))


def test_two_rounds_with_four_students(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    audit = Audit()  # axe and the 390 px width on every page of the flow
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.locator("input[name=kind][value=feedback_rounds]").check()
    title = f"Essay rounds {int(time.time())}"
    tool.locator("#title").fill(title)
    tool.locator("#points").fill("10")
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id

    prof = _open(page, live_server, "instructor-1", link_id)
    navigate(page, prof.get_by_test_id("settings-link"))
    audit.check(page, "feedback-settings")
    prof.locator("#rubric").fill(
        "Argument: weak / fair / good / strong\nEvidence: thin / adequate / rich"
    )
    prof.locator("#k").fill("2")
    navigate(page, prof.get_by_test_id("save-settings"))
    prof.get_by_test_id("phase").filter(has_text="submit").wait_for()
    audit.check(page, "feedback-staff-submit")

    pages = {user: context.new_page() for user in STUDENTS}
    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        t.locator("#body").fill(f"Round 1 essay by {user}")
        navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
    prof = _open(page, live_server, "instructor-1", link_id)
    audit.check(pages["student-4"], "feedback-student-submitted")
    # All four submitted; the course may hold students of the other browser tests (one sandbox
    # course is shared by the run), who have not.
    counts = re.search(
        r"(\d+) of (\d+) submitted", prof.get_by_test_id("progress-counts").inner_text()
    )
    assert counts and int(counts.group(1)) == 4 and int(counts.group(2)) >= 4, counts
    advance(page, prof, "review")

    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        assert t.get_by_test_id("review-link").count() == 2
        for i in range(2):
            navigate(p, t.get_by_test_id("review-link").nth(i))
            sets = t.locator("form.config fieldset")
            sets.first.wait_for()
            if user == "student-1" and i == 0:
                audit.check(p, "feedback-review-form")
            for j in range(sets.count()):
                sets.nth(j).locator("input[type=radio]").nth(1 + (i + j) % 2).check()
                sets.nth(j).locator("textarea").fill(f"Point {j} from a peer: add a source")
            t.locator("#overall").fill("Clear structure")
            navigate(p, t.get_by_test_id("submit-review"))
            t.get_by_test_id("review-link").first.wait_for()
        # no classmate's name on a student's page (double-blind by default)
        html = t.locator("main").inner_html()
        assert not [n for u, n in STUDENTS.items() if u != user and n in html]
    audit.check(pages["student-4"], "feedback-student-reviews-done")
    advance(page, prof, "respond")

    # The coach endorses a peer comment on the first submission.
    coach_page = context.new_page()
    coach = _open(coach_page, live_server, "ta-1", link_id)
    first = coach.get_by_test_id("submission-link").first
    author = first.inner_text().strip()
    navigate(coach_page, first)
    navigate(coach_page, coach.get_by_test_id("endorse").first)
    coach.get_by_role("button", name="Withdraw endorsement").first.wait_for()
    audit.check(coach_page, "feedback-coach-submission")

    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        articles = t.get_by_test_id("received-review")
        assert articles.count() == 2
        for i in range(2):
            article = t.get_by_test_id("received-review").nth(i)
            article.locator("input[name=helpfulness][value='4']").check()
            acts = article.locator("input[value=act]")
            for j in range(acts.count()):
                acts.nth(j).check()
            navigate(p, article.get_by_test_id("respond"))
            t.get_by_test_id("received-review").first.wait_for()
        if user == "student-4":
            audit.check(p, "feedback-student-respond")
        if STUDENTS[user] == author:
            assert t.get_by_test_id("endorsed").count() >= 1
            assert "Tomás" not in t.locator("main").inner_html()
    advance(page, prof, "revise")

    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        t.locator("#plan").fill("Add two sources to the argument")
        t.locator("input[name=comment_id]").first.check()
        navigate(p, t.get_by_test_id("save-plan"))
        t.locator("#plan").wait_for()
    audit.check(pages["student-4"], "feedback-student-plan")
    advance(page, prof, "Round 2")

    for user, p in pages.items():
        t = _open(p, live_server, user, link_id)
        t.locator("#body").fill(f"Round 2 essay by {user}, with sources")
        navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()

    prof = _open(page, live_server, "instructor-1", link_id)
    navigate(page, prof.get_by_test_id("update-scores"))
    prof.get_by_test_id("phase").wait_for()
    audit.check(page, "feedback-staff-round-2")

    # Peer-assessed scores are held until the facilitator releases them (grading.release).
    navigate(page, prof.get_by_role("link", name="Grade delivery"))
    prof.get_by_test_id("held-count").wait_for()
    navigate(page, prof.get_by_test_id("release-now"))
    prof.get_by_test_id("notice").wait_for()
    audit.check(page, "grading-progress-feedback")

    # This activity's own column: the browser tests share one sandbox course, whose gradebook
    # holds the columns of the other tests' activities too.
    gradebook_url = f"{live_server.sandbox_base_url}/sandbox/gradebook/instructor-1"
    column = re.search(rf'data-column="(\d+)">{re.escape(title)}<', _get(gradebook_url))
    assert column, "the activity has no gradebook column"
    deadline = time.monotonic() + 30
    while True:
        gradebook = _get(gradebook_url)
        cells = {
            user: re.search(rf'data-cell="{column.group(1)}:{user}">(.*?)</td>', gradebook, re.S)
            for user in STUDENTS
        }
        if all(c and 'data-testid="score">' in c.group(1) for c in cells.values()):
            break
        assert time.monotonic() < deadline, "the scores did not reach the sandbox gradebook"
        time.sleep(0.3)
    t = _open(pages["student-4"], live_server, "student-4", link_id)
    audit.check(pages["student-4"], "feedback-student-round-2")
    audit.assert_clean()
