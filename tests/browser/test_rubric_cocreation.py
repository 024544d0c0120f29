"""Rubric co-creation in a real Chromium through the sandbox LMS: three students propose, the
facilitator merges two and declines one with a reason, students vote, levels are drafted and
accepted, the rubric is finalised, and the change log shows all three proposals' fates."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.a11y import Audit
from tests.browser.flows import (
    cast_ballot,
    draft_levels,
    move,
    navigate,
    open_tool,
    propose,
    publish,
    set_level_points,
)

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_the_class_co_creates_a_rubric(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    audit = Audit()  # axe and the 390 px width on every page of the flow
    tool.locator("input[name=kind][value=rubric_cocreation]").wait_for()
    audit.check(page, "picker")
    tool.locator("input[name=kind][value=rubric_cocreation]").check()
    title = f"Essay rubric {int(time.time())}"
    tool.locator("#title").fill(title)
    tool.locator("#points").fill("9")
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    course = live_server.course_url("instructor-1") + f"?link={link_id}"
    tool = open_tool(page, course)
    # Two levels keep the test short.
    audit.check(page, "rubric-instructor-propose")
    set_level_points(page, tool, "1, 2")

    students = {}
    for sub, proposal in (
        ("student-1", "Clarity"),
        ("student-2", "Clear writing"),
        ("student-3", "Length"),
    ):
        students[sub] = context.new_page()
        frame = open_tool(students[sub], live_server.course_url(sub) + f"?link={link_id}")
        propose(frame, proposal, f"What {proposal.lower()} means <b>here</b>")
    audit.check(students["student-3"], "rubric-student-propose")

    tool = open_tool(page, course)
    move(tool, "discuss")
    merge = tool.get_by_test_id("merge-form")
    merge.get_by_label("Clarity", exact=True).check()
    merge.get_by_label("Clear writing", exact=True).check()
    merge.locator("#m-title").fill("Clarity")
    merge.locator("#m-desc").fill("Ideas easy to follow, in plain words")
    merge.get_by_role("button", name="Merge").click()
    tool.get_by_text("merged into “Clarity”").first.wait_for()
    length = tool.locator("article[data-testid=proposal]", has_text="Length")
    length.locator("input[name=reason]").fill("Length says nothing about quality")
    length.get_by_role("button", name="Decline").click()
    tool.get_by_text("declined: Length says nothing about quality").wait_for()
    audit.check(page, "rubric-instructor-discuss")

    move(tool, "vote")
    for sub in ("student-1", "student-2"):
        frame = open_tool(students[sub], live_server.course_url(sub) + f"?link={link_id}")
        cast_ballot(frame)
    audit.check(students["student-2"], "rubric-student-vote")

    tool = open_tool(page, course)
    move(tool, "describe")
    assert tool.get_by_test_id("tally-table").inner_text().count("\n") >= 1
    audit.check(page, "rubric-instructor-describe-results")
    frame = open_tool(
        students["student-3"], live_server.course_url("student-3") + f"?link={link_id}"
    )
    draft_levels(frame, [("Level 1", "Hard to follow"), ("Level 2", "Easy to follow")])
    audit.check(students["student-3"], "rubric-student-describe")

    tool = open_tool(page, course)
    for level in (1, 2):
        drafts = tool.get_by_role("list", name=f"Drafts for level {level}")
        drafts.get_by_text("Accept this draft").click()
        if level == 2:
            drafts.locator("textarea[name=description]").fill("Easy to follow, every paragraph")
        drafts.get_by_role("button", name="Accept").click()
        tool.get_by_role("heading", name=re.compile(f"Level {level}: Level {level}")).wait_for()
    tool.get_by_test_id("level-edited").wait_for()  # the edit is shown, with the original
    audit.check(page, "rubric-instructor-levels")

    move(tool, "finalise")
    publish(tool)
    audit.check(page, "rubric-instructor-published")
    # Every page has a heading: wait for the version page itself, not the one before.
    navigate(page, tool.get_by_test_id("latest-version"))
    tool.get_by_role("heading", level=1).wait_for()
    audit.check(page, "rubric-version")
    tool = open_tool(page, course)
    tool.get_by_test_id("changelog-link").click()
    log = tool.get_by_test_id("changelog")
    log.wait_for()
    audit.check(page, "rubric-changelog")
    outcomes = [o.inner_text() for o in tool.get_by_test_id("changelog-outcome").all()]
    assert outcomes == [
        "merged into “Clarity”",
        "merged into “Clarity”",
        "declined because: Length says nothing about quality",
    ]
    # The course hub counts the class's proposals: its chart and table, audited with data.
    tool.get_by_test_id("course-hub-link").click()
    tool.get_by_test_id("chart-adoption").wait_for()
    assert tool.get_by_test_id("adoption-rate").inner_text().endswith("%")
    audit.check(page, "hub-facilitator")
    # A student sees the same fates, and their own proposal marked.
    frame = open_tool(
        students["student-3"], live_server.course_url("student-3") + f"?link={link_id}"
    )
    frame.get_by_test_id("changelog-link").click()
    assert "Length says nothing about quality" in frame.get_by_test_id("changelog").inner_text()
    audit.check(students["student-3"], "rubric-student-changelog")
    audit.assert_clean()
