"""Rubric co-creation: the activity page of a big class relative to a small one, and casting a
ballot in a big vote relative to a small one; times and SQL statements, in one run.

    .venv/bin/python bench/rubrics.py [--small 30] [--large 300] [--rounds 15] [--database-url ...]

In-process (Flask's test client, no network): a throwaway SQLite database (or the given one, which
must be a scratch database) gets two courses, one with `--small` and one with `--large` students;
every student proposes a criterion and comments on one, the facilitator accepts them all, and the
activity is opened for voting with every student's ballot cast. Measured: a student's page in the
vote phase (every proposal, comment and criterion on it), and a student changing their ballot.
Renders alternate between the two courses so machine noise falls on both alike. Ratios near the
size ratio mean linear growth; statements should not grow at all. Nothing is asserted.
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
    parser.add_argument("--small", type=int, default=30)
    parser.add_argument("--large", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import event

    from bench._app import bench_app
    from lti_tool.activities.rubrics import services, voting
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.auth import sessions
    from lti_tool.extensions import db
    from lti_tool.models import (
        Activity,
        Context,
        Deployment,
        Membership,
        Person,
        PlacedBy,
        Platform,
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
    page_times: dict[int, list[float]] = {args.small: [], args.large: []}
    vote_times: dict[int, list[float]] = {args.small: [], args.large: []}
    page_sql: dict[int, int] = {}
    vote_sql: dict[int, int] = {}
    sizes = {args.small: small, args.large: large}
    for c in sizes.values():  # warm-up
        assert client.get(c["path"], headers={"X-Launch-Token": c["token"]}).status_code == 200

    for n in range(args.rounds):
        order = list(sizes.items()) if n % 2 == 0 else list(sizes.items())[::-1]
        for size, c in order:
            statements = 0
            started = time.perf_counter()
            response = client.get(c["path"], headers={"X-Launch-Token": c["token"]})
            page_times[size].append(time.perf_counter() - started)
            assert response.status_code == 200
            page_sql[size] = statements
            with app.app_context():
                activity = db.session.get(Activity, c["activity_id"])
                student = db.session.get(Person, c["student_id"])
                assert activity is not None and student is not None
                first, second = c["criteria"]
                ballot = {first: 1 + n % 4, second: 1}
                statements = 0
                started = time.perf_counter()
                voting.cast_ballot(activity, services.setup_of(activity), student, ballot)
                db.session.commit()
                vote_times[size].append(time.perf_counter() - started)
                vote_sql[size] = statements

    def median_ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    s, g = args.small, args.large
    print(f"rubric co-creation, {s} vs {g} students ({args.rounds} rounds, medians):")
    print(
        f"  student page   {median_ms(page_times[s]):7.1f} ms ({page_sql[s]} SQL) vs "
        f"{median_ms(page_times[g]):7.1f} ms ({page_sql[g]} SQL): ratio "
        f"{statistics.median(page_times[g]) / statistics.median(page_times[s]):.1f} "
        f"for {g / s:.0f}x the class"
    )
    print(
        f"  change ballot  {median_ms(vote_times[s]):7.1f} ms ({vote_sql[s]} SQL) vs "
        f"{median_ms(vote_times[g]):7.1f} ms ({vote_sql[g]} SQL): ratio "
        f"{statistics.median(vote_times[g]) / statistics.median(vote_times[s]):.1f}"
    )


if __name__ == "__main__":
    main()
