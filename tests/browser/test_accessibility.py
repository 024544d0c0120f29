"""Accessibility gated in a real Chromium (issue 15, item 8): the pages outside the activity
flows (start pages of each role, the course hub, the placement picker, the admin console reached from an LMS
administrator's launch, its sign-in page, error pages) pass axe-core with 0 violations at a
desktop width and at 390 px, and never scroll sideways at 390 px; every control shows a focus
outline of at least 3:1 against what surrounds it; the tool asks the platform to resize its
iframe (`lti.frameResize`) and forwards confirmations to the platform's screen-reader alerts
(`lti.screenReaderAlert`); and a student drafts and submits a goal with the keyboard alone.

The activity pages are audited inside their own flows (test_setting_goals, test_rubric_cocreation,
test_feedback_rounds: `tests.browser.a11y.Audit`), where their content is real. One browser per
test, many pages per test: the machine is small.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, expect

from tests.browser.a11y import Audit, loaded, tool_frame

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

# WCAG 2.2 SC 1.4.11 (non-text contrast) and 2.4.7/2.4.13 (focus visible / appearance): the
# focus indicator needs 3:1 against the colours next to it.
_FOCUS_PROBE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(s => parseFloat(s));
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  // The outline is drawn outside the element (outline-offset >= 0): what it is seen against is
  // the first opaque background among the ancestors.
  let node = el.parentElement, behind = {r: 255, g: 255, b: 255, a: 1};
  while (node) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg && bg.a > 0.99) { behind = bg; break; }
    node = node.parentElement;
  }
  const s = getComputedStyle(el);
  const colour = parse(s.outlineColor);
  const width = parseFloat(s.outlineWidth) || 0;
  const ratio = colour ? (Math.max(lum(colour), lum(behind)) + 0.05) /
                         (Math.min(lum(colour), lum(behind)) + 0.05) : 0;
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  return {name, style: s.outlineStyle, width, ratio: Math.round(ratio * 100) / 100};
}
"""


def _course(page: Page, live_server: LiveServer, user: str, link: str | None = None) -> Frame:
    page.goto(live_server.course_url(user) + (f"?link={link}" if link else ""))
    frame = tool_frame(page)
    # The login page and the launch post come first; the landing page is what is audited.
    frame.wait_for_url(lambda url: not urlsplit(url).path.startswith("/lti/"))
    loaded(frame)
    return tool_frame(page)


def _follow(page: Page, frame: Frame, name: str) -> Frame:
    with frame.expect_navigation():
        frame.locator("main, nav").get_by_role("link", name=name, exact=True).first.click()
    return tool_frame(page)


def _focus_problems(target: Frame | Page, where: str, limit: int = 60) -> tuple[int, list[str]]:
    """Tab through the document from its start; every control that takes focus must show a
    solid outline of 2 px or more at 3:1. Returns (controls seen, problems)."""
    target.locator("body").evaluate(
        "b => { b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }"
    )
    seen: set[str] = set()
    problems = []
    for _ in range(limit):
        target.locator("body").press("Tab")
        probe = target.evaluate(_FOCUS_PROBE)
        if probe is None or probe["name"] in seen:
            break  # focus left the document, or came round again
        seen.add(probe["name"])
        if probe["style"] in ("none", "hidden") or probe["width"] < 2 or probe["ratio"] < 3:
            problems.append(f"{where}: {probe}")
    return len(seen), problems


