"""NRPS: every page of a roster, rlid scoping, incremental sync through rel="differences",
member status, and batched upserts into Person, Membership and RosterMember."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from lti_tool.extensions import db
from lti_tool.lti import nrps
from lti_tool.lti.services import PlatformClient, PlatformRef
from lti_tool.models import Context, Membership, MemberStatus, Person, RosterMember, RosterSync
from lti_tool.roster import RosterError, sync_roster
from tests.service_double import Reply, ServiceDouble


def _course(live) -> Context:
    return db.session.scalars(select(Context)).one()


def _sync(live, **kwargs):
    return sync_roster(_course(live), keys_dir=live.settings.LTI_KEYS_DIR, timeout=5, **kwargs)


@pytest.fixture
def course(live):
    """The sandbox course, known to the tool from one launch (which names its NRPS endpoint)."""
    live.launch(live.client(), "instructor-1")
    return live


def test_member_json_is_read_leniently():
    member = nrps.Member.from_json({"user_id": 42, "roles": ["Learner"], "name": "A"})
    assert member == nrps.Member("42", "Active", ("Learner",), name="A")
    assert nrps.Member.from_json({"roles": []}) is None
    assert nrps.Member.from_json({"user_id": "x", "status": "Weird"}).status == "Active"


def test_every_page_is_read_and_differences_kept(course):
    course.faults(roster_size=250, page_size=100)
    with course.app.app_context():
        platform = _course(course).platform
        client = PlatformClient(
            PlatformRef.of(platform),
            [nrps.SCOPE_MEMBERSHIPS],
            keys_dir=course.settings.LTI_KEYS_DIR,
            timeout=5,
        )
        roster = nrps.fetch_roster(client, course.url + "/sandbox/api/memberships")
    assert roster.pages == 3 and len(roster.members) == 250
    assert len({m.user_id for m in roster.members}) == 250
    assert roster.differences_url and "since=" in roster.differences_url


def test_paging_and_differences_with_any_link_spelling(app, ctx):
    double = ServiceDouble().start()
    try:
        double.reply(
            "GET",
            "/members?rlid=link-9&limit=50",
            Reply(
                body={"members": [{"user_id": "a"}]},
                headers={"link": f"<{double.url}/members?P=Two>; REL=next"},
            ),
        )
        double.reply(
            "GET",
            "/members?P=Two",
            Reply(
                body={"members": [{"user_id": "b", "status": "Inactive"}]},
                headers={"LINK": f"<{double.url}/members?Since=AbC>; rel=Differences"},
            ),
        )
        platform = PlatformRef(1, "https://i", "c", double.url + "/token", None, "other")
        client = PlatformClient(
            platform,
            [nrps.SCOPE_MEMBERSHIPS],
            keys_dir=app.extensions["coproduce.settings"].LTI_KEYS_DIR,
            timeout=5,
        )
        roster = nrps.fetch_roster(client, double.url + "/members", rlid="link-9", limit=50)
    finally:
        double.stop()
    assert [(m.user_id, m.status) for m in roster.members] == [("a", "Active"), ("b", "Inactive")]
    assert roster.differences_url == double.url + "/members?Since=AbC"
    gets = [s for s in double.seen if s.method == "GET"]
    # rlid and limit go on the first request; the next URL is followed exactly as given.
    assert [s.path for s in gets] == ["/members?rlid=link-9&limit=50", "/members?P=Two"]
    assert gets[0].headers["Accept"] == nrps.MEMBERSHIPS_MEDIA


def test_sync_stores_members_in_batches(course):
    course.faults(roster_size=1200, page_size=100)
    statements: list[str] = []
    me = threading.get_ident()  # the sandbox serves its pages from other threads, same engine

    def listener(*args: object) -> None:
        if threading.get_ident() == me:
            statements.append(str(args[2]))

    with course.app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            report = _sync(course)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert (report.members, report.pages, report.incremental) == (1200, 12, False)
        assert db.session.scalar(select(func.count(RosterMember.id))) == 1200
        students = db.session.scalar(
            select(func.count(Membership.id)).where(Membership.role == "student")
        )
        assert students == 1197  # all but the instructor, the TA and the mentor
        ta = db.session.scalars(select(Membership).join(Person).where(Person.sub == "ta-1")).one()
        assert ta.role == "coach"
        mentor = db.session.scalars(
            select(Membership).join(Person).where(Person.sub == "mentor-1")
        ).one()
        assert mentor.role == "mentor"
    # Batched: a handful of statements per few hundred members, never one per member.
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(statements) < 80, len(statements)
    assert len(writes) < 30, writes


def test_differences_bring_status_changes_and_full_sync_marks_the_missing(course):
    course.faults(roster_size=30, page_size=10)
    with course.app.app_context():
        _sync(course)
        course.roster_change(**{"student-2": "Inactive", "student-g00005": "Deleted"})
        report = _sync(course)
        assert report.incremental and report.members == 2 and report.pages == 1
        status = dict(
            db.session.execute(
                select(Person.sub, RosterMember.status).join(
                    RosterMember, RosterMember.person_id == Person.id
                )
            ).all()
        )
        assert status["student-2"] == "Inactive" and status["student-g00005"] == "Deleted"
        assert status["student-1"] == "Active"
        # The course shrinks; a full sync (not incremental) notices who is gone.
        course.faults(roster_size=20, page_size=10)
        report = _sync(course, incremental=False)
        assert report.removed == 10
        deleted = db.session.scalar(
            select(func.count(RosterMember.id)).where(RosterMember.status == MemberStatus.DELETED)
        )
        assert deleted == 11  # the ten gone, and the one the platform already reported deleted
        assert db.session.scalars(select(RosterSync)).one().member_count == 20


def test_rlid_scopes_the_sync_and_an_unknown_link_is_an_error(course):
    with course.app.app_context():
        report = _sync(course, rlid="sandbox-link-1")
        assert report.members == 11  # the course's named people: staff, students, a mentor
        assert db.session.scalars(select(RosterSync.scope)).all() == ["sandbox-link-1"]
        with pytest.raises(RosterError):
            _sync(course, rlid="no-such-link")


def test_sync_without_nrps_is_refused_in_plain_words(app, ctx, platform, platform_key, client):
    from tests.builders import launch

    launch(client, platform_key, "facilitator")  # the test LMS sends no NRPS claim
    with pytest.raises(RosterError, match="roster"):
        sync_roster(
            db.session.scalars(select(Context)).one(),
            keys_dir=app.extensions["coproduce.settings"].LTI_KEYS_DIR,
            timeout=5,
        )


def test_platform_outage_writes_nothing(course):
    course.faults(roster_size=40, page_size=10)
    with course.app.app_context():
        before = db.session.scalar(select(func.count(Person.id)))
        course.faults(reset=False, error_rate=1.0)
        with pytest.raises(RosterError):
            _sync(course)
        assert db.session.scalar(select(func.count(Person.id))) == before
        assert db.session.scalar(select(func.count(RosterSync.id))) == 0
