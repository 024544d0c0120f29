"""Keyboard-only runs of the rubric and feedback activities in a real Chromium (issue 15, item
8; the goal run is in test_accessibility): from the top of the LMS page, a student reaches and
fills every control with Tab, the arrow keys, Space and Enter alone, as someone who cannot use a
pointer does. The facilitator's steps in between use the mouse: they are not what is tested.

Focus only moves by the keyboard here (`tab_to` presses Tab until the control has the focus):
a control that cannot be reached that way fails the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, expect

from tests.browser.a11y import loaded
from tests.browser.flows import advance, fitted, link_url, move, open_tool, place

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def tab_to(frame: Frame, selector: str, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus in the tool's frame."""
    for _ in range(limit):
        if frame.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        frame.page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never took the focus by Tab")


def from_the_top(page: Page, url: str, ready: str) -> Frame:
    """The person's course page opened at the activity, the focus at the top of the LMS page."""
    open_tool(page, url, testid=ready)
    frame = page.frame(name="tool_frame")
    assert frame is not None
    page.locator("body").focus()
    return frame


def press_and_follow(page: Page, key: str = "Enter") -> Frame:
    """Press `key` on the focused control and wait for the page it leads to."""
    frame = page.frame(name="tool_frame")
    assert frame is not None
    with frame.expect_navigation(wait_until="commit"):
        page.keyboard.press(key)
    loaded(frame)
    fitted(page)
    return frame


def test_a_student_proposes_a_criterion_and_votes_with_the_keyboard_only(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    prof = context.new_page()
    link = place(prof, live_server, "rubric_cocreation", f"Keyboard rubric {int(time.time())}", "6")
    student = context.new_page()
    frame = from_the_top(student, link_url(live_server, "student-1", link), "propose-form")
    for field, words in (
        ("#p-title", "Sources cited"),
        ("#p-desc", "Every claim names where it comes from"),
    ):
        tab_to(frame, field)
        student.keyboard.type(words)
    tab_to(frame, "[data-testid=propose-form] button[type=submit]")
    frame = press_and_follow(student)
    expect(frame.get_by_role("heading", name="Sources cited", exact=True)).to_be_visible()

    tool = open_tool(prof, link_url(live_server, "instructor-1", link))
    move(tool, "discuss")
    card = tool.locator("article[data-testid=proposal]", has_text="Sources cited")
    card.get_by_role("button", name="Accept as-is").click()
    card.get_by_test_id("proposal-fate").filter(has_text="accepted").wait_for()
    move(tool, "vote")

    frame = from_the_top(student, link_url(live_server, "student-1", link), "ballot-form")
    tab_to(frame, "[data-testid=ballot-form] input[type=number]")
    student.keyboard.press("Control+A")
    student.keyboard.type("3")
    tab_to(frame, "[data-testid=ballot-form] button[type=submit]")
    frame = press_and_follow(student)
    expect(frame.get_by_role("button", name="Change my ballot")).to_be_visible()


def test_students_submit_and_review_with_the_keyboard_only(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    prof_page = context.new_page()
    link = place(
        prof_page, live_server, "feedback_rounds", f"Keyboard rounds {int(time.time())}", "10"
    )
    prof = open_tool(prof_page, link_url(live_server, "instructor-1", link))
    prof.get_by_test_id("settings-link").click()
    prof.locator("#k").wait_for()
    prof.locator("#rubric").fill("Argument: weak / fair / good")
    prof.locator("#k").fill("1")
    prof.get_by_test_id("save-settings").click()
    prof.get_by_test_id("phase").filter(has_text="submit").wait_for()

    pages = {}
    for user in ("student-1", "student-2"):
        page = pages[user] = context.new_page()
        frame = from_the_top(page, link_url(live_server, user, link), "submit-work")
        tab_to(frame, "#body")
        page.keyboard.type(f"My essay, by keys alone ({user})")
        tab_to(frame, "[data-testid=submit-work]")
        frame = press_and_follow(page)
        expect(frame.get_by_test_id("submitted")).to_be_visible()

    prof = open_tool(prof_page, link_url(live_server, "instructor-1", link))
    advance(prof_page, prof, "review")

    page = pages["student-1"]
    frame = from_the_top(page, link_url(live_server, "student-1", link), "review-link")
    tab_to(frame, "[data-testid=review-link]")
    frame = press_and_follow(page)
    # A radio group takes the focus once (on its first level); the arrow keys pick the level.
    tab_to(frame, "form.config fieldset input[type=radio]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    tab_to(frame, "form.config fieldset textarea")
    page.keyboard.type("Name the source of the second claim")
    tab_to(frame, "#overall")
    page.keyboard.type("A clear argument")
    tab_to(frame, "[data-testid=submit-review]")
    frame = press_and_follow(page)
    # Submitted with the level the arrow key chose (the second of three) and the words typed.
    tab_to(frame, "[data-testid=review-link]")
    frame = press_and_follow(page)
    expect(frame.get_by_test_id("review-submitted")).to_be_visible()
    levels = frame.locator("form.config fieldset").first.locator("input[type=radio]")
    assert levels.nth(1).is_checked()
    assert "second claim" in frame.locator("form.config fieldset textarea").first.input_value()
