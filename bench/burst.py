"""A class burst against gunicorn on PostgreSQL: 200 students each open a feedback activity by a
full LTI launch (OIDC login, a signed id_token, the landing page) and submit its form; first
spread over 60 s, then squeezed into 10 s, three times.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/burst.py
    (options: --students 200 --spread 60 --squeeze 10 --rounds 3)

The tool runs under the shipped config (lti_tool/gunicorn_conf.py: WEB_CONCURRENCY x
GUNICORN_THREADS, default 2 x 4) in a schema of its own, dropped afterwards. The id_tokens are
signed by a test platform whose JWKS this process serves. Printed per pass: errors (any
unexpected status; must be 0), p50/p95 of a whole student visit and of each request, the most
PostgreSQL connections the tool held (pg_stat_activity, polled), and the RSS of each gunicorn
worker after each pass, with the spread across the squeezed rounds (flat: within 5 %).
Figures are measured in one run on this machine (the client shares its CPUs with the server).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.builders import TOOL, Claims, parse_login_page, sign  # noqa: E402
from tests.platform_double import JwksServer, PlatformKey  # noqa: E402

APP_NAME = "coproduce-burst"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class _Page:
    def __init__(self, response: requests.Response) -> None:
        self.response = response

    def get_data(self, as_text: bool = True) -> str:
        return self.response.text


@dataclass
class Pass:
    name: str
    visits: list[float] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connections: int = 0
    rss_mb: list[float] = field(default_factory=list)
    wall: float = 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _local(base: str, location: str) -> str:
    return base + location[len(TOOL) :] if location.startswith(TOOL) else base + location


def _fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`."""
    start = html.find(f'action="{action}')
    assert start >= 0, f"no form for {action}"
    end = html.find("</form>", start)
    return {k: unescape(v) for k, v in HIDDEN.findall(html[start:end])}


def launch(
    base: str, key: PlatformKey, sub: str, role: str, timings: list[float]
) -> tuple[str, requests.Session]:
    """A full launch; the HTML of the page it lands on, and the browser."""
    http = requests.Session()
    http.trust_env = False

    def timed(method: str, url: str, **kw: Any) -> requests.Response:
        t0 = time.perf_counter()
        response = http.request(method, url, allow_redirects=False, timeout=60, **kw)
        timings.append(time.perf_counter() - t0)
        return response

    params = {
        "iss": "https://lms.example.edu",
        "login_hint": sub,
        "target_link_uri": TOOL + "/lti/launch",
        "lti_deployment_id": "deployment-1",
        "client_id": "client-123",
    }
    login = timed("GET", base + "/lti/login", params=params)
    if login.status_code != 200:
        raise RuntimeError(f"login {login.status_code}")
    started = parse_login_page(_Page(login))
    cookie = "; ".join(f"{c.name}={c.value}" for c in login.cookies)  # Secure: sent by hand
    body = Claims(nonce=started.nonce, role=role, sub=sub).body
    body["name"] = f"Student {sub}"
    landed = timed(
        "POST",
        base + "/lti/launch",
        data={"id_token": sign(body, key), "state": started.state},
        headers={"Cookie": cookie},
    )
    if landed.status_code != 303:
        raise RuntimeError(f"launch {landed.status_code}")
    page = timed("GET", _local(base, landed.headers["Location"]))
    for _ in range(3):
        if page.status_code != 303:
            break
        page = timed("GET", _local(base, page.headers["Location"]))
    if page.status_code != 200:
        raise RuntimeError(f"landing {page.status_code}")
    return page.text, http


def student_visit(base: str, key: PlatformKey, sub: str, activity_id: int, result: Pass) -> None:
    t0 = time.perf_counter()
    timings: list[float] = []
    try:
        html, _ = launch(base, key, sub, "student", timings)
        action = f"/feedback/{activity_id}/submit"
        form = _fields(html, action)
        form["body"] = f"Essay by {sub}: " + "words " * 200
        t1 = time.perf_counter()
        r = requests.post(base + action, data=form, allow_redirects=False, timeout=60)
        timings.append(time.perf_counter() - t1)
        if r.status_code != 303:
            raise RuntimeError(f"submit {r.status_code}: {r.text[:200]}")
        result.visits.append(time.perf_counter() - t0)
    except Exception as exc:  # every failure is counted, none stops the burst
        result.errors.append(f"{sub}: {exc}")
    finally:
        result.requests.extend(timings)


