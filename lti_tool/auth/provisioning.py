"""Turn a verified launch into who and where: upsert Person, Context, Membership, ResourceLink.

A returning student's launch reads all of it first in ONE statement (`_RETURNING`: person,
course, membership, link, whether they launched the link before, its placement and activity,
the course's services) and writes only what differs from the claims: on PostgreSQL each
statement is a round trip (about 0.65 ms), and a launch that changes nothing need not write.
`membership.last_launch_at` is kept to the hour (LAST_LAUNCH_GRANULARITY), not to the second:
the pages show it by the day.

What is new or changed is written as follows. The student's own rows (person, membership) by one
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (PostgreSQL and SQLite alike) on their natural
key: two first launches of one person racing in two tabs end with the same rows. The rows every
student of a course shares (context, resource link) only when new or changed, never by an
upsert: its DO UPDATE locks the row until the launch commits, even when nothing changes, so
every launch in a course would queue behind the one before it on the course's row; a first
launch inserts them with ON CONFLICT DO NOTHING, so a racing first launch elsewhere is not an
error.

Runs inside the launch's transaction, so a launch that fails later leaves none of it behind;
except, on PostgreSQL, a returning launch's first read, which spends the nonce and opens the
session and commits on its own (_read_returning says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import Boolean, Connection, and_, bindparam, exists, func, inspect, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from lti_tool.auth.roles import is_platform_admin, resolve_role
from lti_tool.auth.sessions import (
    OpenedSession,
    SessionRequest,
    opening_insert,
    record_link_launch,
)
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.launch import (
    VerifiedLaunch,
    consume_nonce,
    nonce_insert,
    nonce_parameters,
    nonce_replayed,
)
from lti_tool.models import (
    Activity,
    Context,
    CourseServices,
    LinkLaunch,
    Membership,
    Person,
    Placement,
    ResourceLink,
    Role,
    utcnow,
)
from lti_tool.models.upsert import Prepared, dialect_insert

T = TypeVar("T")


@dataclass
class LaunchIdentity:
    person: Person
    role: Role
    context: Context | None
    membership: Membership | None
    resource_link: ResourceLink | None
    platform_admin: bool = False
    # What the returning launch's read already found, so landing need not read it again:
    # None = not read (look it up); Known(None) = read, and there is none.
    placement: Known[Placement] | None = None
    course_services: Known[CourseServices] | None = None
    # The launch's session, when the returning read opened it (PostgreSQL): start no other.
    opened_session: OpenedSession | None = None


@dataclass(frozen=True)
class Known(Generic[T]):
    """A row (or its absence) read in this launch's transaction."""

    row: T | None


@dataclass
class LaunchProgress:
    """What a launch's earlier attempts left committed, for the attempt that retries it
    (web.launch: a concurrent write made the first one roll back). On PostgreSQL a returning
    launch's read commits on its own (_read_returning): its nonce stays spent, and the session
    it opened stays open for the retry to use."""

    nonce_spent: bool = False
    opened_session: OpenedSession | None = None


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    return str(value)[:limit] or None


_PERSON_FIELDS = (("name", 300), ("given_name", 200), ("family_name", 200), ("email", 320))


class _Upsert(Prepared):
    """`INSERT ... ON CONFLICT (key) DO UPDATE SET updated ... RETURNING *` of one model's
    table, built once per dialect. `insert_only` columns are written when the row is new and
    kept otherwise. On the table, not the model: a Core statement skips the ORM's bulk-insert
    path, which costs more than the round trip itself."""

    def __init__(
        self,
        model: type[Any],
        key: tuple[str, ...],
        insert_only: tuple[str, ...],
        updated: tuple[str, ...],
    ) -> None:
        self.model = model
        table = model.__table__

        def build(session: Session) -> Any:
            insert = dialect_insert(session, table)
            insert = insert.values({c: bindparam(c) for c in (*key, *insert_only, *updated)})
            set_ = {
                column: (
                    func.coalesce(insert.excluded[column], table.c[column])
                    if column in KEEP_WHEN_ABSENT
                    else insert.excluded[column]
                )
                for column in updated
            }
            return insert.on_conflict_do_update(
                index_elements=[table.c[c] for c in key], set_=set_
            ).returning(*table.c)

        super().__init__(build)


# Names and email appear only when the platform's privacy settings allow; keep what we had.
KEEP_WHEN_ABSENT = frozenset(field for field, _ in _PERSON_FIELDS)

