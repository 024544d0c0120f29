"""What others depend on stays, under the pseudonym: a coach's answers and comments in a
student's goal thread, a student's proposal merged into a rubric. A student's own goals go."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.events import ToolActor
from lti_tool.extensions import db
from lti_tool.models import CheckIn, CheckInComment, Goal, GoalResponse, Platform
from lti_tool.privacy.erasure import PSEUDONYM, erase_person
from tests.activities.goals.http import SMART_FORM, Who, set_up
from tests.builders import launch, launch_token_of
from tests.privacy.scenario import text_cells

ADMIN = ToolActor("test admin")


def test_a_coachs_words_in_a_goal_thread_stay_under_the_pseudonym(
    app, client, platform, platform_key
):
    gc = set_up(app, client, platform_key)
    coach = Who(
        app,
        client,
        launch_token_of(launch(client, platform_key, "coach", sub="coach", name="Cory Coachman")),
    )
    alice, prof = gc.people["alice"], gc.people["prof"]
    goal_id = gc.draft(action="submit")
    gc.move("draft", "check_in")  # agreeing and check-ins open after "Draft goals"
    thread = f"{gc.base}/g/{goal_id}"
    assert (
        coach.post(thread + "/respond", decision="suggest", comment="Measure it weekly").status_code
        == 303
    )
    assert alice.post(thread + "/draft", **{**SMART_FORM, "action": "submit"}).status_code == 303
    assert prof.post(thread + "/respond", decision="agree", comment="Agreed").status_code == 303
    assert (
        alice.post(
            thread + "/check-in", progress="40", confidence="4", evidence="Did the work"
        ).status_code
        == 303
    )
    with app.app_context():
        check_in_id = db.session.scalars(select(CheckIn.id)).one()
    assert (
        coach.post(f"{gc.base}/check-ins/{check_in_id}/comment", body="Good evidence").status_code
        == 303
    )
    assert "Cory Coachman" in alice.get(thread).get_data(as_text=True)

    with app.app_context():
        platform_id = db.session.scalars(select(Platform.id)).one()
        assert erase_person(platform_id, "coach", ADMIN).found
        assert text_cells("Cory Coachman") == []
        assert db.session.scalars(select(CheckInComment.author_name)).one() == PSEUDONYM
        names = set(db.session.scalars(select(GoalResponse.responder_name)))
        assert PSEUDONYM in names and "Prof" in names
    page = alice.get(thread)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Good evidence" in html and "Measure it weekly" in html and PSEUDONYM in html
    assert prof.get(thread).status_code == 200

    # The student's own goals go with her, and the thread with them.
    with app.app_context():
        assert erase_person(platform_id, "alice", ADMIN).found
        for model in (Goal, CheckIn, CheckInComment, GoalResponse):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert prof.get(gc.base).status_code == 200


def test_a_merged_proposal_stays_credited_to_the_pseudonym(make_app, jwks):
    from lti_tool.activities.rubrics import board, services
    from lti_tool.models import Proposal, ProposalComment, Role
    from tests.activities.rubrics.conftest import make_course
    from tests.activities.rubrics.helpers import criteria_by_vote
    from tests.builders import make_platform

    app = make_app()
    with app.app_context():
        platform = make_platform(jwks.url)
        course = make_course(platform.id)
        merged, accepted = criteria_by_vote(course)
        first, _, third = course.students
        services.comment(
            course.activity,
            course.setup,
            db.session.scalars(select(Proposal.id).where(Proposal.author_id == first.id)).first(),
            course.students[1],
            "Agree with Student 0 here",
        )
        db.session.commit()
        erase_person(platform.id, first.sub, ADMIN)
        erase_person(platform.id, third.sub, ADMIN)
        assert text_cells("Student 0") == [] and text_cells("Student 2") == []
        fates = {
            p.title: (p.fate, p.author.display_name) for p in db.session.scalars(select(Proposal))
        }
        # Merged and accepted proposals stay, credited to the pseudonym; the declined one
        # (nobody else's words on it) went with its author.
        assert fates["Clarity"] == ("merged", PSEUDONYM)
        assert fates["Evidence"] == ("accepted", PSEUDONYM)
        assert fates["Clear writing"] == ("merged", "Student 1")
        assert "Length" not in fates
        # Another student's comment stays, with the name it quoted replaced.
        assert db.session.scalars(select(ProposalComment.body)).one() == (
            f"Agree with {PSEUDONYM} here"
        )
        credits = board.credits_for(course.activity, course.setup, Role.FACILITATOR)
        assert credits is not None and PSEUDONYM in credits.values()
        assert {c.id for c in (merged, accepted)} <= {
            p.criterion_id for p in db.session.scalars(select(Proposal))
        }
