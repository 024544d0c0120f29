"""Drive one sandbox launch over HTTP against a running tool (scripts/check-wheel runs this with
the fresh venv's interpreter, outside the checkout): the sandbox course page, the tool's OIDC
login, the sandbox's authorization endpoint, the launch post, and the page it lands on.

    python -I _wheel_launch.py http://127.0.0.1:PORT
"""

from __future__ import annotations

import html
import json
import re
import sys
from typing import NoReturn

import requests


def _fail(step: str, response: requests.Response) -> NoReturn:
    raise SystemExit(f"{step}: HTTP {response.status_code}\n{response.text[:600]}")


def main(base: str) -> None:
    http = requests.Session()
    http.trust_env = False
    course = http.get(f"{base}/sandbox/course/instructor-1", params={"storage": "0"}, timeout=30)
    if course.status_code != 200:
        _fail("sandbox course page", course)
    found = re.search(r'id="tool-frame"[^>]*src="([^"]+)"', course.text) or re.search(
        r'src="([^"]+)"[^>]*id="tool-frame"', course.text
    )
    if not found:
        raise SystemExit("sandbox course page: no tool iframe")
    login = http.get(html.unescape(found.group(1)), timeout=30)
    if login.status_code != 200:
        _fail("tool login", login)
    data = re.search(
        r'<script type="application/json" id="login-data">(.*?)</script>', login.text, re.S
    )
    if not data:
        _fail("tool login page (no login data)", login)
    auth_url = json.loads(data.group(1))["auth_url"]
    # The state cookie is Secure: a browser sends it to http://127.0.0.1 (a secure context),
    # requests does not, so it is sent by hand.
    cookie = "; ".join(f"{c.name}={c.value}" for c in login.cookies)
    auth = http.get(auth_url, timeout=30)
    if auth.status_code != 200:
        _fail("sandbox authorization", auth)
    fields = dict(re.findall(r'name="(id_token|state)" value="([^"]+)"', auth.text))
    action = re.search(r'action="([^"]+)"', auth.text)
    if set(fields) != {"id_token", "state"} or not action:
        _fail("sandbox authorization (no form post)", auth)
    launched = http.post(
        html.unescape(action.group(1)),
        data=fields,
        headers={"Cookie": cookie},
        allow_redirects=False,
        timeout=30,
    )
    if launched.status_code != 303:
        _fail("launch", launched)
    landing = http.get(base + launched.headers["Location"], timeout=30)
    if landing.status_code != 200 or "launch-token" not in landing.text:
        _fail("landing page", landing)
    print(f"  launch: sandbox instructor -> {launched.headers['Location'].split('?')[0]} (200)")
    # The front end's static files ship in the wheel and are served with their hashed URLs.
    for asset, mimetype in (("coproduce.css", "text/css"), ("coproduce.js", "text/javascript")):
        link = re.search(rf'"(/static/{re.escape(asset)}\?v=[0-9a-f]{{12}})"', landing.text)
        if not link:
            _fail(f"landing page (no link to {asset})", landing)
        served = http.get(base + link.group(1), timeout=30)
        if served.status_code != 200 or not served.headers.get("Content-Type", "").startswith(
            mimetype
        ):
            _fail(f"static file {asset}", served)
        print(f"  static: {link.group(1)} ({served.headers.get('Cache-Control')})")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
