"""Turn a verified launch into who and where: upsert Person, Context, Membership, ResourceLink.

Runs inside the launch's transaction, so a launch that fails later leaves none of it behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool.auth.roles import is_platform_admin, resolve_role
from lti_tool.auth.sessions import record_link_launch
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.launch import VerifiedLaunch
from lti_tool.models import Context, Membership, Person, ResourceLink, Role, utcnow


@dataclass
class LaunchIdentity:
    person: Person
    role: Role
    context: Context | None
    membership: Membership | None
    resource_link: ResourceLink | None
    platform_admin: bool = False


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    return str(value)[:limit] or None


def _upsert_person(launch: VerifiedLaunch) -> Person:
    body = launch.claims
    person = db.session.scalars(
        select(Person).where(
            Person.platform_id == launch.platform.id, Person.sub == str(body["sub"])
        )
    ).first()
    if person is None:
        person = Person(platform_id=launch.platform.id, sub=str(body["sub"]))
        db.session.add(person)
    # Names and email appear only when the platform's privacy settings allow; keep what we had.
    for field, limit in (("name", 300), ("given_name", 200), ("family_name", 200), ("email", 320)):
        if body.get(field):
            setattr(person, field, _text(body[field], limit))
    return person


def _upsert_context(launch: VerifiedLaunch, claim: dict[str, Any]) -> Context:
    context = db.session.scalars(
        select(Context).where(
            Context.platform_id == launch.platform.id, Context.context_id == str(claim["id"])
        )
    ).first()
    if context is None:
        context = Context(
            platform_id=launch.platform.id,
            deployment=launch.deployment,
            context_id=str(claim["id"]),
        )
        db.session.add(context)
    context.label = _text(claim.get("label"), 255)
    context.title = _text(claim.get("title"), 500)
    types = claim.get("type")
    context.types = [str(t) for t in types] if isinstance(types, list) else []
    return context


def _upsert_resource_link(context: Context, claim: dict[str, Any]) -> ResourceLink:
    link = db.session.scalars(
        select(ResourceLink).where(
            ResourceLink.context_id == context.id,
            ResourceLink.resource_link_id == str(claim["id"]),
        )
    ).first()
    if link is None:
        link = ResourceLink(context=context, resource_link_id=str(claim["id"]))
        db.session.add(link)
    link.title = _text(claim.get("title"), 500)
    link.description = _text(claim.get("description"), 2000)
    return link


def mentee_subs(body: dict[str, Any]) -> list[str]:
    """The users a Mentor may see (LTI 1.3 `role_scope_mentor`: their `sub`s; Canvas sends an
    observer's observees there). Anything but a list of strings counts as none."""
    scope = body.get(claims.ROLE_SCOPE_MENTOR)
    if not isinstance(scope, list):
        return []
    return sorted({s[:255] for s in scope if isinstance(s, str) and s})[:500]


def provision(launch: VerifiedLaunch) -> LaunchIdentity:
    body = launch.claims
    raw_roles = [str(r) for r in body.get(claims.ROLES, [])]
    role = resolve_role(raw_roles)
    platform_admin = is_platform_admin(raw_roles)
    person = _upsert_person(launch)
    context_claim = body.get(claims.CONTEXT)
    if not isinstance(context_claim, dict) or not context_claim.get("id"):
        db.session.flush()  # the person's id goes into the launch token
        return LaunchIdentity(
            person=person,
            role=role,
            context=None,
            membership=None,
            resource_link=None,
            platform_admin=platform_admin,
        )

    context = _upsert_context(launch, context_claim)
    db.session.flush()  # ids for the rows below
    membership = db.session.scalars(
        select(Membership).where(
            Membership.person_id == person.id, Membership.context_id == context.id
        )
    ).first()
    if membership is None:
        membership = Membership(person=person, context=context, role=role)
        db.session.add(membership)
    membership.raw_roles = raw_roles
    # The latest launch decides: a lower role here demotes every open session at once, since
    # sessions read the role from this row (auth.current).
    membership.role = role
    membership.mentee_subs = mentee_subs(body) if role == Role.MENTOR else []
    membership.last_launch_at = utcnow()

    link_claim = body.get(claims.RESOURCE_LINK)
    resource_link = None
    if isinstance(link_claim, dict) and link_claim.get("id"):
        resource_link = _upsert_resource_link(context, link_claim)
    db.session.flush()
    if resource_link is not None:
        # The LMS showed this link to this person: their release of its activity.
        record_link_launch(person.id, resource_link.id)
    return LaunchIdentity(
        person=person,
        role=role,
        context=context,
        membership=membership,
        resource_link=resource_link,
        platform_admin=platform_admin,
    )
