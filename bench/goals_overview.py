"""The goal setting class overview of a 1,000-student activity: render time relative to a trivial
page (the start page of the same launch), and SQL statements per render, in one run.

    .venv/bin/python bench/goals_overview.py [--students 1000] [--rounds 20] [--database-url ...]

In-process (Flask's test client, no network): a throwaway SQLite database (or the given one, which
must be a scratch database) gets a course with `--students` students seeded in every stage (see
tests/activities/goals/builders.py: 4 in 5 have an agreed goal with two versions and two
check-ins, one in four of those reflected). A coach's launch token is issued directly. Renders
alternate between the two pages so that machine noise falls on both alike. Nothing is asserted:
the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import event

    from bench._app import bench_app
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.auth import sessions
    from lti_tool.extensions import db
    from lti_tool.models import (
        Context,
        Deployment,
        Membership,
        Person,
        PlacedBy,
        Platform,
        Role,
    )
    from tests.activities.goals.builders import seed_class

    app = bench_app("goals-bench-", args.database_url)
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
        context = Context(
            platform_id=platform.id, deployment_id=deployment.id, context_id="c1", types=[]
        )
        coach = Person(platform_id=platform.id, sub="coach", name="Coach")
        db.session.add_all([context, coach])
        db.session.flush()
        membership = Membership(
            person_id=coach.id, context_id=context.id, raw_roles=[], role=Role.COACH
        )
        db.session.add(membership)
        activity = create_activity(
            context,
            ActivityConfig("goal_setting", "Goals", points=10),
            created_by=coach,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        seed_class(activity, args.students)
        db.session.commit()
        token = sessions.session_token_for_member(
            platform_id=platform.id,
            person_id=coach.id,
            context_id=context.id,
            membership_id=membership.id,
            secret_key=app.config["SECRET_KEY"],
        )
        overview_path, trivial_path = f"/goals/{activity.id}", "/start"
        engine = db.engine

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    times: dict[str, list[float]] = {overview_path: [], trivial_path: []}
    counts: dict[str, int] = {}
    for path in (overview_path, trivial_path):  # warm-up (and the settings row on first use)
        assert client.get(path, headers={"X-Launch-Token": token}).status_code == 200, path
    for n in range(args.rounds):
        order = (overview_path, trivial_path) if n % 2 == 0 else (trivial_path, overview_path)
        for path in order:
            statements = 0
            started = time.perf_counter()
            response = client.get(path, headers={"X-Launch-Token": token})
            times[path].append(time.perf_counter() - started)
            assert response.status_code == 200, path
            counts[path] = statements
    overview = statistics.median(times[overview_path])
    trivial = statistics.median(times[trivial_path])
    print(f"class overview of {args.students} students, {args.rounds} renders each (median):")
    print(f"  overview     {overview * 1000:8.1f} ms  {counts[overview_path]:3d} SQL statements")
    print(f"  start page   {trivial * 1000:8.1f} ms  {counts[trivial_path]:3d} SQL statements")
    print(f"  ratio        {overview / trivial:8.1f} x the trivial page")


if __name__ == "__main__":
    main()
