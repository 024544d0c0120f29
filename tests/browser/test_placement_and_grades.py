"""Placement and grades in a real Chromium that blocks third-party cookies, through the sandbox
LMS: the instructor adds an activity with the course page's "Add activity" (a deep linking
launch into the tool's picker, inside the iframe), the sandbox stores the returned link and its
gradebook column, a student opens the new link, and a score the instructor saves in Coproduce
reaches the sandbox's gradebook (delivered by the in-process worker after the commit)."""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, expect

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:  # noqa: S310 - the test app's own URL
        return response.read().decode()


def test_instructor_places_an_activity_and_a_score_reaches_the_gradebook(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()

    tool = page.frame_locator("#tool-frame")
    tool.get_by_role("heading", name=re.compile("Adding an activity")).wait_for()
    # No kind's phase dates before a kind is chosen, then only the chosen kind's (progressive
    # enhancement).
    expect(tool.locator("fieldset.phases:visible")).to_have_count(0)
    tool.locator("input[name=kind][value=goal_setting]").check()
    assert tool.locator("fieldset.phases[data-kind=goal_setting]").is_visible()
    assert tool.locator("fieldset.phases[data-kind=feedback_rounds]").is_hidden()
    title = f"Browser goals {int(time.time())}"
    tool.locator("#title").fill(title)
    tool.locator("#instructions").fill("Two SMART goals by Friday.")
    tool.locator("#points").fill("10")
    tool.get_by_role("button", name="Add to the course").click()

    # The signed response went back to the sandbox, inside the same iframe.
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    assert title in placed.inner_text()
    link_id = placed.get_attribute("data-link")
    assert link_id and link_id.startswith("dl-")
    placed.get_by_role("link", name="open it").click()  # target=_top: the course page, that link
    page.wait_for_url(re.compile(rf"link={link_id}"))
    tool = page.frame_locator("#tool-frame")
    assert tool.get_by_test_id("activity-title").inner_text() == title

    # A student opens it: it is bound to the activity (custom parameter), no set-up asked.
    student = context.new_page()
    student.goto(live_server.course_url("student-7") + f"?link={link_id}")
    assert (
        student.frame_locator("#tool-frame").get_by_test_id("activity-title").inner_text() == title
    )

    # The instructor scores the student on the progress page.
    tool.get_by_test_id("progress-link").click()
    row = tool.locator("tr", has_text="Greta Lindqvist")
    row.locator("input[name=score]").fill("9")
    row.locator("input[name=comment]").fill("Ambitious and measurable")
    row.get_by_role("button", name="Save score").click()
    tool.get_by_test_id("notice").wait_for()

    # Delivered in the background; the sandbox gradebook shows it with its comment.
    deadline = time.monotonic() + 15
    while True:
        gradebook = _get(f"{live_server.sandbox_base_url}/sandbox/gradebook/instructor-1")
        # This test's own column (other browser tests share the sandbox and add theirs).
        column = re.search(rf'data-column="(\d+)">{re.escape(title)}<', gradebook)
        cell = column and re.search(
            rf'data-cell="{column.group(1)}:student-7">(.*?)</td>', gradebook, re.S
        )
        if cell and 'data-testid="score">9<' in cell.group(1):
            break
        assert time.monotonic() < deadline, "the score did not reach the sandbox gradebook"
        time.sleep(0.2)
    assert "Ambitious and measurable" in cell.group(1)
    assert title in gradebook
    # The progress page, shown again, says so too.
    frame = page.frame(name="tool_frame")
    assert frame is not None and "/progress" in frame.url
    frame.goto(frame.url)
    delivered = page.frame_locator("#tool-frame").locator("tr", has_text="Greta Lindqvist")
    assert delivered.get_attribute("data-delivery") == "delivered"
