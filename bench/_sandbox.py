"""Shared by bench/passback.py and bench/roster.py: the tool with its sandbox LMS served by a
real HTTP server in a subprocess (`flask run --with-threads`, as scripts/serve runs it), on a
throwaway SQLite database (or a given one), and an app object in the benchmark's own process
over the same database and keys, to record scores and run the outbox or a roster sync."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
STARTUP_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]
    http: requests.Session

    def faults(self, **settings: Any) -> None:
        self.http.put(
            f"{self.url}/sandbox/api/faults", params={"reset": "1"}, json=settings, timeout=30
        ).raise_for_status()

    def stats(self) -> dict[str, int]:
        return dict(self.http.get(f"{self.url}/sandbox/api/stats", timeout=30).json())

    def app(self, **overrides: Any) -> Any:
        """The tool in this process, on the server's database and keys."""
        from lti_tool import create_app

        settings = {
            k: self.env[k]
            for k in (
                "APP_ENV",
                "DATABASE_URL",
                "SECRET_KEY",
                "LTI_KEYS_DIR",
                "INSTANCE_PATH",
                "LTI_TOOL_BASE_URL",
                "SANDBOX_BASE_URL",
            )
        }
        return create_app({**settings, "SANDBOX": True, **overrides})


@contextmanager
def sandbox_server(database_url: str | None = None) -> Iterator[Sandbox]:
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as tmp_name:
        tmp = Path(tmp_name)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("FLASK_", "OUTBOX_", "HTTP_", "SANDBOX", "LTI_", "DATABASE_"))
        }
        env.update(
            APP_ENV="development",
            SANDBOX="1",
            DATABASE_URL=database_url or f"sqlite:///{tmp / 'coproduce.sqlite3'}",
            INSTANCE_PATH=str(tmp / "instance"),
            LTI_KEYS_DIR=str(tmp / "keys"),
            SECRET_KEY=secrets.token_urlsafe(48),
            SANDBOX_BASE_URL=url,
            LTI_TOOL_BASE_URL=url,
            # The benchmark delivers from its own process; the server only serves.
            OUTBOX_INPROCESS_WORKER="0",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            NO_PROXY="127.0.0.1,localhost",
        )
        log = tmp / "server.log"
        for command in (["db", "upgrade"], ["sandbox", "init"]):
            with log.open("ab") as fh:
                done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
                    [sys.executable, "-m", "flask", "--app", "lti_tool", *command],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if done.returncode:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{_tail(log)}")
        with log.open("ab") as fh:
            process = subprocess.Popen(  # noqa: S603
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
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        http = requests.Session()
        http.trust_env = False
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the server exited:\n{_tail(log)}")
                try:
                    if http.get(f"{url}/sandbox/api/stats", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{_tail(log)}")
                time.sleep(0.1)
            yield Sandbox(url=url, env=env, http=http)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            http.close()


def sandbox_course(app: Any, *, students: int) -> Any:
    """The sandbox course as the tool knows it after a launch: its context and its service
    endpoints (what a launch's AGS and NRPS claims would record). Returns the Context."""
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.lti.ags import ALL_SCOPES
    from lti_tool.models import Context, CourseServices, Deployment, Platform
    from lti_tool.sandbox.roster import CLIENT_ID, COURSE

    settings = app.extensions["coproduce.settings"]
    platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform.id)
    ).first()
    context = Context(
        platform_id=platform.id,
        deployment=deployment,
        context_id=COURSE["id"],
        title=COURSE["title"],
    )
    db.session.add(context)
    db.session.flush()
    base = settings.SANDBOX_BASE_URL + "/sandbox/api"
    db.session.add(
        CourseServices(
            context_id=context.id,
            lineitems_url=base + "/lineitems",
            ags_scopes=list(ALL_SCOPES),
            memberships_url=base + "/memberships",
            nrps_versions=["2.0"],
        )
    )
    db.session.commit()
    return context
