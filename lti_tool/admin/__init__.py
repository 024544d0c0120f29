"""The admin console (/admin) and the command line for registrations, deployments and keys."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from lti_tool.admin import views  # noqa: E402,F401  (registers the routes on bp)
