"""Outcome messages of console actions, carried in the redirect's URL (a launch session has no
cookie in which a flashed message could survive the redirect), each with a signature: only what
the console itself said is shown, and a link with ?notice=… made by someone else shows nothing
(issue 11, item 12)."""

from __future__ import annotations

from flask import current_app, redirect, request
from itsdangerous import Signer
from werkzeug.wrappers import Response

from lti_tool.admin import bp
from lti_tool.templating import launch_url

NOTICE_SALT = "coproduce.admin.notice"


def _message_signer() -> Signer:
    return Signer(current_app.extensions["coproduce.settings"].SECRET_KEY, salt=NOTICE_SALT)


def back(
    endpoint: str, notice: str | None = None, error: str | None = None, **values: object
) -> Response:
    """Redirect to `endpoint` after a change, with its signed outcome."""
    for kind, text in (("notice", notice), ("error", error)):
        if text:
            values[kind] = text
            values[f"{kind}_sig"] = _message_signer().get_signature(f"{kind}:{text}").decode()
    return redirect(launch_url(endpoint, **values), code=303)


@bp.app_context_processor
def _console_messages() -> dict[str, object]:
    def console_message(kind: str) -> str | None:
        text, sig = request.args.get(kind), request.args.get(f"{kind}_sig", "")
        if not text or not sig or request.blueprint != "admin":
            return None
        if not _message_signer().verify_signature(f"{kind}:{text}", sig):
            return None
        return text

    return {"console_message": console_message}
