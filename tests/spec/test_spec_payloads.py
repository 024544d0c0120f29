"""The tool against the LTI specifications' own text (tests/spec/payloads.py), not against
lti_tool's constants: literal id_tokens through the real login + launch, literal AGS and NRPS
service answers through the real parsers, and the constants themselves checked against the
spec's strings."""

from __future__ import annotations

import copy
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import ags, claims, nrps
from lti_tool.models import (
    Activity,
    Context,
    CourseServices,
    DeepLinkRequest,
    Membership,
    Placement,
)
from tests.advantage import form_tokens
from tests.builders import CLIENT_ID, DEPLOYMENT_ID, ISSUER, login, post_launch, sign
from tests.spec import payloads

CONTEXT_TITLE = "Economics as a Social Science"


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def spec_launch(client, key, payload: dict[str, Any], *, sub: str, **claims_over: Any):
    """login -> the literal payload with this run's iss/aud/sub/nonce/times -> /lti/launch."""
    started = login(client)
    now = int(time.time())
    body = {
        **copy.deepcopy(payload),
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": sub,
        "nonce": started.nonce,
        "iat": now,
        "exp": now + 300,
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT_ID,
        **claims_over,
    }
    return post_launch(client, sign(body, key), started.state)


def landing_path(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return urlsplit(response.headers["Location"]).path


def test_spec_learner_launch_is_read(app, client, platform, platform_key):
    """Learner role -> student; context title; AGS lineitems/scopes and NRPS URL/versions
    stored for the course; the link's own lineitem kept on its placement."""
    response = spec_launch(client, platform_key, payloads.RESOURCE_LINK_LAUNCH, sub="learner-1")
    assert landing_path(response) == "/start"  # a link not set up yet, seen by a student
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-role="student"' in page and CONTEXT_TITLE in page
    with app.app_context():
        context = db.session.scalars(select(Context)).one()
        assert (context.context_id, context.title) == (
            "c1d887f0-a1a3-4bca-ae25-c375edcc131a",
            CONTEXT_TITLE,
        )
        membership = db.session.scalars(select(Membership)).one()
        assert membership.role == "student"
        assert membership.raw_roles == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
        services = db.session.scalars(select(CourseServices)).one()
        assert services.context_id == context.id
        assert services.lineitems_url == "https://www.myuniv.example.com/2344/lineitems/"
        assert sorted(services.ags_scopes) == [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        ]
        assert services.memberships_url == "https://www.myuniv.example.com/2344/memberships"
        assert services.nrps_versions == ["2.0"]
        placement = db.session.scalars(select(Placement)).one()
        assert placement.lineitem_url == (
            "https://www.myuniv.example.com/2344/lineitems/1234/lineitem"
        )


def test_spec_instructor_sets_up_and_custom_parameter_binds_a_link(
    app, client, platform, platform_key
):
    """Instructor role -> facilitator set-up page; a second link whose custom claim names the
    activity (`activity_id`) binds to it, so a learner lands on the activity's page."""
    response = spec_launch(
        client,
        platform_key,
        payloads.RESOURCE_LINK_LAUNCH,
        sub="instructor-1",
        **{"https://purl.imsglobal.org/spec/lti/claim/roles": payloads.INSTRUCTOR},
    )
    assert landing_path(response) == "/activities/setup"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-role="facilitator"' in page
    config = {
        "kind": "feedback_rounds",
        "title": "Essay rounds",
        "instructions": "Write, review, respond.",
        "points": "30",
        "phase-feedback_rounds-submit": "2026-10-01",
    }
    made = client.post("/activities/setup", data={**form_tokens(page), **config})
    assert made.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Membership.role)).one() == "facilitator"
        activity_id = db.session.scalars(select(Activity.id)).one()

    custom = {**payloads.RESOURCE_LINK_LAUNCH["https://purl.imsglobal.org/spec/lti/claim/custom"]}
    custom["activity_id"] = str(activity_id)
    response = spec_launch(
        client,
        platform_key,
        payloads.RESOURCE_LINK_LAUNCH,
        sub="learner-1",
        **{
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "second-link"},
            "https://purl.imsglobal.org/spec/lti/claim/custom": custom,
        },
    )
    assert landing_path(response) == f"/feedback/{activity_id}"


