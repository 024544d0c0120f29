"""The scheduled roster job refreshes a course's groups from the Course Groups Service after its
roster (here the sandbox's service, over HTTP)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.jobs.builtin import refresh_groups
from lti_tool.jobs.registry import JobContext
from lti_tool.models import Context, CourseGroupMember, CourseGroupsService, utcnow
from tests.advantage import live, live_factory  # noqa: F401,F811  (fixtures)


def test_the_roster_job_refreshes_groups_where_offered(live):  # noqa: F811
    for user in ("instructor-1", "student-1", "student-2", "student-8"):
        live.launch(live.client(), user)
    ctx = JobContext(live.settings, utcnow(), date.today(), "w")
    with live.app.app_context():
        context = db.session.scalars(select(Context)).one()
        assert refresh_groups(ctx, context) is True
        assert db.session.scalar(select(func.count(CourseGroupMember.id))) == 3 + 3  # + sections
        assert db.session.scalars(select(CourseGroupsService.synced_at)).one() is not None
        db.session.query(CourseGroupsService).delete()
        db.session.commit()
        assert refresh_groups(ctx, context) is None  # no groups service: nothing to do
        db.session.remove()
