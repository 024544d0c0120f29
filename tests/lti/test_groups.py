"""Groups and sections from the LMS: real RS256 launches carrying each platform's shapes (Canvas
and Moodle substitution values, Blackboard's Course Groups Service claim), the service fetched
over real HTTP from a test double, and what registration asks platforms to send."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.canvas_config import canvas_developer_key
from lti_tool.lti.groups import GROUPS_MEDIA, GROUPS_SERVICE_CLAIM, SCOPE_GROUPS, launch_groups
from lti_tool.lti.history import HISTORY_CUSTOM_PARAMETERS
from lti_tool.lti.registration import ToolDescription
from lti_tool.models import (
    Context,
    CourseGroup,
    CourseGroupMember,
    CourseGroupSet,
    CourseGroupsService,
    Person,
    Platform,
)
from lti_tool.roster.groups import GroupsError, membership_of, sync_groups
from tests.builders import launch
from tests.service_double import Reply, ServiceDouble

CANVAS_GROUP_A = "1c16f0de65a080803785ecb3097da99872616f0d"
CANVAS_GROUP_B = "d4d8d6ae1611e2c7581ce1b2f5c58019d928b79d"


def _custom(**values: str) -> dict[str, dict[str, str]]:
    return {claims.CUSTOM: values}


def _membership(app, source: str) -> dict[str, str]:
    """sub -> group name in the set from `source`."""
    with app.app_context():
        group_set = db.session.scalars(
            select(CourseGroupSet).where(CourseGroupSet.source == source)
        ).one()
        subs = dict(db.session.execute(select(Person.id, Person.sub)).all())
        return {subs[pid]: name for pid, name in membership_of(group_set).items()}


def test_a_canvas_launch_says_the_users_groups_and_sections(app, client, platform, platform_key):
    # Canvas expands $Canvas.group.contextIds to the user's groups' context ids and
    # $Canvas.course.sectionIds / $com.instructure.User.sectionNames to their sections
    # (canvas-lms doc/api/tools_variable_substitutions.md: "42, 43" and a JSON array).
    body = _custom(
        coproduce_canvas_groups=f"{CANVAS_GROUP_A},{CANVAS_GROUP_B}",
        coproduce_canvas_section_ids="42, 43",
        coproduce_canvas_section_names='["Section One", "Section Two"]',
        coproduce_moodle_groups="$Moodle.Person.userGroupIds",  # unknown to Canvas: unexpanded
    )
    assert launch(client, platform_key, "student", sub="ana", **body).status_code == 303
    launch(
        client,
        platform_key,
        "student",
        sub="ben",
        **_custom(
            coproduce_canvas_groups=CANVAS_GROUP_B,
            coproduce_canvas_section_ids="43",
            coproduce_canvas_section_names='["Section Two"]',
        ),
    )
    with app.app_context():
        sources = set(db.session.scalars(select(CourseGroupSet.source)))
        assert sources == {"canvas", "sections"}  # Moodle's variable came back unexpanded
        sections = db.session.scalars(
            select(CourseGroupSet).where(CourseGroupSet.source == "sections")
        ).one()
        assert sections.kind == "sections"
        assert sorted(
            db.session.scalars(select(CourseGroup.name).where(CourseGroup.set_id == sections.id))
        ) == ["Section One", "Section Two"]
    canvas = _membership(app, "canvas")
    assert canvas == {
        "ana": f"Canvas group {CANVAS_GROUP_A[:8]}",
        "ben": f"Canvas group {CANVAS_GROUP_B[:8]}",
    }
    assert _membership(app, "sections") == {"ana": "Section One", "ben": "Section Two"}


def test_a_later_launch_moves_the_user(app, client, platform, platform_key):
    launch(client, platform_key, sub="ana", **_custom(coproduce_moodle_groups="7,9"))
    launch(client, platform_key, sub="ana", **_custom(coproduce_moodle_groups="9"))
    assert _membership(app, "moodle") == {"ana": "Moodle group 9"}
    launch(client, platform_key, sub="ana", **_custom(coproduce_moodle_groups=""))
    with app.app_context():  # "in no group" is news too: the rows go
        assert db.session.scalars(select(CourseGroupMember)).all() == []


def test_a_moodle_launch_carries_user_group_ids(app, client, platform, platform_key):
    # Moodle 4.5: implode(",", groups_get_user_groups($course->id, $user->id)[0]) (locallib.php)
    launch(client, platform_key, "student", sub="m1", **_custom(coproduce_moodle_groups="12,15"))
    launch(client, platform_key, "student", sub="m2", **_custom(coproduce_moodle_groups="15"))
    # m1 is in two groups of one set: the first by name stands for them in allocation.
    assert _membership(app, "moodle") == {"m1": "Moodle group 12", "m2": "Moodle group 15"}


def test_malformed_values_are_ignored_not_fatal(app, client, platform, platform_key):
    response = launch(
        client,
        platform_key,
        sub="x",
        **_custom(
            coproduce_canvas_section_ids="42",
            coproduce_canvas_section_names="not json",
            coproduce_canvas_groups=",,",
        ),
    )
    assert response.status_code == 303
    assert _membership(app, "sections") == {"x": "Section 42"}
    assert launch_groups({claims.CUSTOM: "nope"}).canvas_groups is None


def _blackboard_claim(base: str) -> dict[str, object]:
    # Blackboard Learn's claim as it sends it (LTI Course Groups Service 1.0).
    return {
        GROUPS_SERVICE_CLAIM: {
            "context_groups_url": base + "/learn/api/v1/lti/courses/_4_1/groups",
            "context_group_sets_url": base + "/learn/api/v1/lti/courses/_4_1/groupsets",
            "scope": [SCOPE_GROUPS],
            "service_versions": ["1.0"],
        }
    }


def test_the_groups_service_is_fetched_over_http(app, client, platform, platform_key):
    double = ServiceDouble().start()
    try:
        for sub in ("s1", "s2", "s3"):
            launch(client, platform_key, "student", sub=sub, **_blackboard_claim(double.url))
        path = "/learn/api/v1/lti/courses/_4_1"
        double.reply(
            "GET",
            path + "/groupsets",
            Reply(body={"sets": [{"id": "gs1", "name": "Project teams"}]}),
        )
        double.reply(
            "GET",
            path + "/groups",
            Reply(
                body={"groups": [{"id": "g1", "name": "Team Red", "set_id": "gs1"}]},
                headers={"Link": f'<{double.url}{path}/groups?page=2>; rel="next"'},
            ),
        )
        double.reply(
            "GET",
            path + "/groups?page=2",
            Reply(body={"groups": [{"id": "g2", "name": "Team Blue", "set_ids": ["gs1"]}]}),
        )
        double.reply("GET", path + "/groups?user_id=s1", Reply(body={"groups": [{"id": "g1"}]}))
        double.reply("GET", path + "/groups?user_id=s2", Reply(body={"groups": [{"id": "g1"}]}))
        double.reply("GET", path + "/groups?user_id=s3", Reply(body={"groups": [{"id": "g2"}]}))
        with app.app_context():
            db.session.get(Platform, platform.id).auth_token_url = double.url + "/token"
            db.session.commit()
            service = db.session.scalars(select(CourseGroupsService)).one()
            assert service.group_sets_url and service.scopes == [SCOPE_GROUPS]
            context = db.session.scalars(select(Context)).one()
            placed = sync_groups(
                context, keys_dir=app.extensions["coproduce.settings"].LTI_KEYS_DIR, timeout=5
            )
        assert placed == 3
        assert _membership(app, "groups_service") == {
            "s1": "Team Red",
            "s2": "Team Red",
            "s3": "Team Blue",
        }
        with app.app_context():
            names = set(db.session.scalars(select(CourseGroupSet.name)))
        assert names == {"Project teams"}
        calls = [
            s for s in double.seen if s.path.startswith(path + "/groups") and "sets" not in s.path
        ]
        assert {s.headers.get("Accept") for s in calls} == {GROUPS_MEDIA}
        assert all(s.headers["Authorization"].startswith("Bearer token-") for s in calls)
        token_request = next(s for s in double.seen if s.path == "/token")
        assert "contextgroup.readonly" in token_request.body
    finally:
        double.stop()


def test_a_refusing_groups_service_is_a_clear_error(app, client, platform, platform_key):
    double = ServiceDouble().start()
    try:
        launch(client, platform_key, "student", sub="s1", **_blackboard_claim(double.url))
        double.reply("GET", "/learn/api/v1/lti/courses/_4_1/groupsets", Reply(403, {}))
        with app.app_context():
            db.session.get(Platform, platform.id).auth_token_url = double.url + "/token"
            db.session.commit()
            context = db.session.scalars(select(Context)).one()
            try:
                sync_groups(
                    context, keys_dir=app.extensions["coproduce.settings"].LTI_KEYS_DIR, timeout=5
                )
            except GroupsError as exc:
                assert "403" in str(exc)
            else:
                raise AssertionError("a 403 must be a GroupsError")
            assert db.session.scalars(select(CourseGroupSet)).all() == []
    finally:
        double.stop()


def test_registration_asks_for_the_group_variables():
    tool = ToolDescription("Coproduce", "d", "https://tool.example")
    fields = canvas_developer_key(tool)["custom_fields"]
    assert fields == {
        **HISTORY_CUSTOM_PARAMETERS,  # course copy (lti.history) asks through the same field
        "coproduce_canvas_groups": "$Canvas.group.contextIds",
        "coproduce_canvas_section_ids": "$Canvas.course.sectionIds",
        "coproduce_canvas_section_names": "$com.instructure.User.sectionNames",
    }


def test_dynamic_registration_asks_each_platform_for_its_own_variables():
    from lti_tool.lti.registration import (
        PLATFORM_CONFIGURATION,
        TOOL_CONFIGURATION,
        client_metadata,
        parse_platform_configuration,
    )

    def metadata(family: str, scopes: list[str]) -> dict:
        site = "https://lms.example"
        document = {
            "issuer": site,
            "authorization_endpoint": site + "/auth",
            "token_endpoint": site + "/token",
            "jwks_uri": site + "/jwks",
            "registration_endpoint": site + "/register",
            "scopes_supported": scopes,
            PLATFORM_CONFIGURATION: {"product_family_code": family},
        }
        config = parse_platform_configuration(document, site + "/.well-known/openid")
        return client_metadata(config, ToolDescription("Coproduce", "d", "https://tool.example"))

    moodle = metadata("moodle", [])
    assert moodle[TOOL_CONFIGURATION]["custom_parameters"] == {
        **HISTORY_CUSTOM_PARAMETERS,
        "coproduce_moodle_groups": "$Moodle.Person.userGroupIds",
    }
    assert SCOPE_GROUPS not in moodle["scope"]  # Moodle 4.5 ships no groups service
    other = metadata("BlackboardLearn", [SCOPE_GROUPS, "openid"])
    assert len(other[TOOL_CONFIGURATION]["custom_parameters"]) == 4 + len(HISTORY_CUSTOM_PARAMETERS)
    assert other["scope"] == SCOPE_GROUPS  # offered, so asked for
