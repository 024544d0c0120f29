"""The loop back to the rubric: a round's evidence opens a "revise the rubric" phase in the
course's co-created rubric; the next round assesses with version 2; round 1 keeps version 1."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.activities.rubrics import services as rubric_services
from lti_tool.activities.rubrics import versions, voting
from lti_tool.extensions import db
from lti_tool.models import Activity, Context, Person, RubricVersion
from lti_tool.models.feedback import FeedbackCriterion
from tests.activities.feedback.conftest import STUDENTS, Course, configure, student_subs
from tests.activities.feedback.test_reliability_http import _allocations_of, _reliability, _review
from tests.activities.rubrics import conftest as rubric_conftest
from tests.activities.rubrics import helpers as rubric_helpers


def _rubric_course(c: Course) -> rubric_conftest.Course:
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.models import PlacedBy

    ctx = db.session.scalars(select(Context)).one()
    prof = db.session.scalars(select(Person).where(Person.sub == "prof")).one()
    students = list(
        db.session.scalars(select(Person).where(Person.name.in_(STUDENTS)).order_by(Person.id))
    )
    activity = create_activity(
        ctx,
        ActivityConfig(kind="rubric_cocreation", title="Essay rubric", points=9),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    db.session.flush()
    return rubric_conftest.Course(ctx, activity, prof, students[:3])


def publish_version_1(c: Course) -> tuple[int, int]:
    with c.app.app_context():
        rc = _rubric_course(c)
        version = rubric_helpers.published(rc)
        return rc.activity.id, version.id


def publish_version_2(c: Course, rubric_activity_id: int) -> int:
    with c.app.app_context():
        activity = db.session.get(Activity, rubric_activity_id)
        prof = db.session.scalars(select(Person).where(Person.sub == "prof")).one()
        students = list(
            db.session.scalars(select(Person).where(Person.name.in_(STUDENTS)).order_by(Person.id))
        )
        rc = rubric_conftest.Course(activity.context, activity, prof, students)
        assert rubric_services.current_phase(activity, rc.setup) == "propose"
        p = rubric_services.propose(
            activity, rc.setup, students[0], "Structure", "Paragraphs build the case", ""
        )
        rc.move("discuss")
        new = rubric_services.accept_proposal(activity, rc.setup, p.id, prof)
        rc.move("vote")
        criteria = rubric_services.criteria_of(activity)
        voting.cast_ballot(activity, rc.setup, students[2], {x.id: 1 for x in criteria})
        rc.move("describe")
        # the earlier selection stands; the facilitator adds the new criterion to it
        voting.set_selection(activity, {x.id for x in criteria if x.selected} | {new.id}, prof)
        rubric_helpers.describe(rc, new)
        rc.move("finalise")
        version = versions.publish(activity, rc.setup, prof, weights=None)
        db.session.commit()
        assert version.number == 2
        return version.id


def _loop_to_round_2(c: Course) -> tuple[set[str], int]:
    """Round 1 on version 1, its flag, the revision, version 2 published, round 2 entered:
    version 1's criterion titles and version 2's id."""
    rubric_activity, v1 = publish_version_1(c)
    assert configure(c, rounds="2", rubric_version=str(v1), rubric="").status_code == 303
    v1_titles = {x.title for x in c.query(select(FeedbackCriterion))}
    for who in student_subs():
        assert c.post(who, "/submit", {"body": f"Essay by {who}"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # review
    levels = {"alice": 3, "bob": 0, "cara": 2, "dev": 1, "eve": 0}
    cids = len(c.query(select(FeedbackCriterion)))
    for who in student_subs():
        for alloc in _allocations_of(c, who):
            assert _review(c, who, alloc.id, (levels[who],) * cids).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # respond
    page = c.get("prof", "/accuracy").get_data(as_text=True)
    assert 'data-testid="criterion-flag"' in page  # these reviewers disagree widely
    # only the facilitator opens it
    assert c.post("coach", "/rubric-revision").status_code == 403
    # A move back like any other: refused without the confirmation and a reason.
    assert c.post("prof", "/rubric-revision").status_code == 400
    r = c.post(
        "prof",
        "/rubric-revision",
        {"confirm_back": "yes", "reason": "Reviewers read 'Evidence' differently."},
    )
    assert r.status_code == 303 and f"/rubrics/{rubric_activity}" in r.headers["Location"]
    from lti_tool.models import RubricRevision, RubricSetup

    revision = c.query(select(RubricRevision))[0]
    assert revision.activity_id == rubric_activity and revision.from_version_id == v1
    assert any(e["flagged"] and "reviewers disagree" in e["reasons"] for e in revision.evidence)
    assert c.query(select(RubricSetup.phase).where(RubricSetup.activity_id == rubric_activity)) == [
        "propose"
    ]
    v2 = publish_version_2(c, rubric_activity)
    assert c.post("prof", "/phase").status_code == 303  # revise
    assert c.post("prof", "/phase").status_code == 303  # round 2: submit, version 2 adopted
    return v1_titles, v2


def test_flag_opens_revision_and_the_next_round_uses_version_2(course):
    c = course
    v1_titles, v2 = _loop_to_round_2(c)
    rows = c.query(select(FeedbackCriterion))
    current = {x.title for x in rows if x.retired_in_round is None}
    assert "Structure" in current
    assert {x.title for x in rows if x.retired_in_round == 2} == v1_titles
    from lti_tool.models import FeedbackConfig

    assert c.query(select(FeedbackConfig.rubric_version_id))[0] == v2
    assert c.query(select(RubricVersion.number).where(RubricVersion.id == v2))[0] == 2
    # round 1's reviews keep their version: Alice still reads them on version 1's criteria
    page = c.get("alice").get_data(as_text=True)
    assert "Round 1" in page
    for title in v1_titles:
        assert title in page


def test_a_round_1_review_opened_in_round_2_keeps_version_1(course):
    """A review is written on its round's criteria: a student's submitted round 1 review
    reopened, the other reviews of that work, and a staff review of round 1's work started
    after version 2 was adopted show (and take) version 1's criteria, not round 2's."""
    c = course
    _loop_to_round_2(c)
    rows = c.query(select(FeedbackCriterion))
    v1 = [x for x in rows if x.retired_in_round == 2]
    v2 = [x for x in rows if x.retired_in_round is None]
    from lti_tool.models import FeedbackSubmission

    # (Version 2 repeats version 1's titles, so the fields' criterion ids tell them apart.)
    alloc = _allocations_of(c, "alice")[0]
    page = c.get("alice", f"/reviews/{alloc.id}").get_data(as_text=True)
    assert 'data-testid="review-submitted"' in page
    for x in v1:
        assert f'name="level-{x.id}" value="3" checked' in page  # Alice's level, kept
    assert not [x for x in v2 if f'name="level-{x.id}"' in page]
    # So do the other reviews of that work.
    assert _reliability(c, show_other_reviews="on").status_code == 303
    page = c.get("alice", f"/reviews/{alloc.id}/others").get_data(as_text=True)
    assert page.count('data-testid="other-review"') >= 1
    assert "Comment from" in page

    alice = c.person_id("Alice Anders")
    sub = c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.round == 1, FeedbackSubmission.person_id == alice
        )
    )[0]
    r = c.post("prof", f"/submissions/{sub.id}/staff-review")
    assert r.status_code == 303
    staff_alloc = int(r.headers["Location"].split("/reviews/")[1].split("?")[0])
    page = c.get("prof", f"/reviews/{staff_alloc}").get_data(as_text=True)
    assert all(f'name="level-{x.id}"' in page for x in v1)
    assert not [x for x in v2 if f'name="level-{x.id}"' in page]
    data = {f"level-{x.id}": "1" for x in v1}
    data.update({f"comment-{x.id}": "Staff: name the source" for x in v1})
    data.update(overall="Staff view", action="submit")
    r = c.post("prof", f"/reviews/{staff_alloc}", data)
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    # The author reads it with round 1's feedback, on version 1's criteria.
    page = c.get("alice").get_data(as_text=True)
    assert "Staff: name the source" in page


def test_a_directly_entered_rubric_cannot_open_a_revision(course):
    c = course
    assert configure(c).status_code == 303
    assert c.post("prof", "/rubric-revision").status_code == 409


def test_csrf_on_rubric_revision(course):
    c = course
    r = c.client.post(c.base + "/rubric-revision", data={"launch_token": c.tokens["prof"]})
    assert r.status_code == 400
