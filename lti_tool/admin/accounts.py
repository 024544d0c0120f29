"""Console accounts: created on the command line, signed in with a password (scrypt hash)."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from lti_tool.admin.audit import Actor, record
from lti_tool.admin.platforms import RegistrationError
from lti_tool.extensions import db
from lti_tool.models import ActorKind, AdminUser, utcnow

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,100}$")
MIN_PASSWORD = 12
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(RegistrationError):
    pass


def create_admin(username: str, password: str, actor: Actor) -> AdminUser:
    username = username.strip()
    if not USERNAME.match(username):
        raise AccountError("a username is 3 to 100 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if db.session.scalars(select(AdminUser).where(AdminUser.username == username)).first():
        raise AccountError(f"an admin account named {username} exists")
    user = AdminUser(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    record(actor, "admin.created", "admin_user", user.id, username=username)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> AdminUser | None:
    user = db.session.scalars(
        select(AdminUser).where(AdminUser.username == username.strip())
    ).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    record(actor_of(user), "admin.signed_in", "admin_user", user.id)
    db.session.commit()
    return user


def actor_of(user: AdminUser) -> Actor:
    return Actor(kind=ActorKind.ADMIN_USER, label=f"admin {user.username}", id=user.id)