def test_spec_deep_linking_request_lands_on_the_picker(app, client, platform, platform_key):
    """LtiDeepLinkingRequest + deep_linking_settings -> the facilitator's placement page, with
    the return URL, accepted types/targets and opaque data stored as sent."""
    response = spec_launch(client, platform_key, payloads.DEEP_LINKING_REQUEST, sub="instructor-1")
    path = landing_path(response)
    assert re.fullmatch(r"/activities/place/\d+", path), path
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="picker"' in html and CONTEXT_TITLE in html
    with app.app_context():
        assert db.session.scalars(select(Membership.role)).one() == "facilitator"
        request = db.session.scalars(select(DeepLinkRequest)).one()
        assert request.return_url == "https://platform.example/deep_links"
        assert "ltiResourceLink" in request.accept_types
        assert request.accept_presentation_targets == ["iframe", "window", "embed"]
        assert request.accept_multiple is True
        assert request.data == "csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53"


class _OnePage:
    """A PlatformClient double answering one page of a literal document, recording `accept`."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.accepts: list[str] = []

    def pages(self, url: str, *, accept: str, params: Any = None):
        self.accepts.append(accept)
        yield copy.deepcopy(self.document), {}


def test_spec_service_documents_are_parsed():
    """AGS 2.0 line item container and NRPS 2.0 membership container, asked for with the
    spec's media types, read into ids, labels, scoreMaximum, members, roles and names."""
    lineitems = _OnePage(payloads.LINEITEM_CONTAINER)
    found = ags.find_line_items(lineitems, "https://lms.example.com/context/2923/lineitems")  # type: ignore[arg-type]
    assert lineitems.accepts == ["application/vnd.ims.lis.v2.lineitemcontainer+json"]
    assert [(d.url, d.label, d.score_maximum, d.resource_id, d.tag) for d in found] == [
        (
            "https://lms.example.com/context/2923/lineitems/1",
            "Chapter 5 Test",
            60.0,
            "a-9334df-33",
            "grade",
        ),
        (
            "https://lms.example.com/context/2923/lineitems/47",
            "Chapter 5 Progress",
            100.0,
            "a-9334df-33",
            "originality",
        ),
        (
            "https://lms.example.com/context/2923/lineitems/69",
            "Chapter 2 Essay",
            60.0,
            None,
            "grade",
        ),
    ]
    assert found[0].resource_link_id == "1g3k4dlk49fk"

    members = _OnePage(payloads.MEMBERSHIP_CONTAINER)
    roster = nrps.fetch_roster(members, "https://lms.example.com/sections/2923/memberships")  # type: ignore[arg-type]
    assert members.accepts == ["application/vnd.ims.lti-nrps.v2.membershipcontainer+json"]
    assert [(m.user_id, m.status, m.roles, m.name) for m in roster.members] == [
        (
            "0ae836b9-7fc9-4060-006f-27b2066ac545",
            "Active",
            ("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",),
            "Jane Q. Public",
        ),
        (
            "2f1e6c0a-1b64-4c73-9b77-1c2f3f4f8a55",
            "Inactive",
            ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",),
            "Sam Learner",
        ),
    ]
    jane = roster.members[0]
    assert (jane.given_name, jane.family_name, jane.email) == (
        "Jane",
        "Doe",
        "jane@platform.example.edu",
    )


