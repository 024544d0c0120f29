"""Template helpers: links and forms that carry the launch token."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from lti_tool.auth import launch_token
from lti_tool.auth.current import token_from_request


def launch_url(endpoint: str, **values: Any) -> str:
    """url_for that keeps the current launch token, so a link stays inside the launch."""
    token = token_from_request()
    if token:
        values[launch_token.QUERY_PARAM] = token
    return url_for(endpoint, **values)


def launch_fields() -> Markup:
    """Hidden fields every form inside a launch needs: the launch token and the CSRF token."""
    token = token_from_request()
    # Markup.format escapes every argument.
    csrf = Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())
    if not token:
        return csrf  # a first-party page (console account, sandbox): the cookie session holds it
    return (
        Markup('<input type="hidden" name="{}" value="{}">').format(launch_token.FORM_FIELD, token)
        + csrf
    )


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        launch_url=launch_url,
        launch_fields=launch_fields,
        launch_token_header=launch_token.HEADER,
        current_launch_token=token_from_request,
    )
