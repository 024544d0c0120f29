"""Reminder e-mail (issue 16 item 4): what is due (`due`, with each kind's `registry` source),
sending each once over SMTP (`sender`, `smtp`), one-click unsubscribe tokens (`tokens`) and the
pages for preferences and unsubscribing (`views`, blueprint `bp`)."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from lti_tool.reminders import views  # noqa: E402,F401  (registers the routes on bp)

__all__ = ["bp"]
