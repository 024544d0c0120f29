"""The in-process and gunicorn parts of bench/launch.py: runs, medians with min/max, ratios."""

from __future__ import annotations

import argparse
import secrets
import socket
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from _launch_gunicorn import Gunicorn, Load, drive, tool_env
from _launch_inprocess import (
    PlatformSigner,
    baseline_arm,
    dispose,
    prepare_tool,
    sample,
    scratch_database,
    statements_of,
    tool_arm,
    tool_settings,
)

TARGET_SQLITE_MS = 2.0
TARGET_POSTGRESQL_MS = 3.0
TARGET_THROUGHPUT_RATIO = 0.4
TARGET_P99_RATIO = 3.0


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.3f} [{min(values):.3f}..{max(values):.3f}]"


def _median_ms(samples: list[tuple[float, float]], index: int) -> float:
    return statistics.median(s[index] for s in samples) * 1000


def in_process_section(args: argparse.Namespace) -> None:
    print(
        "\n== 1. In process (Flask test client): server time of a returning student's requests =="
        f"\n{args.runs} runs x {args.launches} launches per side (after {args.warmup} warm-up),"
        " interleaved one by one; per run the median, then median [min..max] over runs (ms)"
    )
    databases: list[tuple[str, str | None, float]] = [("SQLite", None, TARGET_SQLITE_MS)]
    if args.database_url:
        databases.append(("PostgreSQL", args.database_url, TARGET_POSTGRESQL_MS))
    for label, url, target in databases:
        figures: dict[str, list[float]] = {
            k: [] for k in ("tool login", "tool launch", "base login", "base launch")
        }
        statements = 0
        for _ in range(args.runs):
            signer = PlatformSigner()
            with scratch_database(url) as scratch:
                tool = tool_arm(scratch, signer)
                base = baseline_arm(signer)
                try:
                    runs = sample([tool, base], args.launches, args.warmup)
                    statements = statements_of(tool)
                finally:
                    dispose(tool)
            figures["tool login"].append(_median_ms(runs["tool"], 0))
            figures["tool launch"].append(_median_ms(runs["tool"], 1))
            figures["base login"].append(_median_ms(runs["baseline"], 0))
            figures["base launch"].append(_median_ms(runs["baseline"], 1))
        print(
            f"\n-- {label} (SQL statements of one returning launch, login + launch: {statements})"
        )
        for name, values in figures.items():
            print(f"  {name:12} {spread(values)}")
        ratios = [
            t / b for t, b in zip(figures["tool launch"], figures["base launch"], strict=True)
        ]
        launch_ms = statistics.median(figures["tool launch"])
        print(
            f"  tool launch {launch_ms:.2f} ms (target <= {target:.0f} ms: "
            f"{'met' if launch_ms <= target else 'not met'}); "
            f"tool/bare launch time {spread(ratios).strip()}x"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_section(args: argparse.Namespace) -> None:
    workers, threads = 2, 4
    print(
        f"\n== 2. Under gunicorn ({workers} workers x {threads} threads, PostgreSQL): full launches"
        f" ==\n{args.runs} runs x {args.duration:.0f} s per side, {args.concurrency} client"
        " threads, sides alternating; latency = login + launch requests (ms)"
    )
    signer = PlatformSigner()
    tool_runs: list[Load] = []
    base_runs: list[Load] = []
    with scratch_database(args.database_url) as scratch, tempfile.TemporaryDirectory() as tmp:
        tool_port, base_port = free_port(), free_port()
        settings = tool_settings(scratch, Path(tmp), f"http://localhost:{tool_port}")
        from lti_tool import create_app
        from lti_tool.extensions import db

        setup = create_app({**settings, "LOG_LEVEL": "WARNING"})
        prepare_tool(setup, signer)
        with setup.app_context():
            db.engine.dispose()
        import json

        tool = Gunicorn(
            "lti_tool:create_app()",
            tool_port,
            tool_env(settings, pool_size=threads),
            Path(tmp) / "tool.log",
            workers,
            threads,
        )
        base = Gunicorn(
            "_launch_inprocess:baseline_from_env()",
            base_port,
            {
                **tool_env(settings, pool_size=threads),
                "BENCH_PLATFORM_JWK": json.dumps(signer.jwk),
                "BENCH_SECRET": secrets.token_hex(16),
            },
            Path(tmp) / "baseline.log",
            workers,
            threads,
        )
        try:
            tool.wait_ready("/.well-known/jwks.json")
            base.wait_ready("/ready")
            sides: list[tuple[str, Callable[[float], Load]]] = [
                (
                    "tool",
                    lambda d: drive(
                        f"http://localhost:{tool_port}",
                        "/lti/login",
                        "/lti/launch",
                        signer,
                        args.concurrency,
                        d,
                    ),
                ),
                (
                    "baseline",
                    lambda d: drive(
                        f"http://localhost:{base_port}",
                        "/login",
                        "/launch",
                        signer,
                        args.concurrency,
                        d,
                    ),
                ),
            ]
            for _, run in sides:
                run(2.0)  # warm-up: every worker's caches and connections
            for i in range(args.runs):
                for name, run in sides if i % 2 == 0 else list(reversed(sides)):
                    load = run(args.duration)
                    if load.errors:
                        print(f"  {name}: {len(load.errors)} errors, first: {load.errors[0]}")
                    (tool_runs if name == "tool" else base_runs).append(load)
        finally:
            tool.stop()
            base.stop()
    rows = [("tool", tool_runs), ("baseline", base_runs)]
    print(f"  {'':9} {'launches/s':>26} {'p50 ms':>26} {'p95 ms':>26} {'p99 ms':>26}")
    for name, loads in rows:
        print(
            f"  {name:9} {spread([x.per_second for x in loads]):>26}"
            f" {spread([x.percentile(50) * 1000 for x in loads]):>26}"
            f" {spread([x.percentile(95) * 1000 for x in loads]):>26}"
            f" {spread([x.percentile(99) * 1000 for x in loads]):>26}"
        )
    throughput = [t.per_second / b.per_second for t, b in zip(tool_runs, base_runs, strict=True)]
    p99 = [t.percentile(99) / b.percentile(99) for t, b in zip(tool_runs, base_runs, strict=True)]
    throughput_met = statistics.median(throughput) >= TARGET_THROUGHPUT_RATIO
    p99_met = statistics.median(p99) <= TARGET_P99_RATIO
    print(
        f"  ratio tool/bare launches/s {spread(throughput).strip()}"
        f" (target >= {TARGET_THROUGHPUT_RATIO}: {'met' if throughput_met else 'not met'})"
        f"\n  ratio tool/bare p99        {spread(p99).strip()}"
        f" (target <= {TARGET_P99_RATIO:.0f}: {'met' if p99_met else 'not met'})"
    )