_PERSON = _Upsert(
    Person,
    ("platform_id", "sub"),
    ("created_at",),
    (*(field for field, _ in _PERSON_FIELDS), "updated_at"),
)
_MEMBERSHIP = _Upsert(
    Membership,
    ("person_id", "context_id"),
    ("created_at",),
    ("raw_roles", "role", "mentee_subs", "last_launch_at"),
)


class _Shared:
    """Read, insert-if-missing and update-if-changed statements for a row a course shares."""

    def __init__(self, model: type[Any], key: tuple[str, ...], updated: tuple[str, ...]) -> None:
        self.model = model
        self.key = key
        self.updated = updated
        table = model.__table__
        where = [table.c[k] == bindparam(k) for k in key]
        self.read = Prepared(lambda _s: select(*table.c).where(*where))
        self.insert = Prepared(
            lambda session: (
                dialect_insert(session, table)
                .values({c.name: bindparam(c.name) for c in table.c if c.name != "id"})
                .on_conflict_do_nothing(index_elements=[table.c[k] for k in key])
                .returning(*table.c)
            )
        )
        self.update = Prepared(
            lambda _s: (
                table.update()
                .where(table.c.id == bindparam("row_id"))
                .values({c: bindparam("new_" + c) for c in (*updated, "updated_at")})
                .returning(*table.c)
            )
        )

    def ensure(self, keys: dict[str, Any], new_only: dict[str, Any], values: dict[str, Any]) -> Any:
        """The row for `keys` with `values`, writing only what is missing or different."""
        session = db.session
        connection = _connection()
        now = utcnow()
        row = connection.execute(self.read(session), keys).first()
        if row is None:
            params = {**keys, **new_only, **values, "created_at": now, "updated_at": now}
            row = connection.execute(self.insert(session), params).first()
            if row is None:  # inserted by a racing first launch since we looked
                row = connection.execute(self.read(session), keys).one()
        if any(row._mapping[c] != values[c] for c in self.updated):
            params = {"row_id": row.id, "new_updated_at": now}
            params.update({"new_" + c: values[c] for c in self.updated})
            row = connection.execute(self.update(session), params).one()
        return _instance(self.model, row._mapping)


_CONTEXT = _Shared(Context, ("platform_id", "context_id"), ("label", "title", "types"))
_RESOURCE_LINK = _Shared(ResourceLink, ("context_id", "resource_link_id"), ("title", "description"))


def _connection() -> Connection:
    """The launch transaction's connection. Core statements go to it directly: through
    Session.execute each would pay for ORM bookkeeping it does not need (the instances are
    made by _instance), which on SQLite costs more than the statement. Pending ORM changes are
    flushed first, as Session.execute would."""
    db.session.flush()
    return db.session.connection()


def _instance(model: type[Any], values: Any) -> Any:
    """A whole row the database returned as a persistent instance of the session, without
    another query."""
    instance = model(**values)
    make_transient_to_detached(instance)
    key = inspect(instance).key
    if key in db.session.identity_map:
        # Already loaded in this session (e.g. a submission review's person): refresh it.
        return db.session.merge(instance, load=False)
    db.session.add(instance)
    return instance


def _write(upsert: _Upsert, **params: Any) -> Any:
    """Run the upsert and return the row as a persistent instance of the session, without
    another query (the row the database returned is the whole row)."""
    row = _connection().execute(upsert(db.session), params).one()
    return _instance(upsert.model, row._mapping)


def _keeps_email() -> bool:
    return has_app_context() and bool(current_app.extensions["coproduce.settings"].wants_email)


def _upsert_person(launch: VerifiedLaunch) -> Person:
    body = launch.claims
    now = utcnow()
    names = _person_values(body)
    return _write(  # type: ignore[no-any-return]
        _PERSON,
        platform_id=launch.platform.id,
        sub=str(body["sub"]),
        created_at=now,
        updated_at=now,
        **names,
    )


def _upsert_context(launch: VerifiedLaunch, claim: dict[str, Any]) -> Context:
    if launch.deployment.id is None:
        db.session.flush()  # a deployment accepted by this very launch gets its id
    return _CONTEXT.ensure(  # type: ignore[no-any-return]
        {"platform_id": launch.platform.id, "context_id": str(claim["id"])},
        {"deployment_id": launch.deployment.id},
        _context_values(claim),
    )


