"""Screenshots of the most-used pages, made the same way for any checkout (issue 15's before and
after comparison, and the pictures in docs/teaching.md).

    python tests/browser/shots.py --out DIR [--pages main|guide|all]

Run it from a checkout's root: it imports that checkout's `lti_tool` and test helpers, so the
same script shows the code it is run in. It builds the app with the test settings (a SQLite file
in a temporary folder, the test platform's keys served over real HTTP), seeds a small class
through real launches and the forms the pages post (no row is written directly), serves the app
on 127.0.0.1 from a thread, and opens each page in Chromium with a link ticket (`?lt=`) as a
browser arriving from the LMS would. Each page is shot full-page at 1280 px and 390 px wide into
DIR/<nn>-<page>-<desktop|390>.png (clipped at 6000 px).

Not a test: pytest collects test_*.py files only, and this file has no test functions.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The checkout this is run from, ahead of any installed copy of the package.
ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from lti_tool import create_app  # noqa: E402
from lti_tool.auth import launch_token  # noqa: E402
from lti_tool.extensions import db  # noqa: E402
from lti_tool.lti import claims  # noqa: E402
from tests.advantage import csrf_for, form_tokens  # noqa: E402
from tests.builders import Claims, login, make_platform, post_launch, sign  # noqa: E402
from tests.platform_double import JwksServer, PlatformKey  # noqa: E402

SECRET_KEY = "shots-secret-key-" + "x" * 32
MAX_HEIGHT = 6000
WIDTHS = (("desktop", 1280), ("390", 390))
COURSE = {"id": "bio-101", "label": "BIO-101", "title": "Biology 101: Lab skills"}


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    role: str

    @property
    def given(self) -> str:
        return self.name.split()[-2] if self.name.startswith("Dr.") else self.name.split()[0]


PROF = Person("okafor", "Dr. Maya Okafor", "facilitator")
COACH = Person("rivera", "Sam Rivera", "coach")
ALICE, BEN, CHLOE, DEV, EUNJI, FARAH = STUDENTS = (
    Person("alice", "Alice Anders", "student"),
    Person("ben", "Ben Brooks", "student"),
    Person("chloe", "Chloé Dubois", "student"),
    Person("dev", "Dev Patel", "student"),
    Person("eunji", "Eun-ji Kim", "student"),
    Person("farah", "Farah Haddad", "student"),
)


@dataclass
class Session:
    """One person's launch of one link: its session token (for the test client's requests)
    and its session id (for fresh link tickets the browser opens pages with)."""

    app: Flask
    client: FlaskClient
    token: str
    session_id: int
    location: str

    def get(self, path: str) -> Any:
        return self.client.get(path, headers={"X-Launch-Token": self.token})

    def post(self, path: str, **form: Any) -> Any:
        data = {"launch_token": self.token, "csrf_token": csrf_for(self.app, self.token), **form}
        return self.client.post(path, data=data)


# The innermost elements that reach past the window's right edge (a page wider than a phone
# scrolls sideways; a full-page shot then shows the extra width).
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.getBoundingClientRect().right <= w + 1) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > w + 1)) continue;
    const text = (el.textContent || "").trim().slice(0, 40);
    const cls = el.getAttribute("class");
    out.push(el.tagName.toLowerCase() + (cls ? "." + cls : "") + " '" + text + "'");
  }
  return out.slice(0, 4).join("; ");
}"""


