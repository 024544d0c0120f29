"""Feedback rounds at class scale, in one run (nothing asserted, figures printed):

    .venv/bin/python bench/feedback.py [--students 2000] [--k 3] [--page-students 1000]
                                      [--database-url ...]

1. Reviewer allocation (the pure function) for 2,000 students with k = 3, and the check that it
   kept its rules (no self-review, k each, loads within one).
2. The facilitator's progress page for classes of 100 and 1,000 students in the review phase
   (every submission allocated, two thirds of the reviews submitted): time per request and SQL
   statements per request, which should be the same for both sizes.

Times are printed relative to a trivial page of the same app (the health check) measured in the
same run, so the ratios travel between machines.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

TRIVIAL = "/bench-trivial"


def add_trivial_page(app: Any) -> None:
    """The baseline: a page of the same app (same middleware and session) that does nothing."""
    app.add_url_rule(TRIVIAL, "bench_trivial", lambda: "ok")


def _timed(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def bench_allocation(students: int, k: int) -> tuple[float, str]:
    from lti_tool.activities.feedback.allocation import allocate_reviewers, loads

    people = list(range(1, students + 1))
    seconds = _timed(lambda: allocate_reviewers(people, people, k, seed=7), 3)
    pairs = allocate_reviewers(people, people, k, seed=7)
    received = Counter(a for a, _ in pairs)
    counts = loads(pairs, people).values()
    rules = (
        f"self-reviews {sum(a == r for a, r in pairs)}, "
        f"each reviewed {min(received.values())}..{max(received.values())} times, "
        f"loads {min(counts)}..{max(counts)}"
    )
    return seconds, rules


def make_class(app: Any, students: int, label: str) -> tuple[int, str]:
    """A course with `students` students, an activity in its review phase; (activity id, the
    facilitator's launch token)."""
    from lti_tool.activities.feedback import services as svc
    from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.auth import sessions
    from lti_tool.extensions import db
    from lti_tool.models import Context, Deployment, Membership, Person, PlacedBy, Platform, Role
    from lti_tool.models.feedback import FeedbackAllocation

    platform = Platform(
        issuer=f"https://lms-{label}.example", client_id="bench", name=label,
        auth_login_url="https://lms.example/auth", auth_token_url="https://lms.example/token",  # noqa: S106
        key_set_url="https://lms.example/jwks",
    )  # fmt: skip
    db.session.add(platform)
    db.session.flush()
    deployment = Deployment(platform_id=platform.id, deployment_id="d1")
    db.session.add(deployment)
    db.session.flush()
    context = Context(platform_id=platform.id, deployment_id=deployment.id, context_id=label)
    db.session.add(context)
    db.session.flush()
    prof = Person(platform_id=platform.id, sub="prof", name="Prof")
    people = [
        Person(platform_id=platform.id, sub=f"s{n}", name=f"Student {n}") for n in range(students)
    ]
    db.session.add_all([prof, *people])
    db.session.flush()
    prof_member = Membership(person_id=prof.id, context_id=context.id, role=Role.FACILITATOR)
    db.session.add(prof_member)
    db.session.add_all(
        Membership(person_id=p.id, context_id=context.id, role=Role.STUDENT) for p in people
    )
    activity = create_activity(
        context, ActivityConfig(kind="feedback_rounds", title="Essays", points=10),
        created_by=prof, placed_by=PlacedBy.FIRST_LAUNCH,
    )  # fmt: skip
    svc.set_direct_rubric(activity, prof, [
        svc.CriterionInput("Argument", "", ("weak", "fair", "good", "strong")),
        svc.CriterionInput("Evidence", "", ("thin", "adequate", "rich")),
    ])  # fmt: skip
    for p in people:
        svc.submit(activity, p, body=f"Essay by {p.name}")
    svc.advance_phase(activity, prof)
    criteria = [c.id for c in svc.criteria_of(activity)]
    by_id = {p.id: p for p in people}
    from sqlalchemy import select

    allocations = list(
        db.session.scalars(
            select(FeedbackAllocation).where(FeedbackAllocation.activity_id == activity.id)
        )
    )
    for n, alloc in enumerate(allocations):
        if n % 3 == 2:
            continue
        levels = {criteria[0]: n % 4, criteria[1]: (n * 7) % 3}
        save_review(
            activity, by_id[alloc.reviewer_id], alloc,
            ReviewInput(levels, {criteria[0]: "Add a source"}, "Clear", True),
        )  # fmt: skip
    db.session.commit()
    token = sessions.session_token_for_member(
        platform_id=platform.id, person_id=prof.id, context_id=context.id,
        membership_id=prof_member.id, secret_key=app.config["SECRET_KEY"],
    )  # fmt: skip
    return activity.id, token


def bench_progress_page(database_url: str | None, sizes: list[int], root: Path) -> list[str]:
    from sqlalchemy import event

    from lti_tool import create_app
    from lti_tool.extensions import db

    app = create_app(
        {
            "APP_ENV": "test",
            "DATABASE_URL": database_url or f"sqlite:///{root / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-" + "x" * 32,
            "LTI_TOOL_BASE_URL": "http://localhost",
            "LTI_KEYS_DIR": str(root / "keys"),
            "INSTANCE_PATH": str(root / "instance"),
            "SANDBOX": False,
            "OUTBOX_INPROCESS_WORKER": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    add_trivial_page(app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        classes = [(size, *make_class(app, size, f"course-{size}")) for size in sizes]
        db.session.remove()
    client = app.test_client()
    trivial = _timed(lambda: client.get(TRIVIAL), 20)
    lines = [f"  trivial page: {trivial * 1000:.2f} ms"]
    with app.app_context():
        engine = db.engine
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    # Requests run outside any app context of ours: each gets its own, as in production.
    event.listen(engine, "before_cursor_execute", count)
    for size, activity_id, token in classes:
        url, auth = f"/feedback/{activity_id}", {"X-Launch-Token": token}
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        statements = 0
        client.get(url, headers=auth)
        per_request = statements
        seconds = _timed(lambda url=url, auth=auth: client.get(url, headers=auth), 5)
        lines.append(
            f"  progress page, {size:5d} students: {seconds * 1000:8.1f} ms "
            f"= {seconds / trivial:7.1f} x trivial, {per_request} SQL statements"
        )
    event.remove(engine, "before_cursor_execute", count)
    if database_url:
        with app.app_context():
            db.drop_all()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--page-students", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="a scratch database (tables dropped)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        page_lines = bench_progress_page(
            args.database_url, [max(args.page_students // 10, 10), args.page_students], root
        )
        from lti_tool import create_app

        trivial_app = create_app(
            {
                "APP_ENV": "test",
                "DATABASE_URL": f"sqlite:///{root / 'trivial.sqlite3'}",
                "SECRET_KEY": "bench-secret-" + "x" * 32,
                "LTI_KEYS_DIR": str(root / "keys"),
                "INSTANCE_PATH": str(root / "instance"),
                "SANDBOX": False,
                "OUTBOX_INPROCESS_WORKER": False,
                "LOG_LEVEL": "WARNING",
            }
        )
        add_trivial_page(trivial_app)
        client = trivial_app.test_client()
        trivial = _timed(lambda: client.get(TRIVIAL), 20)
        seconds, rules = bench_allocation(args.students, args.k)
    print(f"Reviewer allocation, {args.students} students, k = {args.k}:")
    print(
        f"  {seconds * 1000:.1f} ms = {seconds / trivial:.1f} x a trivial page "
        f"({trivial * 1000:.2f} ms); {rules}"
    )
    print("Facilitator progress page (review phase, 2/3 of reviews submitted):")
    for line in page_lines:
        print(line)


if __name__ == "__main__":
    main()
