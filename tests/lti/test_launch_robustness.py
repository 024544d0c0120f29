"""Finding 11 (input robustness), as the attack: a platform key signs an id_token whose claims
have odd shapes — a list where a string belongs, NUL bytes, ids longer than any column — and the
tool must answer a 4xx page, never a 500, and write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.lti import claims
from tests.builders import Claims, error_code, login, post_launch, sign
from tests.lti.test_launch_refused import counts

ODD_CLAIMS: list[tuple[str, dict[str, Any]]] = [
    ("message_type as a list", {claims.MESSAGE_TYPE: [claims.RESOURCE_LINK_REQUEST]}),
    ("message_type as an object", {claims.MESSAGE_TYPE: {"type": claims.RESOURCE_LINK_REQUEST}}),
    ("version as a list", {claims.VERSION: ["1.3.0"]}),
    ("sub as a list", {"sub": ["user-1"]}),
    ("sub as an object", {"sub": {"id": "user-1"}}),
    ("sub with a NUL", {"sub": "user\x001"}),
    ("sub longer than the column", {"sub": "u" * 300}),
    ("deployment_id as a list", {claims.DEPLOYMENT_ID: ["deployment-1"]}),
    ("deployment_id oversized", {claims.DEPLOYMENT_ID: "d" * 1000}),
    ("context as a list", {claims.CONTEXT: ["course-1"]}),
    ("context id as an object", {claims.CONTEXT: {"id": {"x": 1}}}),
    ("context id oversized", {claims.CONTEXT: {"id": "c" * 300}}),
    ("context title with a NUL", {claims.CONTEXT: {"id": "course-1", "title": "Bio\x00"}}),
    ("resource link as a string", {claims.RESOURCE_LINK: "link-1"}),
    ("resource link id as a number list", {claims.RESOURCE_LINK: {"id": [1, 2]}}),
    ("name with a NUL", {"name": "Sam\x00Student"}),
    (
        "role with a NUL",
        {claims.ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner\x00"]},
    ),
    ("iss with a NUL", {"iss": "https://platform.example.edu\x00"}),
    ("huge claim", {"https://example.org/blob": "x" * 300_000}),
]


@pytest.mark.parametrize("name,changes", ODD_CLAIMS, ids=[c[0] for c in ODD_CLAIMS])
def test_odd_claims_are_a_4xx_and_write_nothing(app, client, platform, platform_key, name, changes):
    before = counts(app)
    started = login(client)
    body = Claims(nonce=started.nonce, body=changes).body
    response = post_launch(client, sign(body, platform_key), started.state)
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, html[:400])
    assert error_code(response) is not None
    assert "Traceback" not in html
    assert counts(app) == before, "a refused launch wrote something"


def test_a_normal_launch_still_works(app, client, platform, platform_key):
    started = login(client)
    response = post_launch(
        client, sign(Claims(nonce=started.nonce).body, platform_key), started.state
    )
    assert response.status_code == 303
