"""Registrations: add and list platforms and their deployments. Plain values in, models out."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.tool_config import find_deployment, find_platform
from lti_tool.models import (
    Deployment,
    DeploymentPolicy,
    DeploymentStatus,
    Platform,
    PlatformStatus,
    ProductFamily,
)


class RegistrationError(ValueError):
    """The registration cannot be stored; the message says why in the admin's words."""


@dataclass(frozen=True)
class PlatformFields:
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    name: str | None = None
    auth_audience: str | None = None
    product_family: str | None = None
    deployment_policy: str = DeploymentPolicy.HOLD


def guess_product_family(issuer: str) -> ProductFamily:
    host = urlsplit(issuer).hostname or ""
    if host.endswith("instructure.com"):
        return ProductFamily.CANVAS
    return ProductFamily.OTHER


def _require_url(name: str, value: str) -> None:
    parts = urlsplit(value or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RegistrationError(f"{name} must be an http(s) URL, got {value!r}")


def add_platform(fields: PlatformFields, deployment_ids: list[str]) -> Platform:
    """Register (issuer, client_id) with its deployments; refuses a duplicate registration."""
    if not fields.issuer or not fields.client_id:
        raise RegistrationError("issuer and client_id are required")
    _require_url("issuer", fields.issuer)
    for name in ("auth_login_url", "auth_token_url", "key_set_url"):
        _require_url(name, getattr(fields, name))
    if fields.deployment_policy not in set(DeploymentPolicy):
        raise RegistrationError("deployment policy must be 'accept' or 'hold'")
    if find_platform(fields.issuer, fields.client_id) is not None:
        raise RegistrationError(
            f"a registration for issuer {fields.issuer} and client_id {fields.client_id} exists"
        )
    platform = Platform(
        name=fields.name or urlsplit(fields.issuer).hostname or fields.issuer,
        issuer=fields.issuer,
        client_id=fields.client_id,
        auth_login_url=fields.auth_login_url,
        auth_token_url=fields.auth_token_url,
        auth_audience=fields.auth_audience,
        key_set_url=fields.key_set_url,
        product_family=fields.product_family or guess_product_family(fields.issuer),
        status=PlatformStatus.ACTIVE,
        deployment_policy=fields.deployment_policy,
    )
    db.session.add(platform)
    for deployment_id in dict.fromkeys(d for d in deployment_ids if d):
        platform.deployments.append(
            Deployment(deployment_id=deployment_id, status=DeploymentStatus.ACTIVE)
        )
    db.session.commit()
    return platform


def add_deployment(platform: Platform, deployment_id: str) -> Deployment:
    existing = find_deployment(platform, deployment_id)
    if existing is not None:
        return existing
    deployment = Deployment(platform=platform, deployment_id=deployment_id)
    db.session.add(deployment)
    db.session.commit()
    return deployment


def list_platforms() -> list[Platform]:
    return list(db.session.scalars(select(Platform).order_by(Platform.id)))
