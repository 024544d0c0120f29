"""LTI launches in a real Chromium that blocks third-party cookies, through the sandbox LMS.

The sandbox course page (127.0.0.1) embeds the tool (localhost) in a cross-site iframe, exactly as
an LMS does. Every test checks where the browser really ends up and, from the app's own log, how
the launch proved it belonged to this browser (binding=cookie: the partitioned state cookie;
binding=storage: the LMS's postMessage storage).

Two things Chromium's DevTools interception does that shape these tests (verified against
Chromium 156 with Playwright 1.65):

* A Set-Cookie header in a response given with route.fulfill() is stored by DevTools itself: it
  skips the third-party-cookie setting and drops the Partitioned attribute, so context.cookies()
  then lists it as an ordinary unpartitioned cookie (the page still cannot read it). Adding a
  Set-Cookie through route.fulfill therefore proves nothing about blocking; the blocking test
  below uses cookies the browser itself handles (a real response, document.cookie, and a cookie
  the browser withholds from a cross-site request).
* route.fetch() sends the request from Playwright's own client, which stores the response's
  Set-Cookie headers in the browser context's cookie jar (unpartitioned). Stripping cookies after
  route.fetch() would thus plant them anyway, so the stripping handler below fetches the response
  itself, outside the browser and with no cookie jar, and fulfils the page with it.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Frame, FrameLocator, Page, Request, Route

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

LAUNCH_OK = (
    r"launch ok platform=\d+ person=\d+ role=(?P<role>\w+) type=(?P<type>\w+)"
    r" binding=(?P<binding>\w+)"
)
SANDBOX_PARTITION = re.compile(r"^http://127\.0\.0\.1(:\d+)?$")  # Chromium keys by site: no port
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_NOT_FORWARDED = {"cookie", "host", "accept-encoding", "content-length", "connection"}
_NOT_RETURNED = {"set-cookie", "content-length", "connection", "transfer-encoding"}


# --------------------------------------------------------------------------------------------
# helpers


def open_course(
    context: BrowserContext, server: LiveServer, user_id: str, *, storage: bool = True
) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(server.course_url(user_id, storage=storage))
    return page


def tool(page: Page) -> FrameLocator:
    return page.frame_locator("#tool-frame")


def tool_frame(page: Page) -> Frame:
    frame = page.frame(name="tool_frame")
    assert frame is not None, "the sandbox course page has no tool iframe"
    return frame


def expect_start_page(where: Page | FrameLocator, role: str) -> None:
    start = where.locator("[data-testid=start-page]")
    start.wait_for(state="visible")
    assert start.get_attribute("data-role") == role
    assert where.locator("[data-testid=role]").inner_text().strip() == role


def launches_since(server: LiveServer, mark: int, *, expected: int = 1) -> list[re.Match[str]]:
    launches = server.log.wait_for(LAUNCH_OK, mark)
    assert len(launches) == expected, (
        f"expected {expected} successful launch(es) in the app log, got:\n{server.log.since(mark)}"
    )
    return launches


def server_log_excerpt(server: LiveServer, mark: int) -> str:
    return "app log since the test started:\n" + server.log.since(mark)


def is_tool_login(server: LiveServer) -> Callable[[str], bool]:
    return lambda url: url.startswith(server.tool_base_url + "/lti/login")


def strip_set_cookie(route: Route, request: Request) -> None:
    """Serve the real response without its Set-Cookie headers: a browser that keeps no cookies
    at all in a third-party frame (Safari's default), even partitioned ones."""
    outgoing = urllib.request.Request(  # noqa: S310 - the test app's own http URL
        request.url,
        data=request.post_data_buffer,
        headers={k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED},
        method=request.method,
    )
    with _DIRECT.open(outgoing, timeout=10) as response:
        body = response.read()
        status = response.status
        headers: dict[str, str] = {}
        for name, value in response.headers.items():
            if name.lower() not in _NOT_RETURNED:
                headers[name.lower()] = value
    route.fulfill(status=status, headers=headers, body=body)


def localhost_cookies(context: BrowserContext) -> list[dict]:
    return [c for c in context.cookies() if c["domain"] == "localhost"]


# --------------------------------------------------------------------------------------------
# tests


def test_third_party_cookies_are_really_blocked(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    # A cookie for the tool's site, set as if the user had once visited the tool directly.
    context.add_cookies(
        [
            {
                "name": "tp_probe",
                "value": "1",
                "domain": "localhost",
                "path": "/",
                "secure": True,
                "sameSite": "None",
                "httpOnly": False,
            }
        ]
    )
    sent_cookies: dict[str, str] = {}

    def remember_cookie_header(request: Request) -> None:
        if is_tool_login(live_server)(request.url):
            sent_cookies["iframe login"] = request.all_headers().get("cookie", "")

    context.on("requestfinished", remember_cookie_header)
    page = open_course(context, live_server, "student-4")
    expect_start_page(tool(page), "student")

    # 1. A cross-site iframe does not send the tool's unpartitioned cookie...
    assert "tp_probe" not in sent_cookies["iframe login"]
    # ...which the same browser does send to the tool as a first-party (top-level) site.
    top_level = context.new_page()
    response = top_level.goto(live_server.tool_base_url + "/.well-known/jwks.json")
    assert response is not None and response.ok
    assert "tp_probe=1" in response.request.all_headers().get("cookie", "")
    top_level.close()

    # 2. The tool's real partitioned probe cookie was kept, in the LMS's partition, and no
    #    unpartitioned copy of it exists.
    probes = [c for c in localhost_cookies(context) if c["name"] == "lti_cookie_probe"]
    assert probes, f"no lti_cookie_probe cookie for localhost: {context.cookies()}"
    assert all(SANDBOX_PARTITION.match(c.get("partitionKey", "")) for c in probes), probes
    # The launch deletes its state cookie; none is left behind, partitioned or not.
    assert not [c for c in localhost_cookies(context) if c["name"].startswith("lti_state_")]

    # 3. Inside the tool's frame, an unpartitioned cookie cannot even be written, a partitioned
    #    (CHIPS) one can.
    frame = tool_frame(page)
    frame.evaluate(
        """() => {
            document.cookie = 'tp_js=1; SameSite=None; Secure; Path=/';
            document.cookie = 'tp_js_chips=1; SameSite=None; Secure; Path=/; Partitioned';
        }"""
    )
    visible = frame.evaluate("document.cookie")
    assert "tp_js_chips=1" in visible and "tp_js=1" not in visible.split("; ")
    by_name = {c["name"]: c for c in localhost_cookies(context)}
    assert "tp_js" not in by_name
    assert SANDBOX_PARTITION.match(by_name["tp_js_chips"].get("partitionKey", ""))


def test_student_reaches_start_page_in_cross_site_iframe(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    mark = live_server.log.mark()
    page = open_course(context, live_server, "student-1")
    expect_start_page(tool(page), "student")
    assert tool(page).locator("[data-testid=person-name]").inner_text() == "Amira Haddad"

    assert urlsplit(page.url).hostname == "127.0.0.1"
    frame_url = urlsplit(tool_frame(page).url)
    assert frame_url.hostname == "localhost"
    assert frame_url.path == "/start"
    (launch,) = launches_since(live_server, mark)
    assert launch["role"] == "student" and launch["type"] == "LtiResourceLinkRequest"
    # Partitioned cookies work in Chromium, and the cookie is checked before storage.
    assert launch["binding"] == "cookie"


@pytest.mark.parametrize(
    ("user_id", "role"),
    [
        ("instructor-1", "facilitator"),
        ("ta-1", "coach"),
        ("admin-1", "admin"),
        ("student-2", "student"),
    ],
)
def test_each_role_lands_on_its_own_start_page(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, user_id: str, role: str
) -> None:
    context = launch_browser()
    mark = live_server.log.mark()
    page = open_course(context, live_server, user_id)
    expect_start_page(tool(page), role)
    assert urlsplit(tool_frame(page).url).hostname == "localhost"
    (launch,) = launches_since(live_server, mark)
    assert launch["role"] == role


def test_storage_only_launch_when_no_cookie_survives(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    page.route(is_tool_login(live_server), strip_set_cookie)
    mark = live_server.log.mark()
    page.goto(live_server.course_url("student-3"))
    expect_start_page(tool(page), "student")
    assert urlsplit(tool_frame(page).url).hostname == "localhost"

    (launch,) = launches_since(live_server, mark)
    assert launch["binding"] == "storage", server_log_excerpt(live_server, mark)
    assert not [c for c in localhost_cookies(context) if c["name"].startswith("lti_")], (
        context.cookies()
    )


def test_launch_without_platform_storage_uses_partitioned_cookie(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    mark = live_server.log.mark()
    page = open_course(context, live_server, "student-5", storage=False)
    assert page.locator("#post-message-forwarding").count() == 0
    assert "lti_storage_target" not in (page.locator("#tool-frame").get_attribute("src") or "")
    expect_start_page(tool(page), "student")

    (launch,) = launches_since(live_server, mark)
    assert launch["binding"] == "cookie"


def test_no_cookie_and_no_storage_offers_a_new_window(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    context = launch_browser()
    page = context.new_page()
    # Only this page (and its iframes) loses its cookies; the new window is a top-level page
    # where the tool is first party, and is not intercepted.
    page.route(is_tool_login(live_server), strip_set_cookie)
    mark = live_server.log.mark()
    page.goto(live_server.course_url("student-6", storage=False))

    blocked = tool(page).locator("#login-blocked")
    blocked.wait_for(state="visible")
    assert "STATE_NOT_BOUND" in blocked.inner_text()
    assert tool(page).locator("#login-status").is_hidden()
    # The frame stayed on the login page: it never went on to a launch that could only fail.
    assert urlsplit(tool_frame(page).url).path == "/lti/login"
    assert "launch ok" not in live_server.log.since(mark)
    assert "POST /lti/launch" not in live_server.log.since(mark)

    with context.expect_page() as new_window:
        tool(page).locator("#open-new-window").click()
    popup = new_window.value
    expect_start_page(popup, "student")
    assert urlsplit(popup.url).hostname == "localhost"
    assert popup.evaluate("window.opener === null")  # rel=noopener: no handle on the LMS page

    (launch,) = launches_since(live_server, mark)
    assert launch["role"] == "student"
    assert launch["binding"] == "cookie"
