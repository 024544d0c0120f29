"""Roster sync: a 5,000-member course from the sandbox LMS's NRPS endpoint in pages of 100, into
Person, Membership and RosterMember rows; time and SQL statements, in one run.

    .venv/bin/python bench/roster.py [--members 5000] [--page-size 100] [--database-url ...]

Three syncs are measured: the first (every member new), a second full one (every member known,
nothing changed), and an incremental one through the `differences` link after 50 members changed
status. Statements are counted in this process only (the sandbox serves from its own process).
Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import time

from _sandbox import sandbox_course, sandbox_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    from lti_tool.extensions import db
    from lti_tool.models import Context, RosterMember
    from lti_tool.roster import sync_roster

    with sandbox_server(args.database_url) as sandbox:
        sandbox.faults(roster_size=args.members, page_size=args.page_size)
        app = sandbox.app(OUTBOX_INPROCESS_WORKER=False, LOG_LEVEL="WARNING")
        settings = app.extensions["coproduce.settings"]
        rows = []
        with app.app_context():
            context_id = sandbox_course(app, students=args.members).id
            statements = 0

            def count(*_: object) -> None:
                nonlocal statements
                statements += 1

            event.listen(db.engine, "before_cursor_execute", count)

            def measured(label: str, **kwargs: object) -> None:
                nonlocal statements
                statements = 0
                context = db.session.get(Context, context_id)
                started = time.perf_counter()
                report = sync_roster(context, keys_dir=settings.LTI_KEYS_DIR, timeout=30, **kwargs)
                seconds = time.perf_counter() - started
                rows.append((label, seconds, statements, report))

            measured("first sync (all new)", incremental=False)
            measured("full sync again (no change)", incremental=False)
            changes = {f"student-g{n:05d}": "Inactive" for n in range(1, 51)}
            sandbox.http.put(f"{sandbox.url}/sandbox/api/roster", json=changes).raise_for_status()
            measured("differences (50 changed)")
            event.remove(db.engine, "before_cursor_execute", count)
            stored = db.session.scalar(select(func.count(RosterMember.id)))
            inactive = db.session.scalar(
                select(func.count(RosterMember.id)).where(RosterMember.status == "Inactive")
            )

    print(
        f"NRPS roster of {args.members} members in pages of {args.page_size} "
        f"({db_name(args.database_url)})"
    )
    for label, seconds, queries, report in rows:
        print(
            f"  {label:30s} {seconds:6.2f} s  {queries:4d} SQL statements  "
            f"{report.members} members in {report.pages} page(s), {report.added} new"
        )
    print(f"  stored: {stored} roster members, {inactive} inactive")


def db_name(url: str | None) -> str:
    return "SQLite" if not url else url.split("://", 1)[0]


if __name__ == "__main__":
    main()
