"""Findings 10 and 11 for feedback rounds, as the attack: a double click on "Move to the next
phase", parallel submits of one review, a resent form. Races are real concurrent HTTP requests
to a live server on PostgreSQL; the sequential cases run on SQLite too."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.models import Event
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackConfig,
    FeedbackReview,
    FeedbackRevisionPlan,
)
from tests.activities.feedback.conftest import configure, student_subs
from tests.activities.feedback.test_flow_http import _criteria_ids, _submit_all
from tests.builders import error_code
from tests.live import at_once, needs_postgres, serving

KEY = "k" * 24


def _phase(c) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    config = c.query(select(FeedbackConfig))[0]
    return config.current_round, config.current_phase


def _form(c, who: str, **data: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"launch_token": c.tokens[who], "csrf_token": c.csrf_of(who), **data}


def _ready_to_review(c) -> None:  # type: ignore[no-untyped-def]
    assert configure(c).status_code == 303
    _submit_all(c)


def test_moving_twice_from_the_same_page_moves_once(course):
    c = course
    _ready_to_review(c)
    seen = {"round": "1", "phase": "submit"}
    assert c.post("prof", "/phase", seen).status_code == 303
    again = c.post("prof", "/phase", seen)  # the second click, or a second tab
    assert again.status_code == 409 and error_code(again) == "STALE_FORM"
    assert _phase(c) == (1, "review")
    assert c.query(select(FeedbackAllocation)), "entering review allocates reviewers"


def test_the_move_form_carries_the_step_it_shows(course):
    c = course
    _ready_to_review(c)
    page = c.get("prof").get_data(as_text=True)
    assert 'name="phase" value="submit"' in page and 'name="round" value="1"' in page
    assert 'name="form_key"' in page


def test_a_resent_form_is_stored_once(course):
    c = course
    _ready_to_review(c)
    alloc = c.query(select(FeedbackAllocation))[0] if c.query(select(FeedbackAllocation)) else None
    assert alloc is None
    assert c.post("prof", "/phase", {"form_key": KEY}).status_code == 303
    resent = c.post("prof", "/phase", {"form_key": KEY})
    assert resent.status_code == 409 and error_code(resent) == "FORM_ALREADY_SENT"
    assert _phase(c) == (1, "review")


@needs_postgres
def test_double_click_on_move_to_the_next_phase_does_not_skip_peer_review(course):
    c = course
    _ready_to_review(c)
    form = _form(c, "prof", round="1", phase="submit", form_key=KEY)
    with serving(c.app) as live:
        replies = at_once([lambda: live.post(c.base + "/phase", form)] * 6)
    statuses = sorted(r.status for r in replies)
    assert statuses == [303] + [409] * 5, statuses
    assert _phase(c) == (1, "review"), "a second move skipped peer review"
    moves = c.query(select(Event).where(Event.verb == "feedback.phase_moved"))
    assert len(moves) == 1


@needs_postgres
def test_two_tabs_moving_at_once_move_once(course):
    c = course
    _ready_to_review(c)
    forms = [
        _form(c, "prof", round="1", phase="submit", form_key=f"tab{i}" + "x" * 20) for i in range(4)
    ]
    with serving(c.app) as live:
        replies = at_once([lambda f=f: live.post(c.base + "/phase", f) for f in forms])
    statuses = sorted(r.status for r in replies)
    assert statuses == [303, 409, 409, 409], statuses
    assert all("STALE_FORM" in r.body for r in replies if r.status == 409)
    assert _phase(c) == (1, "review")


@needs_postgres
def test_parallel_submits_of_one_review_store_one_review(course):
    c = course
    _ready_to_review(c)
    assert c.post("prof", "/phase", {"round": "1", "phase": "submit"}).status_code == 303
    alloc = c.query(select(FeedbackAllocation).where(FeedbackAllocation.kind == "peer"))[0]
    who = next(
        s
        for s in student_subs()
        if c.person_id(next(n for n in _names() if n.lower().startswith(s))) == alloc.reviewer_id
    )
    cids = _criteria_ids(c)
    data = {f"level-{cid}": "1" for cid in cids}
    data.update({f"comment-{cid}": "Clear" for cid in cids}, overall="Good", action="submit")
    forms = [_form(c, who, form_key=f"review{i}" + "x" * 20, **data) for i in range(10)]
    with serving(c.app) as live:
        replies = at_once([lambda f=f: live.post(f"{c.base}/reviews/{alloc.id}", f) for f in forms])
    statuses = sorted(r.status for r in replies)
    assert 500 not in statuses, [r.body[:300] for r in replies if r.status == 500]
    assert statuses.count(303) == 1, statuses
    assert all(s == 409 for s in statuses if s != 303), statuses
    reviews = c.query(select(FeedbackReview).where(FeedbackReview.allocation_id == alloc.id))
    assert len(reviews) == 1


@needs_postgres
def test_a_double_submitted_revision_plan_is_stored_once(course):
    c = course
    _ready_to_review(c)
    c.post("prof", "/phase", {"round": "1", "phase": "submit"})
    c.post("prof", "/phase", {"round": "1", "phase": "review"})
    assert _phase(c) == (1, "respond")
    form = _form(c, "alice", plan="Rewrite the second part", form_key=KEY)
    with serving(c.app) as live:
        replies = at_once([lambda: live.post(c.base + "/plan", form)] * 5)
    statuses = sorted(r.status for r in replies)
    assert statuses == [303] + [409] * 4, (statuses, [r.body[:200] for r in replies])
    assert len(c.query(select(FeedbackRevisionPlan))) == 1


def _names() -> tuple[str, ...]:
    from tests.activities.feedback.conftest import STUDENTS

    return STUDENTS


@needs_postgres
def test_two_tabs_submitting_the_same_students_work_store_one_submission(course):
    from lti_tool.models.feedback import FeedbackSubmission

    c = course
    assert configure(c).status_code == 303
    forms = [
        _form(c, "alice", body=f"Essay, tab {i}", form_key=f"tab{i}" + "s" * 20) for i in range(6)
    ]
    with serving(c.app) as live:
        replies = at_once([lambda f=f: live.post(c.base + "/submit", f) for f in forms])
    statuses = [r.status for r in replies]
    assert 500 not in statuses, [r.body[:300] for r in replies if r.status == 500]
    assert all(s in (303, 409) for s in statuses), statuses
    assert len(c.query(select(FeedbackSubmission))) == 1
