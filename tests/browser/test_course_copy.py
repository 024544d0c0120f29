"""Course copy in a real Chromium through the sandbox LMS. Last term's class co-created a rubric
(version 1 published, by hand in the browser) and ran a round of feedback with it (submitted,
reviewed, scores released). The instructor copies the course to a new term; the new term's
instructor opens each copied link: the rubric activity opens finished, with its version and
where it came from, the feedback activity opens set up as last term's (its settings, the
copied rubric, the dates moved) and empty; a new-term student sees none of last term's work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page
from sqlalchemy import create_engine, delete, func, select
from sqlalchemy.orm import Session

from lti_tool.models import (
    Activity,
    Ballot,
    Criterion,
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackReview,
    FeedbackScore,
    FeedbackSubmission,
    LevelDraft,
    Proposal,
    RubricVersion,
)
from lti_tool.sandbox.store import SandboxSetting
from lti_tool.sandbox.terms import SETTING
from tests.browser.a11y import Audit
from tests.browser.flows import (
    advance,
    co_create_rubric,
    link_url,
    navigate,
    open_tool,
    place,
    write_reviews,
)

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
STUDENTS = ("student-1", "student-2")
LAST_TERM = "2026-09-07"
REVIEW_DAY = "2027-01-04"  # ahead, so the class reviews when the facilitator says
WHY = "Only last term's class wrote this"
ESSAY = "Last term's essay by"
REVIEW = "Last term's review: add a source"


@pytest.fixture
def fresh_terms(live_server: LiveServer) -> Iterator[None]:
    """The sandbox shows its first course again afterwards (the server is shared by the
    browser tests of a run)."""
    yield
    with create_engine(live_server.database_url).begin() as conn:
        conn.execute(delete(SandboxSetting.__table__).where(SandboxSetting.name == SETTING))


def _feedback_round(
    context: BrowserContext, page: Page, live_server: LiveServer, link_id: str, rubric: str
) -> None:
    """One round, by hand: the facilitator chooses the co-created rubric and one reviewer per
    submission in a single round; both students submit and review each other; the round moves
    through respond to revise, its end; the facilitator releases the held scores."""
    prof = open_tool(page, link_url(live_server, "instructor-1", link_id))
    navigate(page, prof.get_by_test_id("settings-link"))
    prof.locator("#rubric_version").select_option(label=f"{rubric} (version 1)")
    prof.locator("#rounds").fill("1")
    prof.locator("#k").fill("1")
    prof.locator("#date-1-review").fill(REVIEW_DAY)  # dated here, not when it was placed
    navigate(page, prof.get_by_test_id("save-settings"))
    prof.get_by_test_id("phase").filter(has_text="Round 1 of 1").wait_for()

    pages = {user: context.new_page() for user in STUDENTS}
    for user, p in pages.items():
        t = open_tool(p, link_url(live_server, user, link_id))
        assert "Clarity" in (t.get_by_test_id("rubric").text_content() or "")
        t.locator("#body").fill(f"{ESSAY} {user}")
        navigate(p, t.get_by_test_id("submit-work"))
        t.get_by_test_id("submitted").wait_for()
    prof = open_tool(page, link_url(live_server, "instructor-1", link_id))
    advance(page, prof, "phase: Peer review")
    for user, p in pages.items():
        t = open_tool(p, link_url(live_server, user, link_id))
        assert write_reviews(p, t, 1, REVIEW) == 1
    prof = open_tool(page, link_url(live_server, "instructor-1", link_id))
    advance(page, prof, "phase: Respond to reviews")
    advance(page, prof, "phase: Revise")
    navigate(page, prof.get_by_role("link", name="Grade delivery"))
    prof.get_by_test_id("held-count").wait_for()
    navigate(page, prof.get_by_test_id("release-now"))
    prof.get_by_test_id("notice").wait_for()
    for p in pages.values():
        p.close()


def _set_up_from_last_term(
    page: Page,
    live_server: LiveServer,
    link_id: str,
    title: str,
    kind: str,
    audit: Audit | None = None,
) -> FrameLocator:
    """The new term's instructor opens a copied link: last term's activity of that link is
    offered first, with where it came from and its dates moved on; they confirm."""
    tool = open_tool(page, link_url(live_server, "instructor-1", link_id), "copy-sources")
    own = tool.locator("li[data-same-link=true]")
    assert own.count() == 1
    assert own.get_by_role("link").inner_text() == title
    if audit is not None:
        audit.check(page, "copy-sources")
    own.get_by_role("link").click()
    tool.get_by_test_id("copy-provenance").wait_for()
    assert "COPR-101" in tool.get_by_test_id("copy-provenance").inner_text()
    if audit is not None:
        audit.check(page, "copy-set-up-from-last-term")
    first = tool.locator(f"#phase-{kind}-{'propose' if kind == 'rubric_cocreation' else 'submit'}")
    assert first.input_value() > LAST_TERM  # moved on to this term by whole weeks
    tool.get_by_role("button", name="Set up from last term").click()
    tool.get_by_test_id("activity-title").wait_for()
    assert tool.get_by_test_id("activity-title").inner_text() == title
    return tool


def test_a_copied_course_opens_last_terms_activities_ready_without_student_work(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, fresh_terms: None
) -> None:
    context = launch_browser()
    page = context.new_page()
    stamp = int(time.time())
    rubric = f"Essay rubric {stamp}"
    rounds = f"Essay rounds {stamp}"
    rubric_link = place(page, live_server, "rubric_cocreation", rubric, "5", {"propose": LAST_TERM})
    student = co_create_rubric(
        context,
        page,
        live_server,
        rubric_link,
        criterion=("Clarity", "Readers follow the argument", WHY),
        levels=[("Unclear", "Hard to follow"), ("Clear", "Easy to follow")],
    )
    rounds_link = place(page, live_server, "feedback_rounds", rounds, "10", {"submit": LAST_TERM})
    _feedback_round(context, page, live_server, rounds_link, rubric)

    # The instructor copies the course; the new term's links are copies of last term's.
    page.bring_to_front()
    page.goto(link_url(live_server, "instructor-1", rubric_link))
    page.get_by_test_id("copy-course").click()
    page.get_by_text("(term 2)").first.wait_for()
    copied = {link: f"{link}~t2" for link in (rubric_link, rounds_link)}
    for link in copied.values():
        assert page.locator(f"[data-testid=course-links] a[data-link='{link}']").count() == 1

    # The rubric opens finished: Finalise, version 1 with where it came from, its criterion.
    audit = Audit()  # axe and the 390 px width on the course copy pages
    tool = _set_up_from_last_term(
        page, live_server, copied[rubric_link], rubric, "rubric_cocreation", audit
    )
    tool.locator("[data-testid=phase-finalise][aria-current=step]").wait_for()
    assert tool.get_by_text(WHY).count() == 0
    navigate(page, tool.get_by_test_id("latest-version"))
    note = tool.get_by_text("Copied from COPR-101")
    note.wait_for()
    assert ", v1." in note.inner_text()
    table = tool.get_by_test_id("rubric-table").inner_text()
    assert "Clarity" in table and "Easy to follow" in table

    # The feedback activity opens as last term's, with this term's copy of the rubric, and empty.
    tool = _set_up_from_last_term(page, live_server, copied[rounds_link], rounds, "feedback_rounds")
    tool.get_by_test_id("phase").filter(has_text="Round 1 of 1").wait_for()
    assert "phase: Submit work" in tool.get_by_test_id("phase").inner_text()
    assert tool.get_by_test_id("submission-link").count() == 0
    navigate(page, tool.get_by_test_id("settings-link"))
    assert tool.locator("#k").input_value() == "1"
    assert tool.locator("#rubric_version option:checked").inner_text() == f"{rubric} (version 1)"
    assert tool.locator("#rubric").input_value().startswith("Clarity: Unclear / Clear")
    # Both of round 1's dates moved by the same whole weeks, the one set in the settings too.
    moved = date.fromisoformat(tool.locator("#date-1-submit").input_value())
    shift = moved - date.fromisoformat(LAST_TERM)
    assert shift.days > 0 and shift.days % 7 == 0
    review = date.fromisoformat(REVIEW_DAY) + shift
    assert tool.locator("#date-1-review").input_value() == review.isoformat()

    # Last term's student, in the new term, finds both activities without last term's work.
    frame = open_tool(student, link_url(live_server, "student-1", copied[rubric_link]))
    frame.locator("[data-testid=phase-finalise][aria-current=step]").wait_for()
    assert frame.get_by_text(WHY).count() == 0
    assert frame.get_by_test_id("proposal").count() == 0
    frame = open_tool(student, link_url(live_server, "student-1", copied[rounds_link]))
    assert "Clarity" in (frame.get_by_test_id("rubric").text_content() or "")
    main = frame.locator("main").inner_text()
    assert ESSAY not in main and REVIEW not in main
    for absent in ("submitted", "review-link", "received-review", "score", "score-held"):
        assert frame.get_by_test_id(absent).count() == 0, absent
    assert frame.locator("#body").input_value() == ""

    # The database agrees: the new activities hold no student rows; last term's are all there.
    with Session(create_engine(live_server.database_url)) as session:

        def pair(title: str) -> tuple[Activity, Activity]:
            old, new = session.scalars(
                select(Activity).where(Activity.title == title).order_by(Activity.id)
            ).all()
            return old, new

        def count(model: type, activity: Activity) -> int:
            column = model.activity_id  # type: ignore[attr-defined]
            return session.scalar(select(func.count()).where(column == activity.id)) or 0

        old, new = pair(rubric)
        for model in (Proposal, Ballot):
            assert (count(model, old), count(model, new)) == (1, 0), model.__name__
        assert count(RubricVersion, new) == 1
        new_version = session.scalars(
            select(RubricVersion).where(RubricVersion.activity_id == new.id)
        ).one()
        drafts = select(func.count(LevelDraft.id)).join(
            Criterion, Criterion.id == LevelDraft.criterion_id
        )
        assert session.scalar(drafts.where(Criterion.activity_id == new.id)) == 0
        assert session.scalar(drafts.where(Criterion.activity_id == old.id)) == 2

        old, new = pair(rounds)
        for model, last_term in (
            (FeedbackSubmission, 2),
            (FeedbackAllocation, 2),
            (FeedbackReview, 2),
            (FeedbackComment, 2),
            (FeedbackScore, 2),
        ):
            assert (count(model, old), count(model, new)) == (last_term, 0), model.__name__
        config = session.scalars(
            select(FeedbackConfig).where(FeedbackConfig.activity_id == new.id)
        ).one()
        assert (config.rubric_source, config.rubric_version_id) == ("cocreated", new_version.id)
        assert (config.rounds, config.reviewers_per_submission) == (1, 1)
        assert (config.current_round, config.current_phase) == (1, "submit")
    audit.assert_clean()
