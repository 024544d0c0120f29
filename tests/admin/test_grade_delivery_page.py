"""The console's Grade delivery page names each problem with its remedy and the LMS's answer."""

from __future__ import annotations

from sqlalchemy import update

from lti_tool.extensions import db
from lti_tool.models import OutboxScore
from tests.admin.test_console import _failed_score, console  # noqa: F401 - the fixture
from tests.builders import launch


def test_a_concluded_canvas_course_is_named_with_its_remedy(
    app,
    console,  # noqa: F811
    client,
    platform,
    platform_key,
):
    launch(client, platform_key, "student")
    row_id = _failed_score(app)
    answer = (
        'HTTP 422: {"errors":{"type":"unprocessable_entity","message":"This course has '
        'concluded. AGS requests will no longer be accepted for this course."}}'
    )
    with app.app_context():
        db.session.execute(
            update(OutboxScore)
            .where(OutboxScore.id == row_id)
            .values(
                status="rejected",
                problem="course_concluded",
                last_response=answer,
                last_error="Canvas: the course has concluded",
            )
        )
        db.session.commit()
    page = console.get("/admin/grades").get_data(as_text=True)
    assert "The course has concluded in the LMS" in page
    assert "Re-open the course" in page and "export the grades" in page
    assert "AGS requests will no longer be accepted for this course." in page
