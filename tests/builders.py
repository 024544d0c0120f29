"""Builders for tests: platforms, logins, id_tokens and launches.

id_tokens are real RS256 JWTs signed by the test platform's key; launches go through the tool's
real /lti/login and /lti/launch endpoints.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.admin.platforms import PlatformFields, add_platform
from lti_tool.lti import claims
from lti_tool.models import DeploymentPolicy, Platform
from tests.platform_double import PlatformKey

TOOL = "http://localhost"
ISSUER = "https://lms.example.edu"
CLIENT_ID = "client-123"
DEPLOYMENT_ID = "deployment-1"

ROLES = {
    "student": [claims.ROLE_LEARNER],
    "coach": [claims.ROLE_TEACHING_ASSISTANT, claims.ROLE_INSTRUCTOR],
    "facilitator": [claims.ROLE_INSTRUCTOR],
    "admin": [claims.ROLE_INSTITUTION_ADMIN],
    "mentor": [claims.ROLE_MENTOR],
}


def make_platform(
    jwks_url: str,
    *,
    issuer: str = ISSUER,
    client_id: str = CLIENT_ID,
    deployments: tuple[str, ...] = (DEPLOYMENT_ID,),
    policy: str = DeploymentPolicy.HOLD,
    product_family: str | None = None,
) -> Platform:
    return add_platform(
        PlatformFields(
            issuer=issuer,
            client_id=client_id,
            auth_login_url=issuer + "/auth",
            auth_token_url=issuer + "/token",
            key_set_url=jwks_url,
            name="Test LMS",
            deployment_policy=policy,
            product_family=product_family,
        ),
        list(deployments),
    )


@dataclass
class Login:
    """What the tool's /lti/login produced: its page data and the OIDC request it points to."""

    response: Any
    data: dict[str, Any]
    auth_params: dict[str, str]

    @property
    def state(self) -> str:
        return self.auth_params["state"]

    @property
    def nonce(self) -> str:
        return self.auth_params["nonce"]


def parse_login_page(response: Any) -> Login:
    html = response.get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="login-data">(.*?)</script>', html, re.S)
    assert match, f"no login data in page: {html[:300]}"
    data = json.loads(match.group(1))
    query = parse_qs(urlsplit(data["auth_url"]).query)
    return Login(response=response, data=data, auth_params={k: v[0] for k, v in query.items()})


def login(
    client: FlaskClient,
    *,
    issuer: str = ISSUER,
    client_id: str | None = CLIENT_ID,
    storage_target: str | None = None,
    method: str = "GET",
    **extra: str,
) -> Login:
    params = {
        "iss": issuer,
        "login_hint": "user-hint",
        "target_link_uri": TOOL + "/lti/launch",
        "lti_message_hint": "message-hint",
        "lti_deployment_id": DEPLOYMENT_ID,
        **extra,
    }
    if client_id is not None:
        params["client_id"] = client_id
    if storage_target:
        params["lti_storage_target"] = storage_target
    if method == "POST":
        response = client.post("/lti/login", data=params)
    else:
        response = client.get("/lti/login", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse_login_page(response)


# The launch presentation locale of every launch `Claims` builds (None: no claim); the
# `launch_locale` fixture (tests/conftest.py) sets it for a test's whole walk.
LAUNCH_LOCALE: list[str | None] = [None]


@dataclass
class Claims:
    """An id_token body with sensible LTI 1.3 defaults; edit `body` freely before signing."""

    nonce: str
    role: str = "student"
    sub: str = "user-1"
    body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = int(time.time())
        defaults: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": self.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            "name": "Sam Student",
            "given_name": "Sam",
            "family_name": "Student",
            "email": "sam@example.edu",
            claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
            claims.VERSION: claims.LTI_VERSION,
            claims.DEPLOYMENT_ID: DEPLOYMENT_ID,
            claims.TARGET_LINK_URI: TOOL + "/lti/launch",
            claims.RESOURCE_LINK: {"id": "link-1", "title": "Goals"},
            claims.ROLES: list(ROLES[self.role]),
            claims.CONTEXT: {"id": "course-1", "label": "BIO-101", "title": "Biology 101"},
        }
        if LAUNCH_LOCALE[0] is not None:
            defaults[claims.LAUNCH_PRESENTATION] = {
                "document_target": "iframe",
                "locale": LAUNCH_LOCALE[0],
            }
        self.body = {**defaults, **self.body}


def sign(
    body: dict[str, Any], key: PlatformKey, *, kid: str | None = None, alg: str = "RS256"
) -> str:
    headers = {"kid": kid if kid is not None else key.kid}
    return jwt.encode(body, key.private, algorithm=alg, headers=headers)


def post_launch(client: FlaskClient, id_token: str | None, state: str | None, **form: str) -> Any:
    data = {**form}
    if id_token is not None:
        data["id_token"] = id_token
    if state is not None:
        data["state"] = state
    response = client.post("/lti/launch", data=data)
    response.test_app = client.application  # for launch_token_of
    return response


def launch(
    client: FlaskClient,
    key: PlatformKey,
    role: str = "student",
    *,
    sub: str = "user-1",
    **body: Any,
) -> Any:
    """A full, successful login + launch; returns the launch response (303 to the start page)."""
    started = login(client)
    token = sign(Claims(nonce=started.nonce, role=role, sub=sub, body=body).body, key)
    return post_launch(client, token, started.state)


def session_token_for(app: Flask, location: str) -> str:
    """The session token behind a launch's landing URL, as the landing page would carry it in
    its forms and fetch header, without spending the URL's single-use ticket."""
    from lti_tool.auth import launch_token, sessions
    from lti_tool.extensions import db
    from lti_tool.models import LaunchSession

    ticket = parse_qs(urlsplit(location).query)[launch_token.QUERY_PARAM][0]
    with app.app_context():
        session_id = launch_token.read_ticket(ticket, app.config["SECRET_KEY"]).session_id
        row = db.session.get(LaunchSession, session_id)
        assert row is not None
        return sessions.token_of(row, app.config["SECRET_KEY"])


def launch_token_of(response: Any) -> str:
    """The session token of a launch response (from `launch` or `post_launch`)."""
    return session_token_for(response.test_app, response.headers["Location"])


def as_launch(token: str) -> dict[str, str]:
    """Request headers that carry a session token, as the pages' fetch calls do."""
    return {"X-Launch-Token": token}


def error_code(response: Any) -> str | None:
    """The error code of an error page, or of a JSON route's error body."""
    if response.mimetype == "application/json":
        body = response.get_json(silent=True)
        return body.get("error") if isinstance(body, dict) else None
    match = re.search(r"<code data-error-code>([A-Z0-9_]+)</code>", response.get_data(as_text=True))
    return unescape(match.group(1)) if match else None


def random_id() -> str:
    return uuid.uuid4().hex
