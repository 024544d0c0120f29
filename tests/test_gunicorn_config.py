"""The shipped gunicorn config: its figures come from the environment with sane defaults, and its
hooks hand over to lti_tool.metrics when the build has it."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import runpy
import sys
import types
from pathlib import Path
from typing import Any

import pytest

CONFIG = Path(__file__).parents[1] / "lti_tool" / "gunicorn_conf.py"
KNOBS = ("WEB_CONCURRENCY", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
         "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_MAX_REQUESTS", "GUNICORN_BIND")  # fmt: skip


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in KNOBS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults(monkeypatch):
    conf = _load(monkeypatch)
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2, 4, "gthread")
    assert conf["timeout"] == 30 and conf["graceful_timeout"] == 30
    assert conf["preload_app"] is False  # each worker builds its own database pool
    assert conf["max_requests"] == 0
    assert conf["logger_class"] == "lti_tool.logs.RedactingGunicornLogger"
    assert conf["bind"] == "127.0.0.1:8000"


def test_figures_from_the_environment(monkeypatch):
    conf = _load(
        monkeypatch,
        WEB_CONCURRENCY="5",
        GUNICORN_THREADS="8",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_MAX_REQUESTS="1000",
    )
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (5, 8, 60)
    assert conf["graceful_timeout"] == 20
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert _load(monkeypatch, GUNICORN_WORKERS="3")["workers"] == 3  # the older name


def test_hooks_call_the_metrics_module(monkeypatch):
    calls: list[tuple[str, Any]] = []
    fake = types.ModuleType("lti_tool.metrics")
    fake.__spec__ = importlib.machinery.ModuleSpec("lti_tool.metrics", None)
    fake.on_starting = lambda server: calls.append(("on_starting", server))  # type: ignore[attr-defined]
    fake.child_exit = lambda server, worker: calls.append(("child_exit", (server, worker)))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lti_tool.metrics", fake)
    conf = _load(monkeypatch)
    conf["on_starting"]("arbiter")
    conf["child_exit"]("arbiter", "worker-1")
    assert calls == [("on_starting", "arbiter"), ("child_exit", ("arbiter", "worker-1"))]


def test_hooks_do_nothing_without_a_metrics_module(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "lti_tool.metrics" else real(name, *args)

    monkeypatch.delitem(sys.modules, "lti_tool.metrics", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    conf = _load(monkeypatch)
    conf["on_starting"]("arbiter")
    conf["child_exit"]("arbiter", "worker-1")
