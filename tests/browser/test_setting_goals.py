"""Goal setting in a real Chromium (third-party cookies blocked) through the sandbox LMS: the
instructor places a goal setting activity; a student drafts and submits a goal; the coach
suggests a change; the student revises; the instructor agrees; the student checks in twice and
reflects; the sandbox gradebook then shows the score and, through a submission review, the
artifact."""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect

from tests.browser.a11y import Audit
from tests.browser.flows import navigate

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
STUDENT, STUDENT_NAME = "student-5", "Elif Yilmaz"


def _get(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:  # noqa: S310 - the test app's own URL
        return response.read().decode()


def _open(page: Page, live_server: LiveServer, user: str, link_id: str) -> FrameLocator:
    page.bring_to_front()  # a click in a background tab may not navigate its iframe
    page.goto(live_server.course_url(user) + f"?link={link_id}")
    return page.frame_locator("#tool-frame")


def _place(page: Page, live_server: LiveServer, title: str) -> str:
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.get_by_role("heading", name=re.compile("Adding an activity")).wait_for()
    tool.locator("input[name=kind][value=goal_setting]").check()
    tool.locator("#title").fill(title)
    tool.locator("#instructions").fill("One SMART goal, two check-ins, a reflection.")
    tool.locator("#points").fill("10")
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id
    return link_id


def _goal_of_student(tool: FrameLocator) -> None:
    expect(tool.get_by_test_id("student-row").first).to_contain_text(STUDENT_NAME)
    tool.locator("tr", has_text=STUDENT_NAME).get_by_role("link").nth(1).click()
    tool.get_by_test_id("goal-title").wait_for()


@pytest.fixture(params=["canvas", "moodle"])
def platform_profile(request: pytest.FixtureRequest, live_server: LiveServer) -> Iterator[str]:
    """The goal's way to the gradebook under each platform's rules; Canvas with a one-attempt
    assignment (the plan is submitted twice: the second has no attempt left)."""
    rules = {"allowed_attempts": 1} if request.param == "canvas" else {}
    live_server.use_profile(request.param, **rules)
    try:
        yield request.param
    finally:
        live_server.use_profile("generic")


def test_a_goal_from_draft_to_reflection_reaches_the_gradebook(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, platform_profile: str
) -> None:
    context = launch_browser()
    # axe and the 390 px width on every page of the flow, once (the pages are the same under
    # both platforms' rules).
    audit = Audit() if platform_profile == "canvas" else None
    teacher = context.new_page()
    title = f"Browser goal setting {platform_profile} {int(time.time())}"
    link_id = _place(teacher, live_server, title)

    # The student drafts a goal with the SMART guidance and submits it.
    student_page = context.new_page()
    tool = _open(student_page, live_server, STUDENT, link_id)
    expect(tool.get_by_test_id("next-step")).to_contain_text("Draft your first goal")
    if audit:
        audit.check(student_page, "goals-student-home-empty")
    tool.get_by_test_id("new-goal").click()
    if audit:
        tool.locator("#what").wait_for()
        audit.check(student_page, "goals-new-goal-form")
    tool.locator("#what").fill("Write a lab report <b>in two drafts</b>")
    tool.locator("#measure").fill("The second draft meets every criterion")
    tool.locator("#plan").fill("One draft a week, peer feedback in between")
    tool.locator("#relevance").fill("Lab reports are half of the grade")
    tool.locator("#by_when").fill("2026-12-10")
    tool.get_by_test_id("submit-goal").click()
    expect(tool.get_by_test_id("goal-status")).to_have_text("Waiting for agreement")
    assert "<b>in two drafts</b>" in tool.get_by_test_id("goal-title").inner_text()  # escaped

    # The instructor moves on from "Draft goals" (goals are agreed from "Agree goals" on).
    overview = _open(teacher, live_server, "instructor-1", link_id)
    overview.get_by_test_id("move-forward").click()
    expect(overview.get_by_test_id("phase")).to_have_text("Agree goals")

    # The coach suggests a change from the class overview, queue first.
    coach_page = context.new_page()
    coach = _open(coach_page, live_server, "ta-1", link_id)
    expect(coach.get_by_test_id("student-row").first).to_contain_text(STUDENT_NAME)
    if audit:
        audit.check(coach_page, "goals-coach-overview")
    _goal_of_student(coach)
    if audit:
        audit.check(coach_page, "goals-coach-goal")
    coach.locator("#comment").fill("Make the measure a number: which criteria, what level?")
    coach.get_by_test_id("suggest").click()
    expect(coach.get_by_test_id("goal-status")).to_have_text("Change suggested")

    # The student revises; version 1 stays as written.
    tool = _open(student_page, live_server, STUDENT, link_id)
    expect(tool.get_by_test_id("next-step")).to_contain_text("revise")
    expect(tool.get_by_test_id("goal-row")).to_have_count(1)
    tool.get_by_test_id("goal-row").get_by_role("link").click()
    expect(tool.get_by_test_id("response")).to_contain_text("which criteria")
    tool.locator("#measure").fill("Level 3 of 4 or better on every rubric criterion")
    tool.get_by_test_id("submit-goal").click()
    expect(tool.get_by_test_id("goal-status")).to_have_text("Waiting for agreement")
    assert tool.get_by_test_id("version-1").is_visible()
    assert tool.get_by_test_id("version-2").is_visible()

    # The instructor agrees.
    overview = _open(teacher, live_server, "instructor-1", link_id)
    _goal_of_student(overview)
    overview.locator("#comment").fill("Agreed: clear and measurable.")
    overview.get_by_test_id("agree").click()
    expect(overview.get_by_test_id("goal-status")).to_have_text("Agreed")

    # The student checks in twice and reflects.
    tool = _open(student_page, live_server, STUDENT, link_id)
    expect(tool.get_by_test_id("goal-row")).to_have_count(1)
    tool.get_by_test_id("goal-row").get_by_role("link").click()
    for progress, evidence in (("40", "First draft done"), ("85", "Second draft, peer-reviewed")):
        tool.locator("#progress").fill(progress)
        tool.locator("#evidence").fill(evidence)
        tool.locator("#confidence").select_option("4")
        tool.get_by_test_id("check-in-submit").click()
        expect(tool.get_by_test_id("check-in").last).to_contain_text(evidence)
    expect(tool.get_by_test_id("check-in")).to_have_count(2)
    expect(tool.get_by_test_id("progress-table")).to_contain_text("40 → 85")
    if audit:
        audit.check(student_page, "goals-student-goal-check-ins")
    tool.locator("input[name=outcome][value=achieved]").check()
    tool.locator("#learned").fill("Planning two drafts ahead works for me.")
    tool.locator("#next_steps").fill("Same plan for the next report.")
    tool.get_by_test_id("reflect-submit").click()
    expect(tool.get_by_test_id("goal-status")).to_have_text("Reflected on")
    if audit:
        audit.check(student_page, "goals-student-goal-reflected")
        tool = _open(student_page, live_server, STUDENT, link_id)
        tool.get_by_test_id("goal-row").wait_for()
        audit.check(student_page, "goals-student-home")
        overview = _open(teacher, live_server, "instructor-1", link_id)
        overview.get_by_test_id("student-row").first.wait_for()
        audit.check(teacher, "goals-instructor-overview")
        overview.get_by_role("link", name="Change the goal settings").click()
        overview.locator("input[name=scoring]").first.wait_for()
        audit.check(teacher, "goals-settings")
        overview = _open(teacher, live_server, "instructor-1", link_id)
        # Every page has a heading: wait for the progress page itself, not the one before.
        navigate(teacher, overview.get_by_test_id("progress-link"))
        overview.get_by_role("heading", level=1).wait_for()
        audit.check(teacher, "grading-progress-goals")

    # The sandbox gradebook shows the score (delivered in the background) and the artifact.
    # Other browser tests share the sandbox: find this activity's own column by its title.
    gradebook_url = f"{live_server.sandbox_base_url}/sandbox/gradebook/instructor-1"
    column = re.search(rf'data-column="(\d+)">{re.escape(title)}<', _get(gradebook_url))
    assert column, "the activity has no gradebook column"
    deadline = time.monotonic() + 20
    while True:
        gradebook = _get(gradebook_url)
        cell = re.search(rf'data-cell="{column.group(1)}:{STUDENT}">(.*?)</td>', gradebook, re.S)
        if cell and 'data-testid="score">10<' in cell.group(1):
            break
        assert time.monotonic() < deadline, "the score did not reach the sandbox gradebook: " + (
            cell.group(1) if cell else "no cell"
        )
        time.sleep(0.2)
    assert "See the work:" in cell.group(1)
    teacher.goto(f"{live_server.sandbox_base_url}/sandbox/gradebook/instructor-1")
    teacher.locator(f'td[data-cell="{column.group(1)}:{STUDENT}"]').get_by_test_id("review").click()
    artifact = teacher.frame_locator("#tool-frame").get_by_test_id("artifact")
    expect(artifact).to_contain_text("Goal plan")
    text = artifact.inner_text()
    assert "Goal plan" in text and "Version 2" in text and "First draft done" in text
    assert "Reflection: Achieved" in text
    if audit:
        audit.check(teacher, "submission-review-goals")
        audit.assert_clean()
