"""The shipped server configurations, run for real: gunicorn with lti_tool/gunicorn_conf.py and the
development server as scripts/serve starts it. After launches, page views, link tickets, a form
post and a replayed URL, their logs hold no session token and no link ticket (issue 11: 38
tokens in the dev server's log, 65 in gunicorn's, and a token copied from the log worked)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.builders import TOOL, Claims, parse_login_page, sign

ROOT = Path(__file__).parents[1]
SECRET = "test-secret-key-" + "x" * 32


class _Page:
    """A requests response shaped as parse_login_page expects."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response

    def get_data(self, as_text: bool = True) -> str:
        return self.response.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command(kind: str, port: int) -> list[str]:
    if kind == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "-c", "python:lti_tool.gunicorn_conf",
                "lti_tool:create_app()"]  # fmt: skip
    # scripts/serve's last line, on a free port.
    return [sys.executable, "-m", "flask", "--app", "lti_tool", "run", "--host", "127.0.0.1",
            "--port", str(port), "--with-threads", "--no-reload"]  # fmt: skip


@pytest.fixture(params=["gunicorn", "werkzeug"])
def server(request, app, platform, database_url, tmp_path):  # noqa: ARG001 - app makes the tables
    port = _free_port()
    log_path = tmp_path / f"{request.param}.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "FLASK"))},
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "LTI_TOOL_BASE_URL": TOOL,
        "LTI_KEYS_DIR": str(tmp_path / "keys"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SANDBOX": "0",
        "OUTBOX_INPROCESS_WORKER": "0",
        "LOG_LEVEL": "INFO",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
    }
    with log_path.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            _server_command(request.param, port), cwd=ROOT, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/.well-known/jwks.json", timeout=2)
                break
            # A server may accept the connection before its app has loaded (gunicorn 27 does),
            # so a first request can time out as well as be refused.
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield base, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _launch(base: str, key: Any, role: str, sub: str) -> requests.Response:
    http = requests.Session()
    params = {
        "iss": "https://lms.example.edu",
        "login_hint": sub,
        "target_link_uri": TOOL + "/lti/launch",
        "lti_deployment_id": "deployment-1",
        "client_id": "client-123",
    }
    login = http.get(base + "/lti/login", params=params, timeout=10)
    assert login.status_code == 200, login.text[:300]
    started = parse_login_page(_Page(login))
    # The state cookie is Secure: a browser sends it to http://127.0.0.1 (a secure context),
    # requests does not, so it is sent by hand.
    cookie = "; ".join(f"{c.name}={c.value}" for c in login.cookies)
    body = Claims(nonce=started.nonce, role=role, sub=sub).body
    return http.post(
        base + "/lti/launch",
        data={"id_token": sign(body, key), "state": started.state},
        headers={"Cookie": cookie},
        allow_redirects=False,
        timeout=10,
    )


def test_no_token_in_the_logs_of_the_shipped_servers(server, platform_key):
    base, log_path = server
    secrets_seen: set[str] = set()
    for role, sub in (("facilitator", "prof"), ("student", "s1"), ("admin", "adm")):
        launched = _launch(base, platform_key, role, sub)
        assert launched.status_code == 303, launched.text[:300]
        location = launched.headers["Location"]
        secrets_seen.add(parse_qs(urlsplit(location).query)["lt"][0])
        page = requests.get(base + location, timeout=10)
        assert page.status_code == 200, page.text[:300]
        token = re.search(r'<meta name="launch-token" content="([^"]+)"', page.text)
        assert token
        secrets_seen.add(token.group(1))
        # Every link of the page, followed once (a fresh ticket each).
        for href in re.findall(r'href="(/[^"]*\blt=[^"]*)"', page.text)[:4]:
            href = unescape(href)
            secrets_seen.add(parse_qs(urlsplit(href).query)["lt"][0])
            assert requests.get(base + href, timeout=10).status_code < 500
        # A fetch with the header; a form post with the token in its body.
        auth = {"X-Launch-Token": token.group(1)}
        assert requests.get(base + "/start", headers=auth, timeout=10).status_code == 200
        requests.post(base + "/start", data={"launch_token": token.group(1)}, timeout=10)
        # The attacker replays the landing URL: refused.
        assert requests.get(base + location, timeout=10).status_code == 401
    time.sleep(0.5)  # the access log is written after each response
    log = log_path.read_text()
    assert "GET /start" in log or "GET /activities" in log, log[-2000:]
    assert "POST /lti/launch" in log and "lt=[redacted]" in log, log[-2000:]
    for secret in secrets_seen:
        assert secret not in log
    assert not re.search(r"\b\d+\.[0-9a-f]{64}\b", log)  # no session token of any launch
