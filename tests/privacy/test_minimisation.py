"""The tool asks for and keeps only the claims it uses: no e-mail unless it sends mail
(SMTP_HOST), and then the e-mail is erased with the person like every other identifier."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.admin.onboarding import tool_description
from lti_tool.events import ToolActor
from lti_tool.extensions import db
from lti_tool.lti.registration import client_metadata
from lti_tool.models import Person, Platform
from lti_tool.privacy.erasure import erase_person
from tests.builders import launch
from tests.privacy.scenario import text_cells

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class _Config:
    message_types: list[str] = []
    scopes_supported: list[str] = []
    product_family = "canvas"


@pytest.mark.parametrize(("smtp", "level"), [("", "name_only"), ("mail.example.edu", "public")])
def test_email_is_asked_for_only_when_mail_is_sent(make_app, smtp, level):
    app = make_app(SMTP_HOST=smtp)
    with app.app_context():
        tool = client_metadata(_Config(), tool_description("http://localhost"))  # type: ignore[arg-type]
    claims = tool[TOOL_CONFIGURATION]["claims"]
    assert ("email" in claims) == bool(smtp)
    assert {"sub", "name", "given_name", "family_name"} <= set(claims)
    assert "picture" not in claims
    assert tool[TOOL_CONFIGURATION]["https://canvas.instructure.com/lti/privacy_level"] == level
    canvas = app.test_client().get("/lti/canvas.json").get_json()
    assert canvas["extensions"][0]["privacy_level"] == level


def test_without_mail_no_email_or_picture_is_stored(app, client, platform, platform_key):
    launch(client, platform_key, sub="m-1", email="m1@example.edu", picture="https://x/p.png")
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert person.email is None
        assert text_cells("m1@example.edu") == [] and text_cells("https://x/p.png") == []


@pytest.fixture
def mail_app(make_app):
    return make_app(SMTP_HOST="mail.example.edu")


def test_with_mail_the_email_is_kept_and_erased(mail_app, jwks, platform_key):
    from tests.builders import make_platform

    with mail_app.app_context():
        make_platform(jwks.url)
    client = mail_app.test_client()
    launch(client, platform_key, sub="m-2", name="Mia Moss", email="mia.moss@example.edu")
    with mail_app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert person.email == "mia.moss@example.edu"
        platform_id = db.session.scalars(select(Platform.id)).one()
        erase_person(platform_id, "m-2", ToolActor("test"))
        for needle in ("mia.moss@example.edu", "Mia Moss", "m-2"):
            assert text_cells(needle) == [], needle


def test_a_namesake_keeps_their_name(app, client, platform, platform_key):
    launch(client, platform_key, sub="n-1", name="Nia Namesake")
    launch(client, platform_key, sub="n-2", name="Nia Namesake")
    with app.app_context():
        erase_person(platform.id, "n-1", ToolActor("test"))
        names = {sub: name for sub, name in db.session.execute(select(Person.sub, Person.name))}
    assert names["n-2"] == "Nia Namesake"
    assert "n-1" not in names
