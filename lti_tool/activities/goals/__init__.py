"""Goal setting (issue 5): students draft SMART goals, agree them with a facilitator or coach,
check in on their progress and reflect at the end.

    config       the activity's configuration, phase and date window
    services     the rules up to agreement: goal_for, save_draft, submit, respond
    progress     the rules after it: check_in, comment_check_in, reflect, reopen, judge
    scoring      the score and artifact through the outbox (formula in grading/goals.py)
    overview     the class overview, charts' data and the CSV export
    charts       server-rendered SVG progress charts
    views        the blueprint's thin pages; manage: export, settings, phase
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("goals", __name__)

from lti_tool.activities.extensions import register_extension_phases  # noqa: E402
from lti_tool.activities.goals import manage, views  # noqa: E402,F401  (register routes on bp)
from lti_tool.activities.goals.kind import GOAL_SETTING as KIND  # noqa: E402  (the kind contract)

# The phases a student acts in, for extensions and "excused" (activities.extensions).
register_extension_phases(
    KIND.key,
    lambda activity: [
        ("agree", _l("Agree goals")),
        ("check_in", _l("Check-ins")),
        ("reflect", _l("Final reflection")),
    ],
)
from lti_tool.activities.goals import reminders as _reminders  # noqa: E402
from lti_tool.reminders.registry import ReminderSource, register_reminders  # noqa: E402

register_reminders(
    "goal_setting", ReminderSource(_reminders.goal_reminders, _reminders.digest_line)
)

__all__ = ["KIND", "bp"]
