"""Grades: recording scores, the durable outbox that delivers them to the LMS gradebook, its
worker, and where each score stands.

    record_score(activity, person, ScoreChange(...), tool_base_url=...)   # in the caller's
                                                                          # transaction
    kick()                                                                # after the commit
    queue_summary(platform_id) / stuck_scores(platform_id) / retry_failed(platform_id, ...)

Its pages (class progress and delivery, retry, a facilitator's score) are in grading.views.
"""

from lti_tool.grading.scores import ArtifactContent, ScoreChange, ScoreError, record_score
from lti_tool.grading.status import (
    Delivery,
    QueueSummary,
    StuckScore,
    class_status,
    queue_summary,
    retry_failed,
    stuck_scores,
)
from lti_tool.grading.worker import kick

__all__ = [
    "ArtifactContent",
    "Delivery",
    "QueueSummary",
    "ScoreChange",
    "ScoreError",
    "StuckScore",
    "class_status",
    "kick",
    "queue_summary",
    "record_score",
    "retry_failed",
    "stuck_scores",
]
