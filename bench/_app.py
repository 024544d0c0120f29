"""The tool as the page benchmarks run it: a fresh app on a throwaway database (or the one given),
with the in-process grade worker off so only the page under test does work."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Flask


def bench_app(prefix: str, database_url: str | None = None) -> Flask:
    from lti_tool import create_app

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    return create_app(
        {
            "APP_ENV": "test",
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-" + "x" * 40,
            "LTI_TOOL_BASE_URL": "http://localhost",
            "LTI_KEYS_DIR": str(tmp / "keys"),
            "INSTANCE_PATH": str(tmp / "instance"),
            "SANDBOX": False,
            "OUTBOX_INPROCESS_WORKER": False,
            "LOG_LEVEL": "WARNING",
        }
    )
