"""Start pages: where each role lands after a launch."""

from flask import Blueprint

bp = Blueprint("start", __name__)

from lti_tool.start import views  # noqa: E402,F401  (registers the routes on bp)
