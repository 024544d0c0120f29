"""Accessibility and phone-width checks (issue 15) of tool pages that no other flow reaches: the
Dynamic Registration pages and the one-click unsubscribe page of a reminder mail. Both are
top-level pages of the tool in real use (a registration may open in a popup or the platform's
frame; the unsubscribe link is opened from a mail client), so they are checked at the top level."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext
from sqlalchemy import create_engine, text

from lti_tool.reminders.tokens import make_token
from tests.browser.a11y import Audit, loaded

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_dynamic_registration_pages(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    audit = Audit()
    page.goto(f"{live_server.sandbox_base_url}/sandbox/admin")
    page.click("#start-registration")
    # The registration start URL (with the sandbox's one-time registration token), opened at the
    # top level as a platform that uses a popup would: the done page's close message then goes
    # nowhere and the page stays to be checked.
    start = page.locator("#registration-frame").get_attribute("src")
    assert start and start.startswith(live_server.tool_base_url), start
    page.goto(start)
    page.get_by_test_id("dr-platform").wait_for()
    audit.check(page, "registration-confirm", in_frame=False)
    with page.expect_navigation():
        page.click("#dr-register")
    page.get_by_test_id("dr-done").wait_for()
    loaded(page)
    audit.check(page, "registration-done", in_frame=False)
    audit.assert_clean()


def test_unsubscribe_page_from_a_reminder_mail(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    audit = Audit()
    # student-3 launches once, so the tool knows them (a reminder goes only to a known person).
    page.goto(live_server.course_url("student-3"))
    page.frame_locator("#tool-frame").get_by_test_id("start-page").wait_for()
    engine = create_engine(live_server.database_url)
    with engine.begin() as conn:
        person_id = conn.execute(
            text("SELECT id FROM person WHERE sub = 'student-3' ORDER BY id LIMIT 1")
        ).scalar_one()
    engine.dispose()
    # The link a reminder mail carries, signed with the server's own key (kept in its instance
    # folder in development, as the settings make it).
    secret = (Path(live_server.env["INSTANCE_PATH"]) / "secret_key").read_text().strip()
    token = make_token(secret, int(person_id), "reviews_to_do")
    page.goto(f"{live_server.tool_base_url}/mail/unsubscribe/{token}")
    page.get_by_test_id("stop-kind").wait_for()
    audit.check(page, "mail-unsubscribe", in_frame=False)
    with page.expect_navigation():
        page.get_by_test_id("stop-kind").click()
    page.get_by_test_id("unsubscribed").wait_for()
    audit.check(page, "mail-unsubscribed", in_frame=False)
    audit.assert_clean()


def test_a_mentor_sees_the_work_of_whom_they_follow(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    """The sandbox's mentor-1 follows student-1 (role_scope_mentor): their view of an activity
    names that student only, and the student's work opens from it; both pages are audited."""
    from tests.browser.flows import link_url, navigate, open_tool, place

    context = launch_browser()
    page = context.new_page()
    audit = Audit()
    link = place(page, live_server, "goal_setting", "Mentored goals", "10")
    open_tool(context.new_page(), link_url(live_server, "student-1", link))
    tool = open_tool(page, link_url(live_server, "mentor-1", link))
    mentees = tool.get_by_test_id("mentees")
    mentees.wait_for()
    assert mentees.inner_text().strip() == "Amira Haddad"
    audit.check(page, "mentor-activity")
    # The next page itself, not the mentor page that also names her (flows.navigate).
    navigate(page, tool.get_by_test_id("mentee-link"))
    tool.get_by_test_id("mentees").wait_for(state="detached")
    audit.check(page, "mentor-mentee-work")
    audit.assert_clean()
