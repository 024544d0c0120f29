"""Steps the browser tests share: placing an activity in the sandbox course, opening it as one
person, moving phases, and the shortest real run of co-creating a rubric and of one feedback
round. Every step is a click or a form a person would use; none writes to the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from playwright.sync_api import BrowserContext, FrameLocator, Locator, Page

from tests.browser.a11y import loaded

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer


def link_url(live_server: LiveServer, user: str, link_id: str) -> str:
    return live_server.course_url(user) + f"?link={link_id}"


def place(
    page: Page,
    live_server: LiveServer,
    kind: str,
    title: str,
    points: str,
    dates: Mapping[str, str] | None = None,
) -> str:
    """The instructor adds an activity of `kind` to the sandbox course; its link's id."""
    page.bring_to_front()
    page.goto(live_server.course_url("instructor-1"))
    page.get_by_test_id("add-activity").click()
    tool = page.frame_locator("#tool-frame")
    tool.locator(f"input[name=kind][value={kind}]").check()
    tool.locator("#title").fill(title)
    tool.locator("#points").fill(points)
    for phase, day in (dates or {}).items():
        tool.locator(f"#phase-{kind}-{phase}").fill(day)
    tool.get_by_role("button", name="Add to the course").click()
    placed = tool.get_by_test_id("placed-link")
    placed.wait_for()
    link_id = placed.get_attribute("data-link")
    assert link_id
    return link_id


def open_tool(page: Page, url: str, testid: str = "activity-title") -> FrameLocator:
    """The activity in this person's tab of the course. Each person has a tab; Chromium does
    not submit forms clicked in a background tab, so the tab comes to the front first. Waits
    for the frame's load, so a click next reaches this page and not the one before."""
    page.bring_to_front()
    page.goto(url)
    tool = page.frame_locator("#tool-frame")
    tool.get_by_test_id(testid).wait_for()
    frame = page.frame(name="tool_frame")
    assert frame is not None
    loaded(frame)
    fitted(page)
    return tool


def fitted(page: Page) -> None:
    """Wait until the LMS has fitted the tool's frame to its page (lti.frameResize), as a
    person sees the page settle before acting. Until then a page taller than the frame scrolls
    inside it (opened at its "#done" notice, say), and the resize moves the content: a click
    in that moment lands on whatever is under the pointer after the move."""
    frame = page.frame(name="tool_frame")
    assert frame is not None
    frame.wait_for_function(
        "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"
        " <= window.innerHeight"
    )


def navigate(page: Page, locator: Locator) -> None:
    """Click and wait until the tool's frame has loaded the next page (a stale page may show
    the same elements as the next one) and the LMS has fitted the frame to it."""
    frame = page.frame(name="tool_frame")
    assert frame is not None
    # Committed, then loaded as the document itself says (a11y.loaded: the load event of the
    # cross-site frame may not reach Playwright).
    with frame.expect_navigation(wait_until="commit"):
        locator.click()
    loaded(frame)
    fitted(page)


# -- rubric co-creation -----------------------------------------------------------------------


def move(tool: FrameLocator, phase: str) -> None:
    # Forward, one phase at a time: the button names the next phase (issue 15, item 1).
    tool.get_by_test_id("move-forward").click()
    tool.locator(f"[data-testid=phase-{phase}][aria-current=step]").wait_for()


def set_level_points(page: Page, tool: FrameLocator, points: str) -> None:
    tool.get_by_text("Settings", exact=True).click()
    tool.locator("#level_points").fill(points)
    with page.expect_response(lambda r: "/settings" in r.url):
        tool.get_by_role("button", name="Save settings").click()


def propose(frame: FrameLocator, title: str, description: str, rationale: str = "") -> None:
    form = frame.get_by_test_id("propose-form")
    form.locator("#p-title").fill(title)
    form.locator("#p-desc").fill(description)
    if rationale:
        form.locator("#p-why").fill(rationale)
    form.get_by_role("button", name="Propose").click()
    frame.get_by_role("heading", name=title, exact=True).wait_for()


