"""A returning student's login + launch in process (Flask test client, no HTTP): the tool
against a bare Flask + PyJWT app doing the comparable work. Used by bench/launch.py.

The tool arm runs on a fresh app and database (SQLite in a temporary folder, or a schema of its
own in the PostgreSQL database given); the platform's JWKS is stored in the tool's key cache
beforehand, as after the first launch of a day, so no arm makes an HTTP call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, make_response, redirect, request
from sqlalchemy import create_engine, event, text

ISSUER = "https://lms.bench.example"
CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "bench-deployment"
TOOL = "http://localhost"
LOGIN_DATA = re.compile(r'<script type="application/json" id="login-data">(.*?)</script>', re.S)
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass
class PlatformSigner:
    """The platform's side: an RSA key and the id_tokens it signs (untimed)."""

    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "bench-key-1"

    @property
    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def id_token(self, nonce: str, sub: str = "student-1") -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Sam Student",
            "given_name": "Sam",
            "family_name": "Student",
            "email": "sam@example.edu",
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT_ID,
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": TOOL + "/lti/launch",
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {
                "id": "link-1",
                "title": "Goals",
            },
            "https://purl.imsglobal.org/spec/lti/claim/roles": [LEARNER],
            "https://purl.imsglobal.org/spec/lti/claim/context": {
                "id": "course-1",
                "label": "BIO-101",
                "title": "Biology 101",
            },
        }
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": self.kid})


LOGIN_QUERY = {
    "iss": ISSUER,
    "client_id": CLIENT_ID,
    "login_hint": "hint",
    "target_link_uri": TOOL + "/lti/launch",
    "lti_message_hint": "message-hint",
    "lti_deployment_id": DEPLOYMENT_ID,
}


@dataclass
class Arm:
    """One side: a test client and how to run one timed login + launch on it."""

    name: str
    app: Flask
    signer: PlatformSigner
    login_path: str
    launch_path: str
    statements: list[int] = field(default_factory=lambda: [0])

    def one_launch(self) -> tuple[float, float, int]:
        """(login seconds, launch seconds, SQL statements) of one returning student's launch;
        the platform's signing in between is not timed."""
        client = self.app.test_client()
        before = self.statements[0]
        t0 = time.perf_counter()
        login = client.get(self.login_path, query_string=LOGIN_QUERY)
        t1 = time.perf_counter()
        if login.status_code != 200:
            raise SystemExit(f"{self.name}: login answered {login.status_code}")
        match = LOGIN_DATA.search(login.get_data(as_text=True))
        assert match, "no login data"
        auth = parse_qs(urlsplit(json.loads(match.group(1))["auth_url"]).query)
        token = self.signer.id_token(auth["nonce"][0])
        t2 = time.perf_counter()
        launch = client.post(self.launch_path, data={"id_token": token, "state": auth["state"][0]})
        t3 = time.perf_counter()
        if launch.status_code != 303:
            text_ = launch.get_data(as_text=True)
            raise SystemExit(f"{self.name}: launch answered {launch.status_code}: {text_[:400]}")
        return t1 - t0, t3 - t2, self.statements[0] - before


def baseline_app(jwk: dict[str, Any], secret: str) -> Flask:
    """A bare Flask + PyJWT tool doing the comparable work: /login makes a random state, the
    nonce bound to it (an HMAC of the state, so any worker can check it) and a state cookie;
    /launch checks the cookie against the state, verifies the RS256 id_token against a cached
    parsed key (aud, iss, exp), checks the nonce and that it was not used before (a dict: per
    process, which is all a bare endpoint does) and redirects."""
    keys = {jwk["kid"]: jwt.PyJWK(jwk, algorithm="RS256").key}
    used: dict[str, float] = {}
    app = Flask("baseline")

    def nonce_of(state: str) -> str:
        return hmac.new(secret.encode(), state.encode(), hashlib.sha256).hexdigest()[:32]

    @app.get("/login")
    def login() -> Any:
        state = secrets.token_urlsafe(24)
        query = f"state={state}&nonce={nonce_of(state)}"
        data = json.dumps({"auth_url": f"{ISSUER}/auth?{query}"})
        response = make_response(
            f'<!doctype html><script type="application/json" id="login-data">{data}</script>'
        )
        response.set_cookie("bl_state", state, secure=True, httponly=True, samesite="None")
        return response

    @app.post("/launch")
    def launch() -> Any:
        token = request.form.get("id_token", "")
        state = request.form.get("state", "")
        if not state or request.cookies.get("bl_state") != state:
            return "state not bound", 401
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            body = jwt.decode(
                token, keys[kid], algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER
            )
        except (jwt.PyJWTError, KeyError) as exc:
            return f"invalid id_token: {exc}", 401
        nonce = body.get("nonce")
        if nonce != nonce_of(state) or nonce in used:
            return "nonce", 401
        used[nonce] = time.time()
        return redirect("/done", code=303)

    @app.get("/ready")
    def ready() -> str:
        return "ok"

    return app


