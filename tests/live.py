"""The test app served over real HTTP from a thread, for races: many requests at once, each on
its own connection and its own database session, as gunicorn's workers would send them.

PostgreSQL only (set TEST_DATABASE_URL): SQLite has one writer, so the races there are not the
ones production has.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="races need PostgreSQL (TEST_DATABASE_URL); SQLite serialises writers",
)


@dataclass
class Reply:
    status: int
    body: str
    location: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Live:
    base: str

    def post(self, path: str, form: dict[str, str], cookies: dict[str, str] | None = None) -> Reply:
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")  # noqa: S310
        if cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        try:
            with _opener.open(request, timeout=60) as response:
                return Reply(
                    response.status, response.read().decode(), response.headers["Location"]
                )
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(), exc.headers.get("Location"))


@contextmanager
def serving(app: Flask) -> Iterator[Live]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()


def at_once(calls: list[Callable[[], Reply]]) -> list[Reply]:
    """Run the calls in parallel threads released together; their replies in call order."""
    replies: list[Reply | BaseException | None] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            replies[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            replies[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [r for r in replies if isinstance(r, BaseException)]
    assert not failed, failed[:3]
    return [r for r in replies if isinstance(r, Reply)]