def _upsert_membership(
    person: Person, context: Context, role: Role, raw_roles: list[str], body: dict[str, Any]
) -> Membership:
    # The latest launch decides: a lower role here demotes every open session at once, since
    # sessions read the role from this row (auth.current).
    now = utcnow()
    return _write(  # type: ignore[no-any-return]
        _MEMBERSHIP,
        person_id=person.id,
        context_id=context.id,
        created_at=now,
        raw_roles=raw_roles,
        role=role.value,
        mentee_subs=mentee_subs(body) if role == Role.MENTOR else [],
        last_launch_at=now,
    )


def _upsert_resource_link(context: Context, claim: dict[str, Any]) -> ResourceLink:
    return _RESOURCE_LINK.ensure(  # type: ignore[no-any-return]
        {"context_id": context.id, "resource_link_id": str(claim["id"])},
        {},
        _link_values(claim),
    )


def mentee_subs(body: dict[str, Any]) -> list[str]:
    """The users a Mentor may see (LTI 1.3 `role_scope_mentor`: their `sub`s; Canvas sends an
    observer's observees there). Anything but a list of strings counts as none."""
    scope = body.get(claims.ROLE_SCOPE_MENTOR)
    if not isinstance(scope, list):
        return []
    return sorted({s[:255] for s in scope if isinstance(s, str) and s})[:500]


# A returning launch rewrites `membership.last_launch_at` only when the stored one is older
# than this: the pages show the day of the last launch, and a student moving between a course's
# activities (or reloading) should not pay a write each time.
LAST_LAUNCH_GRANULARITY = timedelta(hours=1)


# The read's joins, on natural keys each with a unique index (at most one row each).
_COURSE_OF_LAUNCH = and_(
    Context.platform_id == Person.platform_id, Context.context_id == bindparam("context_key")
)
_MEMBERSHIP_IN_COURSE = and_(Membership.person_id == Person.id, Membership.context_id == Context.id)
_LINK_OF_LAUNCH = and_(
    ResourceLink.context_id == Context.id, ResourceLink.resource_link_id == bindparam("link_key")
)


def _build_returning(_session: Session) -> Any:
    return _returning_columns(select(Person)).where(
        Person.platform_id == bindparam("platform_id"), Person.sub == bindparam("sub")
    )


def _build_returning_spending_nonce(session: Session) -> Any:
    """PostgreSQL: the nonce's insert and the launch session's as data-modifying CTEs of the
    same read, so a returning launch is one statement. The row comes FROM the nonce insert's
    result: no row back means the nonce was used before (a racing replay waits on its unique
    index here, as it would on the insert alone); a row with no person is a first launch. The
    session is opened only once the nonce is spent and the person, course, membership and (if
    the launch names one) link exist: their ids are what a launch that then updates some of
    them keeps (each upsert keeps its row's id). The statement commits on its own
    (_read_returning says why and what a launch failing after it leaves)."""
    spent = nonce_insert(session).cte("spent_nonce")
    person_matches = and_(
        Person.platform_id == bindparam("platform_id"), Person.sub == bindparam("sub")
    )
    ids = (
        select(
            Person.id.label("person_id"),
            Context.id.label("context_id"),
            Membership.id.label("membership_id"),
            ResourceLink.id.label("resource_link_id"),
        )
        .join(Context, _COURSE_OF_LAUNCH)
        .join(Membership, _MEMBERSHIP_IN_COURSE)
        .outerjoin(ResourceLink, _LINK_OF_LAUNCH)
        .where(person_matches, exists(select(spent.c.id)))
        .where(or_(~bindparam("has_link", type_=Boolean), ResourceLink.id.is_not(None)))
        .cte("session_ids")
    )
    opened = opening_insert(ids).cte("opened_session")
    return _returning_columns(
        select(
            spent.c.id.label("spent_nonce_id"),
            select(opened.c.id).scalar_subquery().label("opened_session_id"),
            Person,
        ).select_from(spent),
        person=(Person, person_matches),
    )


def _returning_columns(head: Any, person: tuple[Any, Any] | None = None) -> Any:
    statement = head
    if person is not None:
        statement = statement.outerjoin(*person)
    return (
        statement.add_columns(
            Context,
            Membership,
            ResourceLink,
            LinkLaunch.id,
            Placement,
            Activity,
            CourseServices,
        )
        .outerjoin(
            Context,
            _COURSE_OF_LAUNCH,
        )
        .outerjoin(
            Membership,
            _MEMBERSHIP_IN_COURSE,
        )
        .outerjoin(
            ResourceLink,
            _LINK_OF_LAUNCH,
        )
        .outerjoin(
            LinkLaunch,
            and_(LinkLaunch.person_id == Person.id, LinkLaunch.resource_link_id == ResourceLink.id),
        )
        .outerjoin(Placement, Placement.resource_link_id == ResourceLink.id)
        .outerjoin(Activity, Activity.id == Placement.activity_id)
        .outerjoin(CourseServices, CourseServices.context_id == Context.id)
    )


