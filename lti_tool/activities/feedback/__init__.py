"""Feedback rounds: write, review, respond, revise, with transparent and contestable scores.

kind        the ActivityKind this package registers (activities.kinds)
allocation.allocate_reviewers / add_late_authors    who reviews whom (pure, seeded)
services    one import of the services below, for the views
  rules          phases, limits, FeedbackError, the course's students
  configuration  settings, rubric (direct or co-created), phase dates
  phases         moving through rounds and phases (by hand or by date)
  submissions    finding and submitting work
  assignments    reviewer allocation rows, groups, swaps, staff reviews
reviewing   reviews, responses, endorsements, revision plans, anonymity of names
scoring     scores (formula in grading.feedback) through the outbox, contests, overrides
reports     progress, reviewer agreement, nudges, CSV export
files       uploads kept outside the web root
groups      LMS group sets and sections, round snapshots, one submission per group
team_evaluation  teammates' contribution ratings and the factor (formula in grading.team)
reliability reviewer bias, consistency, flat-lining, bounded weights (pure, documented formula)
calibration reliability settings, exemplars, students' calibration attempts
accuracy    reviewer accuracy, discrepancy queue, criterion health (from the class's reviews)
trust_views the pages of the three above
"""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

# The pages register their routes on bp (trust_views: the reliability pages).
from lti_tool.activities.feedback import (  # noqa: E402,F401
    group_views,
    trust_views,
    views,
)
from lti_tool.activities.feedback.clock import catch_up_by_date, next_allocation  # noqa: E402
from lti_tool.jobs.phases import PhaseClock, register_phase_clock  # noqa: E402

register_phase_clock("feedback_rounds", PhaseClock(catch_up_by_date, next_allocation))
from lti_tool.activities.feedback import extensions as _extensions  # noqa: E402

_extensions.register()  # its phases and typed groups, for extensions and accommodations
from lti_tool.activities.feedback import reminders as _reminders  # noqa: E402
from lti_tool.activities.feedback.kind import FEEDBACK_ROUNDS as KIND  # noqa: E402  (the kind contract)
from lti_tool.reminders.registry import ReminderSource, register_reminders  # noqa: E402

register_reminders(
    "feedback_rounds", ReminderSource(_reminders.feedback_reminders, _reminders.digest_line)
)

__all__ = ["KIND", "bp"]
