"""How staff reach the hub: Canvas's course navigation (JSON configuration and dynamic
registration), a launch naming the hub, and the "Course hub" links on their pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.registration import (
    PlatformConfiguration,
    ToolDescription,
    client_metadata,
    tool_messages,
)
from lti_tool.models import Placement
from tests.builders import TOOL, launch
from tests.hub.builders import open_links, seed_course

HUB_CUSTOM = {claims.CUSTOM: {"coproduce_target": "course_hub"}}
CANVAS_NAV = {
    **HUB_CUSTOM,
    claims.TARGET_LINK_URI: TOOL + "/hub",
    # Canvas names the course menu's link after the course.
    claims.RESOURCE_LINK: {"id": "course-1-nav", "title": "Coproduce course hub"},
}


def test_canvas_json_has_the_course_navigation_placement(client):
    config = client.get("/lti/canvas.json").get_json()
    placements = config["extensions"][0]["settings"]["placements"]
    hub = next(p for p in placements if p["placement"] == "course_navigation")
    assert hub == {
        "placement": "course_navigation",
        "message_type": "LtiResourceLinkRequest",
        "target_link_uri": "http://localhost/hub",
        "text": "Coproduce course hub",
        "visibility": "admins",
        "default": "enabled",
        "custom_fields": {"coproduce_target": "course_hub"},
    }


def _platform(family: str, messages: list[str]) -> PlatformConfiguration:
    return PlatformConfiguration(
        issuer="https://lms.example.edu",
        authorization_endpoint="https://lms.example.edu/auth",
        token_endpoint="https://lms.example.edu/token",
        jwks_uri="https://lms.example.edu/jwks",
        registration_endpoint="https://lms.example.edu/register",
        authorization_server=None,
        scopes_supported=(),
        product_family_code=family,
        platform_version="1",
        messages_supported=tuple({"type": m} for m in messages),
    )


TOOL_DESCRIPTION = ToolDescription("Coproduce", "Coproduction", "https://tool.example.edu")


def test_dynamic_registration_asks_canvas_for_the_course_navigation_message():
    config = _platform("canvas", [claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST])
    messages = client_metadata(config, TOOL_DESCRIPTION)[
        "https://purl.imsglobal.org/spec/lti-tool-configuration"
    ]["messages"]
    hub = [m for m in messages if "course_navigation" in m.get("placements", [])]
    assert hub == [
        {
            "type": claims.RESOURCE_LINK_REQUEST,
            "target_link_uri": "https://tool.example.edu/hub",
            "label": "Coproduce course hub",
            "placements": ["course_navigation"],
            "custom_parameters": {"coproduce_target": "course_hub"},
            "roles": [claims.ROLE_INSTRUCTOR, claims.ROLE_TEACHING_ASSISTANT],
        }
    ]


def test_other_platforms_get_no_placement_they_do_not_read():
    for family in ("moodle", "other"):
        config = _platform(family, [claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST])
        assert all("placements" not in m for m in tool_messages(config, TOOL_DESCRIPTION))


@pytest.mark.parametrize(
    "body",
    [CANVAS_NAV, HUB_CUSTOM, {claims.TARGET_LINK_URI: TOOL + "/hub"}],
    ids=["canvas-course-navigation", "custom-parameter", "target-link-uri"],
)
@pytest.mark.parametrize("role", ["facilitator", "coach", "admin"])
def test_a_hub_launch_lands_staff_on_the_hub(app, client, platform, platform_key, body, role):
    response = launch(client, platform_key, role, sub=f"{role}-1", **body)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == "/hub"
    page = client.get(location)
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    assert "<h1>Course hub</h1>" in page.get_data(as_text=True)
    with app.app_context():  # the menu's link opens no activity: no placement to set up
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 0


def test_a_student_launching_the_hub_is_told_it_is_for_staff(client, platform, platform_key):
    response = launch(client, platform_key, "student", **CANVAS_NAV)
    page = client.get(response.headers["Location"])
    assert page.status_code == 403
    assert "The course hub is for the course&#39;s facilitators and coaches" in page.get_data(
        as_text=True
    )


def test_an_ordinary_launch_still_lands_on_its_activity_set_up(client, platform, platform_key):
    response = launch(client, platform_key, "facilitator", sub="prof")
    assert urlsplit(response.headers["Location"]).path == "/activities/setup"


@pytest.mark.parametrize(("role", "shown"), [("coach", True), ("admin", True), ("student", False)])
def test_the_start_page_links_the_hub_for_staff(client, platform, platform_key, role, shown):
    # A link not set up yet lands a coach or a student on the start page; an admin always.
    response = launch(client, platform_key, role, sub=f"{role}-2")
    assert urlsplit(response.headers["Location"]).path == "/start"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ('data-testid="course-hub-link"' in page) is shown


@pytest.mark.parametrize(("who", "shown"), [("prof", True), ("coach", True), ("student", False)])
def test_every_activity_page_header_links_the_hub_for_staff(app, client, platform, who, shown):
    with app.app_context():
        course = seed_course(platform.id)
        person = course.students[0] if who == "student" else getattr(course, who)
        open_links(course, person)
        token = course.token(app, person)
        paths = [f"/rubrics/{course.rubric.id}", f"/goals/{course.goals.id}"]
        paths.append(f"/feedback/{course.feedback.id}")
        db.session.remove()
    for path in paths:
        page = client.get(path, headers={"X-Launch-Token": token})
        assert page.status_code == 200, (path, page.get_data(as_text=True)[:300])
        html = page.get_data(as_text=True)
        assert ('data-testid="course-hub-link"' in html) is shown, path
