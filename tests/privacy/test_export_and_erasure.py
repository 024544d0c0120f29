"""A student's export holds every declared personal column of hers and nobody else's name,
under every anonymity mode; her erasure leaves no trace of her name, e-mail, sub or upload in
any column or stored file, other students' pages still render (with the pseudonym) and their
scores are unchanged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Event, FeedbackScore, OutboxScore, Person, Platform
from lti_tool.privacy.erasure import PSEUDONYM
from lti_tool.privacy.inventory import BY_NAME
from lti_tool.privacy.rows import person_rows
from tests.activities.feedback.conftest import STUDENTS
from tests.privacy.scenario import OTHER_NAMES, UPLOAD, run_round, stored_bytes, text_cells

MODES = ("double_blind", "single_blind", "open")


def _platform_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Platform.id)).one()


def _export(app, sub: str, tmp_path) -> zipfile.ZipFile:
    out = tmp_path / "export.zip"
    result = app.test_cli_runner().invoke(
        args=[
            "privacy",
            "export",
            "--platform",
            str(_platform_id(app)),
            "--sub",
            sub,
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    return zipfile.ZipFile(io.BytesIO(out.read_bytes()))


@pytest.mark.parametrize("anonymity", MODES)
def test_export_holds_all_of_hers_and_no_one_elses_name(course, app, tmp_path, anonymity):
    run_round(course, anonymity)
    archive = _export(app, "alice", tmp_path)
    names = set(archive.namelist())
    assert {"README.txt", "person.json", "courses.json"} <= names
    person = json.loads(archive.read("person.json"))
    assert person["name"] == "Alice Anders" and person["sub"] == "alice"
    # Her upload, byte for byte.
    files = [n for n in names if n.startswith("files/")]
    assert len(files) == 1 and archive.read(files[0]) == UPLOAD
    # Every row the inventory leads to her from, with every declared personal column.
    with app.app_context():
        alice = db.session.scalars(select(Person).where(Person.sub == "alice")).one()
        expected = {k: v for k, v in person_rows(alice.id).items() if v and k != "person"}
    for table, rows in expected.items():
        exported = json.loads(archive.read(f"tables/{table}.json"))
        assert [r["id"] for r in exported] == [r["id"] for r in rows], table
        for row in exported:
            assert set(BY_NAME[table].personal) <= set(row), table
    for table in (
        "membership",
        "feedback_submission",
        "feedback_allocation",
        "feedback_review",
        "feedback_comment",
        "feedback_score",
        "outbox_score",
        "event",
    ):
        assert table in expected, table
    # Her own submission is there as she wrote it.
    submission = json.loads(archive.read("tables/feedback_submission.json"))
    assert any(s["body"] == "My essay" and s["file_size"] == len(UPLOAD) for s in submission)
    # Nobody else's name, e-mail or person id, whatever the round's anonymity.
    everything = "\n".join(
        archive.read(n).decode("utf-8", "replace") for n in names if not n.startswith("files/")
    )
    for name in OTHER_NAMES:
        assert name not in everything, name
    with app.app_context():
        others = set(db.session.scalars(select(Person.id).where(Person.id != alice.id)))
    allocations = json.loads(archive.read("tables/feedback_allocation.json"))
    assert all(a["reviewer_id"] in (None, alice.id) for a in allocations)
    assert not any(a["reviewer_id"] in others for a in allocations)
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.verb == "privacy.exported")).one()
        assert event.object_id == str(alice.id) and "Alice" not in json.dumps(event.data)


def _scores(app):
    with app.app_context():
        feedback = {
            (s.person_id, s.activity_id): (s.computed, s.override, s.final)
            for s in db.session.scalars(select(FeedbackScore))
        }
        outbox = {
            (o.person_id, o.activity_id): (o.score_given, o.status, o.automatic_score)
            for o in db.session.scalars(select(OutboxScore))
        }
    return feedback, outbox


@pytest.mark.parametrize("anonymity", MODES)
def test_erasure_leaves_no_trace_and_others_keep_their_work(course, app, anonymity):
    run_round(course, anonymity)
    with app.app_context():
        alice_id = db.session.scalars(select(Person.id).where(Person.sub == "alice")).one()
        reviewed = db.session.scalars(
            select(Person.sub)
            .join(FeedbackSubmissionAlias, FeedbackSubmissionAlias.person_id == Person.id)
            .join(
                FeedbackAllocationAlias,
                FeedbackAllocationAlias.submission_id == FeedbackSubmissionAlias.id,
            )
            .where(
                FeedbackAllocationAlias.reviewer_id == alice_id,
                FeedbackAllocationAlias.kind == "peer",
            )
        ).all()
        assert text_cells("Alice Anders")  # her name is in many places before
    feedback_before, outbox_before = _scores(app)
    assert any(k[0] == alice_id for k in outbox_before)

    result = app.test_cli_runner().invoke(
        args=["privacy", "erase", "--platform", str(_platform_id(app)), "--sub", "alice", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert "left to the LMS" in result.output and "cancelled" in result.output

    with app.app_context():
        for needle in ("Alice Anders", "alice", "Anders"):
            assert text_cells(needle) == [], needle
        assert not any(UPLOAD in data for data in stored_bytes())
        erased = db.session.get(Person, alice_id)
        assert erased is not None and erased.name == PSEUDONYM and erased.email is None
        audit = db.session.scalars(select(Event).where(Event.verb == "privacy.erased")).one()
        assert "Alice" not in json.dumps(audit.data) + audit.actor_label
    feedback_after, outbox_after = _scores(app)
    assert {k: v for k, v in feedback_before.items() if k[0] != alice_id} == feedback_after
    assert {k: v for k, v in outbox_before.items() if k[0] != alice_id} == outbox_after
    # Those she reviewed still see her review, under the pseudonym when names are shown.
    for sub in reviewed:
        page = course.get(sub)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Alice Anders" not in html
        assert "Well argued" in html
        if anonymity == "open":
            assert PSEUDONYM in html
    staff = course.get("prof")
    assert staff.status_code == 200 and "Alice Anders" not in staff.get_data(as_text=True)
    for sub in ("bob", "cara"):
        assert course.get(sub).status_code == 200
    # Her own session no longer works.
    assert course.get("alice").status_code in (401, 403)

    # Again: nobody under that sub, nothing changes.
    again = app.test_cli_runner().invoke(
        args=["privacy", "erase", "--platform", str(_platform_id(app)), "--sub", "alice", "--yes"]
    )
    assert again.exit_code == 0 and "Nobody is held" in again.output
    assert _scores(app) == (feedback_after, outbox_after)


def test_other_students_are_untouched(course, app):
    run_round(course, "double_blind")
    app.test_cli_runner().invoke(
        args=["privacy", "erase", "--platform", str(_platform_id(app)), "--sub", "alice", "--yes"]
    )
    with app.app_context():
        names = set(db.session.scalars(select(Person.name)))
    assert {n for n in STUDENTS if n != "Alice Anders"} <= names
    assert "Alice Anders" not in names


from lti_tool.models import FeedbackAllocation as FeedbackAllocationAlias  # noqa: E402
from lti_tool.models import FeedbackSubmission as FeedbackSubmissionAlias  # noqa: E402