# One statement for everything a returning launch needs to know (natural keys only, each join
# on a unique index, so at most one row). ORM entities: loading rows into instances is the
# ORM's fast path, cheaper than making persistent instances from plain rows one by one.
_RETURNING = Prepared(_build_returning)
_RETURNING_SPENDING_NONCE = Prepared(_build_returning_spending_nonce)


@dataclass(frozen=True)
class _Returning:
    person: Person
    context: Context | None
    membership: Membership | None
    link: ResourceLink | None
    launched: bool
    placement: Placement | None
    services: CourseServices | None
    opened_session: OpenedSession | None = None


def _person_values(body: dict[str, Any]) -> dict[str, str | None]:
    values = {field: _text(body.get(field) or None, limit) for field, limit in _PERSON_FIELDS}
    if not _keeps_email():
        values["email"] = None  # not used: not stored (data minimisation, docs/privacy.md)
    return values


def _person_unchanged(stored: Person, body: dict[str, Any]) -> bool:
    # An absent name keeps the stored one (KEEP_WHEN_ABSENT), so only names sent can differ.
    return all(v is None or getattr(stored, k) == v for k, v in _person_values(body).items())


def _context_values(claim: dict[str, Any]) -> dict[str, Any]:
    types = claim.get("type")
    return {
        "label": _text(claim.get("label"), 255),
        "title": _text(claim.get("title"), 500),
        "types": [str(t) for t in types] if isinstance(types, list) else [],
    }


def _link_values(claim: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": _text(claim.get("title"), 500),
        "description": _text(claim.get("description"), 2000),
    }


def _membership_unchanged(
    stored: Membership, role: Role, raw_roles: list[str], body: dict[str, Any]
) -> bool:
    last = stored.last_launch_at
    return (
        stored.role == role.value
        and list(stored.raw_roles or []) == raw_roles
        and list(stored.mentee_subs or []) == (mentee_subs(body) if role == Role.MENTOR else [])
        and last is not None
        and last > utcnow() - LAST_LAUNCH_GRANULARITY
    )


def _commits_on_its_own() -> bool:
    """Make the session's next statement commit on its own (autocommit), if it is the first
    of the session's transaction; False when the request has already begun one (a launch that
    wrote the platform's keys first): the read then stays in it."""
    session = db.session()
    if session.in_transaction():
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def commit_keeping_rows() -> None:
    """Commit without expiring the session's rows: what a launch read stays loaded (reading
    it again would cost a statement per row, and the launch's response needs none of it
    fresh). The session ends with the request; a session shared beyond it (a test's app
    context) keeps rows as committed. After a returning launch's autocommit read it also
    hands that connection back (the pool restores its isolation level), so the launch's next
    statement, if any, begins a transaction of its own."""
    session = db.session()
    kept = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = kept


