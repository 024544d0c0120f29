"""The sandbox LMS has groups and sections: launches carry them the way its profile's platform
would (Canvas and Moodle substitution values, or the Course Groups Service claim), and the tool
fetches the groups from the sandbox's groups service over HTTP."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context, CourseGroupSet, Person
from lti_tool.roster.groups import membership_of, sync_groups


def _membership(live, source: str) -> dict[str, str]:
    with live.app.app_context():
        try:
            group_set = db.session.scalars(
                select(CourseGroupSet).where(CourseGroupSet.source == source)
            ).one()
            subs = dict(db.session.execute(select(Person.id, Person.sub)).all())
            return {subs[p]: g for p, g in membership_of(group_set).items()}
        finally:
            db.session.remove()


def test_generic_profile_offers_the_groups_service(live):
    for user in ("instructor-1", "student-1", "student-4", "student-7"):
        assert live.launch(live.client(), user).status_code == 303
    assert _membership(live, "sections") == {
        "student-1": "Morning section",
        "student-4": "Morning section",
        "student-7": "Evening section",
    }
    with live.app.app_context():
        context = db.session.scalars(select(Context)).one()
        placed = sync_groups(context, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5)
        db.session.remove()
    assert placed == 3
    assert _membership(live, "groups_service") == {
        "student-1": "Team North",
        "student-4": "Team South",
        "student-7": "Team East",
    }


def test_canvas_and_moodle_profiles_send_substitution_values(live):
    assert live.http.put(f"{live.url}/sandbox/api/profile", json={"family": "canvas"}).ok
    live.launch(live.client(), "student-2")
    live.launch(live.client(), "student-3")
    canvas = _membership(live, "canvas")
    assert len(set(canvas.values())) == 1 and set(canvas) == {"student-2", "student-3"}
    assert live.http.put(f"{live.url}/sandbox/api/profile", json={"family": "moodle"}).ok
    live.launch(live.client(), "student-5")
    assert _membership(live, "moodle") == {"student-5": "Moodle group team-south"}
