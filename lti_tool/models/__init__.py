"""Typed SQLAlchemy 2.0 models, one module per aggregate."""

from lti_tool.models.admin import AdminUser
from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Context, Membership, Person, ResourceLink, Role
from lti_tool.models.event import ActorKind, Event
from lti_tool.models.platform import (
    Deployment,
    DeploymentPolicy,
    DeploymentStatus,
    Platform,
    PlatformKeySet,
    PlatformStatus,
    ProductFamily,
)
from lti_tool.models.security import ToolKey, ToolKeyStatus, UsedNonce

__all__ = [
    "ActorKind",
    "AdminUser",
    "Event",
    "Base",
    "Context",
    "Deployment",
    "DeploymentPolicy",
    "DeploymentStatus",
    "Membership",
    "Person",
    "Platform",
    "PlatformKeySet",
    "PlatformStatus",
    "ProductFamily",
    "ResourceLink",
    "Role",
    "ToolKey",
    "ToolKeyStatus",
    "UsedNonce",
    "utcnow",
]