def _read_returning(
    launch: VerifiedLaunch,
    context_claim: dict[str, Any],
    link_claim: Any,
    nonce_ttl: int,
    session_request: SessionRequest,
    progress: LaunchProgress,
) -> _Returning | None:
    """What a returning launch needs to know, after spending the launch's nonce: by its own
    statement first (SQLite), or inside this read (PostgreSQL), which also opens the launch's
    session (holding what `session_request` says) when everything it points at exists.

    On PostgreSQL that read is the launch's first statement, and it commits on its own
    (autocommit): a returning launch that changes nothing is then one round trip, with no
    BEGIN or COMMIT around it. Anything the launch writes afterwards goes in a transaction
    of its own. The nonce is spent for good once the read returns, as a single-use nonce
    should be; a launch that fails after it cannot be replayed, and leaves behind at most a
    session whose token nobody was given (it expires like any other)."""
    if launch.deployment.id is None:
        # A deployment accepted by this very launch: nothing of it exists yet.
        consume_nonce(launch, nonce_ttl)
        return None
    link_key = (
        str(link_claim["id"]) if isinstance(link_claim, dict) and link_claim.get("id") else None
    )
    params: dict[str, Any] = {
        "platform_id": launch.platform.id,
        "sub": str(launch.claims["sub"]),
        "context_key": str(context_claim["id"]),
        "link_key": link_key,
    }
    opened: OpenedSession | None = None
    row: Any  # the read's row (None: no such person yet)
    if db.session.get_bind().dialect.name != "postgresql":
        consume_nonce(launch, nonce_ttl)  # SQLite has no INSERT inside a WITH
        row = db.session.execute(_RETURNING(db.session), params).first()
    elif progress.nonce_spent:
        # A retry: this launch spent its nonce (and opened its session) for good already.
        row = db.session.execute(_RETURNING(db.session), params).first()
        opened = progress.opened_session
    else:
        params.update(nonce_parameters(launch, nonce_ttl))
        params["has_link"] = link_key is not None
        session_params = session_request.parameters()
        params.update(session_params)
        on_its_own = _commits_on_its_own()
        spending = db.session.execute(_RETURNING_SPENDING_NONCE(db.session), params).first()
        if spending is None:
            raise nonce_replayed()
        if spending[1] is not None:
            opened = OpenedSession(id=spending[1], token_salt=session_params["session_token_salt"])
        if on_its_own:
            commit_keeping_rows()
            progress.nonce_spent, progress.opened_session = True, opened
        row = spending[2:] if spending[2] is not None else None
    if row is None:
        return None
    person, context, membership, link, launched, placement, _activity, services = row
    # The activity is in the session now: landing reads it with no SQL.
    return _Returning(
        person, context, membership, link, launched is not None, placement, services, opened
    )


def provision(
    launch: VerifiedLaunch,
    nonce_ttl: int,
    session_request: SessionRequest,
    progress: LaunchProgress | None = None,
) -> LaunchIdentity:
    """Who and where this launch is, after spending its nonce (lti.launch.consume_nonce:
    always the first statement, so a concurrent replay waits on the nonce's unique index
    instead of provisioning in parallel). A returning launch reads it all in one statement
    and writes only what changed; anything new goes through one upsert per row. The
    read may open the launch's session too (`opened_session`, holding `session_request`)."""
    body = launch.claims
    raw_roles = [str(r) for r in body.get(claims.ROLES, [])]
    role = resolve_role(raw_roles)
    platform_admin = is_platform_admin(raw_roles)
    context_claim = body.get(claims.CONTEXT)
    if not isinstance(context_claim, dict) or not context_claim.get("id"):
        consume_nonce(launch, nonce_ttl)
        return LaunchIdentity(
            person=_upsert_person(launch),
            role=role,
            context=None,
            membership=None,
            resource_link=None,
            platform_admin=platform_admin,
        )
    link_claim = body.get(claims.RESOURCE_LINK)
    has_link = isinstance(link_claim, dict) and bool(link_claim.get("id"))
    known = _read_returning(
        launch, context_claim, link_claim, nonce_ttl, session_request, progress or LaunchProgress()
    )

    if known is not None and _person_unchanged(known.person, body):
        person = known.person
    else:
        person = _upsert_person(launch)

    stored_context = known.context if known is not None else None
    if stored_context is not None and all(
        getattr(stored_context, k) == v for k, v in _context_values(context_claim).items()
    ):
        context = stored_context
    else:
        context = _upsert_context(launch, context_claim)

    stored_membership = known.membership if known is not None else None
    if stored_membership is not None and _membership_unchanged(
        stored_membership, role, raw_roles, body
    ):
        membership = stored_membership
    else:
        membership = _upsert_membership(person, context, role, raw_roles, body)

    services = Known(known.services) if known is not None and stored_context else None

    resource_link = None
    placement: Known[Placement] | None = None
    if has_link:
        assert isinstance(link_claim, dict)
        stored_link = known.link if known is not None else None
        if stored_link is not None and all(
            getattr(stored_link, k) == v for k, v in _link_values(link_claim).items()
        ):
            resource_link = stored_link
        else:
            resource_link = _upsert_resource_link(context, link_claim)
        if known is not None and stored_link is not None:
            placement = Known(known.placement)
        if known is None or not known.launched:
            # The LMS showed this link to this person: their release of its activity.
            record_link_launch(person.id, resource_link.id)
    return LaunchIdentity(
        person=person,
        role=role,
        context=context,
        membership=membership,
        resource_link=resource_link,
        platform_admin=platform_admin,
        placement=placement,
        course_services=services,
        opened_session=known.opened_session if known is not None else None,
    )
