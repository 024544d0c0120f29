"""The admin console (/admin) and the command line for registrations, deployments and keys."""

from flask import Blueprint

from lti_tool.extensions import csrf

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The console checks CSRF itself, after the access check (admin_required), so that whoever may
# not use the console hears "403" rather than a CSRF complaint. Forms validate it again.
csrf.exempt(bp)

# Importing the view modules registers their routes on bp.
from lti_tool.admin import account_views, messages, privacy_views, views, words  # noqa: E402,F401
