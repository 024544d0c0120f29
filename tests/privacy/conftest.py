"""A feedback rounds course with named students (tests/activities/feedback), reused here."""

from tests.activities.feedback.conftest import app, course  # noqa: F401
