"""Literal LTI 1.3 / Advantage documents, typed out from the specifications' own examples.

Nothing here is imported from lti_tool: every claim name, role and media type is written as the
spec writes it, so a typo in lti_tool/lti/claims.py, ags.py or nrps.py fails tests/spec instead of
being copied into the test tokens. iss/aud/sub/nonce/iat/exp and the deployment id are left out
(filled per test from the test platform); everything else is the spec's text.
"""

from __future__ import annotations

from typing import Any

# LTI Core 1.3 §5.3 (required message claims) and §5.4 (optional claims), as in the spec's
# example resource link launch. The AGS claim is LTI AGS 2.0 §3.1, the NRPS claim NRPS 2.0 §3.6.
RESOURCE_LINK_LAUNCH: dict[str, Any] = {
    # §5.3.1 message type, §5.3.2 version
    "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
    "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
    # §5.3.4 target link URI (the tool's launch URL)
    "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "http://localhost/lti/launch",
    # §5.3.5 resource link
    "https://purl.imsglobal.org/spec/lti/claim/resource_link": {
        "id": "200d101f-2c14-434a-a0f3-57c2a42369fd",
        "description": "Assignment to introduce who you are",
        "title": "Introduction Assignment",
    },
    # §5.3.7 roles (replaced per test: Learner or Instructor, LTI Core appendix A.2.3)
    "https://purl.imsglobal.org/spec/lti/claim/roles": [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    ],
    # §5.4.1 context
    "https://purl.imsglobal.org/spec/lti/claim/context": {
        "id": "c1d887f0-a1a3-4bca-ae25-c375edcc131a",
        "label": "ECON 1010",
        "title": "Economics as a Social Science",
        "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
    },
    # §5.4.2 platform instance
    "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
        "guid": "ex/48bbb541-ce55-456e-8b7d-ebc59a38d435",
        "contact_email": "support@platform.example.edu",
        "description": "An Example Tool Platform",
        "name": "Example Tool Platform",
        "url": "https://platform.example.edu",
        "product_family_code": "ExamplePlatformVendor-Product",
        "version": "1.0",
    },
    # §5.4.3 launch presentation
    "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
        "document_target": "iframe",
        "height": 320,
        "width": 240,
        "return_url": "https://platform.example.edu/terms/201601/courses/7/sections/1/resources/2",
    },
    # §5.4.6 custom properties (the tool's own `activity_id` is added per test)
    "https://purl.imsglobal.org/spec/lti/claim/custom": {
        "xstart": "2017-04-21T01:00:00Z",
        "request_url": "https://tool.com/link/123",
    },
    # LTI AGS 2.0 §3.1 assignment and grade service claim
    "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
        "scope": [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        ],
        "lineitems": "https://www.myuniv.example.com/2344/lineitems/",
        "lineitem": "https://www.myuniv.example.com/2344/lineitems/1234/lineitem",
    },
    # LTI NRPS 2.0 §3.6 names and role service claim
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
        "context_memberships_url": "https://www.myuniv.example.com/2344/memberships",
        "service_versions": ["2.0"],
    },
    # OpenID Connect standard claims the platform may send (LTI Core 1.3 §5.3.6 user identity)
    "name": "Ms Jane Marie Doe",
    "given_name": "Jane",
    "family_name": "Doe",
    "email": "jane@platform.example.edu",
}

LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]

# LTI Deep Linking 2.0 §4.4 (deep linking request message; §4.4.1 deep_linking_settings), as in
# the spec's example. No resource_link claim: a deep linking request has none (§4.4).
DEEP_LINKING_REQUEST: dict[str, Any] = {
    "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
    "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
    "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "http://localhost/lti/launch",
    "https://purl.imsglobal.org/spec/lti/claim/roles": [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    ],
    "https://purl.imsglobal.org/spec/lti/claim/context": {
        "id": "c1d887f0-a1a3-4bca-ae25-c375edcc131a",
        "label": "ECON 1010",
        "title": "Economics as a Social Science",
        "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
    },
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
        "deep_link_return_url": "https://platform.example/deep_links",
        "accept_types": ["link", "file", "html", "ltiResourceLink", "image"],
        "accept_media_types": "image/*,text/html",
        "accept_presentation_document_targets": ["iframe", "window", "embed"],
        "accept_multiple": True,
        "auto_create": True,
        "title": "This is the default title",
        "text": "This is the default text",
        "data": "csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53",
    },
    "name": "Ms Jane Marie Doe",
    "email": "jane@platform.example.edu",
}

# LTI AGS 2.0 §3.2 line item service: a GET on the lineitems URL answers a line item container,
# media type application/vnd.ims.lis.v2.lineitemcontainer+json (the spec's example).
LINEITEM_CONTAINER: list[dict[str, Any]] = [
    {
        "id": "https://lms.example.com/context/2923/lineitems/1",
        "scoreMaximum": 60,
        "label": "Chapter 5 Test",
        "resourceId": "a-9334df-33",
        "tag": "grade",
        "resourceLinkId": "1g3k4dlk49fk",
    },
    {
        "id": "https://lms.example.com/context/2923/lineitems/47",
        "scoreMaximum": 100,
        "label": "Chapter 5 Progress",
        "resourceId": "a-9334df-33",
        "tag": "originality",
        "resourceLinkId": "1g3k4dlk49fk",
    },
    {
        "id": "https://lms.example.com/context/2923/lineitems/69",
        "scoreMaximum": 60,
        "label": "Chapter 2 Essay",
        "tag": "grade",
    },
]

# LTI NRPS 2.0 §2.2 membership container, media type
# application/vnd.ims.lti-nrps.v2.membershipcontainer+json (the spec's example).
MEMBERSHIP_CONTAINER: dict[str, Any] = {
    "id": "https://lms.example.com/sections/2923/memberships",
    "context": {"id": "2923-abc", "label": "CPS 435", "title": "CPS 435 Learning Analytics"},
    "members": [
        {
            "status": "Active",
            "name": "Jane Q. Public",
            "picture": "https://platform.example.edu/jane.jpg",
            "given_name": "Jane",
            "family_name": "Doe",
            "middle_name": "Marie",
            "email": "jane@platform.example.edu",
            "user_id": "0ae836b9-7fc9-4060-006f-27b2066ac545",
            "lis_person_sourcedid": "59254-6782-12ab",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        },
        {
            "status": "Inactive",
            "name": "Sam Learner",
            "user_id": "2f1e6c0a-1b64-4c73-9b77-1c2f3f4f8a55",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        },
    ],
}
