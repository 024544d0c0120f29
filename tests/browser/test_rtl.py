"""Right to left (issue 15, item 9): pages in the pseudo-locale ar-XB (every translated string
reversed in direction, `dir="rtl"` on the document) keep their layout: no sideways scroll at
390 px and axe-core's 0 violations at desktop width and 390 px, for a student's page, a
facilitator's, and the admin console. The sandbox LMS sends each person's language as the
launch's locale claim (PUT /sandbox/api/locales), as Canvas and Moodle send theirs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Frame, Page

from tests.browser.a11y import Audit, loaded, tool_frame

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PEOPLE = ("student-2", "instructor-1", "admin-1")


@pytest.fixture
def right_to_left(live_server: LiveServer) -> Iterator[None]:
    live_server.set_locales(dict.fromkeys(PEOPLE, "ar-XB"))
    yield
    live_server.set_locales(dict.fromkeys(PEOPLE))  # back to English for the other tests


def _course(page: Page, live_server: LiveServer, user: str) -> Frame:
    page.goto(live_server.course_url(user))
    frame = tool_frame(page)
    # The login page and the launch post come first; the landing page is what is checked.
    frame.wait_for_url(lambda url: not urlsplit(url).path.startswith("/lti/"))
    loaded(frame)
    return tool_frame(page)


def _right_to_left(frame: Frame, where: str) -> None:
    lang, direction = frame.evaluate(
        "[document.documentElement.lang, document.documentElement.dir]"
    )
    assert (lang, direction) == ("ar-XB", "rtl"), where
    # Translated strings are bracketed by the pseudo-locale (the skip link at least, on pages
    # whose own words are not translated yet): the page is really in it.
    assert "⟦" in frame.evaluate("document.body.textContent"), where


def test_pages_right_to_left(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, right_to_left: None
) -> None:
    page = launch_browser().new_page()
    audit = Audit()

    for user, name in (
        ("student-2", "rtl-start-student"),
        ("instructor-1", "rtl-start-facilitator"),
    ):
        frame = _course(page, live_server, user)
        _right_to_left(frame, name)
        audit.check(page, name)

    # The facilitator's placement picker (deep linking): a form with every kind of field.
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    frame = tool_frame(page)
    frame.locator("input[name=kind]").first.wait_for()
    _right_to_left(frame, "rtl-picker")
    audit.check(page, "rtl-picker")

    # The admin console, from the LMS administrator's launch: its menu, tables and forms.
    frame = _course(page, live_server, "admin-1")
    with frame.expect_navigation():
        frame.get_by_test_id("admin-console-link").first.click()
    frame = tool_frame(page)
    _right_to_left(frame, "rtl-console-registrations")
    audit.check(page, "rtl-console-registrations")
    for path, name in (
        ("setup", "rtl-console-set-up"),
        ("audit", "rtl-console-audit"),
        ("health", "rtl-console-health"),
    ):
        with frame.expect_navigation():
            frame.locator(f"nav.admin a[href*='/admin/{path}']").first.click()
        frame = tool_frame(page)
        _right_to_left(frame, name)
        audit.check(page, name)
    with frame.expect_navigation():
        frame.locator("nav.admin a[href*='/admin/?'], nav.admin a[href$='/admin/']").first.click()
    frame = tool_frame(page)
    platform = frame.locator("main table a").first
    if platform.count():
        with frame.expect_navigation():
            platform.click()
        frame = tool_frame(page)
        _right_to_left(frame, "rtl-console-platform")
        audit.check(page, "rtl-console-platform")
    audit.assert_clean()
