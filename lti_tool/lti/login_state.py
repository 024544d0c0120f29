"""The OIDC login state: a signed, expiring token that carries the nonce to the launch.

Nothing is stored server-side per login. The state proves where the login began (our signature,
its age) and which nonce the id_token must carry; the browser binding comes from a partitioned
cookie or from the platform's postMessage storage (see lti_tool.lti.login). The nonce becomes
single-use at launch through the `used_nonce` table.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.lti.errors import LtiError, bad_request

SALT = "coproduce.lti.login-state"
COOKIE_PREFIX = "lti_state_"


@dataclass(frozen=True)
class LoginState:
    sid: str  # short random id: names the cookie and the storage key
    nonce: str
    platform_id: int
    storage_target: str | None  # lti_storage_target from the login, when the platform offered it

    @property
    def cookie_name(self) -> str:
        return COOKIE_PREFIX + self.sid

    @property
    def storage_key(self) -> str:
        return "state_" + self.sid


def new_login_state(platform_id: int, storage_target: str | None) -> LoginState:
    return LoginState(
        sid=secrets.token_urlsafe(12),
        nonce=secrets.token_urlsafe(24),
        platform_id=platform_id,
        storage_target=storage_target,
    )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def encode_state(state: LoginState, secret_key: str) -> str:
    payload = {"s": state.sid, "n": state.nonce, "p": state.platform_id, "t": state.storage_target}
    return _serializer(secret_key).dumps(payload)


def decode_state(token: str | None, secret_key: str, max_age: int) -> LoginState:
    if not token:
        raise bad_request(
            "STATE_MISSING",
            _l(
                "The launch arrived without its sign-in state. "
                "Please launch the tool again from your course."
            ),
        )
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LtiError(
            "STATE_EXPIRED",
            _l(
                "The sign-in took too long and expired. "
                "Please launch the tool again from your course."
            ),
            401,
            str(exc),
        ) from exc
    except BadSignature as exc:
        raise bad_request(
            "STATE_INVALID",
            _l(
                "The launch's sign-in state is not one this tool issued. "
                "Please launch again from your course."
            ),
            str(exc),
        ) from exc
    try:
        return LoginState(
            sid=str(payload["s"]),
            nonce=str(payload["n"]),
            platform_id=int(payload["p"]),
            storage_target=payload.get("t"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise bad_request(
            "STATE_INVALID", _l("The launch's sign-in state is damaged."), repr(exc)
        ) from exc
