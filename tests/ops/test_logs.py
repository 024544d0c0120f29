"""Structured logs: one JSON line per request with its request id (the caller's X-Request-Id,
echoed back), endpoint, status and duration, and the launch and platform once the request has
one; no secret in any line (launch tokens, tickets, passwords, id_tokens, client assertions,
access tokens); readable lines in development."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import parse_qs, urlsplit

import structlog

from lti_tool.logs import configure_logging, redact
from tests.builders import Claims, as_launch, launch, launch_token_of, login, post_launch, sign
from tests.ops.conftest import PASSWORD


def _capture(level: str = "DEBUG", log_format: str = "json") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, log_format, stream=stream)
    return stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_request_makes_one_json_line_with_its_request_id(app, client):
    stream = _capture("INFO")
    response = client.get("/start", headers={"X-Request-Id": "req-0123456789"})
    assert response.headers["X-Request-Id"] == "req-0123456789"
    lines = [line for line in _lines(stream) if line.get("request_id") == "req-0123456789"]
    requests_logged = [line for line in lines if line["event"] == "request"]
    assert len(requests_logged) == 1
    (line,) = requests_logged
    assert line["endpoint"] == "start.home" and line["status"] == response.status_code
    assert line["method"] == "GET" and line["path"] == "/start"
    assert isinstance(line["duration_ms"], float) and line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_a_request_id_is_made_when_none_or_a_bad_one_is_given(app, client):
    stream = _capture("INFO")
    made = client.get("/start").headers["X-Request-Id"]
    bad = client.get("/start", headers={"X-Request-Id": "x {evil} " + "y" * 300})
    assert len(made) == 32 and bad.headers["X-Request-Id"] != made
    assert "{evil}" not in stream.getvalue()


def test_the_launch_behind_a_request_is_on_its_lines(app, client, platform, platform_key):
    response = launch(client, platform_key, "facilitator", sub="prof")
    token = launch_token_of(response)
    stream = _capture("INFO")
    client.get("/start", headers={**as_launch(token), "X-Request-Id": "req-with-launch"})
    (line,) = [
        line
        for line in _lines(stream)
        if line.get("request_id") == "req-with-launch" and line["event"] == "request"
    ]
    assert isinstance(line["launch_id"], int) and line["platform_id"] == platform.id


def test_a_launch_with_secrets_logs_none_of_them(app, client, console, platform, platform_key):
    stream = _capture("DEBUG")
    started = login(client)
    id_token = sign(Claims(nonce=started.nonce, role="student", sub="s1").body, platform_key)
    response = post_launch(client, id_token, started.state)
    assert response.status_code == 303
    location = response.headers["Location"]
    ticket = parse_qs(urlsplit(location).query)["lt"][0]
    token = launch_token_of(response)
    client.get(location)
    client.get("/start", headers=as_launch(token))
    client.get(f"/start?lt={token}")
    client.post("/start", data={"launch_token": token})
    post_launch(client, id_token, started.state)  # a replay, refused and logged
    logging.getLogger("lti_tool.test").info("posted %s", {"access_token": "at-0000-secret"})
    structlog.get_logger("lti_tool.test").warning(
        "token call", client_assertion=id_token, password=PASSWORD, authorization="Bearer b"
    )
    text = stream.getvalue()
    assert "request" in text and "lti.launch" in text
    for secret in (ticket, token, id_token, started.state, PASSWORD, "at-0000-secret"):
        assert secret not in text, secret
    assert id_token.split(".")[1] not in text  # not even the claims part
    for line in text.splitlines():
        json.loads(line)  # every line is JSON


def test_development_lines_are_readable(app, client):
    stream = _capture("INFO", "console")
    client.get("/start", headers={"X-Request-Id": "req-console-1"})
    text = stream.getvalue()
    assert "request_id=req-console-1" in text and "endpoint=start.home" in text
    assert not text.lstrip().startswith("{")


def test_log_format_defaults(make_app):
    assert make_app().extensions["coproduce.settings"].LOG_FORMAT == "console"
    production = make_app(APP_ENV="production", LTI_TOOL_BASE_URL="https://tool.example.edu")
    assert production.extensions["coproduce.settings"].LOG_FORMAT == "json"


def test_redaction_of_text():
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]"
    assert redact('{"access_token": "xyz", "password": "pw"}') == (
        '{"access_token": "[redacted]", "password": "[redacted]"}'
    )
    assert redact("client_assertion=eyJa.eyJb.c&x=1") == "client_assertion=[redacted]&x=1"
    assert redact("the token endpoint answered 400") == "the token endpoint answered 400"


def test_gunicorn_lines_are_json_when_the_tool_logs_json(monkeypatch):
    from gunicorn.config import Config

    from lti_tool.logs import RedactingGunicornLogger

    monkeypatch.setenv("LOG_FORMAT", "json")
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingGunicornLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.setStream(stream)
    logger.error_log.info("Booting worker with pid: %s", 42)
    logger.access_log.info('127.0.0.1 "GET /start?lt=abc.def HTTP/1.1" 200')
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "Booting worker with pid: 42" and first["logger"] == "gunicorn.error"
    assert "lt=[redacted]" in second["event"] and "abc.def" not in stream.getvalue()
    monkeypatch.setenv("LOG_FORMAT", "console")
    plain = RedactingGunicornLogger(config)
    assert not any(
        isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
        for h in plain.access_log.handlers
    )


SHORT_SECRETS = [
    "lt=abc",
    "state=s1",
    "'token': 'x'",
    '"password":"p"',
    "X-Launch-Token: 12",
    "x-launch-token=12",
    "Bearer abc.def",
    "BEARER a",
    "eyJhbGciOi.eyJz.sig",
    "7." + "ab" * 32,
]


def test_redaction_skips_no_value_a_pattern_could_match():
    # redact() returns short values with none of '=', ':', 'eyJ', 'bearer' untouched without
    # running its patterns: every secret shape must still be caught.
    for text in SHORT_SECRETS:
        assert redact(text) != text, text
        assert redact(f"[{text}]") != f"[{text}]", text