def baseline_from_env() -> Flask:
    """For gunicorn: the baseline with the platform's public JWK from BENCH_PLATFORM_JWK and
    the secret its workers share from BENCH_SECRET."""
    import os

    return baseline_app(json.loads(os.environ["BENCH_PLATFORM_JWK"]), os.environ["BENCH_SECRET"])


@contextmanager
def scratch_database(database_url: str | None) -> Iterator[str]:
    """SQLite in a temporary folder, or a schema of its own in the PostgreSQL database."""
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="coproduce-launch-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def tool_settings(database_url: str, tmp: Path, base_url: str = TOOL) -> dict[str, Any]:
    return {
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-" + "x" * 40,
        "LTI_TOOL_BASE_URL": base_url,
        "LTI_KEYS_DIR": str(tmp / "keys"),
        "INSTANCE_PATH": str(tmp / "instance"),
        "SANDBOX": False,
        "OUTBOX_INPROCESS_WORKER": False,
    }


def prepare_tool(app: Flask, signer: PlatformSigner) -> None:
    """Tables, one platform with its deployment, and its JWKS in the tool's key cache."""
    from lti_tool.admin.platforms import PlatformFields, add_platform
    from lti_tool.extensions import db
    from lti_tool.lti import platform_keys

    with app.app_context():
        db.create_all()
        jwks_url = ISSUER + "/jwks"
        add_platform(
            PlatformFields(
                issuer=ISSUER,
                client_id=CLIENT_ID,
                auth_login_url=ISSUER + "/auth",
                auth_token_url=ISSUER + "/token",
                key_set_url=jwks_url,
                name="Bench LMS",
            ),
            [DEPLOYMENT_ID],
        )
        platform_keys._store(jwks_url, {"keys": [signer.jwk]}, ttl=24 * 3600)
        db.session.commit()


def tool_arm(database_url: str, signer: PlatformSigner) -> Arm:
    """The tool on a fresh database with one platform; its JWKS already cached."""
    from lti_tool import create_app
    from lti_tool.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="coproduce-launch-"))
    app = create_app({**tool_settings(database_url, tmp), "LOG_LEVEL": "WARNING"})
    prepare_tool(app, signer)
    arm = Arm("tool", app, signer, "/lti/login", "/lti/launch")
    with app.app_context():
        counter = arm.statements

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            counter[0] += 1

    return arm


def baseline_arm(signer: PlatformSigner) -> Arm:
    return Arm(
        "baseline", baseline_app(signer.jwk, secrets.token_hex(16)), signer, "/login", "/launch"
    )


def dispose(arm: Arm) -> None:
    if arm.name != "tool":
        return
    from lti_tool.extensions import db

    with arm.app.app_context():
        db.session.remove()
        db.engine.dispose()


def sample(arms: list[Arm], launches: int, warmup: int) -> dict[str, list[tuple[float, float]]]:
    """Warm-up, then `launches` per arm, interleaved one by one so noise falls on both."""
    for arm in arms:
        for _ in range(warmup):
            arm.one_launch()
    samples: dict[str, list[tuple[float, float]]] = {arm.name: [] for arm in arms}
    for i in range(launches):
        for arm in arms if i % 2 == 0 else reversed(arms):
            login_s, launch_s, _ = arm.one_launch()
            samples[arm.name].append((login_s, launch_s))
    return samples


def statements_of(arm: Arm) -> int:
    """SQL statements of a returning student's launch (login + launch): the fewest of five, so
    the housekeeping a launch does now and then (2 %) does not count."""
    return min(arm.one_launch()[2] for _ in range(5))


Runner = Callable[[], tuple[float, float, int]]
