"""Grade passback: N scores to the sandbox LMS with 50 ms of latency on every call (token
endpoint included), through Coproduce's outbox and through the pylti1p3 loops a user would
otherwise write, in one run, --runs times (medians with min/max).

    .venv/bin/python bench/passback.py [--scores 300] [--runs 5] [--latency-ms 50]
        [--database-url ...]

  outbox    the scores are recorded (each in its own transaction, as user actions would), then
            delivered by the outbox worker's machinery (`Deliverer.run_until_idle`, as `flask
            worker` runs it): one cached access token, concurrent posts (OUTBOX_CONCURRENCY),
            the gradebook column found or created on the way. Cold token cache every run.
  reused    the pattern a careful pylti1p3 user picks: one ServiceConnector for the whole run
            (so one access token, pylti1p3 caches it per connector) and
            AssignmentsGradesService.put_grade, one score after the other, to a column made
            beforehand. The tool key is given as a PEM, as pylti1p3's docs do.
  naive     the naive pylti1p3 loop: a new ServiceConnector per score, so a new access token per
            score and the PEM key parsed again for each token's client assertion.

The outbox's ratios are printed against both pylti1p3 arms; the one to quote is against `reused`.
Recording a score is what the user's request pays (grading.scores.record_score plus its commit):
timed per score, median/min/max over every score of every run. Both sides run against the same
server (`flask run --with-threads`, SANDBOX=1) in a subprocess; the sandbox counts the token
requests it answered. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from _sandbox import sandbox_course, sandbox_server


def _spread(samples: list[float], unit: str = "s", scale: float = 1.0) -> str:
    values = [v * scale for v in samples]
    return (
        f"median {statistics.median(values):8.3f} {unit} "
        f"(min {min(values):.3f}, max {max(values):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
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
    from lti_tool.grading.release import LIVE, set_mode
    from lti_tool.lti.ags import ALL_SCOPES, LineItemSpec, create_line_item
    from lti_tool.lti.keys import signing_key
    from lti_tool.lti.services import PlatformClient, PlatformRef
    from lti_tool.lti.tool_config import to_registration
    from lti_tool.models import AccessToken, Person, PlacedBy, Platform
    from lti_tool.roster import sync_roster

    seconds: dict[str, list[float]] = {"outbox": [], "reused": [], "naive": []}
    tokens: dict[str, list[int]] = {"outbox": [], "reused": [], "naive": []}
    received: dict[str, list[int]] = {"outbox": [], "reused": [], "naive": []}
    record_ms: list[float] = []
    delivered: list[int] = []

    def put_scores(registration, column: str, subs: list[str], per_score: bool) -> None:  # type: ignore[no-untyped-def]
        connector = ServiceConnector(registration)
        service = AssignmentsGradesService(
            connector, {"scope": list(ALL_SCOPES), "lineitem": column}
        )
        for n, sub in enumerate(subs):
            if per_score:  # a new connector per score: a new token (and key parse) per score
                connector = ServiceConnector(registration)
                service = AssignmentsGradesService(
                    connector, {"scope": list(ALL_SCOPES), "lineitem": column}
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
            platform = db.session.scalars(
                select(Platform).where(Platform.id == context.platform_id)
            ).one()
            ref = PlatformRef.of(platform)
            column = create_line_item(
                PlatformClient(ref, ALL_SCOPES, keys_dir=settings.LTI_KEYS_DIR, timeout=30),
                settings.SANDBOX_BASE_URL + "/sandbox/api/lineitems",
                LineItemSpec("pylti1p3 essay", 10, "pylti1p3-essay", "feedback_rounds"),
            ).url
            # pylti1p3 as its users configure it: the tool key as a PEM string.
            registration = to_registration(platform, settings.LTI_KEYS_DIR)
            registration.set_tool_private_key(signing_key(settings.LTI_KEYS_DIR).private_pem)
            subs = [s.sub for s in students]
            context_id = context.id
            db.session.remove()

        for run in range(args.runs):
            sandbox.faults(latency_ms=0, token_endpoint_faults=False)
            with app.app_context():
                context = db.session.get(type(context), context_id)
                activity = create_activity(
                    context,
                    ActivityConfig("feedback_rounds", f"Outbox essay {run + 1}", points=10),
                    created_by=None,
                    placed_by=PlacedBy.FIRST_LAUNCH,
                )
                # Feedback rounds hold grades for the facilitator by default; live, so every
                # recorded score is due now (as after a release).
                set_mode(activity, LIVE)
                db.session.commit()
                people = list(db.session.scalars(select(Person).where(Person.sub.in_(subs))))
                for n, student in enumerate(people):
                    started = time.perf_counter()
                    record_score(
                        activity,
                        student,
                        ScoreChange(float(n % 11), comment="Well argued"),
                        tool_base_url=settings.LTI_TOOL_BASE_URL,
                    )
                    db.session.commit()
                    record_ms.append((time.perf_counter() - started) * 1000)
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
                seconds["outbox"].append(time.perf_counter() - started)
                deliverer.close()
                db.session.remove()
            delivered.append(report.delivered)
            after = sandbox.stats()
            tokens["outbox"].append(after["token_requests"] - before["token_requests"])
            received["outbox"].append(after["scores"] - before["scores"])

            for arm, per_score in (("reused", False), ("naive", True)):
                before = sandbox.stats()
                started = time.perf_counter()
                put_scores(registration, column, subs, per_score)
                seconds[arm].append(time.perf_counter() - started)
                after = sandbox.stats()
                tokens[arm].append(after["token_requests"] - before["token_requests"])
                received[arm].append(after["scores"] - before["scores"])

    print(
        f"{args.scores} scores to the sandbox LMS, {args.latency_ms} ms latency per call, "
        f"{args.runs} runs"
    )
    print(
        f"  recording a score (record_score + commit, on the user's request): "
        f"{_spread(record_ms, 'ms')} over {len(record_ms)} scores"
    )
    labels = {
        "outbox": f"outbox (concurrency={settings.OUTBOX_CONCURRENCY})",
        "reused": "pylti1p3, one reused connector, sequential",
        "naive": "pylti1p3 naive: connector + token per score",
    }
    for arm, label in labels.items():
        print(
            f"  {label:<46}: {_spread(seconds[arm])}  "
            f"token requests/run {statistics.median(tokens[arm]):.0f}  "
            f"scores received/run {statistics.median(received[arm]):.0f}"
        )
    outbox = statistics.median(seconds["outbox"])
    reused = statistics.median(seconds["reused"])
    naive = statistics.median(seconds["naive"])
    print(f"  outbox vs reused connector (the honest ratio): {reused / outbox:.1f}x faster")
    print(f"  outbox vs naive loop                         : {naive / outbox:.1f}x faster")
    print(f"  reused connector vs naive loop               : {naive / reused:.1f}x faster")
    per_score_outbox_ms = outbox * 1000 / args.scores
    print(
        f"  per score: outbox {per_score_outbox_ms:.1f} ms to deliver (off the request) + "
        f"{statistics.median(record_ms):.1f} ms to record (on the request); reused connector "
        f"{reused * 1000 / args.scores:.1f} ms (on the request, if done inline)"
    )
    print(f"  delivered per run: {delivered}")


if __name__ == "__main__":
    main()
