"""How the launch session travels inside the LMS iframe, with no third-party cookie and no
usable secret in any URL, log or Referer (issue 11).

* The **session token** names one `LaunchSession` row and is an HMAC of its id and salt, and
  travels only in places that are never logged: the `X-Launch-Token` header of fetch calls and
  the hidden `launch_token` field of forms (POST bodies).
* Plain GET navigation carries a **link ticket** in `?lt=`: signed, naming the session by id,
  and single use. The first request that presents it consumes it, so a ticket read from an
  access log or a Referer afterwards is worthless.
* Where the browser keeps a partitioned cookie (CHIPS), the launch also sets one holding the
  session token. It is never enough on its own: it only lets a reload or Back button re-open a
  page whose (signed) ticket is spent, and only for the very session that ticket names.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

TICKET_SALT = "coproduce.link-ticket"
QUERY_PARAM = "lt"  # the link ticket, never the session token
FORM_FIELD = "launch_token"
HEADER = "X-Launch-Token"
COOKIE = "coproduce_launch"  # one per session: COOKIE_<session id>
COOKIES_KEPT = 4  # a launch drops older session cookies beyond these


def cookie_name(session_id: int) -> str:
    """Each session has its own cookie, so two people (or roles) launching in one browser never
    overwrite each other's reload."""
    return f"{COOKIE}_{session_id}"


def session_cookies(names: Any) -> list[tuple[int, str]]:
    """(session id, name) of the session cookies among `names`, newest first."""
    found = []
    for name in names:
        head, _, tail = str(name).rpartition("_")
        if head == COOKIE and tail.isascii() and tail.isdigit() and len(tail) <= 18:
            found.append((int(tail), str(name)))
    return sorted(found, reverse=True)


@dataclass(frozen=True)
class LaunchClaims:
    """What the current request may do, read from the session row and the current membership
    (never from anything the browser sent beyond the session's identity)."""

    platform_id: int
    person_id: int
    context_id: int | None
    membership_id: int | None
    resource_link_id: int | None
    role: str
    csrf_secret: str
    message_type: str
    # An institution or system Administrator of this platform, whatever their course role:
    # opens the admin console for this platform's registration.
    platform_admin: bool = False


@dataclass(frozen=True)
class Ticket:
    session_id: int
    jti: str


class LaunchTokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _RequestLike(Protocol):
    @property
    def headers(self) -> Any: ...
    @property
    def form(self) -> Any: ...
    @property
    def args(self) -> Any: ...
    @property
    def method(self) -> str: ...


def session_token_in(request: _RequestLike) -> str | None:
    """The session token from the header, or from a POST form; never from the query string."""
    token = request.headers.get(HEADER)
    if not token and request.method not in ("GET", "HEAD"):
        try:
            token = request.form.get(FORM_FIELD)
        except RequestEntityTooLarge:
            # Over MAX_CONTENT_LENGTH: no form to read. Raising here (the session opens before
            # any error handler, and the error page asks again) would turn the 413 into a 500.
            return None
    return token or None


def ticket_in(request: _RequestLike) -> str | None:
    """A link ticket, on GET navigation only (a form posts the session token instead)."""
    if request.method not in ("GET", "HEAD"):
        return None
    return request.args.get(QUERY_PARAM) or None


def has_launch_credential(request: _RequestLike) -> bool:
    return bool(session_token_in(request) or ticket_in(request))


def new_token_salt() -> str:
    return secrets.token_hex(32)


def session_token(session_id: int, salt: str, secret_key: str) -> str:
    mac = hmac.new(
        secret_key.encode(), f"coproduce.session:{session_id}:{salt}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{session_id}.{mac}"


def session_id_of(token: str) -> int | None:
    """The session id a token claims (unverified: check it with `token_matches`)."""
    head, _, mac = token.partition(".")
    if not head.isascii() or not head.isdigit() or len(head) > 18 or len(mac) != 64:
        return None
    return int(head)


def token_matches(token: str, session_id: int, salt: str, secret_key: str) -> bool:
    return hmac.compare_digest(token, session_token(session_id, salt, secret_key))


def new_csrf_secret() -> str:
    return secrets.token_hex(16)


def _tickets(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=TICKET_SALT)


def issue_ticket(session_id: int, secret_key: str) -> str:
    return _tickets(secret_key).dumps({"s": session_id, "j": secrets.token_urlsafe(12)})


def read_ticket(ticket: str, secret_key: str, max_age: int | None = None) -> Ticket:
    """The ticket's session and id; its age is checked only when `max_age` is given."""
    try:
        data = _tickets(secret_key).loads(ticket, max_age=max_age)
        session_id, jti = data["s"], data["j"]
        if not isinstance(session_id, int) or not isinstance(jti, str):
            raise ValueError("ticket fields")
        return Ticket(session_id=session_id, jti=jti)
    except (BadSignature, TypeError, ValueError, KeyError) as exc:
        # SignatureExpired is a BadSignature: an old ticket is as useless as a forged one.
        raise LaunchTokenError(
            "SESSION_INVALID",
            _l(
                "This link is no longer valid (each link works once). Go back to the page you "
                "came from, or open the activity again from your course."
            ),
        ) from exc
