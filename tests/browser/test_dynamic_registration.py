"""An LMS administrator registers Coproduce by Dynamic Registration in Chromium, from the
sandbox LMS's registration page, and a student then launches through the new registration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

LAUNCH_OK = r"launch ok platform=(?P<platform>\d+) person=\d+ role=(?P<role>\w+)"


def test_admin_registers_by_url_then_a_student_launches(live_server: LiveServer, launch_browser):
    context = launch_browser()
    page = context.pages[0] if context.pages else context.new_page()
    mark = live_server.log.mark()

    page.goto(f"{live_server.sandbox_base_url}/sandbox/admin")
    assert page.input_value("#tool_url") == f"{live_server.tool_base_url}/lti/register"
    page.click("#start-registration")
    frame = page.frame_locator("#registration-frame")
    # The tool shows what will be registered, with the platform it goes to.
    assert "coproduce-sandbox" in frame.locator("[data-testid=dr-platform]").inner_text(
        timeout=10_000
    )
    frame.locator("#dr-register").click()
    # The tool's last page posts org.imsglobal.lti.close; the sandbox then lists the new tool.
    page.wait_for_url("**/sandbox/admin?closed=1", timeout=10_000)
    dynamic = page.locator("tr[data-client^='sandbox-dr-']")
    assert dynamic.count() >= 1
    client_id = dynamic.last.get_attribute("data-client")
    registered = live_server.log.wait_for(r"dynamic registration completed: platform (\d+)", mark)
    assert registered, live_server.log.since(mark)
    platform_id = registered[-1].group(1)

    page.goto(f"{live_server.sandbox_base_url}/sandbox/course/student-5?client={client_id}")
    tool = page.frame_locator("#tool-frame")
    tool.locator("[data-testid=start-page]").wait_for(timeout=10_000)
    assert tool.locator("[data-testid=role]").inner_text() == "student"
    launches = live_server.log.wait_for(LAUNCH_OK, mark)
    assert any(m.group("platform") == platform_id for m in launches)
