"""LTI roles → Coproduce roles (product.md, "Users and roles"; the README has the full table).

Context roles decide first; institution and system roles only when the launch carries no context
role. Unknown roles get the least privilege (student). A TeachingAssistant is a sub-role of
Instructor, and platforms send either the sub-role alone or both, so the sub-role wins.

A Mentor (Canvas sends observers, often parents, as `membership#Mentor` with the observed
students in `role_scope_mentor`) is never staff: a read-only role scoped to their mentees. It
decides only when nothing else in the course does: a Mentor who is also a Learner or an
Instructor there gets that role.
"""

from __future__ import annotations

from collections.abc import Iterable

from lti_tool.lti import claims
from lti_tool.models import Role

_SHORT_CONTEXT_ROLES = {  # LTI 1.3 allows simple names for context roles (deprecated but seen)
    "Instructor": claims.ROLE_INSTRUCTOR,
    "Learner": claims.ROLE_LEARNER,
    "Mentor": claims.ROLE_MENTOR,
    "ContentDeveloper": claims.ROLE_CONTENT_DEVELOPER,
    "Administrator": claims.ROLE_CONTEXT_ADMIN,
    "TeachingAssistant": claims.ROLE_TEACHING_ASSISTANT,
}

_COACH = {
    claims.ROLE_TEACHING_ASSISTANT,
    claims.MEMBERSHIP + "TeachingAssistant",  # seen from some platforms without the sub-role path
}
_FACILITATOR = {claims.ROLE_INSTRUCTOR, claims.ROLE_CONTENT_DEVELOPER, claims.ROLE_CONTEXT_ADMIN}
_ADMIN = {claims.ROLE_INSTITUTION_ADMIN, claims.ROLE_SYSTEM_ADMIN, claims.ROLE_SYSTEM_SYSADMIN}
_INSTITUTION_MENTOR = {claims.ROLE_INSTITUTION_MENTOR, claims.ROLE_INSTITUTION_OBSERVER}


def _normalise(role: str) -> str:
    return _SHORT_CONTEXT_ROLES.get(role, role)


def _is_context_role(role: str) -> bool:
    return role.startswith((claims.MEMBERSHIP, claims.MEMBERSHIP_SUB))


def _is_mentor(role: str) -> bool:
    return role == claims.ROLE_MENTOR or role.startswith(claims.ROLE_MENTOR_SUB)


def resolve_role(raw_roles: Iterable[str]) -> Role:
    roles = {_normalise(r) for r in raw_roles}
    context_roles = {r for r in roles if _is_context_role(r)}
    if context_roles:
        if context_roles & _COACH or any(
            r.startswith(claims.MEMBERSHIP_SUB + "Instructor#TeachingAssistant")
            for r in context_roles
        ):
            return Role.COACH
        if context_roles & _FACILITATOR:
            return Role.FACILITATOR
        if all(_is_mentor(r) for r in context_roles):
            return Role.MENTOR
        return Role.STUDENT
    if roles & _ADMIN:
        return Role.ADMIN
    if roles & _INSTITUTION_MENTOR:
        return Role.MENTOR
    return Role.STUDENT


def is_platform_admin(raw_roles: Iterable[str]) -> bool:
    """Institution or system administrator of the launching platform (for the admin console)."""
    return bool(set(raw_roles) & _ADMIN)
