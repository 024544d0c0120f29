"""The front end without a build step (issue 15, item 5): one stylesheet and one script served
as static files, cache-busted by a content hash in the URL and cached for a year; styles only
from the tool's origin (CSP style-src 'self'), so no template carries a <style> element or a
style="" attribute."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.builders import launch

PACKAGE = Path(__file__).parents[2] / "lti_tool"
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _hash(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_no_template_has_an_inline_style():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE_STYLE.search(line)
    ]
    assert not offenders, offenders


def test_pages_link_the_hashed_stylesheet_and_script(client, platform, platform_key):
    launched = launch(client, platform_key, "student")
    page = client.get(launched.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    css = f'href="/static/coproduce.css?v={_hash("coproduce.css")}"'
    assert css in html
    script = re.search(r'<script src="/static/coproduce.js\?v=([0-9a-f]{12})"[^>]*>', html)
    assert script and script.group(1) == _hash("coproduce.js")
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"])
    assert nonce and f'nonce="{nonce.group(1)}"' in script.group(0)  # script-src is nonce-only
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    for path in ("/no-such-page", "/admin/login"):  # error pages and the console too
        assert css in client.get(path).get_data(as_text=True)


def test_a_hashed_url_is_cached_for_a_year_and_an_unhashed_one_revalidated(client):
    for name, mimetype in (("coproduce.css", "text/css"), ("coproduce.js", "text/javascript")):
        current = client.get(f"/static/{name}?v={_hash(name)}")
        assert current.status_code == 200 and current.mimetype == mimetype
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert current.headers["X-Content-Type-Options"] == "nosniff"
        for stale in (f"/static/{name}", f"/static/{name}?v=000000000000"):
            assert client.get(stale).headers["Cache-Control"] == "no-cache"
    assert client.get("/static/nothing.css").status_code == 404


def test_the_stylesheet_uses_tokens_logical_properties_and_a_strong_focus_ring():
    css = (STATIC / "coproduce.css").read_text()
    assert ":root {" in css and "--color-focus:" in css and ":focus-visible" in css
    assert "@media print" in css and "@media (max-width: 40rem)" in css
    # Physical sides would break a right-to-left layout; logical properties do not.
    physical = re.findall(
        r"(?<![-\w])(margin|padding|border)-(left|right)\b|text-align:\s*(left|right)", css
    )
    assert not physical, physical
