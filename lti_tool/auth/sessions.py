"""Launch sessions: open one at launch, find it again from a token or a link ticket, and record
which links a person has launched (the LMS's release of an activity to them).

Plain values in, rows out; never reads flask.request (current.py does that).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, delete, false, insert, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from lti_tool.auth import launch_token
from lti_tool.auth.launch_token import LaunchTokenError
from lti_tool.extensions import db
from lti_tool.models import LaunchSession, LinkLaunch, Placement, UsedLinkTicket, utcnow

_EXPIRED = (
    "SESSION_EXPIRED",
    _l("Your session in Coproduce has expired. Open the activity again from your course."),
)
_INVALID = (
    "SESSION_INVALID",
    _l("This page's session is not valid. Open the activity again from your course."),
)
_TICKET_USED = (
    "SESSION_INVALID",
    _l(
        "This link has already been used (each link works once, so a copied link cannot open "
        "your session). Go back to the page you came from, or open the activity again from "
        "your course."
    ),
)


def start_session(
    *,
    platform_id: int,
    person_id: int,
    context_id: int | None,
    membership_id: int | None,
    resource_link_id: int | None,
    message_type: str,
    courseless_role: str | None,
    courseless_platform_admin: bool,
    ttl_seconds: int,
    locale: str | None = None,
) -> OpenedSession:
    """A new session for a launch (in the caller's transaction), inserted by a Core statement:
    the ORM's flush of one new object (and even making one) costs more than its round trip
    (issue 13's profile). What the launch needs of it comes back: its id and token salt."""
    now = utcnow()
    values: dict[str, Any] = {
        "token_salt": launch_token.new_token_salt(),
        "platform_id": platform_id,
        "person_id": person_id,
        "context_id": context_id,
        "membership_id": membership_id,
        "resource_link_id": resource_link_id,
        "message_type": message_type,
        "courseless_role": courseless_role if context_id is None else None,
        "courseless_platform_admin": courseless_platform_admin if context_id is None else False,
        "csrf_secret": launch_token.new_csrf_secret(),
        "locale": locale,
        "created_at": now,
        "expires_at": now + timedelta(seconds=ttl_seconds),
    }
    db.session.flush()  # what the ORM has pending goes first, as Session.execute would
    session_id = db.session.connection().execute(_INSERT_SESSION, values).scalar_one()
    return OpenedSession(id=session_id, token_salt=values["token_salt"])


@dataclass(frozen=True)
class SessionRequest:
    """What a launch's session will hold besides who and where: so a returning launch can
    open it inside its one read (auth.provisioning, PostgreSQL)."""

    message_type: str
    ttl_seconds: int
    locale: str | None

    def parameters(self) -> dict[str, Any]:
        """The bind parameters of opening_insert: the session's own values, new secrets."""
        now = utcnow()
        return {
            "session_token_salt": launch_token.new_token_salt(),
            "session_message_type": self.message_type,
            "session_csrf_secret": launch_token.new_csrf_secret(),
            "session_locale": self.locale,
            "session_created_at": now,
            "session_expires_at": now + timedelta(seconds=self.ttl_seconds),
        }


def opening_insert(ids: Any) -> Any:
    """`INSERT INTO launch_session ... SELECT` a session for the one row of `ids` (its
    person_id, context_id, membership_id and resource_link_id columns; no row, no session),
    with SessionRequest.parameters() for the rest, `RETURNING id`. A course launch's session:
    no courseless role (start_session's rule)."""
    table = LaunchSession.__table__
    values = {
        "token_salt": bindparam("session_token_salt", type_=String),
        "platform_id": bindparam("platform_id", type_=Integer),
        "person_id": ids.c.person_id,
        "context_id": ids.c.context_id,
        "membership_id": ids.c.membership_id,
        "resource_link_id": ids.c.resource_link_id,
        "message_type": bindparam("session_message_type", type_=String),
        "courseless_role": null(),
        "courseless_platform_admin": false(),
        "csrf_secret": bindparam("session_csrf_secret", type_=String),
        "locale": bindparam("session_locale", type_=String),
        "created_at": bindparam("session_created_at", type_=table.c.created_at.type),  # type: ignore[attr-defined]
        "expires_at": bindparam("session_expires_at", type_=table.c.expires_at.type),  # type: ignore[attr-defined]
    }
    return (
        insert(table)  # type: ignore[arg-type]
        .from_select(list(values), select(*values.values()).select_from(ids))
        .returning(table.c.id)  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class OpenedSession:
    """A launch session just inserted: what its token is made of."""

    id: int
    token_salt: str


_INSERT_SESSION = (
    insert(LaunchSession.__table__)  # type: ignore[arg-type]
    .values({c.name: bindparam(c.name) for c in LaunchSession.__table__.c if c.name != "id"})  # type: ignore[attr-defined]
    .returning(LaunchSession.__table__.c.id)  # type: ignore[attr-defined]
)


def token_of(session: LaunchSession | OpenedSession, secret_key: str) -> str:
    return launch_token.session_token(session.id, session.token_salt, secret_key)


def _live(session: LaunchSession | None) -> LaunchSession:
    if session is None:
        raise LaunchTokenError(*_INVALID)
    if session.expires_at <= utcnow():
        raise LaunchTokenError(*_EXPIRED)
    return session


def _matching(token: str | None, session_id: int, secret_key: str) -> LaunchSession | None:
    if not token or launch_token.session_id_of(token) != session_id:
        return None
    session = db.session.get(LaunchSession, session_id)
    if session is None or not launch_token.token_matches(
        token, session.id, session.token_salt, secret_key
    ):
        return None
    return session


def session_for_token(token: str, secret_key: str) -> LaunchSession:
    """The live session a token names, or LaunchTokenError."""
    session_id = launch_token.session_id_of(token)
    session = _matching(token, session_id, secret_key) if session_id is not None else None
    return _live(session)


def redeem_ticket(
    ticket: str, secret_key: str, ticket_ttl: int, cookies: Mapping[str, str]
) -> LaunchSession:
    """The session a link ticket opens, consuming the ticket (committed at once, so it stays
    spent whatever the view does next). A spent or old ticket still opens its own session when
    the browser also holds that session's partitioned cookie (a reload, the Back button)."""
    parsed = launch_token.read_ticket(ticket, secret_key)
    cookie_token = cookies.get(launch_token.cookie_name(parsed.session_id))
    by_cookie = _matching(cookie_token, parsed.session_id, secret_key)
    if by_cookie is None:
        launch_token.read_ticket(ticket, secret_key, max_age=ticket_ttl)
    try:
        db.session.add(
            UsedLinkTicket(jti=parsed.jti, expires_at=utcnow() + timedelta(seconds=ticket_ttl))
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if by_cookie is None:
            raise LaunchTokenError(*_TICKET_USED) from None
    session = by_cookie or db.session.get(LaunchSession, parsed.session_id)
    return _live(session)


def record_link_launch(person_id: int, resource_link_id: int) -> None:
    """Remember that this person launched this link; a second time (or a racing first launch
    in another tab) changes nothing."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LinkLaunch)
        .values(person_id=person_id, resource_link_id=resource_link_id, first_at=utcnow())
        .on_conflict_do_nothing(index_elements=["person_id", "resource_link_id"])
    )


def has_launched_activity(person_id: int, activity_id: int) -> bool:
    """Did this person launch one of the links that open this activity?"""
    return (
        db.session.scalars(
            select(LinkLaunch.id)
            .join(Placement, Placement.resource_link_id == LinkLaunch.resource_link_id)
            .where(LinkLaunch.person_id == person_id, Placement.activity_id == activity_id)
            .limit(1)
        ).first()
        is not None
    )


def forget_expired() -> None:
    """Cheap housekeeping on a small share of launches instead of a scheduler."""
    if random.random() < 0.02:  # noqa: S311 - not security relevant
        now = utcnow()
        db.session.execute(delete(UsedLinkTicket).where(UsedLinkTicket.expires_at < now))
        db.session.execute(delete(LaunchSession).where(LaunchSession.expires_at < now))
        db.session.commit()


def session_token_for_member(
    *,
    platform_id: int,
    person_id: int,
    context_id: int,
    membership_id: int,
    secret_key: str,
    ttl_seconds: int = 3600,
    message_type: str = "LtiResourceLinkRequest",
) -> str:
    """A committed session for an existing membership and its token, without a launch: for the
    benches and tests that seed a class directly. The role is the membership's, as always."""
    session = start_session(
        platform_id=platform_id,
        person_id=person_id,
        context_id=context_id,
        membership_id=membership_id,
        resource_link_id=None,
        message_type=message_type,
        courseless_role=None,
        courseless_platform_admin=False,
        ttl_seconds=ttl_seconds,
    )
    token = token_of(session, secret_key)
    db.session.commit()
    return token
