"""Issue 11, item 8: what reaches the LMS from peers' words: the score comment as plain text, the
HTML submission body (Canvas's submission extension) escaped and sanitised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent
from lti_tool.grading.lms_text import plain_text, submission_html
from lti_tool.models import Platform, ProductFamily
from lti_tool.sandbox.roster import CLIENT_ID
from tests.advantage import deliver_all
from tests.grading.helpers import graded_course

MARKUP = '<img src=x onerror="alert(document.cookie)">Nice work<script>steal()</script>'


def test_peers_markup_arrives_at_the_lms_as_text(live):
    """The attack: a reviewer's text with markup becomes part of the artifact and the comment a
    score carries. The sandbox LMS receives no tag it would render."""
    with live.app.app_context():  # Canvas family: the tool sends the submission extension
        platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
        platform.product_family = ProductFamily.CANVAS
        db.session.commit()
    course = graded_course(live, students=1)
    sub = course.students[0]
    course.record(
        sub,
        5,
        comment=MARKUP,
        artifact=ArtifactContent("Feedback", "summary", "Reviewer 1 said: " + MARKUP),
        new_work=True,  # a submission: Canvas gets the work as the submission body
    )
    deliver_all(live)
    (received,) = course.received()[sub]
    body = received.submission["submission_data"]
    assert "<img" not in body and "<script" not in body
    assert "&lt;img" in body  # the reviewer's words are kept, as text
    assert "<" not in received.comment and "onerror" not in received.comment
    assert "Nice work" in received.comment


@pytest.mark.parametrize(
    "text",
    [
        MARKUP,
        "&lt;img src=x onerror=alert(1)&gt;",
        "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
        "<svg/onload=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_no_tag_survives_plain_text_even_encoded(text):
    cleaned = plain_text(text)
    assert "<" not in cleaned or "&lt;" in cleaned
    for danger in ("onerror", "onload", "javascript:", "<script", "<img", "<svg"):
        assert danger not in cleaned.lower() or "<" not in cleaned


def test_submission_html_keeps_words_and_line_breaks():
    assert submission_html("Goal 1: read 'x' & write\nline 2") == (
        "Goal 1: read 'x' &amp; write<br>\nline 2"
    )
    assert submission_html(MARKUP).startswith("&lt;img")
    assert plain_text("Tom & Jerry: 3 < 4") == "Tom & Jerry: 3 < 4"
