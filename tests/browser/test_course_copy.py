"""Course copy in a real Chromium through the sandbox LMS: last term's class proposed criteria
for a rubric that was finished (version 1 published), the instructor copies the course to a new
term, and the new term's instructor opens the copied link: it offers last term's activity, moves
its dates, and opens ready, with the rubric version and where it came from, and none of last
term's proposals."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page
from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import Session

from lti_tool.models import Activity, Criterion, Level, Proposal, RubricSetup, RubricVersion
from lti_tool.sandbox.store import SandboxSetting
from lti_tool.sandbox.terms import SETTING

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_terms(live_server: LiveServer) -> Iterator[None]:
    """The sandbox shows its first course again afterwards (the server is shared by the
    browser tests of a run)."""
    yield
    with create_engine(live_server.database_url).begin() as conn:
        conn.execute(delete(SandboxSetting.__table__).where(SandboxSetting.name == SETTING))


def _open(page: Page, url: str, testid: str) -> FrameLocator:
    page.bring_to_front()
    page.goto(url)
    tool = page.frame_locator("#tool-frame")
    tool.get_by_test_id(testid).wait_for()
    return tool


def _finish_rubric(database_url: str, title: str) -> int:
    """What the facilitator's last steps of co-creation leave (test_rubric_cocreation drives
    them in the browser): accepted criteria and levels, version 1 published, phase finalise."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        activity = session.scalars(select(Activity).where(Activity.title == title)).one()
        criterion = Criterion(activity_id=activity.id, title="Clarity", selected=True)
        session.add(criterion)
        session.flush()
        levels = [
            {"title": "Unclear", "description": "Hard to follow.", "points": 1.0},
            {"title": "Clear", "description": "Easy to follow.", "points": 2.0},
        ]
        for i, level in enumerate(levels):
            session.add(Level(criterion_id=criterion.id, position=i, **level))
        content = {
            "criteria": [
                {
                    "id": criterion.id,
                    "title": "Clarity",
                    "description": "Readers follow the argument.",
                    "weight": 100.0,
                    "levels": levels,
                }
            ]
        }
        session.add(
            RubricVersion(
                activity_id=activity.id,
                context_id=activity.context_id,
                number=1,
                title=title,
                content=content,
            )
        )
        setup = session.scalars(
            select(RubricSetup).where(RubricSetup.activity_id == activity.id)
        ).one()
        setup.phase = "finalise"
        session.commit()
        return activity.id


def test_a_copied_course_opens_last_terms_rubric_ready_without_student_work(
    launch_browser: Callable[[], BrowserContext], live_server: LiveServer, fresh_terms: None
) -> None:
    context = launch_browser()
    page = context.new_page()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.locator("input[name=kind][value=rubric_cocreation]").check()
    title = f"Essay rubric {int(time.time())}"
    tool.locator("#title").fill(title)
    tool.locator("#points").fill("5")
    tool.locator("#phase-rubric_cocreation-propose").fill("2026-09-07")
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    # Last term's student proposes a criterion (student work, which stays in that course).
    student = context.new_page()
    frame = _open(
        student, live_server.course_url("student-1") + f"?link={link_id}", "activity-title"
    )
    form = frame.get_by_test_id("propose-form")
    form.locator("#p-title").fill("Voice of last term")
    form.locator("#p-desc").fill("Only last term's class wrote this")
    form.get_by_role("button", name="Propose").click()
    frame.get_by_role("heading", name="Voice of last term", exact=True).wait_for()
    source_id = _finish_rubric(live_server.database_url, title)

    # The instructor copies the course; the new term's links are copies of last term's.
    page.bring_to_front()
    page.goto(live_server.course_url("instructor-1") + f"?link={link_id}")
    page.get_by_test_id("copy-course").click()
    page.get_by_text("(term 2)").first.wait_for()
    copied = f"{link_id}~t2"
    assert page.locator(f"[data-testid=course-links] a[data-link='{copied}']").count() == 1

    # The new term's instructor opens the copied link: last term's activity is offered first.
    tool = _open(page, live_server.course_url("instructor-1") + f"?link={copied}", "copy-sources")
    assert tool.locator("li[data-same-link=true]").count() == 1
    tool.get_by_test_id(f"copy-source-{source_id}").click()
    tool.get_by_test_id("copy-provenance").wait_for()
    assert "COPR-101" in tool.get_by_test_id("copy-provenance").inner_text()
    moved = tool.locator("#phase-rubric_cocreation-propose").input_value()
    assert moved > "2026-09-07"  # moved on to this term by whole weeks
    tool.get_by_role("button", name="Set up from last term").click()
    tool.get_by_test_id("activity-title").wait_for()
    assert tool.get_by_test_id("activity-title").inner_text() == title
    tool.locator("[data-testid=phase-finalise][aria-current=step]").wait_for()
    tool.get_by_test_id("latest-version").click()
    note = tool.get_by_text("Copied from COPR-101")
    note.wait_for()
    assert ", v1." in note.inner_text()
    assert tool.get_by_text("Clarity").count() >= 1

    # A student of the new term opens it ready, and sees none of last term's proposals.
    frame = _open(
        student, live_server.course_url("student-1") + f"?link={copied}", "activity-title"
    )
    assert frame.get_by_text("Voice of last term").count() == 0
    engine = create_engine(live_server.database_url)
    with Session(engine) as session:
        new = session.scalars(
            select(Activity).where(Activity.id != source_id, Activity.title == title)
        ).one()
        assert session.scalars(select(Proposal).where(Proposal.activity_id == new.id)).all() == []
        assert (
            len(session.scalars(select(Proposal).where(Proposal.activity_id == source_id)).all())
            == 1
        )
