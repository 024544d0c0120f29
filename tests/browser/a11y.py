"""Accessibility and phone-width checks of tool pages inside the sandbox LMS (issue 15, item 8).

`Audit.check(page, name)` runs axe-core (shipped inside axe-playwright-python: no download)
on the tool's document in the LMS iframe, at a desktop width and at 390 px, and measures that
the document does not scroll sideways (scrollWidth <= clientWidth) at 390 px. Problems are
collected and reported together by `assert_clean()` at the end of the flow, so one run lists
every page that fails rather than the first.

Set COPRODUCE_SHOTS to a folder to also save a screenshot of every checked page at both widths
(the tool frame grown to its content's height): that is how the before/after pictures of the
issue's closing note are made. Nothing is asserted differently when it is set.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Page

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
_AXE = Axe()
# Every rule axe runs by default (WCAG 2.0-2.2 A/AA and best practices): 0 violations of any
# impact is the bar (issue 15, acceptance).
_AXE_OPTIONS = {"resultTypes": ["violations"]}


def loaded(target: Page | Frame) -> None:
    """Wait until the document now in `target` has loaded, by asking the document itself.
    Playwright's own load-state event for a cross-site iframe (the tool inside the LMS, in its
    own renderer process) is sometimes lost while the frame moves between processes during the
    launch's redirects: `wait_for_load_state("load")` then times out on a page that has long
    loaded ("networkidle" fired, "load" never did). The document's readyState is the same fact,
    read where it is true."""
    target.wait_for_function("() => document.readyState === 'complete'")


def tool_frame(page: Page) -> Frame:
    handle = page.wait_for_selector("#tool-frame")
    frame = handle.content_frame() if handle else None
    assert frame is not None, "the sandbox course page has no tool frame"
    loaded(frame)
    return frame


def violations(target: Page | Frame) -> list[str]:
    """axe's violations on the document of `target`, one line per rule with where it fails."""
    results = _AXE.run(target, options=_AXE_OPTIONS)
    lines = []
    for v in results.response["violations"]:
        where = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {where}")
    return lines


def sideways_overflow(target: Page | Frame) -> tuple[int, int]:
    width = target.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return int(width[0]), int(width[1])


@dataclass
class Audit:
    shots: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["COPRODUCE_SHOTS"]) if os.environ.get("COPRODUCE_SHOTS") else None
        )
    )
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str, *, in_frame: bool = True) -> None:
        """Check the page now shown (the tool's frame, or the whole page for a page of the tool
        opened at the top level) at both widths; leaves the page at the desktop width."""
        self.pages.append(name)
        for label, size in (("desktop", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(size)
            target: Page | Frame = tool_frame(page) if in_frame else page
            loaded(target)
            for line in violations(target):
                self.problems.append(f"{name} @{label}: {line}")
            if label == "390":
                scroll, client = sideways_overflow(target)
                if scroll > client:
                    self.problems.append(
                        f"{name} @390: scrolls sideways ({scroll} px of content in {client} px)"
                    )
            if self.shots is not None:
                self._shoot(page, name, label, in_frame)
        page.set_viewport_size(DESKTOP)

    def _shoot(self, page: Page, name: str, label: str, in_frame: bool) -> None:
        assert self.shots is not None
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{label}.png"
        if not in_frame:
            page.screenshot(path=str(path), full_page=True)
            return
        # The whole tool page, as a platform that honours lti.frameResize would show it: the
        # frame as tall as its content and the window taller still (Chromium paints only what
        # is inside the window).
        frame = tool_frame(page)
        height = frame.evaluate("document.documentElement.scrollHeight")
        page.evaluate(
            "h => { document.getElementById('tool-frame').style.height = h + 'px'; }", height
        )
        width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
        page.set_viewport_size({"width": width, "height": min(height + 400, 16000)})
        frame.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        page.locator("#tool-frame").screenshot(path=str(path))

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"{len(self.problems)} accessibility or phone-width problems on "
            f"{len(self.pages)} pages:\n" + "\n".join(self.problems)
        )
