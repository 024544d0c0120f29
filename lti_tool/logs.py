"""Logging that can never hold a session secret (issue 11), as JSON lines or readable lines
(issue 14): the werkzeug development server's request lines, gunicorn's access log
(lti_tool/gunicorn_conf.py uses RedactingGunicornLogger) and the tool's own loggers all pass through
one redaction.

`configure_logging` puts one structlog formatter on the root logger, so every library's stdlib
logging comes out the same way: `json` (one object a line: timestamp, level, logger, event, and
the request id, endpoint, launch id and platform id of the request it happened in) or `console`
(readable, for development). Values under secret-looking keys and secret-looking text inside any
value are replaced by "[redacted]" before rendering.

Session tokens never travel in URLs and link tickets are single use, so a logged ticket is
already worthless; redacting them as well means a log never shows one at all.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
# Names of secrets (not secrets).
_SECRET_NAMES = "|".join(
    (
        "lt",
        "launch_token",
        "id_token",
        "state",
        "csrf_token",
        "access_token",
        "refresh_token",
        "client_assertion",
        "password",
        "passwd",
        "client_secret",
        "token",
        "registration_token",
    )
)
# name=value in a query string or form body; "name": "value" in JSON or a repr'd dict.
_PARAM = re.compile(rf"(?i)\b({_SECRET_NAMES})=[^&\s\"';]+")
_QUOTED = re.compile(rf"(?i)([\"']({_SECRET_NAMES})[\"']\s*:\s*[\"'])[^\"']+")
_HEADER = re.compile(r"(?i)(x-launch-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_SESSION_TOKEN = re.compile(r"\b\d{1,18}\.[0-9a-f]{64}\b")
# Keys of a structured log line whose value is never shown.
_SECRET_KEY = re.compile(
    r"(?i)^(lt|launch_token|x-launch-token|id_token|access_token|refresh_token|token"
    r"|client_assertion|password|passwd|secret|client_secret|authorization|cookie"
    r"|csrf_token|registration_token|metrics_token|secret_key)$"
)


def _may_hold_secret(text: str) -> bool:
    """False when no pattern above can match: each needs an '=' or ':' (a parameter, a quoted
    key, the header), 'eyJ' (a JWT), 'bearer', or 66 characters (a session token). Most values
    of a line (a method, a path, a status) are short and have none, and six substitutions on
    each of them were most of the cost of a request's log line."""
    return (
        len(text) >= 66 or "=" in text or ":" in text or "eyJ" in text or "bearer" in text.lower()
    )


def redact(text: str) -> str:
    if not _may_hold_secret(text):
        return text
    text = _PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _QUOTED.sub(lambda m: m.group(1) + REDACTED, text)
    text = _HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _SESSION_TOKEN.sub(REDACTED, text)


def redact_value(key: str, value: Any) -> Any:
    """A log line's value with secrets removed: by its key's name, then by its text."""
    if _SECRET_KEY.match(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    return value


class RedactTokens(logging.Filter):
    """Rewrites each record's message with tokens and tickets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_LOGGERS = ("werkzeug", "lti_tool", "gunicorn.access", "gunicorn.error")


def install_redaction() -> None:
    """Attach the filter to every logger that may see a request line (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


# -- structured lines --------------------------------------------------------------------------


def _redact_event(
    logger: Any, name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.startswith("_"):
            continue  # structlog's own bookkeeping (the stdlib record)
        event[key] = redact_value(key, event[key])
    return event


def _request_fields(
    logger: Any, name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The launch behind the request, once the request has resolved it (read from the loaded
    attributes only: logging never triggers a query)."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover
        return event
    if has_request_context():
        session = g.get("launch_session")
        loaded = getattr(session, "__dict__", None) or {}
        if loaded.get("id") is not None:
            event.setdefault("launch_id", loaded["id"])
        if loaded.get("platform_id") is not None:
            event.setdefault("platform_id", loaded["platform_id"])
    return event


_OWN_PREFIXES = ("lti_tool", "werkzeug", "gunicorn", "alembic", "flask_migrate")


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler configure_logging installs (and replaces when called again)."""


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _request_fields,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _formatter(log_format: str, colors: bool = False) -> logging.Formatter:
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if log_format == "json":
        final += [structlog.processors.format_exc_info, _redact_event]
        final.append(structlog.processors.JSONRenderer(default=str))
    else:
        final += [_redact_event, structlog.dev.ConsoleRenderer(colors=colors)]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(), processors=final
    )


def _format_from_environment() -> str:
    """LOG_FORMAT as the settings would resolve it, for gunicorn's master process (which has
    not loaded the tool's settings): the variable, else json in production."""
    import os

    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen:
        return chosen
    from lti_tool.settings import load_settings_value

    return "json" if load_settings_value("APP_ENV") == "production" else "console"


def configure_logging(level: str = "INFO", log_format: str = "json", stream: Any = None) -> None:
    """One handler on the root logger rendering every record as `log_format` (json|console),
    secrets redacted; structlog loggers go through it too. Idempotent."""
    handler = _OurHandler(stream or sys.stderr)
    handler.setFormatter(_formatter(log_format, colors=_is_tty(stream)))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # A logging.config call elsewhere (alembic's fileConfig) may have disabled our loggers.
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and name.startswith(_OWN_PREFIXES):
            logger.disabled = False
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    install_redaction()


def is_configured() -> bool:
    """Whether configure_logging has set up the root logger (alembic's env.py asks)."""
    return any(isinstance(h, _OurHandler) for h in logging.getLogger().handlers)


def _is_tty(stream: Any) -> bool:
    try:
        return bool((stream or sys.stderr).isatty())
    except (AttributeError, ValueError):
        return False


try:  # gunicorn is the production server; the tool runs without it too (flask run, tests).
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None  # type: ignore[assignment,misc]

if _GunicornLogger is not None:

    class RedactingGunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
        """gunicorn's logger with the request line, query string and referrer redacted in
        every access log atom, whatever `access_log_format` is chosen."""

        def setup(self, cfg: Any) -> None:
            """gunicorn's own lines (its error log and the access log) as JSON objects too when
            the tool logs JSON, so a log shipper reads one format."""
            super().setup(cfg)
            if _format_from_environment() != "json":
                return
            formatter = _formatter("json")
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(formatter)

        def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> Any:
            atoms = super().atoms(resp, req, environ, request_time)
            for key in list(atoms):
                if key in ("r", "q", "f", "U") and isinstance(atoms[key], str):
                    atoms[key] = redact(atoms[key])
                elif key.startswith("{") and any(
                    secret in key for secret in ("launch-token", "cookie", "authorization")
                ):
                    atoms[key] = REDACTED  # a request header someone put in the format
            return atoms
