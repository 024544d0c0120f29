"""Error pages: every failure is a plain page with a code, rendered inside the LMS iframe, or
`{"error": code, "message": ...}` for a JSON route (a path ending in `.json`, or a request that
prefers JSON to HTML).

Every handler rolls back first, so a refused action leaves nothing half-saved. Domain refusals
(`lti_tool.domain.DomainError` and its subclasses, one per activity) all go through one handler.
Never a stack trace: unexpected exceptions are logged with their traceback and shown as a short
page with a reference the user can pass on.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lti_tool.auth.current import AccessDenied
from lti_tool.auth.launch_token import LaunchTokenError
from lti_tool.domain import DomainError
from lti_tool.extensions import db
from lti_tool.lti.errors import LtiError

log = logging.getLogger("lti_tool.errors")


def wants_json() -> bool:
    """A JSON route: its path ends in .json, or the client asks for JSON before HTML."""
    if request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and (
        request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]
    )


def error_page(code: str, message: str, status: int):  # type: ignore[no-untyped-def]
    """The answer to a refused request: the in-iframe page, or JSON for a JSON route."""
    message = str(message)  # a lazy translation is rendered in the request's language
    if wants_json():
        return jsonify({"error": code, "message": message}), status
    return (
        render_template(
            "errors/error.html",
            code=code,
            message=message,
            status=status,
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LtiError)
    def lti_error(exc: LtiError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.warning(
            "refused %s %s: %s status=%s cause=%s",
            request.method,
            request.path,
            exc.code,
            exc.status,
            exc.cause or "-",
        )
        return error_page(exc.code, exc.message, exc.status)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.info("refused %s %s: %s %s", request.method, request.path, exc.code, exc.status)
        return error_page(exc.code, exc.message, exc.status)

    @app.errorhandler(LaunchTokenError)
    def launch_token_error(exc: LaunchTokenError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.warning("refused %s %s: %s", request.method, request.path, exc.code)
        return error_page(exc.code, exc.message, 401)

    @app.errorhandler(AccessDenied)
    def access_denied(exc: AccessDenied):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.warning("refused %s %s: %s", request.method, request.path, exc.code)
        return error_page(exc.code, exc.message, exc.status)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.warning("refused %s %s: CSRF_FAILED %s", request.method, request.path, exc.description)
        return error_page(
            "CSRF_FAILED",
            _l("This form could not be verified (it may be stale). Reload the page and try again."),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        status = exc.code or 500
        log.info("http %s on %s %s", status, request.method, request.path)
        return error_page(f"HTTP_{status}", exc.description or exc.name, status)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        reference = secrets.token_hex(4)
        log.exception("unexpected error ref=%s on %s %s", reference, request.method, request.path)
        return error_page(
            "UNEXPECTED",
            _l(
                "Something went wrong on our side. Nothing was saved. Reference: %(reference)s.",
                reference=reference,
            ),
            500,
        )
