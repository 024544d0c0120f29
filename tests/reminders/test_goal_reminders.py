"""Goal setting's reminder: "your goal needs agreement" once per suggestion (a new suggestion
on a new version is a new event), for students who opened the activity, and the draft case with
the agreement due soon (the student's own date under an extension)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lti_tool.activities import extensions
from lti_tool.activities.goals import services as goals
from lti_tool.activities.goals.config import settings_of
from lti_tool.extensions import db
from lti_tool.models import LinkLaunch, Placement, Platform, ResourceLink, Role
from lti_tool.reminders.due import due_reminders
from tests.activities.goals.builders import SMART, TODAY, make_course

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0)


def _opened(course, *subs):
    link = ResourceLink(context_id=course.activity.context_id, resource_link_id="goals-link")
    db.session.add(link)
    db.session.flush()
    db.session.add(Placement(resource_link_id=link.id, activity_id=course.activity.id))
    for sub in subs:
        db.session.add(LinkLaunch(person_id=course.people[sub].person.id, resource_link_id=link.id))
    db.session.flush()


def _goal_keys(course):
    return sorted(
        (r.person_id, r.key) for r in due_reminders(NOW, TODAY, 48) if r.kind == "goal_agreement"
    )


def test_a_suggested_change_is_one_reminder_per_suggestion(app, platform):
    with app.app_context():
        course = make_course(db.session.get(Platform, platform.id))
        _opened(course, "alice")  # bob never opened it: he hears nothing
        scope = course.scope()
        alice, bob, prof = (course.people[s] for s in ("alice", "bob", "prof"))
        mine = goals.submit(scope, alice, goals.save_draft(scope, alice, SMART))
        goals.submit(scope, bob, goals.save_draft(scope, bob, SMART))
        assert _goal_keys(course) == []  # pending: the staff's turn (the digest counts it)
        settings_of(course.activity).phase = "agree"  # goals are agreed from "Agree goals" on
        goals.respond(scope, prof, mine, "suggest", "Make the measure countable")
        first = _goal_keys(course)
        assert [p for p, _ in first] == [alice.person.id]
        assert _goal_keys(course) == first  # the same event: the same key
        goals.submit(scope, alice, goals.save_draft(scope, alice, SMART, goal=mine))
        goals.respond(scope, prof, mine, "suggest", "Still not countable")
        assert _goal_keys(course) != first  # a new suggestion: a new event


def test_a_draft_due_soon_under_the_students_own_date(app, platform):
    with app.app_context():
        course = make_course(db.session.get(Platform, platform.id))
        _opened(course, "alice")
        scope = course.scope()
        alice, prof = course.people["alice"], course.people["prof"]
        goals.save_draft(scope, alice, SMART)
        assert _goal_keys(course) == []  # no agreement date at all
        extensions.grant(
            course.activity,
            prof.person,
            Role.FACILITATOR,
            extensions.Target(person_id=alice.person.id),
            "agree",
            due=TODAY + timedelta(days=1),
        )
        keys = _goal_keys(course)
        assert len(keys) == 1 and keys[0][1].endswith(f"draft:{TODAY + timedelta(days=1)}")
