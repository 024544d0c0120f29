"""Issue 11, item 12: `?notice=` and `?error=` text in a link is not shown as the console's
message; only outcomes the console signed on its own redirects are."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.admin import test_console
from tests.admin.test_console import csrf_of

console = test_console.console  # the signed-in console fixture

PHISH = "Your key was rotated. Re-enter your password at https://evil.example.net"


def test_notice_text_from_a_link_is_not_echoed(app, console):
    """The attack: a crafted console link carries the attacker's words as the notice."""
    for name in ("notice", "error"):
        page = console.get("/admin/", query_string={name: PHISH})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "evil.example.net" not in html and "Re-enter your password" not in html


def test_a_notice_signed_for_errors_is_not_shown_as_a_notice_elsewhere(app, console, platform):
    done = console.post(
        f"/admin/platforms/{platform.id}/deployments",
        data={"csrf_token": csrf_of(console), "deployment_id": "dep-9"},
    )
    assert done.status_code == 303
    shown = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "Deployment dep-9 is active." in shown
    # A signature is for one text as one kind of message: neither can be swapped.
    query = parse_qs(urlsplit(done.headers["Location"]).query)
    sig = query["notice_sig"][0]
    for args in (
        {"notice": PHISH, "notice_sig": sig},
        {"error": query["notice"][0], "error_sig": sig},
    ):
        page = console.get(f"/admin/platforms/{platform.id}", query_string=args)
        assert "evil.example.net" not in page.get_data(as_text=True)
        assert '<p class="panel' not in page.get_data(as_text=True).split("<h1>")[0]
