"""The protocol endpoints' blueprint. Named "lti" so `url_for("lti.login")`, `"lti.launch"` and
`"lti.jwks"` keep the names they had when these views lived in lti_tool.lti."""

from __future__ import annotations

from flask import Blueprint, current_app

from lti_tool.settings import Settings

bp = Blueprint("lti", __name__)


def settings() -> Settings:
    """This app's settings (put there by create_app)."""
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]
