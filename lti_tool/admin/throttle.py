"""Lockout with backoff for console sign-in, counted in the database per account and per client
address, so it holds across gunicorn workers and machines with nothing but the tool's database.

(Flask-Limiter keeps its counters in memory, Redis, Memcached or MongoDB: in memory each worker
counts alone, and the others need a service the SQLite installation does not have. The rule
here is small: a few free failures, then a lock that doubles with each further failure.)

An account key is a digest of the username, so a password typed into the username field is never
stored. Counters reset on a successful sign-in (the account's) and after a quiet day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.models import SignInThrottle, utcnow

ACCOUNT_FREE_FAILURES = 5
# Several admins may share an office's address: more room, the same backoff after it.
ADDRESS_FREE_FAILURES = 20
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Locked:
    until: datetime

    @property
    def retry_after(self) -> int:
        return max(1, int((self.until - utcnow()).total_seconds()) + 1)


def account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()
    return "account:" + digest


def address_key(address: str | None) -> str:
    return "ip:" + (address or "unknown")[:90]


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    return [
        (account_key(username), ACCOUNT_FREE_FAILURES),
        (address_key(address), ADDRESS_FREE_FAILURES),
    ]


def locked(username: str, address: str | None) -> Locked | None:
    """The lock in force for this account or address, if any: then no password is checked."""
    now = utcnow()
    keys = [k for k, _ in _keys(username, address)]
    found = db.session.scalars(
        select(SignInThrottle.locked_until).where(
            SignInThrottle.key.in_(keys), SignInThrottle.locked_until > now
        )
    )
    until = [t for t in found if t is not None]
    return Locked(max(until)) if until else None


def _lock_for(failures: int, free: int) -> timedelta | None:
    if failures < free:
        return None
    return min(MAX_LOCK, FIRST_LOCK * 2 ** min(failures - free, 16))


def _row(key: str) -> SignInThrottle:
    row = db.session.scalars(select(SignInThrottle).where(SignInThrottle.key == key)).first()
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = SignInThrottle(key=key, failures=0, last_failure_at=utcnow())
            db.session.add(row)
    except IntegrityError:  # a parallel failure made it first
        row = db.session.scalars(select(SignInThrottle).where(SignInThrottle.key == key)).one()
    return row


def record_failure(username: str, address: str | None) -> Locked | None:
    """Count a failed sign-in for the account and the address; the lock it starts, if any.
    The increment is one UPDATE, so parallel guesses are each counted."""
    now = utcnow()
    lock: Locked | None = None
    for key, free in _keys(username, address):
        row = _row(key)
        if now - row.last_failure_at > FORGET_AFTER:
            db.session.execute(
                update(SignInThrottle).where(SignInThrottle.id == row.id).values(failures=0)
            )
        db.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.id == row.id)
            .values(failures=SignInThrottle.failures + 1, last_failure_at=now)
        )
        db.session.refresh(row)
        duration = _lock_for(row.failures, free)
        if duration is not None:
            row.locked_until = now + duration
            if lock is None or row.locked_until > lock.until:
                lock = Locked(row.locked_until)
    db.session.commit()
    return lock


def record_success(username: str) -> None:
    """The account's counter starts again (the address's does not: one right password must not
    clear the guesses made there at other accounts)."""
    db.session.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key == account_key(username))
        .values(failures=0, locked_until=None)
    )


def forget_old() -> None:
    """Delete counters quiet for FORGET_AFTER whose lock (if any) has run out."""
    now = utcnow()
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.last_failure_at < now - FORGET_AFTER,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
        )
    )
