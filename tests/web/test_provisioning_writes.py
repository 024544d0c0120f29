"""What a launch writes to the rows it upserts: changed course and link names reach the shared
rows, names the platform withholds are kept, and nothing is duplicated."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Context, Membership, Person, ResourceLink
from tests.builders import launch


def test_renamed_course_and_link_reach_their_rows(app, client, platform, platform_key):
    launch(client, platform_key)
    launch(
        client,
        platform_key,
        **{
            claims.CONTEXT: {"id": "course-1", "label": "BIO-102", "title": "Biology, renamed"},
            claims.RESOURCE_LINK: {"id": "link-1", "title": "Goals, renamed"},
        },
    )
    with app.app_context():
        context = db.session.scalars(select(Context)).one()
        assert (context.label, context.title) == ("BIO-102", "Biology, renamed")
        assert db.session.scalars(select(ResourceLink)).one().title == "Goals, renamed"


def test_a_launch_without_names_keeps_the_names_known(app, client, platform, platform_key):
    launch(client, platform_key)
    launch(client, platform_key, name=None, given_name=None, family_name=None, email=None)
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        # (e-mail is not kept at all without SMTP_HOST: tests/privacy/test_minimisation.py)
        assert (person.name, person.email) == ("Sam Student", None)


def test_two_students_of_one_course_share_its_rows(app, client, platform, platform_key):
    launch(client, platform_key, sub="student-a")
    launch(client, platform_key, sub="student-b")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Context)) == 1
        assert db.session.scalar(select(func.count()).select_from(ResourceLink)) == 1
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 2
