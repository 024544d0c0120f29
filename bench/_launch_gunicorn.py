"""Full launches (login + launch) under gunicorn, many at once: the tool against the bare Flask +
PyJWT endpoint of bench/_launch_inprocess.py, both as `gunicorn -w 2 --threads 4`.

The platform is this process: it signs each id_token with its own key after the login (the
tool's key cache holds the matching JWKS), so neither server does the platform's work. Each
client thread runs launches back to back for a fixed time, each launch with an empty cookie jar
on a kept-alive connection; the latency of a launch is its two requests (login, launch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from _launch_inprocess import LOGIN_DATA, LOGIN_QUERY, PlatformSigner

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STUDENTS_PER_THREAD = 8


class BrowserSession(requests.Session):
    """Sends Secure cookies over http://localhost, as browsers do."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared


@dataclass
class Load:
    launches: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.launches / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def one_launch(
    session: BrowserSession,
    base: str,
    login_path: str,
    launch_path: str,
    signer: PlatformSigner,
    sub: str = "student-1",
) -> float:
    session.cookies.clear()
    t0 = time.perf_counter()
    query = {**LOGIN_QUERY, "target_link_uri": base + "/lti/launch"}
    login = session.get(base + login_path, params=query, allow_redirects=False, timeout=30)
    t1 = time.perf_counter()
    if login.status_code != 200:
        raise RuntimeError(f"login {login.status_code}: {login.text[:200]}")
    match = LOGIN_DATA.search(login.text)
    if match is None:
        raise RuntimeError("no login data")
    auth = parse_qs(urlsplit(json.loads(match.group(1))["auth_url"]).query)
    token = signer.id_token(auth["nonce"][0], sub)
    t2 = time.perf_counter()
    launch = session.post(
        base + launch_path,
        data={"id_token": token, "state": auth["state"][0]},
        allow_redirects=False,
        timeout=30,
    )
    t3 = time.perf_counter()
    if launch.status_code != 303:
        raise RuntimeError(f"launch {launch.status_code}: {launch.text[:300]}")
    return (t1 - t0) + (t3 - t2)


def drive(
    base: str,
    login_path: str,
    launch_path: str,
    signer: PlatformSigner,
    concurrency: int,
    duration: float,
) -> Load:
    load = Load()
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def worker(index: int) -> None:
        turn = 0
        with BrowserSession() as session:
            while time.perf_counter() < stop_at:
                # Students of one course in turn: returning after the warm-up, and two threads
                # never launch as the same student at once.
                sub = f"student-{index + concurrency * (turn % STUDENTS_PER_THREAD)}"
                turn += 1
                try:
                    latency = one_launch(session, base, login_path, launch_path, signer, sub)
                except (RuntimeError, requests.RequestException) as exc:
                    with lock:
                        load.errors.append(str(exc))
                    continue
                with lock:
                    load.launches += 1
                    load.latencies.append(latency)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


class Gunicorn:
    def __init__(
        self, app_spec: str, port: int, env: dict[str, str], log: Path, workers: int, threads: int
    ) -> None:
        self.port = port
        self.log = log
        self._fh = log.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "-b",
                f"127.0.0.1:{port}",
                "--chdir",
                str(PROJECT_ROOT / "bench"),
                app_spec,
            ],
            cwd=PROJECT_ROOT,
            env={
                **env,
                "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "bench")]),
            },
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited:\n{self.log.read_text(errors='replace')[-2000:]}"
                )
            try:
                if requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"gunicorn did not answer:\n{self.log.read_text(errors='replace')[-2000:]}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()


def tool_env(settings: dict[str, Any], pool_size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({k: str(v) for k, v in settings.items()})
    env["SANDBOX"] = "0"
    env["OUTBOX_INPROCESS_WORKER"] = "0"
    env["DB_POOL_SIZE"] = str(pool_size)  # the connection budget as production applies it
    env["PYTHONUNBUFFERED"] = "1"
    return env
