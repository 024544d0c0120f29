"""Fixtures for the browser tests: the real app in a subprocess and a real Chromium.

The app runs exactly as `bash scripts/serve` runs it (db upgrade, sandbox init, `flask run`), on a
free port, with its own instance folder, keys folder and SQLite file. The sandbox LMS is reached at
127.0.0.1 and the tool at localhost: two sites, so the tool lives in a cross-site iframe as it
does inside Canvas or Moodle.

Chromium is the Debian package at /usr/bin/chromium, driven by Playwright, with a fresh profile
per test whose preferences block third-party cookies. A missing Chromium fails the test (it never
skips): a green run must mean the launch was really exercised in a browser.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Playwright, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    # The tool's frame (localhost) inside the LMS page (127.0.0.1) is cross-site; with site
    # isolation Chromium renders it in a process of its own and moves it between processes at
    # each cross-site redirect of the launch (login, auth, launch, page). Playwright follows
    # such a frame by attaching to each new process, and on a loaded machine it sometimes
    # missed one: a page the server had served never became visible to the test, its "load"
    # never arrived ("networkidle" fired), or a wait hung. In one process the frame is followed
    # like any other. What the tests check does not depend on processes: cookies are blocked
    # and partitioned by the top-level site, and postMessage crosses origins the same way.
    "--disable-site-isolation-trials",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# cookie_controls_mode 1 = "block third-party cookies" (the setting in chrome://settings/cookies).
BLOCK_THIRD_PARTY_COOKIES = {
    "profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}
}
STARTUP_TIMEOUT = 20.0
DEFAULT_TIMEOUT_MS = 10_000

# A direct opener for talking to the app from the test process: never through a proxy from the
# environment, never with a cookie jar.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------------------------
# The app


@dataclasses.dataclass
class ServerLog:
    """The app's stdout and stderr, captured to a file the tests can read."""

    path: Path

    def mark(self) -> int:
        """A position in the log; `since(mark)` gives what was logged after it."""
        return self.path.stat().st_size

    def since(self, mark: int) -> str:
        with self.path.open("rb") as fh:
            fh.seek(mark)
            return fh.read().decode("utf-8", "replace")

    def wait_for(self, pattern: str, mark: int, timeout: float = 5.0) -> list[re.Match[str]]:
        """Every match of `pattern` logged after `mark`, waiting until there is at least one."""
        deadline = time.monotonic() + timeout
        while True:
            matches = list(re.finditer(pattern, self.since(mark)))
            if matches or time.monotonic() > deadline:
                return matches
            time.sleep(0.05)


