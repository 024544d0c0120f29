"""Rubric co-creation in the shape where every proposal became a criterion: the board a student
sees (board_for, no HTTP) and their page against their /start page, and casting a ballot, for a
big class relative to a small one; medians with min and max, SQL statements, in one run.

    .venv/bin/python bench/rubrics.py [--small 100] [--large 1000] [--rounds 7] [--database-url ...]

In-process (Flask's test client, no network): a throwaway SQLite database (or the given one, which
must be a scratch database) gets two courses, one with `--small` and one with `--large` students;
every student proposes a criterion and comments on one, the facilitator accepts them all, and the
activity is opened for voting with every student's ballot cast. Measured: a student's page in the
vote phase (every proposal, comment and criterion on it), and a student changing their ballot.
Renders alternate between the two courses so machine noise falls on both alike. Ratios near the
size ratio mean linear growth; statements should not grow at all. Nothing is asserted. The class
pages in their usual shape (20 criteria merged from the proposals) are in bench/class_pages.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import event

    from bench._app import bench_app
    from lti_tool.activities.rubrics import board, services, voting
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.auth import sessions
    from lti_tool.extensions import db
    from lti_tool.models import (
        Activity,
        Context,
        Deployment,
        LinkLaunch,
        Membership,
        Person,
        PlacedBy,
        Placement,
        Platform,
        ResourceLink,
        Role,
    )

    app = bench_app("rubrics-bench-", args.database_url)

    def course(platform: Platform, deployment: Deployment, size: int) -> dict[str, Any]:
        context = Context(
            platform_id=platform.id, deployment_id=deployment.id, context_id=f"c{size}", types=[]
        )
        db.session.add(context)
        db.session.flush()
        people = []
        for i in range(size + 1):
            p = Person(platform_id=platform.id, sub=f"{size}-{i}", name=f"Person {i}")
            db.session.add(p)
            db.session.flush()
            role = Role.FACILITATOR if i == 0 else Role.STUDENT
            m = Membership(person_id=p.id, context_id=context.id, raw_roles=[], role=role)
            db.session.add(m)
            db.session.flush()
            people.append((p, m))
        prof, students = people[0][0], people[1:]
        activity = create_activity(
            context,
            ActivityConfig("rubric_cocreation", "Rubric", points=0),
            created_by=prof,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        setup = services.setup_of(activity)
        made = [
            services.propose(activity, setup, p, f"Criterion {i}", "What it means", "Why")
            for i, (p, _) in enumerate(students)
        ]
        # A student reaches an activity only through a link they launched (auth/scope.py).
        link = ResourceLink(context_id=context.id, resource_link_id=f"link-{activity.id}")
        db.session.add(link)
        db.session.flush()
        db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
        db.session.add(LinkLaunch(person_id=students[0][0].id, resource_link_id=link.id))
        for i, (p, _) in enumerate(students):
            services.comment(activity, setup, made[(i + 1) % len(made)].id, p, "I agree")
        setup.phase = "discuss"
        criteria = [services.accept_proposal(activity, setup, m.id, prof) for m in made]
        setup.phase = "vote"
        for i, (p, _) in enumerate(students):
            voting.cast_ballot(activity, setup, p, {criteria[i % len(criteria)].id: 3})
        db.session.commit()
        student, membership = students[0]
        token = sessions.session_token_for_member(
            platform_id=platform.id,
            person_id=student.id,
            context_id=context.id,
            membership_id=membership.id,
            secret_key=app.config["SECRET_KEY"],
        )
        return {
            "path": f"/rubrics/{activity.id}",
            "token": token,
            "activity_id": activity.id,
            "student_id": student.id,
            "criteria": [c.id for c in criteria[:2]],
        }

    with app.app_context():
        db.create_all()
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
        deployment = Deployment(platform_id=platform.id, deployment_id="d1")
        db.session.add(deployment)
        db.session.flush()
        small = course(platform, deployment, args.small)
        large = course(platform, deployment, args.large)
        engine = db.engine

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    sizes = {args.small: small, args.large: large}
    times: dict[str, dict[int, list[float]]] = {
        k: {args.small: [], args.large: []} for k in ("board", "page", "start", "vote")
    }
    sql: dict[str, dict[int, int]] = {k: {} for k in times}
    kb: dict[int, float] = {}
    for c in sizes.values():  # warm-up
        assert client.get(c["path"], headers={"X-Launch-Token": c["token"]}).status_code == 200

    def timed(kind: str, size: int, fn: Any) -> Any:
        nonlocal statements
        statements = 0
        started = time.perf_counter()
        out = fn()
        times[kind][size].append(time.perf_counter() - started)
        sql[kind][size] = statements
        return out

    for n in range(max(args.rounds, 5)):
        order = list(sizes.items()) if n % 2 == 0 else list(sizes.items())[::-1]
        for size, c in order:
            headers = {"X-Launch-Token": c["token"]}
            for path, kind in ((c["path"], "page"), ("/start", "start"))[:: 1 if n % 2 else -1]:
                response = timed(kind, size, lambda p=path, h=headers: client.get(p, headers=h))
                assert response.status_code == 200
                if kind == "page":
                    kb[size] = len(response.data) / 1024
            with app.app_context():
                activity = db.session.get(Activity, c["activity_id"])
                student = db.session.get(Person, c["student_id"])
                assert activity is not None and student is not None
                setup = services.setup_of(activity)
                db.session.expire_all()
                timed("board", size, lambda a=activity, s=setup, p=student: board.board_for(
                    a, s, p, Role.STUDENT))  # fmt: skip
                first, second = c["criteria"]
                ballot = {first: 1 + n % 4, second: 1}

                def vote(a: Any = activity, p: Any = student, b: Any = ballot) -> None:
                    voting.cast_ballot(a, services.setup_of(a), p, b)
                    db.session.commit()

                timed("vote", size, vote)

    def spread(kind: str, size: int) -> str:
        ms = [t * 1000 for t in times[kind][size]]
        mid = statistics.median(ms)
        return f"{mid:7.1f} ms [{min(ms):.1f}-{max(ms):.1f}] {sql[kind][size]:3d} SQL"

    def median(kind: str, size: int) -> float:
        return statistics.median(times[kind][size])

    s, g = args.small, args.large
    print(f"rubric co-creation, every proposal a criterion, {s} vs {g} students (medians):")
    for kind, label in (
        ("board", "board_for"),
        ("page", "student page"),
        ("vote", "change ballot"),
    ):
        print(
            f"  {label:14s} {s:5d}: {spread(kind, s)}   {g:5d}: {spread(kind, g)}   "
            f"growth {median(kind, g) / median(kind, s):.1f}x for {g / s:.0f}x the class"
        )
    for size in (s, g):
        print(
            f"  student page at {size}: {median('page', size) / median('start', size):.1f}x "
            f"its /start ({median('start', size) * 1000:.1f} ms), {kb[size]:.0f} KB"
        )


if __name__ == "__main__":
    main()
