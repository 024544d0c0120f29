"""Feedback rounds' services, by domain: one import for the views.

    rules          phases, limits, FeedbackError, students_of / is_student
    configuration  config_of, configure, criteria_of, criteria_for_round,
                   set_direct_rubric, use_cocreated_rubric
    phases         catch_up, check_step, advance_phase
    submissions    submission_of, submissions_of_round, submit
    assignments    allocate_round, set_groups, allocation_in, submission_in, assign_reviewer,
                   swap_reviewer, staff_allocation, reviews_submission

Plain values in, models out; the caller commits (one transaction per action) and a refused
action raises FeedbackError before anything is written. Every lookup takes the activity, which
the view found within the launch's course.
"""

from __future__ import annotations

from lti_tool.activities.feedback.assignments import (
    allocate_late,
    allocate_round,
    allocation_in,
    assign_reviewer,
    reviews_submission,
    set_groups,
    staff_allocation,
    submission_in,
    swap_reviewer,
)
from lti_tool.activities.feedback.configuration import (
    CriterionInput,
    Settings,
    config_of,
    configure,
    criteria_for_round,
    criteria_of,
    next_step,
    phase_date,
    set_direct_rubric,
    use_cocreated_rubric,
)
from lti_tool.activities.feedback.phases import advance_phase, catch_up, check_step
from lti_tool.activities.feedback.rules import (
    ALLOCATIONS,
    ANONYMITY,
    LATE_POLICIES,
    MAX_COMMENT,
    MAX_CRITERIA,
    MAX_LEVELS,
    MAX_LINK,
    MAX_TEXT,
    PHASES,
    FeedbackError,
    is_student,
    students_of,
)
from lti_tool.activities.feedback.submissions import submission_of, submissions_of_round, submit
from lti_tool.activities.rubrics import api as rubrics

__all__ = [
    "ALLOCATIONS",
    "ANONYMITY",
    "LATE_POLICIES",
    "MAX_COMMENT",
    "MAX_CRITERIA",
    "MAX_LEVELS",
    "MAX_LINK",
    "MAX_TEXT",
    "PHASES",
    "CriterionInput",
    "FeedbackError",
    "Settings",
    "advance_phase",
    "allocate_late",
    "allocate_round",
    "allocation_in",
    "assign_reviewer",
    "catch_up",
    "check_step",
    "config_of",
    "configure",
    "criteria_for_round",
    "criteria_of",
    "is_student",
    "next_step",
    "phase_date",
    "reviews_submission",
    "rubrics",
    "set_direct_rubric",
    "set_groups",
    "staff_allocation",
    "students_of",
    "submission_in",
    "submission_of",
    "submissions_of_round",
    "submit",
    "swap_reviewer",
    "use_cocreated_rubric",
]
