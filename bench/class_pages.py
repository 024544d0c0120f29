"""Class pages at 100, 1,000 and 5,000 students, each against the same user's start page, in one
run: server time (median of the rounds, with min and max), HTML size and SQL statements.

    .venv/bin/python bench/class_pages.py [--sizes 100,1000,5000] [--rounds 7]
                                          [--database-url postgresql://.../scratch]

In process (Flask's test client, no network). One course per size, each with three activities
seeded in a busy state:
- feedback rounds in the review phase: every student submitted, three reviews each allocated,
  two thirds of them submitted;
- goal setting: students in every stage (tests/activities/goals/builders.py:seed_class);
- rubric co-creation in the discussion phase: every student proposed a criterion and commented on
  one; four in five proposals are merged into 20 criteria, the rest wait for a decision.
Pages measured: the facilitator's feedback progress page and a student's feedback page, the
coach's goals overview and a student's goals page, the rubric page of a student and of the
facilitator, the facilitator's grading progress page (the feedback activity's) and the course
hub. Each page's renders alternate with `/start` for the same user, and the sizes take turns
round by round, so machine noise falls on every size and on the baseline alike. Printed: time,
KB and statements per page and size, the ratio to `/start`, and the 5,000/1,000 growth (the
issue's targets: <= 150 ms and <= 300 KB at 5,000 students, statements constant, growth <= 2x).
Nothing is asserted.

The database given must be a scratch one: its tables are dropped and made again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

PAGES = (
    "feedback progress",
    "feedback, student",
    "goals overview",
    "goals, student",
    "rubric, student",
    "rubric, staff",
    "grading progress",
    "hub",
)


@dataclass
class Course:
    size: int
    paths: dict[str, tuple[str, str]] = field(default_factory=dict)  # page -> (path, token)


def _platform() -> Any:
    from lti_tool.extensions import db
    from lti_tool.models import Deployment, Platform

    platform = Platform(
        name="Bench LMS",
        issuer="https://bench.example",
        client_id="bench",
        auth_login_url="https://bench.example/auth",
        auth_token_url="https://bench.example/token",  # noqa: S106 - a URL, not a secret
        key_set_url="https://bench.example/jwks",
    )
    db.session.add(platform)
    db.session.flush()
    db.session.add(Deployment(platform_id=platform.id, deployment_id="d1"))
    db.session.flush()
    return platform


def _token(secret: str, platform_id: int, membership: Any) -> str:
    from lti_tool.auth import sessions

    return sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=membership.person_id,
        context_id=membership.context_id,
        membership_id=membership.id,
        secret_key=secret,
    )


def seed_course(platform: Any, size: int, secret: str) -> Course:
    """One course of `size` students with the three activities (see the module docstring)."""
    from sqlalchemy import select

    from lti_tool.activities.feedback import services as fb
    from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
    from lti_tool.activities.rubrics import services as rb
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.extensions import db
    from lti_tool.models import (
        Context,
        Deployment,
        LinkLaunch,
        Membership,
        Person,
        PlacedBy,
        Placement,
        Proposal,
        ProposalComment,
        ResourceLink,
        Role,
    )
    from lti_tool.models.feedback import FeedbackAllocation
    from tests.activities.goals.builders import seed_class

    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform.id)
    ).one()
    context = Context(
        platform_id=platform.id, deployment_id=deployment.id, context_id=f"c{size}", types=[]
    )
    db.session.add(context)
    db.session.flush()
    staff = {}
    for sub, role in (("prof", Role.FACILITATOR), ("coach", Role.COACH)):
        person = Person(platform_id=platform.id, sub=f"{size}-{sub}", name=sub.title())
        db.session.add(person)
        db.session.flush()
        member = Membership(person_id=person.id, context_id=context.id, raw_roles=[], role=role)
        db.session.add(member)
        db.session.flush()
        staff[sub] = (person, member)
    prof = staff["prof"][0]

    goals = create_activity(
        context,
        ActivityConfig("goal_setting", "Goals", points=10),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    seed_class(goals, size, start=size * 10)  # the students of this course
    students = list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == context.id, Membership.role == Role.STUDENT)
            .order_by(Person.id)
        )
    )
    first = db.session.scalars(
        select(Membership).where(
            Membership.context_id == context.id, Membership.person_id == students[0].id
        )
    ).one()

    feedback = create_activity(
        context,
        ActivityConfig(kind="feedback_rounds", title="Essays", points=10),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    fb.set_direct_rubric(
        feedback,
        prof,
        [
            fb.CriterionInput("Argument", "", ("weak", "fair", "good", "strong")),
            fb.CriterionInput("Evidence", "", ("thin", "adequate", "rich")),
        ],
    )
    for p in students:
        fb.submit(feedback, p, body=f"Essay by {p.name}")
    fb.advance_phase(feedback, prof)
    criteria = [c.id for c in fb.criteria_of(feedback)]
    by_id = {p.id: p for p in students}
    allocations = list(
        db.session.scalars(
            select(FeedbackAllocation)
            .where(FeedbackAllocation.activity_id == feedback.id)
            .order_by(FeedbackAllocation.id)
        )
    )
    for n, alloc in enumerate(allocations):
        if n % 3 == 2:
            continue
        save_review(
            feedback,
            by_id[alloc.reviewer_id],
            alloc,
            ReviewInput(
                {criteria[0]: n % 4, criteria[1]: (n * 7) % 3},
                {criteria[0]: "Add a source"},
                "Clear",
                True,
            ),
        )

    rubric = create_activity(
        context,
        ActivityConfig("rubric_cocreation", "Rubric", points=0),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    setup = rb.setup_of(rubric)
    proposals = [
        Proposal(
            activity_id=rubric.id,
            author_id=p.id,
            title=f"Criterion {i}",
            description="What it means",
            rationale="Why",
        )
        for i, p in enumerate(students)
    ]
    db.session.add_all(proposals)
    db.session.flush()
    db.session.add_all(
        ProposalComment(
            proposal_id=proposals[(i + 1) % len(proposals)].id, author_id=p.id, body="I agree"
        )
        for i, p in enumerate(students)
    )
    db.session.flush()
    setup.phase = "discuss"
    merged = [p.id for i, p in enumerate(proposals) if i % 5 != 4]
    groups = 20
    for g in range(groups):
        ids = merged[g::groups]
        if len(ids) >= 2:
            rb.merge_proposals(rubric, setup, ids, f"Merged {g}", "Several proposals", prof)
    # A student reaches an activity only through a link they launched (auth/scope.py).
    for activity in (rubric, feedback, goals):
        link = ResourceLink(context_id=context.id, resource_link_id=f"link-{activity.id}")
        db.session.add(link)
        db.session.flush()
        db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
        db.session.add(LinkLaunch(person_id=students[0].id, resource_link_id=link.id))
    db.session.commit()

    secret_tokens = {
        "prof": _token(secret, platform.id, staff["prof"][1]),
        "coach": _token(secret, platform.id, staff["coach"][1]),
        "student": _token(secret, platform.id, first),
    }
    course = Course(size)
    course.paths["feedback progress"] = (f"/feedback/{feedback.id}", secret_tokens["prof"])
    course.paths["goals overview"] = (f"/goals/{goals.id}", secret_tokens["coach"])
    course.paths["rubric, student"] = (f"/rubrics/{rubric.id}", secret_tokens["student"])
    course.paths["rubric, staff"] = (f"/rubrics/{rubric.id}", secret_tokens["prof"])
    course.paths["feedback, student"] = (f"/feedback/{feedback.id}", secret_tokens["student"])
    course.paths["goals, student"] = (f"/goals/{goals.id}", secret_tokens["student"])
    course.paths["grading progress"] = (
        f"/activities/{feedback.id}/progress",
        secret_tokens["prof"],
    )
    course.paths["hub"] = ("/hub", secret_tokens["prof"])
    return course


@dataclass
class Figures:
    times: list[float]
    start_times: list[float]
    kb: float
    statements: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def ratio(self) -> float:
        return self.median / statistics.median(self.start_times)


def measure(
    app: Any, engine: Any, courses: list[Course], rounds: int
) -> dict[int, dict[str, Figures]]:
    """Each page's renders at every size in turn, round after round (the order alternating),
    each followed or preceded by /start for the same user: machine noise falls on every size
    and on the baseline alike, so the 5,000/1,000 growth is not one size's bad minute."""
    from sqlalchemy import event

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    client = app.test_client()
    out: dict[int, dict[str, Figures]] = {c.size: {} for c in courses}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for page in PAGES:
            times: dict[int, list[float]] = {c.size: [] for c in courses}
            start_times: dict[int, list[float]] = {c.size: [] for c in courses}
            kb: dict[int, float] = {}
            sql: dict[int, int] = {}
            for course in courses:  # warm-up (and rows made on first use)
                path, token = course.paths[page]
                for p in (path, "/start"):
                    response = client.get(p, headers={"X-Launch-Token": token})
                    assert response.status_code == 200, (p, response.get_data(as_text=True)[:300])
            for n in range(rounds):
                for course in courses if n % 2 == 0 else courses[::-1]:
                    path, token = course.paths[page]
                    headers = {"X-Launch-Token": token}
                    for p in (path, "/start") if n % 2 == 0 else ("/start", path):
                        statements = 0
                        started = time.perf_counter()
                        response = client.get(p, headers=headers)
                        elapsed = time.perf_counter() - started
                        assert response.status_code == 200, p
                        if p == path:
                            times[course.size].append(elapsed)
                            kb[course.size] = len(response.data) / 1024
                            sql[course.size] = statements
                        else:
                            start_times[course.size].append(elapsed)
            for course in courses:
                size = course.size
                out[size][page] = Figures(times[size], start_times[size], kb[size], sql[size])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="class sizes, comma separated")
    parser.add_argument("--rounds", type=int, default=7, help="renders per page (at least 5)")
    parser.add_argument("--database-url", default=None, help="a scratch database (tables dropped)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rounds = max(args.rounds, 5)

    from bench._app import bench_app
    from lti_tool.extensions import db

    app = bench_app("class-pages-bench-", args.database_url)
    results: dict[int, dict[str, Figures]] = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        platform = _platform()
        db.session.commit()
        engine = db.engine
        courses = []
        for size in sizes:
            started = time.perf_counter()
            courses.append(seed_course(platform, size, app.config["SECRET_KEY"]))
            print(f"seeded {size} students in {time.perf_counter() - started:.0f} s", flush=True)
        if engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum would have them after a class's rows arrive.
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        db.session.remove()
    results.update(measure(app, engine, courses, rounds))

    print(f"\nClass pages, {rounds} renders each (median [min-max]); ratio = page / /start:")
    print(f"  {'page':20s} {'students':>8s} {'ms':>22s} {'x start':>8s} {'KB':>8s} {'SQL':>5s}")
    for page in PAGES:
        for size in sizes:
            f = results[size][page]
            spread = f"{f.median * 1000:7.1f} [{min(f.times) * 1000:.1f}-{max(f.times) * 1000:.1f}]"
            print(
                f"  {page:20s} {size:8d} {spread:>22s} {f.ratio:8.1f} {f.kb:8.1f} {f.statements:5d}"
            )
        if 1000 in results and 5000 in results:
            growth = results[5000][page].median / results[1000][page].median
            print(f"  {page:20s} growth 1,000 -> 5,000: {growth:.2f}x (target <= 2x)")
        counts = {results[s][page].statements for s in sizes}
        print(
            f"  {page:20s} statements constant in class size: {'yes' if len(counts) == 1 else 'NO'}"
        )
    biggest = max(sizes)
    start_ms = statistics.median(t for page in PAGES for t in results[biggest][page].start_times)
    print(
        f"\n  /start at {biggest} students: {start_ms * 1000:.1f} ms (median over all pages' runs)"
    )
    if args.database_url:
        with app.app_context():
            db.drop_all()


if __name__ == "__main__":
    main()
