"""Erasure is all or nothing: a failure half-way leaves every row and file as it was; with the
filesystem store, files go only once the rows are committed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool import storage
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.events import ToolActor
from lti_tool.extensions import db
from lti_tool.models import Context, FeedbackSubmission, Person, PlacedBy
from lti_tool.privacy import erasure
from tests.builders import launch


def _with_upload(app, client, platform_key) -> str:
    launch(client, platform_key, sub="u-1", name="Uma Upload")
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        context = db.session.scalars(select(Context)).one()
        activity = create_activity(
            context,
            ActivityConfig("feedback_rounds", "Essays"),
            created_by=person,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        key = storage.new_key()
        storage.put(key, b"Uma's essay")
        db.session.add(
            FeedbackSubmission(
                activity_id=activity.id, person_id=person.id, round=1, file_key=key, file_ext="txt"
            )
        )
        db.session.commit()
    return key


@pytest.mark.parametrize("store", ["database", "filesystem"])
def test_a_failed_erasure_changes_nothing(make_app, jwks, platform_key, monkeypatch, store):
    from tests.builders import make_platform

    app = make_app(UPLOAD_STORE=store)
    with app.app_context():
        platform_id = make_platform(jwks.url).id
    client = app.test_client()
    key = _with_upload(app, client, platform_key)

    def broken(needles):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "_sweep", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        erasure.erase_person(platform_id, "u-1", ToolActor("test"))
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert (person.sub, person.name) == ("u-1", "Uma Upload")
        assert db.session.scalars(select(FeedbackSubmission)).one().file_key == key
        assert storage.read(key) == b"Uma's essay"
    monkeypatch.undo()
    with app.app_context():
        assert erasure.erase_person(platform_id, "u-1", ToolActor("test")).files == 1
        assert storage.read(key) is None
        assert db.session.scalars(select(FeedbackSubmission)).first() is None
