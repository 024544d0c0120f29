"""Every page of the admin console, signed in with a console account at the top level (no
LMS), passes axe-core with 0 violations at a desktop width and at 390 px and does not scroll
sideways at 390 px (issue 15, item 8). test_accessibility audits the console reached from an
LMS administrator's launch inside the iframe; this covers the pages only an installation
administrator reaches (keys, a platform's forms, privacy, password) and the filtered audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.a11y import Audit, loaded

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_every_console_page_of_an_installation_admin(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    live_server.flask(
        "admin",
        "create",
        "ops-audit",
        extra_env={"COPRODUCE_ADMIN_PASSWORD": "a long pass phrase 1"},
    )
    context = launch_browser()
    page = context.new_page()
    audit = Audit()
    base = live_server.tool_base_url
    page.goto(base + "/admin/login")
    page.locator("#username").fill("ops-audit")
    page.locator("#password").fill("a long pass phrase 1")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    loaded(page)
    page.get_by_role("navigation", name="Admin console").wait_for()

    platform = page.locator("main table a").first
    platform.wait_for()
    detail = platform.get_attribute("href")
    assert detail and re.search(r"/admin/platforms/\d+", detail)
    for path, name in (
        ("/admin/", "console-registrations"),
        ("/admin/platforms/new", "console-platform-new"),
        (detail, "console-platform"),
        (detail + "/delete", "console-platform-delete"),
        ("/admin/keys", "console-keys"),
        ("/admin/setup", "console-setup"),
        ("/admin/setup/canvas", "console-setup-canvas"),
        ("/admin/setup/moodle", "console-setup-moodle"),
        ("/admin/setup/other", "console-setup-other"),
        ("/admin/grades", "console-grades"),
        ("/admin/health", "console-health"),
        ("/admin/audit", "console-audit"),
        ("/admin/audit?kind=activity", "console-audit-activities"),
        ("/admin/audit?kind=all&page=2", "console-audit-all-page-2"),
        ("/admin/privacy", "console-privacy"),
        ("/admin/privacy/retention", "console-retention"),
        ("/admin/password", "console-password"),
    ):
        url = path if path.startswith("http") else base + path
        answer = page.goto(url)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        loaded(page)
        audit.check(page, name, in_frame=False)
    audit.assert_clean()
