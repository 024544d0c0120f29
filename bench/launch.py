"""A returning student's login + launch: Coproduce against a bare Flask + PyJWT endpoint doing the
comparable work, measured three ways in one run; the ratios printed are those of issue 13.

    .venv/bin/python bench/launch.py [--database-url postgresql://...] [--runs 5]

1. In process (Flask test client, no HTTP): server-side time of login and launch, on SQLite and,
   with --database-url, on PostgreSQL (a schema of its own, dropped afterwards), with the SQL
   statements of one launch. Targets: tool launch <= 3 ms on PostgreSQL, <= 2 ms on SQLite.
2. Under gunicorn (2 workers x 4 threads, PostgreSQL; needs --database-url): full launches per
   second and p50/p95/p99 of a launch's two requests, 8 client threads. Targets: tool >= 0.4 x
   the bare endpoint's launches/s, tool p99 <= 3 x its p99.
3. With --sandbox-http (the earlier bench): one launch at a time over HTTP through the sandbox
   LMS, werkzeug's threaded server. Its ratio sits on the HTTP client's floor (a hello-world
   costs about the same), so it is shown for continuity only.

The bare endpoint (bench/_launch_inprocess.py: baseline_app): /login makes a random state, a
nonce bound to it and a state cookie; /launch checks the cookie, verifies the RS256 id_token
against a cached parsed key (aud, iss, exp), checks the nonce and that it is unused (a dict).
In 1 and 2 the platform is this process: it signs each id_token after the login, untimed in 1.
Each figure is the median of --runs runs (>= 5), with min and max. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3.util.connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from lti_tool.sandbox.roster import CLIENT_ID, USERS  # noqa: E402

STARTUP_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0

# Both servers listen on 127.0.0.1 only; keep the client from trying ::1 for "localhost" first.
urllib3.util.connection.HAS_IPV6 = False

LOGIN_DATA = re.compile(r'<script type="application/json" id="login-data">(.*?)</script>', re.S)
IFRAME_SRC = re.compile(r'<iframe[^>]*\bid="tool-frame"[^>]*\bsrc="([^"]*)"', re.S)
FORM_ACTION = re.compile(r'<form[^>]*\baction="([^"]*)"', re.S)
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


# --------------------------------------------------------------------------------------------
# The baseline: a bare Flask app that only verifies the id_token with PyJWT.
# --------------------------------------------------------------------------------------------


def baseline_app(*, auth_url: str, redirect_uri: str, client_id: str, jwks_url: str) -> Any:
    import jwt
    from flask import Flask, make_response, redirect, request
    from jinja2.utils import htmlsafe_json_dumps

    # The platform's public keys, fetched once.
    document = requests.get(jwks_url, timeout=HTTP_TIMEOUT).json()
    keys = {k["kid"]: jwt.PyJWK(k, algorithm="RS256").key for k in document["keys"]}

    app = Flask("baseline")

    @app.get("/login")
    def login() -> Any:
        args = request.args
        state = secrets.token_urlsafe(24)
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": args.get("client_id", client_id),
            # The sandbox only answers for the redirect_uri it knows: the tool's launch URL. The
            # client posts the id_token to the baseline's own /launch instead.
            "redirect_uri": redirect_uri,
            "login_hint": args.get("login_hint", ""),
            "state": state,
            "nonce": secrets.token_urlsafe(24),
        }
        if args.get("lti_message_hint"):
            query["lti_message_hint"] = args["lti_message_hint"]
        data = htmlsafe_json_dumps({"auth_url": auth_url + "?" + urlencode(query)})
        response = make_response(
            "<!doctype html><title>login</title>"
            f'<script type="application/json" id="login-data">{data}</script>'
        )
        response.set_cookie(
            "bl_state", state, path="/", secure=True, httponly=True, samesite="None"
        )
        return response

    @app.post("/launch")
    def launch() -> Any:
        token = request.form.get("id_token", "")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            jwt.decode(token, keys[kid], algorithms=["RS256"], audience=client_id)
        except (jwt.PyJWTError, KeyError) as exc:
            return f"invalid id_token: {exc}", 401
        return redirect("/done", code=303)

    @app.get("/ready")
    def ready() -> str:
        return "ok"

    return app


def serve_baseline(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="launch.py --serve-baseline")
    parser.add_argument("--serve-baseline", action="store_true")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth-url", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--jwks-url", required=True)
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    app = baseline_app(
        auth_url=args.auth_url,
        redirect_uri=args.redirect_uri,
        client_id=args.client_id,
        jwks_url=args.jwks_url,
    )
    # The same server `flask run --with-threads` uses for the tool.
    run_simple("127.0.0.1", args.port, app, threaded=True, use_reloader=False, use_debugger=False)


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Server:
    """A subprocess serving HTTP, its output in a log file; stopped on exit."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._fh = log.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            cmd, cwd=PROJECT_ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT
        )

    def wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited during startup:\n{_tail(self.log)}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not answer {url} in time:\n{_tail(self.log)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()


def tool_env(tmp: Path, port: int, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        APP_ENV="development",
        SANDBOX="1",
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(tmp / "instance"),
        LTI_KEYS_DIR=str(tmp / "keys"),
        SECRET_KEY=secrets.token_urlsafe(48),
        # As scripts/serve: the LMS on 127.0.0.1, the tool on localhost, one server.
        SANDBOX_BASE_URL=f"http://127.0.0.1:{port}",
        LTI_TOOL_BASE_URL=f"http://localhost:{port}",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask_cli(env: dict[str, str], log: Path, *args: str) -> None:
    with log.open("ab") as fh:
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "flask", "--app", "lti_tool", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{_tail(log)}")


@dataclass
class Side:
    name: str
    base: str  # where its /login and /launch live (host "localhost" for both sides)
    login_path: str
    launch_url: str | None  # None: post where the platform's form says (the tool)
    expect_location: str
    samples: list[tuple[float, float, float]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class BrowserSession(requests.Session):
    """A requests.Session that, like a browser, treats http://localhost as a secure context and
    so sends Secure cookies there (requests itself never sends them over plain http)."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        # requests merges the jar into a new one with the default policy; use ours instead.
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared


def login_urls(sandbox_base: str) -> list[str]:
    """The tool's login initiation URL for every sandbox user, from the course pages (untimed)."""
    urls = []
    with requests.Session() as session:
        for user in USERS:
            page = session.get(
                f"{sandbox_base}/sandbox/course/{user.id}",
                params={"storage": "0"},
                timeout=HTTP_TIMEOUT,
            )
            page.raise_for_status()
            match = IFRAME_SRC.search(page.text)
            if not match:
                raise SystemExit(f"no tool iframe on the sandbox course page for {user.id}")
            urls.append(html.unescape(match.group(1)))
    return urls


def _fail(side: Side, step: str, response: requests.Response) -> SystemExit:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", response.text, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return SystemExit(f"{side.name}: {step} answered HTTP {response.status_code}: {text[:500]}")


def one_launch(side: Side, login_query: str) -> tuple[float, float, float]:
    """One login + auth + launch; seconds spent in each of the three requests."""
    with BrowserSession() as session:
        t0 = time.perf_counter()
        login = session.get(
            side.base + side.login_path + "?" + login_query,
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        if login.status_code != 200:
            raise _fail(side, "login", login)
        match = LOGIN_DATA.search(login.text)
        if not match:
            raise _fail(side, "login (no login-data)", login)
        auth_url = json.loads(match.group(1))["auth_url"]
        t1 = time.perf_counter()
        auth = session.get(auth_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if auth.status_code != 200:
            raise _fail(side, "platform auth", auth)
        fields = {k: html.unescape(v) for k, v in HIDDEN_INPUT.findall(auth.text)}
        action = FORM_ACTION.search(auth.text)
        if "id_token" not in fields or "state" not in fields or not action:
            raise _fail(side, "platform auth (no form_post)", auth)
        t2 = time.perf_counter()
        launch = session.post(
            side.launch_url or html.unescape(action.group(1)),
            data={"id_token": fields["id_token"], "state": fields["state"]},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        if launch.status_code != 303 or side.expect_location not in launch.headers.get(
            "Location", ""
        ):
            raise _fail(side, "launch", launch)
        t3 = time.perf_counter()
    return (t1 - t0, t2 - t1, t3 - t2)


def run_batches(
    sides: list[Side], queries: list[str], warmup: int, launches: int, batch: int
) -> None:
    counter = 0

    def batch_of(side: Side, count: int, keep: bool) -> None:
        nonlocal counter
        for _ in range(count):
            sample = one_launch(side, queries[counter % len(queries)])
            counter += 1
            if keep:
                side.samples.append(sample)

    for side in sides:
        batch_of(side, warmup, keep=False)
    done = 0
    turn = 0
    while done < launches:
        count = min(batch, launches - done)
        order = sides if turn % 2 == 0 else list(reversed(sides))
        for side in order:
            batch_of(side, count, keep=True)
        done += count
        turn += 1


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Figures:
    per_second: float
    mean_ms: float
    median_ms: float
    p95_ms: float
    login_ms: float
    auth_ms: float
    launch_ms: float
    own_ms: float  # login + launch: the side's own two requests


def figures(side: Side) -> Figures:
    totals = [sum(s) for s in side.samples]
    mean = statistics.fmean(totals)
    login = statistics.fmean(s[0] for s in side.samples)
    auth = statistics.fmean(s[1] for s in side.samples)
    launch = statistics.fmean(s[2] for s in side.samples)
    return Figures(
        per_second=len(totals) / sum(totals),
        mean_ms=mean * 1000,
        median_ms=statistics.median(totals) * 1000,
        p95_ms=p95(totals) * 1000,
        login_ms=login * 1000,
        auth_ms=auth * 1000,
        launch_ms=launch * 1000,
        own_ms=(login + launch) * 1000,
    )


def report(label: str, tool: Side, baseline: Side, elapsed: float) -> None:
    t, b = figures(tool), figures(baseline)
    rows = [(f"tool ({label})", t), ("baseline (PyJWT)", b)]
    print()
    print(f"== {label}: {len(tool.samples)} measured launches per side, in {elapsed:.1f} s ==")
    print(
        f"{'':20} {'launches/s':>10} {'mean ms':>8} {'median':>7} {'p95 ms':>7}"
        f" | {'login':>6} {'auth*':>6} {'launch':>6}  (mean ms per request)"
    )
    for name, f in rows:
        print(
            f"{name:20} {f.per_second:10.1f} {f.mean_ms:8.2f} {f.median_ms:7.2f} {f.p95_ms:7.2f}"
            f" | {f.login_ms:6.2f} {f.auth_ms:6.2f} {f.launch_ms:6.2f}"
        )
    print(
        f"ratio tool/baseline, launches/s: {t.per_second / b.per_second:.3f}"
        f"  (a tool launch takes {t.mean_ms / b.mean_ms:.2f}x as long)"
    )
    print(
        f"own requests only (login + launch, without the platform's auth*): tool {t.own_ms:.2f} ms,"
        f" baseline {b.own_ms:.2f} ms, ratio {t.own_ms / b.own_ms:.2f}x"
    )


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


HEADER = """\
Coproduce login + launch benchmark: round trips per second, tool against a bare PyJWT endpoint
One timed launch = 3 HTTP requests in a fresh requests.Session, stopping at the launch's 303
(the redirect to the landing page is not followed; the course page was fetched beforehand, untimed):
  login   tool:     GET /lti/login: platform lookup, signed state + nonce, login page, 2 cookies
          baseline: GET /login: random state + nonce, one cookie, small page with the auth URL
  auth*   both:     GET /sandbox/auth on the sandbox LMS (served by the tool's process): checks
                    the request and signs an RS256 id_token; the same platform step for both
  launch  tool:     POST /lti/launch: state + cookie check, id_token checks (JWKS cached in the DB),
                    deployment, Person/Context/Membership/ResourceLink upserts, nonce row, commit,
                    launch token -> 303 to where it lands (?lt=...)
          baseline: POST /launch: PyJWT decode (RS256, key fetched once, aud) -> 303
Servers: the tool under `flask run --with-threads` (SANDBOX=1, LOG_LEVEL as set, default INFO),
the baseline under the same werkzeug threaded server; each in its own process, on 127.0.0.1.
{warmup} warm-up launches per side, then {launches} measured, alternating tool/baseline in batches
of {batch}; the {users} sandbox users launch in turn. launches/s = launches / time inside them."""


def run_config(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coproduce-bench-")))
        port = free_port()
        db_url = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = tool_env(tmp, port, db_url)
        tool_log = tmp / "tool.log"
        flask_cli(env, tool_log, "db", "upgrade")
        flask_cli(env, tool_log, "sandbox", "init")
        # A current key whose private half is in this run's LTI_KEYS_DIR (a reused database
        # names the key of an earlier run, whose file is gone).
        flask_cli(env, tool_log, "keys", "rotate")
        tool_server = Server(
            "tool",
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "lti_tool",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--with-threads",
                "--no-reload",
                "--no-debugger",
            ],
            env,
            tool_log,
        )
        stack.callback(tool_server.stop)
        sandbox_base = env["SANDBOX_BASE_URL"]
        tool_base = env["LTI_TOOL_BASE_URL"]
        tool_server.wait_ready(sandbox_base + "/sandbox/jwks.json")

        baseline_port = free_port()
        baseline_log = tmp / "baseline.log"
        baseline_server = Server(
            "baseline",
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve-baseline",
                "--port",
                str(baseline_port),
                "--auth-url",
                sandbox_base + "/sandbox/auth",
                "--redirect-uri",
                tool_base + "/lti/launch",
                "--client-id",
                CLIENT_ID,
                "--jwks-url",
                sandbox_base + "/sandbox/jwks.json",
            ],
            {**env, "PYTHONUNBUFFERED": "1"},
            baseline_log,
        )
        stack.callback(baseline_server.stop)
        baseline_base = f"http://localhost:{baseline_port}"
        baseline_server.wait_ready(f"http://127.0.0.1:{baseline_port}/ready")

        # Every launch starts from a sandbox course page's iframe URL (users in turn); the hints
        # in it stay valid for 10 minutes, far longer than a run.
        urls = login_urls(sandbox_base)
        for url in urls:
            if not url.startswith(tool_base + "/lti/login?"):
                raise SystemExit(f"unexpected login initiation URL: {url}")
        queries = [urlsplit(url).query for url in urls]

        # Where a launch lands depends on the user and the link (start page, activity set-up).
        tool = Side("tool", tool_base, "/lti/login", None, "?lt=")
        baseline = Side("baseline", baseline_base, "/login", baseline_base + "/launch", "/done")
        started = time.perf_counter()
        try:
            run_batches([tool, baseline], queries, args.warmup, args.launches, args.batch)
        except SystemExit as exc:
            raise SystemExit(
                f"{exc}\n--- tool log (last lines) ---\n{_tail(tool_log)}"
                f"\n--- baseline log (last lines) ---\n{_tail(baseline_log, 10)}"
            ) from None
        report(label, tool, baseline, time.perf_counter() - started)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(":" + parts.password + "@", ":***@", 1)
    return url


def main() -> None:
    if "--serve-baseline" in sys.argv[1:]:
        serve_baseline(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(
        description="A returning student's launch: the tool against a bare Flask + PyJWT endpoint."
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median, min, max)")
    parser.add_argument("--launches", type=int, default=200, help="measured launches per side")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured launches per side first")
    parser.add_argument("--batch", type=int, default=20, help="(--sandbox-http) launches per batch")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per gunicorn run")
    parser.add_argument("--concurrency", type=int, default=8, help="gunicorn client threads")
    parser.add_argument(
        "--database-url", help="PostgreSQL for the tool (a scratch schema is made inside it)"
    )
    parser.add_argument(
        "--sandbox-http", action="store_true", help="also the earlier HTTP bench via the sandbox"
    )
    args = parser.parse_args()
    if args.launches < 1 or args.warmup < 0 or args.batch < 1 or args.runs < 1:
        parser.error("--launches, --batch and --runs must be positive, --warmup not negative")

    from _launch_report import gunicorn_section, in_process_section

    in_process_section(args)
    if args.database_url:
        gunicorn_section(args)
    else:
        print("\n(no --database-url: the gunicorn part runs on PostgreSQL only, skipped)")
    if not args.sandbox_http:
        return
    print(
        HEADER.format(
            warmup=args.warmup, launches=args.launches, batch=args.batch, users=len(USERS)
        ),
        flush=True,
    )
    run_config("SQLite", None, args)
    if args.database_url:
        print(f"\n(PostgreSQL: {redact(args.database_url)})")
        run_config("PostgreSQL", args.database_url, args)


if __name__ == "__main__":
    main()
