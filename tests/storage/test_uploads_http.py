"""Feedback uploads through each store over HTTP: the download is the upload's bytes with the
same headers on both, refused uploads leave nothing stored, the request limit holds, and files
left in a folder move into the database with `flask storage migrate`."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from lti_tool import storage
from lti_tool.models.feedback import FeedbackSubmission
from tests.activities.feedback.conftest import Course, configure, course, student_subs
from tests.builders import error_code

__all__ = ["course"]  # the feedback course fixture, on this module's parametrised app

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4000 + b"\n%%EOF"


@pytest.fixture(params=["database", "filesystem"])
def app(request, make_app, tmp_path):
    return make_app(
        OUTBOX_INPROCESS_WORKER=False,
        UPLOAD_STORE=request.param,
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )


def _keys(app) -> list[str]:
    with app.app_context():
        return list(storage.current().keys())


def _upload(c: Course, content: bytes, name: str = "essay.pdf", **form: str):
    return c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(content), name), **form},
        content_type="multipart/form-data",
    )


def _fetch(c: Course, path: str, **headers: str):
    return c.client.get(c.base + path, headers={"X-Launch-Token": c.tokens["alice"], **headers})


def _alice_submission(c: Course) -> FeedbackSubmission:
    return c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id("Alice Anders")
        )
    )[0]


def test_upload_then_download_gives_the_same_bytes(course):
    c = course
    configure(c)
    assert _upload(c, PDF).status_code == 303
    sub = _alice_submission(c)
    assert sub.file_size == len(PDF) and _keys(c.app) == [sub.file_key]
    r = c.get("alice", f"/files/{sub.id}")
    assert r.status_code == 200
    assert r.get_data() == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Length"] == str(len(PDF))
    assert r.headers["Content-Disposition"] == f"attachment; filename=submission-{sub.id}.pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in r.headers["Cache-Control"] and r.headers["Last-Modified"]
    again = _fetch(c, f"/files/{sub.id}", **{"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    part = _fetch(c, f"/files/{sub.id}", Range="bytes=0-7")
    assert part.status_code == 206 and part.get_data() == PDF[:8]


def test_text_uploads_come_back_exactly(course):
    c = course
    configure(c)
    text = "Mein Aufsatz: Grüße, naïve café — 你好\n".encode() * 100
    assert _upload(c, text, "essay.txt").status_code == 303
    sub = _alice_submission(c)
    r = c.get("alice", f"/files/{sub.id}")
    assert r.get_data() == text and r.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_a_refused_submission_leaves_no_file(course):
    c = course
    configure(c)
    r = _upload(c, PDF, link="ftp://not-a-web-link")  # the service refuses the link
    assert r.status_code == 400
    assert _keys(c.app) == []
    assert c.query(select(FeedbackSubmission)) == []


def test_files_over_5_mb_are_refused_and_not_stored(course):
    c = course
    configure(c)
    r = _upload(c, b"%PDF" + b"0" * (6 * 1024 * 1024))
    assert r.status_code == 413 and error_code(r) == "FILE_TOO_LARGE"
    assert _keys(c.app) == []


def test_requests_over_16_mb_are_refused_before_storing(course):
    c = course
    configure(c)
    r = _upload(c, b"%PDF" + b"0" * (16 * 1024 * 1024 + 1))
    assert r.status_code == 413
    assert _keys(c.app) == []
    assert c.query(select(FeedbackSubmission)) == []


def test_a_missing_file_is_a_404_not_a_500(course):
    c = course
    configure(c)
    assert _upload(c, PDF).status_code == 303
    sub = _alice_submission(c)
    with c.app.app_context():
        storage.delete(sub.file_key)
        from lti_tool.extensions import db

        db.session.commit()
    r = c.get("alice", f"/files/{sub.id}")
    assert r.status_code == 404 and error_code(r) == "FILE_NOT_FOUND"


def test_files_in_a_folder_move_into_the_database(make_app, tmp_path, platform, platform_key):
    """A deployment that kept uploads in a folder switches to the database: `flask storage
    migrate` copies them in (twice is harmless) and downloads carry on."""
    from tests.activities.feedback.conftest import course as make_course

    folder = make_app(
        OUTBOX_INPROCESS_WORKER=False,
        UPLOAD_STORE="filesystem",
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    c = make_course.__wrapped__(folder, folder.test_client(), platform, platform_key)
    configure(c)
    assert _upload(c, PDF).status_code == 303
    sub = _alice_submission(c)
    for who in student_subs()[1:]:
        c.post(who, "/submit", {"body": "text"})

    database = make_app(
        OUTBOX_INPROCESS_WORKER=False,
        UPLOAD_STORE="database",
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    moved = Course(database, database.test_client(), c.activity_id, tokens=c.tokens)
    assert moved.get("alice", f"/files/{sub.id}").status_code == 404  # not copied yet
    out = database.test_cli_runner().invoke(args=["storage", "migrate"])
    assert out.exit_code == 0, out.output
    assert "Copied 1 file(s) into the database store; 0 were already there" in out.output
    out = database.test_cli_runner().invoke(args=["storage", "migrate"])
    assert "Copied 0 file(s) into the database store; 1 were already there" in out.output
    r = moved.get("alice", f"/files/{sub.id}")
    assert r.status_code == 200 and r.get_data() == PDF
    assert r.headers["Content-Length"] == str(len(PDF))
    assert (tmp_path / "uploads" / sub.file_key).read_bytes() == PDF  # the source is kept
