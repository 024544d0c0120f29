import pytest

from tests.advantage import live, live_factory  # noqa: F401  (fixtures)


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)