@dataclass
class Shots:
    out: Path
    base: str
    browser: Browser
    wanted: set[str]
    made: list[tuple[str, int, int, bool]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def take(self, number: int, name: str, who: Session, path: str, group: str) -> None:
        """Open `path` as `who` in Chromium at each width and save a full-page PNG."""
        if group not in self.wanted:
            return
        for label, width in WIDTHS:
            ticket = launch_token.issue_ticket(who.session_id, SECRET_KEY)
            url = (
                f"{self.base}{path}{'&' if '?' in path else '?'}{launch_token.QUERY_PARAM}={ticket}"
            )
            context = self.browser.new_context(
                viewport={"width": width, "height": 900}, device_scale_factor=1, locale="en-US"
            )
            page = context.new_page()
            response = page.goto(url, wait_until="load")
            status = response.status if response is not None else 0
            if status != 200:
                self.problems.append(f"{name}: {path} answered {status}")
            height = int(page.evaluate("document.documentElement.scrollHeight"))
            wide = page.evaluate(OVERFLOW)
            if wide:
                self.problems.append(f"{name} at {width} px: wider than the window: {wide}")
            target = self.out / f"{number:02d}-{name}-{label}.png"
            clipped = height > MAX_HEIGHT
            if clipped:
                page.screenshot(
                    path=str(target),
                    type="png",
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": MAX_HEIGHT},
                )
            else:
                page.screenshot(path=str(target), type="png", full_page=True)
            context.close()
            self.made.append((target.name, width, height, clipped))


class Seeder:
    """The class's work, through launches and the pages' own forms. A step the checkout refuses
    is noted (an older checkout may lack a form) and the rest goes on."""

    def __init__(self, app: Flask, key: PlatformKey, problems: list[str]) -> None:
        self.app, self.key, self.problems = app, key, problems
        self.client = app.test_client()

    def launch(
        self, person: Person, link: str, title: str, *, deep_linking: bool = False
    ) -> Session:
        """A real login and launch of `link` in the course, signed by the test platform; with
        `deep_linking`, a content selection launch (the LMS's "add an activity")."""
        started = login(self.client)
        body = Claims(nonce=started.nonce, role=person.role, sub=person.sub).body
        body.update(
            {
                "name": person.name,
                "given_name": person.given,
                "family_name": person.name.split()[-1],
                "email": f"{person.sub}@example.edu",
                claims.RESOURCE_LINK: {"id": link, "title": title},
                claims.CONTEXT: COURSE,
            }
        )
        if deep_linking:
            body.pop(claims.RESOURCE_LINK)
            body[claims.MESSAGE_TYPE] = claims.DEEP_LINKING_REQUEST
            body[claims.DEEP_LINKING_SETTINGS] = {
                "deep_link_return_url": "https://lms.example.edu/deep_links",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
            }
        response = post_launch(self.client, sign(body, self.key), started.state)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
        ticket = re.search(rf"[?&]{launch_token.QUERY_PARAM}=([^&]+)", location)
        assert ticket, location
        from lti_tool.auth import sessions
        from lti_tool.models import LaunchSession

        with self.app.app_context():
            session_id = launch_token.read_ticket(ticket.group(1), SECRET_KEY).session_id
            row = db.session.get(LaunchSession, session_id)
            assert row is not None
            token = sessions.token_of(row, SECRET_KEY)
            db.session.remove()
        return Session(self.app, self.client, token, session_id, location)

    def check(self, what: str, response: Any, expected: int = 303) -> Any:
        if response.status_code != expected:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
            self.problems.append(f"{what}: {response.status_code} {text[:300]}")
        return response

    def place(self, link: str, title: str, kind: str, points: str) -> tuple[Session, int]:
        """The facilitator's first launch of a plain link, and the set-up form filled in."""
        prof = self.launch(PROF, link, title)
        setup = self.client.get(prof.location)
        made = self.client.post(
            "/activities/setup",
            data={
                **form_tokens(setup.get_data(as_text=True)),
                "kind": kind,
                "title": title,
                "points": points,
            },
        )
        self.check(f"set up {kind}", made)
        from lti_tool.models import Activity

        # Activities are set up one after another: the newest is this link's.
        return prof, self.query(select(Activity.id).order_by(Activity.id.desc()).limit(1))[0]

    def query(self, statement: Any) -> list[Any]:
        with self.app.app_context():
            try:
                return list(db.session.scalars(statement))
            finally:
                db.session.remove()


# -- the class's work -------------------------------------------------------------------------

GOALS = {
    ALICE: [
        (
            "Write a lab report my partner can repeat without asking me anything",
            "My partner repeats the titration from my method section alone",
            "Draft the method on the day of the lab; swap with my partner each Friday",
            "Method sections are a third of the lab report grade",
            "2026-12-10",
        ),
        (
            "Get better at statistics",
            "I feel more confident",
            "Practise",
            "Statistics come up in every lab",
            "2026-12-17",
        ),
    ],
    BEN: [
        (
            "Hand in every lab report on time",
            "No late marks for the rest of the term",
            "Start each report on the evening of the lab; book a library room on Tuesdays",
            "Two late reports cost me a grade last term",
            "2026-12-10",
        )
    ],
    CHLOE: [
        (
            "Label every figure with units and a caption",
            "A reviewer finds no unlabelled axis in my next two reports",
            "Use the figure checklist before I submit",
            "Unclear figures were my most common feedback",
            "2026-12-12",
        )
    ],
    DEV: [
        (
            "Explain the sources of error in each experiment",
            "Each discussion names at least two sources and their likely size",
            "Read two published discussions a week and note how they do it",
            "The discussion is where I lose the most marks",
            "2026-12-15",
        )
    ],
    EUNJI: [
        (
            "Ask one question in every lab session",
            "I log a question and its answer in my notebook each week",
            "Write the question down during the pre-lab reading",
            "I understand more when I ask early",
            "2026-12-10",
        )
    ],
}

PROPOSALS = [
    (
        ALICE,
        "Clear method",
        "Someone else could repeat the experiment from the method section alone",
        "Repeatable work is the point of a lab",
    ),
    (BEN, "Honest data", "Every measurement is shown, the odd ones too", ""),
    (
        CHLOE,
        "Data you can check",
        "Raw numbers in a table next to each graph",
        "Graphs hide things",
    ),
    (DEV, "Length", "At least five pages", "Shows effort"),
    (
        EUNJI,
        "Discussion of errors",
        "Names the main sources of error and how large they might be",
        "It shows you understood the experiment",
    ),
    (
        FARAH,
        "Readable figures",
        "Axes labelled with units; a caption says what to look at",
        "",
    ),
]

FEEDBACK_RUBRIC = (
    "Method: hard to follow / repeatable with help / repeatable\n"
    "Data: missing / partial / complete and checkable\n"
    "Discussion: absent / names errors / weighs errors"
)

ESSAYS = {
    ALICE: "Titration of acetic acid. Method: 25 ml of vinegar was titrated with 0.1 M NaOH "
    "using phenolphthalein. Three runs agreed within 0.2 ml. Discussion: the end point was "
    "judged by eye, which is the largest source of error.",
    BEN: "Enzyme activity and temperature. Catalase from potato was timed at five temperatures. "
    "Activity peaked near 37 °C. The water bath drifted by about 2 °C.",
    CHLOE: "Osmosis in potato cylinders. Mass change was measured after 24 h in six sucrose "
    "solutions; the isotonic point is about 0.3 M. Figure 1 shows mass change against "
    "concentration.",
    DEV: "Rate of photosynthesis. Oxygen bubbles from pondweed were counted at four light "
    "distances. Counting bubbles is imprecise; a gas syringe would be better.",
    EUNJI: "Yeast respiration. CO2 was collected from yeast in glucose at 20, 30 and 40 °C. The "
    "30 °C flask produced the most gas.",
    FARAH: "Density of metals. Cylinders of aluminium, brass and steel were weighed and their "
    "volume found by displacement. Results were within 3 % of book values.",
}

# What reviewers say about each criterion (method, data, discussion), several per criterion.
COMMENTS = (
    (
        "The steps are in order, but the volumes are missing from step 3.",
        "I could follow this, apart from how the solution was made up.",
        "Say which equipment you used: I would not know which balance.",
        "Clear enough to repeat: I would only add the time of each reading.",
    ),
    (
        "All three runs are in the table; say which one the graph uses.",
        "The table and the graph agree. Add units to the second column.",
        "One reading looks odd: keep it, but say why it might be off.",
        "Raw numbers are there; a column of means would help.",
    ),
    (
        "You name the end point as the main error: say how big it could be.",
        "Good that you say why the water bath matters.",
        "Compare your result with the book value: how far off is it?",
        "Suggest one change to the method that would cut the error.",
    ),
)


def seed_and_shoot(seeder: Seeder, shots: Shots, has_hub: bool) -> None:
    problems = seeder.problems

    # -- the picker: "add an activity" in the LMS (deep linking), and a plain link's set-up --
    picking = seeder.launch(PROF, "", "", deep_linking=True)
    shots.take(6, "activity-picker", picking, picking.location.split("?")[0], "guide")
    fresh = seeder.launch(PROF, "link-new", "Week 9 activity")
    shots.take(10, "link-setup", fresh, fresh.location.split("?")[0], "guide")

    # -- setting goals --
    prof, goals_id = seeder.place("link-goals", "Term goals", "goal_setting", "10")
    base = f"/goals/{goals_id}"
    coach = seeder.launch(COACH, "link-goals", "Term goals")
    people = {s: seeder.launch(s, "link-goals", "Term goals") for s in STUDENTS}
    goal_ids: dict[tuple[Person, int], int] = {}
    fields = ("what", "measure", "plan", "relevance", "by_when")
    for student, goals in GOALS.items():
        for i, words in enumerate(goals):
            form = dict(zip(fields, words, strict=True))
            action = "draft" if student is CHLOE else "submit"
            r = seeder.check(
                f"{student.sub} drafts a goal",
                people[student].post(base + "/new", action=action, **form),
            )
            found = re.search(r"/g/(\d+)", r.headers.get("Location", ""))
            if found:
                goal_ids[(student, i)] = int(found.group(1))
    seeder.check("goals: on to Agree", prof.post(base + "/phase", phase="draft", to="agree"))

    def respond(who: Session, student: Person, i: int, decision: str, comment: str = "") -> None:
        gid = goal_ids.get((student, i))
        if gid is not None:
            seeder.check(
                f"goal of {student.sub}: {decision}",
                who.post(f"{base}/g/{gid}/respond", decision=decision, comment=comment),
            )

    respond(prof, ALICE, 0, "agree", "A clear test: your partner is the measure.")
    respond(
        coach,
        ALICE,
        1,
        "suggest",
        "How will you know you are better? Name a test, say a quiz score or a chapter's "
        "exercises, and a date.",
    )
    respond(prof, BEN, 0, "agree")
    respond(coach, DEV, 0, "agree", "Two published discussions a week is ambitious: good.")
    seeder.check("goals: on to Check-ins", prof.post(base + "/phase", phase="agree", to="check_in"))
    for student, progress, confidence, evidence, helped, hindered in (
        (
            ALICE,
            "60",
            "4",
            "My partner repeated lab 3 from my method with one question",
            "Writing the method on the day",
            "I forgot to note the burette's starting volume",
        ),
        (BEN, "80", "5", "Reports 4 and 5 in on time", "The library booking", ""),
    ):
        gid = goal_ids.get((student, 0))
        if gid is not None:
            seeder.check(
                f"{student.sub} checks in",
                people[student].post(
                    f"{base}/g/{gid}/check-in",
                    progress=progress,
                    confidence=confidence,
                    evidence=evidence,
                    helped=helped,
                    hindered=hindered,
                ),
            )
    gid = goal_ids.get((ALICE, 0))
    if gid is not None:
        page = coach.get(f"{base}/g/{gid}").get_data(as_text=True)
        check_in = re.search(r"/check-ins/(\d+)/comment", page)
        if check_in:
            seeder.check(
                "coach comments on a check-in",
                coach.post(
                    f"{base}/check-ins/{check_in.group(1)}/comment",
                    body="A good sign. Add the starting volume to your checklist.",
                ),
            )
        else:
            problems.append("no check-in comment form on the coach's goal page")
    gid = goal_ids.get((ALICE, 1))
    if gid is not None:
        seeder.check(
            "alice revises her second goal",
            people[ALICE].post(
                f"{base}/g/{gid}/draft",
                action="submit",
                what="Pass the statistics quiz in week 12 with 80 % or more",
                measure="The week 12 quiz score",
                plan="Two exercise sets from chapter 4 each week; office hours on Thursdays",
                relevance="Statistics come up in every lab",
                by_when="2026-12-17",
            ),
        )
    shots.take(1, "student-goals", people[ALICE], base, "main")
    shots.take(5, "staff-goals", prof, base, "main")

    # -- co-creating a rubric --
    prof, rubric_id = seeder.place("link-rubric", "Lab report rubric", "rubric_cocreation", "5")
    base = f"/rubrics/{rubric_id}"
    people = {s: seeder.launch(s, "link-rubric", "Lab report rubric") for s in STUDENTS}
    seeder.launch(COACH, "link-rubric", "Lab report rubric")
    for student, title, description, rationale in PROPOSALS:
        seeder.check(
            f"{student.sub} proposes",
            people[student].post(
                base + "/proposals", title=title, description=description, rationale=rationale
            ),
        )
    from lti_tool.models import Criterion, Proposal

    proposal = {
        p.title: p.id
        for p in seeder.query(select(Proposal).where(Proposal.activity_id == rubric_id))
    }

    def rubric_move(seen: str, to: str) -> None:
        seeder.check(f"rubric: on to {to}", prof.post(base + "/phase", phase=to, from_phase=seen))

    if "Length" in proposal:
        seeder.check(
            "ben comments",
            people[BEN].post(
                f"{base}/proposals/{proposal['Length']}/comments",
                body="A long report is not always a good one.",
            ),
        )
        seeder.check(
            "chloe comments",
            people[CHLOE].post(
                f"{base}/proposals/{proposal['Honest data']}/comments",
                body="This is close to mine: could they be one criterion?",
            ),
        )
    rubric_move("propose", "discuss")
    if {"Honest data", "Data you can check"} <= proposal.keys():
        seeder.check(
            "merge two proposals",
            seeder.client.post(
                base + "/merge",
                data={
                    "launch_token": prof.token,
                    "csrf_token": csrf_for(seeder.app, prof.token),
                    "proposal_ids": [proposal["Honest data"], proposal["Data you can check"]],
                    "title": "Honest, checkable data",
                    "description": "Every measurement is shown, in a table beside each graph",
                },
            ),
        )
    if "Length" in proposal:
        seeder.check(
            "decline a proposal",
            prof.post(
                f"{base}/proposals/{proposal['Length']}/decline",
                reason="Length does not show quality; the other criteria cover the effort.",
            ),
        )
    for title in ("Clear method", "Discussion of errors", "Readable figures"):
        if title in proposal:
            seeder.check(f"accept {title}", prof.post(f"{base}/proposals/{proposal[title]}/accept"))
    rubric_move("discuss", "vote")
    criteria = {
        c.title: c.id
        for c in seeder.query(select(Criterion).where(Criterion.activity_id == rubric_id))
    }
    ballots = {
        ALICE: {"Clear method": 3, "Honest, checkable data": 2},
        BEN: {"Honest, checkable data": 3, "Discussion of errors": 2},
        DEV: {"Discussion of errors": 2, "Readable figures": 2, "Clear method": 1},
        EUNJI: {"Discussion of errors": 4, "Clear method": 1},
    }
    for student, dots in ballots.items():
        votes = {f"votes-{criteria[t]}": str(n) for t, n in dots.items() if t in criteria}
        seeder.check(f"{student.sub} votes", people[student].post(base + "/ballot", **votes))
    shots.take(3, "student-rubric-vote", people[CHLOE], base, "main")
    shots.take(7, "rubric-board", prof, base, "guide")

    # -- feedback rounds --
    prof, feedback_id = seeder.place(
        "link-feedback", "Lab report feedback", "feedback_rounds", "10"
    )
    base = f"/feedback/{feedback_id}"
    coach = seeder.launch(COACH, "link-feedback", "Lab report feedback")
    people = {s: seeder.launch(s, "link-feedback", "Lab report feedback") for s in STUDENTS}
    seeder.check(
        "feedback settings",
        prof.post(
            base + "/settings",
            rubric=FEEDBACK_RUBRIC,
            rounds="2",
            k="2",
            allocation="random",
            anonymity="double_blind",
            aggregate="median",
            late_policy="accept",
            reshuffle="on",
            weight_peer="0.8",
            weight_self="0",
            weight_staff="0",
            weight_reviewing="0.2",
        ),
    )
    for student, essay in ESSAYS.items():
        seeder.check(f"{student.sub} submits", people[student].post(base + "/submit", body=essay))
    seeder.check("feedback: on to Review", prof.post(base + "/phase"))

    from lti_tool.models import Person as PersonRow
    from lti_tool.models.feedback import FeedbackAllocation, FeedbackCriterion

    criteria_ids = seeder.query(
        select(FeedbackCriterion.id)
        .where(FeedbackCriterion.activity_id == feedback_id)
        .order_by(FeedbackCriterion.position)
    )
    pid = {p.sub: p.id for p in seeder.query(select(PersonRow))}

    def allocations(student: Person) -> list[int]:
        return seeder.query(
            select(FeedbackAllocation.id)
            .where(
                FeedbackAllocation.activity_id == feedback_id,
                FeedbackAllocation.reviewer_id == pid[student.sub],
                FeedbackAllocation.kind == "peer",
            )
            .order_by(FeedbackAllocation.id)
        )

    for s_index, student in enumerate(STUDENTS):
        for a_index, allocation in enumerate(allocations(student)):
            form: dict[str, str] = {}
            for c_index, cid in enumerate(criteria_ids):
                form[f"level-{cid}"] = str((s_index + a_index + c_index) % 2 + 1)
                said = COMMENTS[c_index % len(COMMENTS)]
                form[f"comment-{cid}"] = said[(2 * s_index + a_index) % len(said)]
            form["overall"] = "Clear and careful; the table makes it easy to check."
            if student is FARAH and a_index == 0:
                # Saved as a draft and shown in the review form, then sent.
                partial = {k: v for k, v in form.items() if not k.endswith(str(criteria_ids[-1]))}
                seeder.check(
                    "farah saves a draft review",
                    people[FARAH].post(f"{base}/reviews/{allocation}", action="draft", **partial),
                )
                shots.take(
                    9,
                    "feedback-review-form",
                    people[FARAH],
                    f"{base}/reviews/{allocation}",
                    "guide",
                )
            if student is FARAH and a_index == 1:
                continue  # one review not written yet: the progress page shows it missing
            seeder.check(
                f"{student.sub} reviews",
                people[student].post(f"{base}/reviews/{allocation}", action="submit", **form),
            )
    seeder.check("feedback: on to Respond", prof.post(base + "/phase"))
    page = people[ALICE].get(base).get_data(as_text=True)
    forms_ = re.findall(r'action="[^"]*/reviews/(\d+)/respond[^"]*"(.*?)</form>', page, re.S)
    if forms_:
        review_id, inner = forms_[0]
        comment_ids = re.findall(r'name="response-(\d+)"', inner)
        answer: dict[str, str] = {"helpfulness": "4"}
        for i, cid in enumerate(comment_ids):
            answer[f"response-{cid}"] = "act" if i != 1 else "wont"
            answer[f"reason-{cid}"] = "" if i != 1 else "The graph uses the mean of all three runs."
        seeder.check(
            "alice responds to a review",
            people[ALICE].post(f"{base}/reviews/{review_id}/respond", **answer),
        )
        if comment_ids:
            seeder.check(
                "alice plans a revision",
                people[ALICE].post(
                    base + "/plan",
                    plan="Add the volumes to step 3 and say how the solution was made up.",
                    comment_id=comment_ids[0],
                ),
            )
    else:
        problems.append("no respond form on Alice's feedback page")
    staff_page = coach.get(base).get_data(as_text=True)
    endorse = re.search(r"/comments/(\d+)/endorse", staff_page)
    if endorse:
        seeder.check(
            "coach endorses a comment", coach.post(f"{base}/comments/{endorse.group(1)}/endorse")
        )
    shots.take(2, "student-feedback", people[ALICE], base, "main")
    shots.take(4, "staff-feedback", prof, base, "main")

    # -- the course hub (newer checkouts only) --
    if has_hub:
        shots.take(8, "course-hub", prof, "/hub", "guide")
    elif "guide" in shots.wanted:
        problems.append("no course hub (/hub) in this checkout")


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for the PNGs")
    parser.add_argument(
        "--pages",
        choices=("main", "guide", "all"),
        default="all",
        help="main: the five most-used pages; guide: the teacher's guide's other pages",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = {"main", "guide"} if args.pages == "all" else {args.pages}

    key = PlatformKey.generate()
    jwks = JwksServer(published=[key]).start()
    with tempfile.TemporaryDirectory(prefix="coproduce-shots-") as tmp:
        app = create_app(
            {
                "APP_ENV": "test",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'shots.sqlite3'}",
                "SECRET_KEY": SECRET_KEY,
                "LTI_TOOL_BASE_URL": "http://localhost",
                "LTI_KEYS_DIR": str(Path(tmp) / "keys"),
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "SANDBOX": False,
                "OUTBOX_INPROCESS_WORKER": False,
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            db.create_all()
            make_platform(jwks.url)
            db.session.remove()
        has_hub = any(rule.rule == "/hub" for rule in app.url_map.iter_rules())
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        problems: list[str] = []
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
                )
                shots = Shots(
                    args.out,
                    f"http://127.0.0.1:{server.server_port}",
                    browser,
                    wanted,
                    problems=problems,
                )
                seed_and_shoot(Seeder(app, key, problems), shots, has_hub)
                browser.close()
        finally:
            server.shutdown()
            jwks.stop()
    import lti_tool

    print(f"code: {Path(lti_tool.__file__).parent}")
    for name, width, height, clipped in shots.made:
        png = (args.out / name).read_bytes()
        size, shown = len(png), int.from_bytes(png[16:20], "big")
        note = f", clipped at {MAX_HEIGHT} px" if clipped else ""
        extra = f" (the page is {shown} px wide)" if shown > width else ""
        print(f"{name}: {width} px window{extra}, page {height} px tall{note}, {size // 1024} KB")
    for problem in problems:
        print("PROBLEM:", problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