@dataclasses.dataclass
class LiveServer:
    port: int
    sandbox_base_url: str  # the LMS: http://127.0.0.1:PORT
    tool_base_url: str  # the tool: http://localhost:PORT
    log: ServerLog
    database_url: str = ""
    env: dict[str, str] = dataclasses.field(default_factory=dict)  # for `flask` commands

    def use_profile(self, family: str, **rules: object) -> None:
        """The sandbox answers as `family` (sandbox.profiles) and the tool's registration of
        it says the same product family, as a real Canvas or Moodle registration would."""
        import json as _json

        from sqlalchemy import create_engine, text

        request = urllib.request.Request(  # noqa: S310 - the test app's own URL
            f"{self.sandbox_base_url}/sandbox/api/profile",
            data=_json.dumps({"family": family, **rules}).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as answer:
            assert answer.status == 200
        engine = create_engine(self.database_url)
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE platform SET product_family = :family WHERE client_id = :client"),
                {
                    "family": family if family != "generic" else "unknown",
                    "client": "coproduce-sandbox",
                },
            )
        engine.dispose()

    def flask(self, *command: str, extra_env: dict[str, str] | None = None) -> str:
        """Run a `flask --app lti_tool` command against this server's database; its output."""
        done = subprocess.run(  # noqa: S603 - our own venv's flask, fixed arguments
            [str(Path(sys.executable).parent / "flask"), "--app", "lti_tool", *command],
            cwd=REPO_ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def set_locales(self, locales: dict[str, str | None]) -> None:
        """The language the sandbox LMS sends in each person's launches (None: English). The
        sandbox and its settings are shared by every browser test of the run: a test that sets
        them sets them back."""
        request = urllib.request.Request(  # noqa: S310 - the test app's own URL
            f"{self.sandbox_base_url}/sandbox/api/locales",
            data=json.dumps(locales).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as answer:
            assert answer.status == 200

    def course_url(self, user_id: str, *, storage: bool = True) -> str:
        url = f"{self.sandbox_base_url}/sandbox/course/{user_id}"
        return url if storage else url + "?storage=0"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_env(port: int, root: Path) -> dict[str, str]:
    from lti_tool.settings import Settings

    env = dict(os.environ)
    # Nothing from the developer's shell may leak in: no other database, no debug reloader, no
    # quieter log level (the tests read the log).
    for name in [f.name for f in dataclasses.fields(Settings)] + [
        k for k in env if k.startswith("FLASK_")
    ]:
        env.pop(name, None)
    env.update(
        APP_ENV="development",
        SANDBOX="1",
        SANDBOX_BASE_URL=f"http://127.0.0.1:{port}",
        LTI_TOOL_BASE_URL=f"http://localhost:{port}",
        INSTANCE_PATH=str(root / "instance"),
        LTI_KEYS_DIR=str(root / "keys"),
        DATABASE_URL=f"sqlite:///{root / 'coproduce.sqlite3'}",  # absolute: sqlite:////tmp/...
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: ServerLog) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"The app exited with code {process.returncode} while starting:\n{log.since(0)}",
                pytrace=False,
            )
        try:
            with _DIRECT.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(
        f"The app did not answer {url} within {STARTUP_TIMEOUT}s:\n{log.since(0)}", pytrace=False
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app with its sandbox LMS, started as `bash scripts/serve` does, on a free port."""
    root = tmp_path_factory.mktemp("coproduce-live")
    port = _free_port()
    env = _app_env(port, root)
    flask = Path(sys.executable).parent / "flask"
    log = ServerLog(root / "server.log")
    with log.path.open("ab") as out:
        for command in (["db", "upgrade"], ["sandbox", "init"]):
            done = subprocess.run(  # noqa: S603 - our own venv's flask, fixed arguments
                [str(flask), "--app", "lti_tool", *command],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(
                    f"`flask {' '.join(command)}` failed ({done.returncode}):\n{log.since(0)}",
                    pytrace=False,
                )
        process = subprocess.Popen(  # noqa: S603
            [
                str(flask),
                "--app",
                "lti_tool",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--with-threads",
                "--no-reload",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/sandbox/", process, log)
        yield LiveServer(
            port=port,
            sandbox_base_url=env["SANDBOX_BASE_URL"],
            tool_base_url=env["LTI_TOOL_BASE_URL"],
            log=log,
            database_url=env["DATABASE_URL"],
            env=env,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def launch_browser(
    playwright_driver: Playwright, tmp_path: Path
) -> Iterator[Callable[[], BrowserContext]]:
    """Call it in the test to get a persistent Chromium context that blocks third-party cookies.

    A factory rather than a ready context so that a missing Chromium FAILS the test itself
    (an error in fixture setup would be reported as an error, and a skip would hide it).
    """
    contexts: list[BrowserContext] = []

    def launch() -> BrowserContext:
        if not CHROMIUM.exists():
            pytest.fail(
                f"Chromium not found at {CHROMIUM}. The browser tests need the Debian package: "
                "apt-get install chromium (do not use `playwright install`).",
                pytrace=False,
            )
        user_data_dir = tmp_path / "chromium-profile"
        (user_data_dir / "Default").mkdir(parents=True)
        preferences = user_data_dir / "Default" / "Preferences"
        preferences.write_text(json.dumps(BLOCK_THIRD_PARTY_COOKIES))
        context = playwright_driver.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            # Chromium's Local Network Access checks treat a response fulfilled by Playwright
            # (route.fulfill) as coming from the public internet, and then block its navigation
            # to 127.0.0.1 ("a public page ... connect to ... your local network"). Real
            # responses in the sandbox are all loopback and never hit the check, so granting it
            # changes nothing for them; it only keeps intercepted pages behaving like real ones.
            permissions=["local-network-access"],
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()
