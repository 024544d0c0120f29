"""Feedback rounds: write, review, respond, revise, with transparent and contestable scores.

allocation.allocate_reviewers / add_late_authors    who reviews whom (pure, seeded)
services    configuration, rubric, phases, submissions, allocation, swaps
reviewing   reviews, responses, endorsements, revision plans, anonymity of names
scoring     scores (formula in grading.feedback) through the outbox, contests, overrides
reports     progress, reviewer agreement, nudges, CSV export
files       uploads kept outside the web root
"""

from flask import Blueprint

from lti_tool.activities.kinds import register_kind_page

bp = Blueprint("feedback", __name__)
register_kind_page("feedback_rounds", "feedback.home")

from lti_tool.activities.feedback import views  # noqa: E402,F401  (registers the routes on bp)
from lti_tool.activities.feedback.clock import catch_up_by_date, next_allocation  # noqa: E402
from lti_tool.jobs.phases import PhaseClock, register_phase_clock  # noqa: E402

register_phase_clock("feedback_rounds", PhaseClock(catch_up_by_date, next_allocation))
