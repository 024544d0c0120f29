"""Console accounts: created on the command line, signed in with a password (scrypt hash),
with lockout (admin/throttle.py) and server-side sessions that sign-out and a password change
revoke."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from lti_tool.admin import throttle
from lti_tool.admin.audit import Actor, record
from lti_tool.admin.platforms import RegistrationError
from lti_tool.extensions import db
from lti_tool.models import ActorKind, AdminSession, AdminUser, utcnow

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,100}$")
MIN_PASSWORD = 12
SESSION_LIFETIME = timedelta(hours=12)
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(RegistrationError):
    pass


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(_l("a password needs at least %(n)d characters", n=MIN_PASSWORD))


def create_admin(username: str, password: str, actor: Actor) -> AdminUser:
    username = username.strip()
    if not USERNAME.match(username):
        raise AccountError(_l("a username is 3 to 100 letters, digits or . _ @ -"))
    _check_password(password)
    if db.session.scalars(select(AdminUser).where(AdminUser.username == username)).first():
        raise AccountError(_l("an admin account named %(name)s exists", name=username))
    user = AdminUser(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    record(actor, "admin.created", "admin_user", user.id, username=username)
    db.session.commit()
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user (None when refused), and the lock in force, if any."""

    user: AdminUser | None
    locked: throttle.Locked | None = None


def _verify(username: str, password: str) -> AdminUser | None:
    user = db.session.scalars(
        select(AdminUser).where(AdminUser.username == username.strip())
    ).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def sign_in(username: str, password: str, address: str | None) -> SignIn:
    """Check the password unless the account or the address is locked; count failures."""
    lock = throttle.locked(username, address)
    if lock is not None:
        return SignIn(None, lock)
    user = _verify(username, password)
    if user is None:
        known = db.session.scalars(
            select(AdminUser).where(AdminUser.username == username.strip())
        ).first()
        if known is not None:  # an unknown name is not recorded: it may be a password
            record(actor_of(known), "admin.sign_in_failed", "admin_user", known.id)
        return SignIn(None, throttle.record_failure(username, address))
    throttle.record_success(username)
    user.last_login_at = utcnow()
    record(actor_of(user), "admin.signed_in", "admin_user", user.id)
    db.session.commit()
    return SignIn(user)


def authenticate(username: str, password: str, address: str | None = None) -> AdminUser | None:
    """The user if the password is right and nothing is locked (for callers that need no why)."""
    return sign_in(username, password, address).user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: AdminUser) -> str:
    """A new console session; the token goes into the cookie, its digest into the database."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Expired sessions and forgotten failure counters are cleared here, at a sign-in: rare
    # enough to cost nothing, often enough that the tables stay small.
    db.session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    throttle.forget_old()
    db.session.add(
        AdminSession(
            token_hash=_digest(token),
            admin_user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    db.session.commit()
    return token


def session_user(token: object) -> AdminUser | None:
    """The account of a live session; None for an unknown, revoked or expired token."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = db.session.scalars(
        select(AdminSession).where(AdminSession.token_hash == _digest(token))
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    return db.session.get(AdminUser, row.admin_user_id)


def end_session(token: object) -> None:
    """Sign-out: the session's row goes, so a copy of the cookie is worth nothing."""
    if isinstance(token, str) and token:
        db.session.execute(delete(AdminSession).where(AdminSession.token_hash == _digest(token)))
        db.session.commit()


def change_password(user: AdminUser, current: str | None, new: str, actor: Actor) -> None:
    """Set a new password and revoke every session of the account. `current` is checked when
    given (the console); the command line, run by the server's operator, passes None."""
    if current is not None and not check_password_hash(user.password_hash, current):
        raise AccountError(_l("the current password is wrong"))
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    revoked = cast(
        "CursorResult[Any]",
        db.session.execute(delete(AdminSession).where(AdminSession.admin_user_id == user.id)),
    ).rowcount
    record(actor, "admin.password_changed", "admin_user", user.id, sessions_revoked=revoked)
    db.session.commit()


def actor_of(user: AdminUser) -> Actor:
    return Actor(kind=ActorKind.ADMIN_USER, label=f"admin {user.username}", id=user.id)
