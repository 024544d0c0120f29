"""Tenancy roots: a platform registration, its deployments, and its cached public keys."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow


class PlatformStatus(enum.StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class ProductFamily(enum.StrEnum):
    CANVAS = "canvas"
    MOODLE = "moodle"
    SANDBOX = "sandbox"
    OTHER = "other"


class DeploymentPolicy(enum.StrEnum):
    """What a launch with a deployment id we have not seen does for this registration."""

    ACCEPT = "accept"  # record it and go on (installing in a sub-account or course is routine)
    HOLD = "hold"  # record it as pending; launches are refused until an admin activates it


class DeploymentStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    INACTIVE = "inactive"


class Platform(Base):
    """One registration of the tool with an LMS: keyed by (issuer, client_id).

    Canvas cloud uses one issuer for every customer, so the issuer alone never identifies a
    registration.
    """

    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    product_family: Mapped[str] = mapped_column(String(20), default=ProductFamily.OTHER)
    status: Mapped[str] = mapped_column(String(20), default=PlatformStatus.ACTIVE)
    deployment_policy: Mapped[str] = mapped_column(String(20), default=DeploymentPolicy.HOLD)
    # Origins (scheme://host[:port]) besides the auth endpoint's from which the platform's
    # postMessage storage answers: Canvas answers from each customer's own domain.
    storage_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The language of a launch whose locale claim names none the tool speaks (lti_tool.i18n);
    # None: the browser's.
    default_language: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status == PlatformStatus.ACTIVE


class Deployment(Base):
    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=DeploymentStatus.ACTIVE)
    # True when the deployment first appeared in a launch rather than being registered by an admin.
    seen_first_in_launch: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class PlatformKeySet(Base):
    """A platform's JWKS as last fetched; shared by every process through the database."""

    __tablename__ = "platform_key_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_set_url: Mapped[str] = mapped_column(String(1000), unique=True)
    jwks_json: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
