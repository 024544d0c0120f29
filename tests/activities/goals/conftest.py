import pytest

from lti_tool.extensions import db
from lti_tool.models import Platform
from tests.activities.goals.builders import make_course


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


@pytest.fixture
def course(app, platform):
    """A goal setting activity (10 points) in a course with alice, bob, a coach and a prof;
    the test runs inside the app context."""
    with app.app_context():
        yield make_course(db.session.get(Platform, platform.id))
        db.session.rollback()