# Each constant of the tool, and the string the specification writes (right side: literal).
SPEC_STRINGS = [
    # LTI Core 1.3 §5.3 required message claims
    (claims.MESSAGE_TYPE, "https://purl.imsglobal.org/spec/lti/claim/message_type"),
    (claims.VERSION, "https://purl.imsglobal.org/spec/lti/claim/version"),
    (claims.DEPLOYMENT_ID, "https://purl.imsglobal.org/spec/lti/claim/deployment_id"),
    (claims.TARGET_LINK_URI, "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"),
    (claims.RESOURCE_LINK, "https://purl.imsglobal.org/spec/lti/claim/resource_link"),
    (claims.ROLES, "https://purl.imsglobal.org/spec/lti/claim/roles"),
    # LTI Core 1.3 §5.4 optional claims
    (claims.CONTEXT, "https://purl.imsglobal.org/spec/lti/claim/context"),
    (claims.TOOL_PLATFORM, "https://purl.imsglobal.org/spec/lti/claim/tool_platform"),
    (claims.ROLE_SCOPE_MENTOR, "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor"),
    (claims.LAUNCH_PRESENTATION, "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"),
    (claims.CUSTOM, "https://purl.imsglobal.org/spec/lti/claim/custom"),
    # LTI Submission Review 1.0 §3.1
    (claims.FOR_USER, "https://purl.imsglobal.org/spec/lti/claim/for_user"),
    (claims.LTI_VERSION, "1.3.0"),
    (claims.RESOURCE_LINK_REQUEST, "LtiResourceLinkRequest"),
    (claims.DEEP_LINKING_REQUEST, "LtiDeepLinkingRequest"),
    (claims.SUBMISSION_REVIEW_REQUEST, "LtiSubmissionReviewRequest"),
    # LTI Deep Linking 2.0 §4.4.1
    (
        claims.DEEP_LINKING_SETTINGS,
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
    ),
    # LTI AGS 2.0 §3.1 claim and scopes; §3.2, §3.3, §3.4 media types
    (claims.AGS_ENDPOINT, "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"),
    (ags.AGS_CLAIM, "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"),
    (ags.SCOPE_LINEITEM, "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"),
    (
        ags.SCOPE_LINEITEM_READONLY,
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    ),
    (ags.SCOPE_RESULT, "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"),
    (ags.SCOPE_SCORE, "https://purl.imsglobal.org/spec/lti-ags/scope/score"),
    (ags.LINEITEM_MEDIA, "application/vnd.ims.lis.v2.lineitem+json"),
    (ags.LINEITEMS_MEDIA, "application/vnd.ims.lis.v2.lineitemcontainer+json"),
    (ags.SCORE_MEDIA, "application/vnd.ims.lis.v1.score+json"),
    (ags.RESULTS_MEDIA, "application/vnd.ims.lis.v2.resultcontainer+json"),
    # LTI NRPS 2.0 §3.6 claim, scope; §2.2 media type
    (claims.NRPS, "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"),
    (nrps.NRPS_CLAIM, "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"),
    (
        nrps.SCOPE_MEMBERSHIPS,
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    ),
    (nrps.MEMBERSHIPS_MEDIA, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"),
    # LTI Core 1.3 appendix A.2 role vocabularies
    (claims.ROLE_INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"),
    (claims.ROLE_LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"),
    (claims.ROLE_MENTOR, "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"),
    (claims.ROLE_MENTOR_SUB, "http://purl.imsglobal.org/vocab/lis/v2/membership/Mentor#"),
    (
        claims.ROLE_CONTENT_DEVELOPER,
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    ),
    (claims.ROLE_CONTEXT_ADMIN, "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"),
    (
        claims.ROLE_TEACHING_ASSISTANT,
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    ),
    (
        claims.ROLE_INSTITUTION_ADMIN,
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    ),
    (
        claims.ROLE_INSTITUTION_STUDENT,
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
    ),
    (
        claims.ROLE_INSTITUTION_INSTRUCTOR,
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
    ),
    (
        claims.ROLE_INSTITUTION_MENTOR,
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Mentor",
    ),
    (
        claims.ROLE_INSTITUTION_OBSERVER,
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Observer",
    ),
    (
        claims.ROLE_SYSTEM_ADMIN,
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    ),
    (claims.ROLE_SYSTEM_SYSADMIN, "http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin"),
]


@pytest.mark.parametrize(("constant", "spec"), SPEC_STRINGS, ids=[s for _, s in SPEC_STRINGS])
def test_spec_constants_match_the_specification(constant, spec):
    assert constant == spec
