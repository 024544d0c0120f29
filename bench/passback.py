"""Grade passback: 300 scores to the sandbox LMS with 50 ms of latency on every call (token
endpoint included), through Coproduce's outbox and through a naive loop, in one run.

    .venv/bin/python bench/passback.py [--scores 300] [--latency-ms 50] [--database-url ...]

  outbox   the scores are recorded (each in its own transaction, as user actions would), then
           delivered by the outbox worker's machinery (`Deliverer.run_until_idle`, as `flask
           worker` runs it): one cached access token, concurrent posts (OUTBOX_CONCURRENCY),
           the gradebook column found or created on the way.
  naive    the usual pylti1p3 pattern: for every score, a new ServiceConnector (so a new access
           token, pylti1p3 keeps tokens per connector) and AssignmentsGradesService.put_grade,
           one after the other, to a column made beforehand.

Both run against the same server (`flask run --with-threads`, SANDBOX=1) in a subprocess; the
sandbox counts the token requests it answered. Only delivery is timed (recording is printed
apart). Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from _sandbox import sandbox_course, sandbox_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.grade import Grade
    from pylti1p3.service_connector import ServiceConnector
    from sqlalchemy import delete, select

    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.extensions import db
    from lti_tool.grading import ScoreChange, record_score
    from lti_tool.grading.delivery import Deliverer, DeliveryOptions
    from lti_tool.lti.ags import ALL_SCOPES, LineItemSpec, create_line_item
    from lti_tool.lti.services import PlatformClient, PlatformRef
    from lti_tool.lti.tool_config import to_registration
    from lti_tool.models import AccessToken, Person, PlacedBy, Platform
    from lti_tool.roster import sync_roster

    with sandbox_server(args.database_url) as sandbox:
        app = sandbox.app(OUTBOX_INPROCESS_WORKER=False)
        settings = app.extensions["coproduce.settings"]
        with app.app_context():
            # A course with N gradable students (the sandbox's 8 plus generated ones).
            sandbox.faults(roster_size=args.scores + 2, page_size=200)
            context = sandbox_course(app, students=args.scores)
            sync_roster(context, keys_dir=settings.LTI_KEYS_DIR, timeout=30)
            students = list(
                db.session.scalars(
                    select(Person).where(Person.sub.like("student-%")).order_by(Person.id)
                )
            )[: args.scores]
            assert len(students) == args.scores, len(students)
            outbox_activity = create_activity(
                context,
                ActivityConfig("feedback_rounds", "Outbox essay", points=10),
                created_by=None,
                placed_by=PlacedBy.FIRST_LAUNCH,
            )
            db.session.commit()
            platform = db.session.scalars(
                select(Platform).where(Platform.id == context.platform_id)
            ).one()
            ref = PlatformRef.of(platform)
            naive_column = create_line_item(
                PlatformClient(ref, ALL_SCOPES, keys_dir=settings.LTI_KEYS_DIR, timeout=30),
                settings.SANDBOX_BASE_URL + "/sandbox/api/lineitems",
                LineItemSpec("Naive essay", 10, "naive-essay", "feedback_rounds"),
            ).url
            registration = to_registration(platform, settings.LTI_KEYS_DIR)
            subs = [s.sub for s in students]

            started = time.perf_counter()
            for n, student in enumerate(students):
                record_score(
                    outbox_activity,
                    student,
                    ScoreChange(float(n % 11), comment="Well argued"),
                    tool_base_url=settings.LTI_TOOL_BASE_URL,
                )
                db.session.commit()
            recorded = time.perf_counter() - started
            db.session.remove()

        sandbox.faults(latency_ms=args.latency_ms, token_endpoint_faults=True)

        # Outbox, from a cold token cache: it must ask for its own token.
        before = sandbox.stats()
        with app.app_context():
            db.session.execute(delete(AccessToken))
            db.session.commit()
            deliverer = Deliverer(DeliveryOptions.of(settings))
            started = time.perf_counter()
            report = deliverer.run_until_idle()
            outbox_seconds = time.perf_counter() - started
            deliverer.close()
            db.session.remove()
        after = sandbox.stats()
        outbox_tokens = after["token_requests"] - before["token_requests"]
        outbox_scores = after["scores"] - before["scores"]

        # Naive pylti1p3 loop
        before = after
        started = time.perf_counter()
        for n, sub in enumerate(subs):
            connector = ServiceConnector(registration)  # a new one per request: a new token
            service = AssignmentsGradesService(
                connector, {"scope": list(ALL_SCOPES), "lineitem": naive_column}
            )
            grade = (
                Grade()
                .set_score_given(float(n % 11))
                .set_score_maximum(10)
                .set_activity_progress("Completed")
                .set_grading_progress("FullyGraded")
                .set_timestamp(datetime.now(UTC).isoformat(timespec="microseconds"))
                .set_user_id(sub)
                .set_comment("Well argued")
            )
            service.put_grade(grade)
        naive_seconds = time.perf_counter() - started
        after = sandbox.stats()
        naive_tokens = after["token_requests"] - before["token_requests"]
        naive_scores = after["scores"] - before["scores"]

    print(f"{args.scores} scores to the sandbox LMS, {args.latency_ms} ms latency per call")
    print(f"  (recording the outbox's {args.scores} scores, untimed below: {recorded:.2f} s)")
    print(
        f"  outbox : {outbox_seconds:7.2f} s  {outbox_tokens:4d} token request(s)  "
        f"{outbox_scores} scores received (delivered={report.delivered}, "
        f"concurrency={settings.OUTBOX_CONCURRENCY})"
    )
    print(
        f"  naive  : {naive_seconds:7.2f} s  {naive_tokens:4d} token request(s)  "
        f"{naive_scores} scores received (pylti1p3, sequential, token per request)"
    )
    print(f"  outbox is {naive_seconds / outbox_seconds:.1f} times faster")


if __name__ == "__main__":
    main()