def test_start_console_and_error_pages(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    audit = Audit()

    for user, name in (("student-2", "start-student"), ("ta-1", "start-coach")):
        _course(page, live_server, user)
        audit.check(page, name)
    # The student's reminder e-mail preferences, one click from the start page.
    frame = tool_frame(page)
    with frame.expect_navigation():
        frame.get_by_test_id("mail-preferences-link").click()
    loaded(tool_frame(page))
    audit.check(page, "mail-preferences-coach")

    # The course hub, from the coach's start page (its charts and tables, or its empty states).
    frame = tool_frame(page)
    with frame.expect_navigation():
        frame.get_by_test_id("course-hub-link").first.click()
    tool_frame(page).get_by_role("heading", name="Course hub", exact=True).wait_for()
    audit.check(page, "hub-coach")

    # The placement picker (deep linking) of the instructor.
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool_frame(page).locator("input[name=kind]").first.wait_for()
    audit.check(page, "picker")

    # The admin console, from an LMS administrator's launch inside the iframe.
    frame = _course(page, live_server, "admin-1")
    audit.check(page, "start-admin")
    with frame.expect_navigation():
        frame.get_by_test_id("admin-console-link").first.click()
    frame = tool_frame(page)
    audit.check(page, "console-registrations")
    for menu in ("Set-up", "Grade delivery", "Health", "Audit log"):
        frame = _follow(page, frame, menu)
        audit.check(page, f"console-{menu.lower().replace(' ', '-')}")
    frame = _follow(page, frame, "Registrations")
    platform = frame.locator("main table a").first
    if platform.count():
        with frame.expect_navigation():
            platform.click()
        audit.check(page, "console-platform")

    # First-party pages at the top level: the console's sign-in, its refusal, a missing page.
    for path, name in (
        ("/admin/login", "console-sign-in"),
        ("/admin/", "error-403-console-signed-out"),
        ("/no-such-page", "error-404"),
    ):
        page.goto(live_server.tool_base_url + path)
        audit.check(page, name, in_frame=False)
    audit.assert_clean()


def test_every_control_shows_a_focus_outline_of_3_to_1(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    problems: list[str] = []
    counted = 0

    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    frame = tool_frame(page)
    frame.locator("input[name=kind]").first.wait_for()
    seen, found = _focus_problems(frame, "picker")
    counted, problems = counted + seen, problems + found

    frame = _course(page, live_server, "admin-1")
    with frame.expect_navigation():
        frame.get_by_test_id("admin-console-link").first.click()
    for menu in ("Set-up", "Registrations"):
        frame = _follow(page, tool_frame(page), menu)
        seen, found = _focus_problems(frame, f"console {menu}")
        counted, problems = counted + seen, problems + found

    page.goto(live_server.tool_base_url + "/admin/login")
    seen, found = _focus_problems(page, "console sign-in")
    counted, problems = counted + seen, problems + found

    assert counted >= 15, f"only {counted} controls took focus: the probe did not walk the pages"
    assert not problems, "\n".join(problems)


def test_the_frame_is_resized_and_confirmations_reach_the_platform(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    """The sandbox LMS listens as Canvas does (doc/api/lti_window_post_message.md of
    canvas-lms): it sets the iframe's height from lti.frameResize and announces
    lti.screenReaderAlert in its own live region."""
    context = launch_browser()
    page = context.new_page()
    frame = _course(page, live_server, "student-2")
    height = "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    content = frame.evaluate(height)
    expect(page.locator("#tool-frame")).to_have_attribute("data-resized", str(content))

    # A change of size (ResizeObserver) is sent again.
    frame.evaluate(
        "() => { const d = document.createElement('div'); d.style.height = '1500px';"
        " document.querySelector('main').append(d); }"
    )
    expect(page.locator("#tool-frame")).to_have_attribute(
        "data-resized", str(frame.evaluate(height))
    )
    assert frame.evaluate(height) >= content + 1500

    # A confirmation that appears (role=status) is read out by the platform.
    frame.evaluate(
        "() => { const p = document.createElement('p'); p.setAttribute('role', 'status');"
        " p.textContent = 'Ballot saved.'; document.querySelector('main').prepend(p); }"
    )
    expect(page.locator("#lms-screen-reader-alerts")).to_contain_text("Ballot saved.")


def _tab_to(frame: Frame, selector: str, limit: int = 80) -> None:
    """Press Tab until `selector` has the focus: only the keyboard moves it."""
    for _ in range(limit):
        if frame.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        frame.page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never took the focus by Tab")


def test_a_student_drafts_and_submits_a_goal_with_the_keyboard_only(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    frame = tool_frame(page)
    frame.locator("input[name=kind][value=goal_setting]").check()
    frame.locator("#title").fill(f"Keyboard goals {int(time.time())}")
    frame.locator("#points").fill("10")
    frame.get_by_role("button", name="Add to the course").click()
    placed = frame.get_by_test_id("placed-link")
    placed.wait_for()
    link = placed.get_attribute("data-link")
    assert link

    # From here on, only keys: the student starts at the top of the LMS page.
    page.goto(live_server.course_url("student-1") + f"?link={link}")
    frame = tool_frame(page)
    frame.get_by_test_id("new-goal").wait_for()
    page.locator("body").focus()
    page.keyboard.press("Tab")
    _tab_to(frame, "[data-testid=new-goal]", limit=120)
    with frame.expect_navigation():
        page.keyboard.press("Enter")
    frame = tool_frame(page)
    frame.locator("#what").wait_for()
    for field, words in (
        ("#what", "Read one paper a week"),
        ("#measure", "Four summaries by the end of the month"),
        ("#plan", "Monday mornings, library"),
        ("#relevance", "The literature review needs them"),
    ):
        _tab_to(frame, field)
        page.keyboard.type(words)
    _tab_to(frame, "#by_when")
    page.keyboard.type("12102026")  # a date input takes its digits in the locale's order
    _tab_to(frame, "[data-testid=submit-goal]")
    with frame.expect_navigation():
        page.keyboard.press("Enter")
    frame = tool_frame(page)
    expect(frame.get_by_test_id("goal-title")).to_contain_text("Read one paper a week")
    expect(frame.get_by_test_id("goal-status")).to_have_text(re.compile(r"\S"))