def cast_ballot(frame: FrameLocator, points: str = "3") -> None:
    ballot = frame.get_by_test_id("ballot-form")
    ballot.locator("input[type=number]").first.fill(points)
    ballot.get_by_role("button", name="Cast my ballot").click()
    frame.get_by_role("button", name="Change my ballot").wait_for()


def draft_levels(frame: FrameLocator, levels: Sequence[tuple[str, str]]) -> None:
    """A student drafts a name and a description for each level, lowest first."""
    for position, (title, words) in enumerate(levels):
        frame.get_by_text(f"Draft a description for level {position + 1}").click()
        form = frame.locator(f"form[data-testid$='-{position}']")
        form.locator("input[name=title]").fill(title)
        form.locator("textarea[name=description]").fill(words)
        form.get_by_role("button", name="Add draft").click()
        # In that level's list of drafts, which only the next page has: the words alone may
        # already be on this page (a criterion "easy to follow" matches "Easy to follow"), and
        # the next step would then run while the page is still being replaced.
        drafts = frame.get_by_role("list", name=f"Drafts for level {position + 1}")
        drafts.get_by_text(words).first.wait_for()


def publish(tool: FrameLocator) -> None:
    tool.get_by_test_id("publish-form").get_by_role("button", name="Publish").click()
    tool.get_by_test_id("latest-version").wait_for()


def co_create_rubric(
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    link_id: str,
    *,
    criterion: tuple[str, str, str],
    levels: Sequence[tuple[str, str]],
    student: str = "student-1",
) -> Page:
    """The shortest co-creation the tool allows, all by hand: one student proposes a criterion
    (title, what it means, why it matters), the facilitator accepts it as it is, the student
    votes and drafts every level, the facilitator accepts each draft, moves on to Finalise and
    publishes version 1. The student's tab."""
    course = link_url(live_server, "instructor-1", link_id)
    tool = open_tool(page, course)
    set_level_points(page, tool, ", ".join(str(i + 1) for i in range(len(levels))))
    student_page = context.new_page()
    mine = link_url(live_server, student, link_id)
    propose(open_tool(student_page, mine), *criterion)

    tool = open_tool(page, course)
    move(tool, "discuss")
    card = tool.locator("article[data-testid=proposal]", has_text=criterion[0])
    card.get_by_role("button", name="Accept as-is").click()
    card.get_by_test_id("proposal-fate").filter(has_text="accepted").wait_for()
    move(tool, "vote")
    cast_ballot(open_tool(student_page, mine))

    tool = open_tool(page, course)
    move(tool, "describe")
    draft_levels(open_tool(student_page, mine), levels)

    tool = open_tool(page, course)
    for position in range(1, len(levels) + 1):
        drafts = tool.get_by_role("list", name=f"Drafts for level {position}")
        drafts.get_by_text("Accept this draft").click()
        drafts.get_by_role("button", name="Accept").click()
        tool.get_by_role("heading", name=f"Level {position}: {levels[position - 1][0]}").wait_for()
    move(tool, "finalise")
    publish(tool)
    return student_page


# -- feedback rounds --------------------------------------------------------------------------


def advance(page: Page, tool: FrameLocator, phase: str) -> None:
    navigate(page, tool.get_by_test_id("advance"))
    tool.get_by_test_id("phase").filter(has_text=phase).wait_for()


def write_reviews(page: Page, tool: FrameLocator, level: int, comment: str) -> int:
    """A student writes every review allocated to them: the `level`-th level (from 0) and a
    comment on each criterion. How many they wrote."""
    count = tool.get_by_test_id("review-link").count()
    for i in range(count):
        navigate(page, tool.get_by_test_id("review-link").nth(i))
        sets = tool.locator("form.config fieldset")
        sets.first.wait_for()
        for j in range(sets.count()):
            sets.nth(j).locator("input[type=radio]").nth(level).check()
            sets.nth(j).locator("textarea").fill(comment)
        tool.locator("#overall").fill("Clear structure")
        navigate(page, tool.get_by_test_id("submit-review"))
        tool.get_by_test_id("review-link").first.wait_for()
    return count
