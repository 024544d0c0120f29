"""Goal setting pages over HTTP: each route for each role, allowed and refused (another course's
facilitator, another student's id), CSRF, escaping, and inline messages with nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import CheckIn, Event, Goal, GoalVersion, OutboxScore
from tests.activities.goals.http import SMART_FORM, set_up
from tests.builders import error_code

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def gc(app, client, platform, platform_key):
    return set_up(app, client, platform_key)


@pytest.fixture
def open_gc(gc):
    """The activity past "Draft goals", where goals can be agreed, checked in and reflected."""
    gc.move("draft", "check_in")
    return gc


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_activity_link_opens_the_goal_pages(gc):
    response = gc.people["alice"].get(f"/activities/{gc.activity_id}")
    assert (
        response.status_code == 303 and f"/goals/{gc.activity_id}" in response.headers["Location"]
    )


def test_home_by_role(gc):
    student = gc.people["alice"].get(gc.base)
    assert student.status_code == 200
    html = student.get_data(as_text=True)
    assert 'data-testid="next-step"' in html and "Draft your first goal" in html
    for staff in ("coach", "prof"):
        page = gc.people[staff].get(gc.base)
        assert page.status_code == 200 and 'data-testid="overview"' in page.get_data(as_text=True)
    admin = gc.people["admin"].get(gc.base)
    assert admin.status_code == 403
    other = gc.people["other_prof"].get(gc.base)
    assert other.status_code == 404 and error_code(other) == "ACTIVITY_NOT_FOUND"
    assert gc.people["alice"].client.get(gc.base).status_code == 401


def test_a_student_drafts_and_submits_and_text_is_escaped(gc, app):
    alice = gc.people["alice"]
    assert alice.get(gc.base + "/new").status_code == 200
    goal_id = gc.draft(what="Learn " + EVIL, action="submit")
    page = alice.get(f"{gc.base}/g/{goal_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and EVIL not in html and "&lt;script&gt;" in html
    assert 'data-testid="goal-status">Waiting for agreement' in html  # words, not "pending"
    again = alice.post(f"{gc.base}/g/{goal_id}/submit")
    assert again.status_code == 409 and "already waiting" in again.get_data(as_text=True)


def test_staff_cannot_draft_goals(gc):
    for who in ("coach", "prof"):
        assert gc.people[who].get(gc.base + "/new").status_code == 403
        assert gc.people[who].post(gc.base + "/new", **SMART_FORM).status_code == 403


def test_csrf_is_required(gc, app):
    response = gc.people["alice"].post(gc.base + "/new", csrf=False, **SMART_FORM)
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"
    assert _count(app, Goal) == 0
    goal_id = gc.draft(action="submit")
    refused = gc.people["prof"].post(f"{gc.base}/g/{goal_id}/respond", csrf=False, decision="agree")
    assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"


def test_bad_input_is_shown_inline_and_nothing_is_saved(gc, app):
    alice = gc.people["alice"]
    empty = alice.post(gc.base + "/new", **{**SMART_FORM, "what": ""})
    assert empty.status_code == 400 and "cannot be empty" in empty.get_data(as_text=True)
    long = alice.post(gc.base + "/new", **{**SMART_FORM, "what": "x" * 301})
    assert long.status_code == 400 and "under 300" in long.get_data(as_text=True)
    impossible = alice.post(gc.base + "/new", **{**SMART_FORM, "by_when": "2026-02-30"})
    assert impossible.status_code == 400 and "real date" in impossible.get_data(as_text=True)
    incomplete = alice.post(gc.base + "/new", what="Only a what", action="submit")
    assert incomplete.status_code == 400 and "Before submitting" in incomplete.get_data(
        as_text=True
    )
    assert _count(app, Goal) == 0 and _count(app, GoalVersion) == 0


def test_another_students_goal_id_is_refused(gc):
    goal_id = gc.draft()
    bob = gc.people["bob"]
    for response in (
        bob.get(f"{gc.base}/g/{goal_id}"),
        bob.post(f"{gc.base}/g/{goal_id}/draft", **SMART_FORM),
        bob.post(f"{gc.base}/g/{goal_id}/submit"),
        bob.get(f"{gc.base}/students/{gc.ids['alice']}"),
    ):
        assert response.status_code == 403, response.get_data(as_text=True)[:300]
    other = gc.people["other_prof"].get(f"{gc.base}/g/{goal_id}")
    assert other.status_code == 404
    missing = gc.people["prof"].get(f"{gc.base}/g/99999")
    assert missing.status_code == 404 and error_code(missing) == "GOAL_NOT_FOUND"
    stranger = gc.people["prof"].get(f"{gc.base}/students/{gc.ids['prof2']}")
    assert stranger.status_code == 404


def test_the_whole_thread_over_http(open_gc, app):
    gc = open_gc
    alice, coach, prof = gc.people["alice"], gc.people["coach"], gc.people["prof"]
    goal_id = gc.draft(action="submit")
    thread = f"{gc.base}/g/{goal_id}"
    assert alice.post(thread + "/respond", decision="agree").status_code == 403
    assert coach.post(thread + "/respond", decision="suggest", comment="").status_code == 400
    suggested = coach.post(thread + "/respond", decision="suggest", comment="Measure " + EVIL)
    assert suggested.status_code == 303
    html = alice.get(thread).get_data(as_text=True)
    assert "suggested a change" in html and EVIL not in html
    revised = alice.post(
        thread + "/draft", **{**SMART_FORM, "measure": "3 of 4", "action": "submit"}
    )
    assert revised.status_code == 303
    assert prof.post(thread + "/respond", decision="agree", comment="Agreed").status_code == 303
    for progress in ("30", "70"):
        checked = alice.post(
            thread + "/check-in", progress=progress, confidence="4", evidence="Did the work"
        )
        assert checked.status_code == 303
    bad = alice.post(thread + "/check-in", progress="150", confidence="4", evidence="x")
    assert bad.status_code == 400 and "0 to 100" in bad.get_data(as_text=True)
    with app.app_context():
        check_in_id = db.session.scalars(select(CheckIn.id)).first()
    comment = f"{gc.base}/check-ins/{check_in_id}/comment"
    assert alice.post(comment, body="self praise").status_code == 403
    assert gc.people["other_prof"].post(comment, body="hi").status_code == 404
    assert coach.post(comment, body="Good evidence").status_code == 303
    page = prof.get(thread).get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page and 'data-testid="progress-chart"' in page
    assert "30 → 70" in page and "Good evidence" in page
    reflected = alice.post(thread + "/reflect", outcome="achieved", learned="Plan ahead")
    assert reflected.status_code == 303
    late = alice.post(thread + "/check-in", progress="90", confidence="4", evidence="x")
    assert late.status_code == 409
    assert coach.post(thread + "/reopen", reason="One more").status_code == 403
    assert prof.post(thread + "/reopen", reason="One more").status_code == 303
    with app.app_context():
        verbs = db.session.scalars(select(Event.verb).where(Event.verb.like("goal.%"))).all()
        assert "goal.reopened" in verbs and verbs.count("goal.checked_in") == 2
        score = db.session.scalars(select(OutboxScore)).one()
        assert score.score_given is not None
    # The artifact page (what the gradebook links to) shows the plan, versions, check-ins and
    # the reflection, escaped.
    artifact = prof.get(f"/artifacts/{gc.activity_id}/{gc.ids['alice']}")
    text = artifact.get_data(as_text=True)
    assert artifact.status_code == 200 and "Goal plan: Term goals" in text
    assert "Version 1" in text and "Version 2" in text and "Did the work" in text
    assert "Reflection: Achieved" in text and EVIL not in text
    bob = gc.people["bob"].get(f"/artifacts/{gc.activity_id}/{gc.ids['alice']}")
    assert bob.status_code == 403


def test_export_and_settings_are_for_facilitators(gc):
    gc.draft(what='=HYPERLINK("x")')
    export = gc.people["prof"].get(gc.base + "/export.csv")
    body = export.get_data(as_text=True)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "Alice,Drafting" in body and "Bob,Not started" in body
    assert "'=HYPERLINK" in body  # never a live formula in a spreadsheet
    for who in ("coach", "alice"):
        assert gc.people[who].get(gc.base + "/export.csv").status_code == 403
        assert gc.people[who].get(gc.base + "/settings").status_code == 403
    assert gc.people["other_prof"].get(gc.base + "/export.csv").status_code == 404
    assert gc.people["prof"].get(gc.base + "/settings").status_code == 200


def test_settings_are_checked_and_saved(open_gc):
    gc = open_gc
    prof = gc.people["prof"]
    form = {"min_goals": "3", "max_goals": "2", "agreed_by": "coach", "scoring": "completion"}
    bad = prof.post(gc.base + "/settings", **form)
    assert bad.status_code == 400 and "From the minimum" in bad.get_data(as_text=True)
    form["max_goals"] = "4"
    assert prof.post(gc.base + "/settings", **form).status_code == 303
    goal_id = gc.draft(action="submit")
    refused = prof.post(f"{gc.base}/g/{goal_id}/respond", decision="agree")
    assert refused.status_code == 403
    assert (
        gc.people["coach"].post(f"{gc.base}/g/{goal_id}/respond", decision="agree").status_code
        == 303
    )


def test_a_stale_form_after_a_phase_change_is_refused(gc, app):
    prof = gc.people["prof"]
    assert prof.post(gc.base + "/phase", phase="draft", to="check_in").status_code == 303
    stale = gc.people["alice"].post(gc.base + "/new", **{**SMART_FORM, "phase": "draft"})
    assert stale.status_code == 409 and "moved to another phase" in stale.get_data(as_text=True)
    assert _count(app, Goal) == 0
    assert prof.post(gc.base + "/phase", phase="draft", to="reflect").status_code == 409
    assert (
        gc.people["coach"].post(gc.base + "/phase", phase="check_in", to="reflect").status_code
        == 403
    )


def test_the_overview_filters_by_stage_and_lists_the_queue_first(gc):
    gc.draft(who="bob", action="submit")
    gc.draft(who="alice")
    page = gc.people["coach"].get(gc.base).get_data(as_text=True)
    assert page.index("Bob") < page.index("Alice")
    waiting = gc.people["coach"].get(gc.base, stage="waiting").get_data(as_text=True)
    assert "Bob" in waiting and 'data-stage="drafting"' not in waiting


def test_a_student_page_for_staff_and_for_oneself(gc):
    gc.draft()
    assert gc.people["coach"].get(f"{gc.base}/students/{gc.ids['alice']}").status_code == 200
    own = gc.people["alice"].get(f"{gc.base}/students/{gc.ids['alice']}")
    assert own.status_code == 200 and 'data-testid="next-step"' in own.get_data(as_text=True)


ACTIONS = ["draft", "submit", "respond", "check-in", "reflect", "reopen", "judge"]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_goal_action_refuses_outsiders(gc, app, action):
    goal_id = gc.draft()
    path = f"{gc.base}/g/{goal_id}/{action}"
    form = {
        **SMART_FORM,
        "decision": "agree",
        "comment": "x",
        "progress": "5",
        "confidence": "3",
        "evidence": "x",
        "outcome": "achieved",
        "learned": "x",
        "reason": "x",
        "level": "1",
    }
    other = gc.people["other_prof"].post(path, **form)
    assert other.status_code == 404 and error_code(other) == "ACTIVITY_NOT_FOUND"
    assert gc.people["bob"].post(path, **form).status_code == 403
    assert gc.people["admin"].post(path, **form).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Goal.status)).one() == "draft"


@pytest.mark.parametrize("action", ["check-in", "reflect", "draft", "submit"])
def test_staff_cannot_act_as_the_student(gc, action):
    goal_id = gc.draft(action="submit")
    gc.people["prof"].post(f"{gc.base}/g/{goal_id}/respond", decision="agree")
    form = {
        **SMART_FORM,
        "progress": "5",
        "confidence": "3",
        "evidence": "x",
        "outcome": "achieved",
        "learned": "x",
    }
    for who in ("coach", "prof"):
        response = gc.people[who].post(f"{gc.base}/g/{goal_id}/{action}", **form)
        assert response.status_code == 403, (who, response.get_data(as_text=True)[:300])


def test_judgement_over_http(open_gc):
    gc = open_gc
    prof = gc.people["prof"]
    settings = {
        "min_goals": "1",
        "max_goals": "3",
        "agreed_by": "both",
        "scoring": "judgement",
        "judgement_scale": "4",
    }
    assert prof.post(gc.base + "/settings", **settings).status_code == 303
    goal_id = gc.draft(action="submit")
    assert prof.post(f"{gc.base}/g/{goal_id}/respond", decision="agree").status_code == 303
    assert gc.people["coach"].post(f"{gc.base}/g/{goal_id}/judge", level="3").status_code == 403
    assert prof.post(f"{gc.base}/g/{goal_id}/judge", level="9").status_code == 400
    assert prof.post(f"{gc.base}/g/{goal_id}/judge", level="3").status_code == 303
    page = gc.people["alice"].get(gc.base).get_data(as_text=True)
    assert "scale of 0 to 4" in page


def test_check_in_dates_are_date_inputs_and_saving_confirms(gc, app):
    prof = gc.people["prof"]
    page = prof.get(gc.base + "/settings").get_data(as_text=True)
    assert page.count('type="date" ') >= 3 and 'name="checkin_date"' in page
    form = {"min_goals": "1", "max_goals": "2", "agreed_by": "both", "scoring": "completion"}
    saved = prof.post(gc.base + "/settings", **form, checkin_date=["2026-12-20", "", "2026-12-05"])
    assert saved.status_code == 303 and "done=settings" in saved.headers["Location"]
    again = prof.get(gc.base + "/settings").get_data(as_text=True)
    assert 'value="2026-12-05"' in again and 'value="2026-12-20"' in again
    done = prof.get(gc.base, done="settings").get_data(as_text=True)
    assert "Settings saved." in done and 'role="status"' in done
    bad = prof.post(gc.base + "/settings", **form, checkin_date=["20/12/2026"])
    assert bad.status_code == 400 and "is not YYYY-MM-DD" in bad.get_data(as_text=True)


def test_goal_phases_move_back_only_with_a_confirmation_and_a_reason(gc, app):
    prof, alice = gc.people["prof"], gc.people["alice"]
    page = prof.get(gc.base).get_data(as_text=True)
    assert "Move on to: Agree goals" in page
    gc.move("draft", "check_in")
    for form in ({}, {"reason": "Too early"}, {"confirm_back": "yes"}):
        refused = prof.post(gc.base + "/phase", phase="check_in", to="draft", **form)
        assert refused.status_code == 400, form
    assert 'data-testid="back-notice"' not in alice.get(gc.base).get_data(as_text=True)
    back = prof.post(
        gc.base + "/phase", phase="check_in", to="agree", confirm_back="yes", reason="Too early"
    )
    assert back.status_code == 303
    student = alice.get(gc.base).get_data(as_text=True)
    assert 'data-testid="back-notice"' in student and "Too early" in student
    assert "Agree goals" in student
    with app.app_context():
        moved = db.session.scalars(select(Event).where(Event.verb == "goals.phase_moved")).all()
        assert [e.data["backward"] for e in moved] == [False, True]
    assert gc.people["coach"].post(gc.base + "/phase", phase="agree", to="draft").status_code == 403
    no_csrf = prof.post(gc.base + "/phase", csrf=False, phase="agree", to="check_in")
    assert no_csrf.status_code in (400, 403)
