"""Logging that can never hold a session secret (issue 11): the werkzeug development server's
request lines, gunicorn's access log (config/gunicorn.conf.py uses RedactingGunicornLogger) and
the tool's own loggers all pass through one redaction.

Session tokens never travel in URLs and link tickets are single use, so a logged ticket is
already worthless; redacting them as well means a log never shows one at all.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
_PARAM = re.compile(r"(?i)\b(lt|launch_token|id_token|state|csrf_token)=[^&\s\"';]+")
_HEADER = re.compile(r"(?i)(x-launch-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+")
_SESSION_TOKEN = re.compile(r"\b\d{1,18}\.[0-9a-f]{64}\b")


def redact(text: str) -> str:
    text = _PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    return _SESSION_TOKEN.sub(REDACTED, text)


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


try:  # gunicorn is the production server; the tool runs without it too (flask run, tests).
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None  # type: ignore[assignment,misc]

if _GunicornLogger is not None:

    class RedactingGunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
        """gunicorn's logger with the request line, query string and referrer redacted in
        every access log atom, whatever `access_log_format` is chosen."""

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