def run_pass(name: str, base: str, key: PlatformKey, activity_id: int, students: int,
             spread: float, poll: Any, rss: Any) -> Pass:  # fmt: skip
    result = Pass(name)
    stop = threading.Event()

    def poller() -> None:
        while not stop.is_set():
            result.connections = max(result.connections, poll())
            time.sleep(0.1)

    watcher = threading.Thread(target=poller, daemon=True)
    watcher.start()
    start = time.perf_counter()
    threads = []
    for i in range(students):
        delay = start + spread * i / students - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(
            target=student_visit, args=(base, key, f"s{i:03d}", activity_id, result)
        )
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    result.rss_mb = rss()
    return result


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60)
    parser.add_argument("--squeeze", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")
    if not base_url:
        raise SystemExit("set TEST_DATABASE_URL to a PostgreSQL database (a schema is made)")
    admin = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = "burst_" + uuid.uuid4().hex[:10]
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    db_url = f"{base_url}{sep}options=-csearch_path%3D{schema}&application_name={APP_NAME}"
    key = PlatformKey.generate()
    jwks = JwksServer().start()
    jwks.reset([key])
    tmp = Path(tempfile.mkdtemp(prefix="coproduce-burst-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "FLASK"))},
        # development only for http:// and the test platform on 127.0.0.1; the rest is as
        # production runs it (gunicorn, the shipped config, PostgreSQL, no in-process worker).
        "APP_ENV": "development",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "burst-" + "x" * 40,
        "LTI_TOOL_BASE_URL": TOOL,
        "LTI_KEYS_DIR": str(tmp / "keys"),
        "INSTANCE_PATH": str(tmp / "instance"),
        "SANDBOX": "0",
        "OUTBOX_INPROCESS_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": str(tmp / "access.log"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "flask", "--app", "lti_tool", "db", "upgrade"],
            cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        _register_platform(env, jwks.url)
        log = (tmp / "gunicorn.log").open("wb")
        server = subprocess.Popen(  # noqa: S603 - the shipped config, fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "python:lti_tool.gunicorn_conf",
             "lti_tool:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(base, server, tmp / "gunicorn.log")
        activity_id = _set_up_activity(base, key)

        def poll() -> int:
            with admin.connect() as conn:
                return int(
                    conn.scalar(
                        text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                        {"n": APP_NAME},
                    )
                    or 0
                )

        def rss() -> list[float]:
            return _worker_rss(server.pid)

        workers = len(rss())
        print(f"gunicorn: {workers} workers x {env.get('GUNICORN_THREADS', '4')} threads; "
              f"{args.students} students; PostgreSQL schema {schema}")  # fmt: skip
        passes = [run_pass(f"{args.spread:g} s", base, key, activity_id, args.students,
                           args.spread, poll, rss)]  # fmt: skip
        for n in range(args.rounds):
            passes.append(run_pass(f"{args.squeeze:g} s #{n + 1}", base, key, activity_id,
                                   args.students, args.squeeze, poll, rss))  # fmt: skip
        _report(passes)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        jwks.stop()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _register_platform(env: dict[str, str], jwks_url: str) -> None:
    from lti_tool import create_app
    from lti_tool.extensions import db
    from tests.builders import make_platform

    settings = {k: env[k] for k in ("APP_ENV", "DATABASE_URL", "SECRET_KEY", "LTI_TOOL_BASE_URL",
                                    "LTI_KEYS_DIR", "INSTANCE_PATH")}  # fmt: skip
    app = create_app({**settings, "SANDBOX": False, "OUTBOX_INPROCESS_WORKER": False})
    with app.app_context():
        make_platform(jwks_url)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _wait(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(base + "/.well-known/jwks.json", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + log.read_text()[-3000:]) from None
            time.sleep(0.3)


def _set_up_activity(base: str, key: PlatformKey) -> int:
    """The facilitator launches the link, chooses feedback rounds and saves its settings."""
    page, http = launch(base, key, "prof", "facilitator", [])
    form = _fields(page, "/activities/setup")
    form.update(kind="feedback_rounds", title="Essay rounds", points="10")
    r = http.post(base + "/activities/setup", data=form, allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text[:500]
    found = re.search(r"/(?:feedback|activities)/(\d+)", r.headers["Location"])
    assert found, r.headers["Location"]
    activity_id = int(found.group(1))
    settings_page = http.get(
        _local(base, r.headers["Location"]), allow_redirects=True, timeout=30
    ).text
    tokens = {k: v for k, v in HIDDEN.findall(settings_page) if k in ("launch_token", "csrf_token")}
    data = {
        **{k: unescape(v) for k, v in tokens.items()},
        "rubric": "Argument: weak / fair / good / strong",
        "rounds": "1", "k": "2", "allocation": "random", "anonymity": "double_blind",
        "aggregate": "median", "late_policy": "accept", "weight_peer": "0.8",
        "weight_self": "0", "weight_staff": "0", "weight_reviewing": "0.2",
    }  # fmt: skip
    r = http.post(f"{base}/feedback/{activity_id}/settings", data=data, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return activity_id


def _worker_rss(arbiter: int) -> list[float]:
    children: list[int] = []
    for task in Path(f"/proc/{arbiter}/task").iterdir():
        text_ = (task / "children").read_text().split()
        children.extend(int(p) for p in text_)
    sizes = []
    for pid in sorted(children):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        sizes.append(kb / 1024)
    return sizes


def _report(passes: list[Pass]) -> None:
    print(f"{'pass':>10} {'errors':>6} {'wall s':>7} {'visit p50':>10} {'visit p95':>10} "
          f"{'req p50':>8} {'req p95':>8} {'pg conns':>8}  RSS per worker (MB)")  # fmt: skip
    for p in passes:
        rss = " ".join(f"{x:.1f}" for x in p.rss_mb)
        print(f"{p.name:>10} {len(p.errors):>6} {p.wall:>7.1f} {_pct(p.visits, 0.5):>8.0f}ms "
              f"{_pct(p.visits, 0.95):>8.0f}ms {_pct(p.requests, 0.5):>6.0f}ms "
              f"{_pct(p.requests, 0.95):>6.0f}ms {p.connections:>8}  {rss}")  # fmt: skip
    for p in passes:
        for e in p.errors[:5]:
            print(f"  error ({p.name}): {e}")
    squeezed = passes[1:]
    if squeezed and all(p.rss_mb for p in squeezed):
        per_worker = list(zip(*(p.rss_mb for p in squeezed), strict=False))
        spreads = [(max(w) - min(w)) / statistics.mean(w) * 100 for w in per_worker]
        verdict = "flat: within 5 %" if max(spreads) <= 5 else "NOT flat: over 5 %"
        shown = ", ".join(f"{s:.1f} %" for s in spreads)
        print(f"RSS across the squeezed rounds, per worker: {shown}  ({verdict})")
    total = sum(len(p.errors) for p in passes)
    print(f"errors in all passes: {total}")


if __name__ == "__main__":
    main()
