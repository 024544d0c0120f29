"""pylti1p3's tool configuration, backed by the database.

Many issuers, many client_ids per issuer (Canvas cloud shares one issuer across customers), many
deployments per registration. Only `lti_tool.lti` builds pylti1p3 objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.keys import SigningKey, signing_key
from lti_tool.models import Deployment, DeploymentStatus, Platform


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The registration for (issuer, client_id); with no client_id, only an unambiguous one."""
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return db.session.scalars(query.where(Platform.client_id == client_id)).first()
    candidates = list(db.session.scalars(query.limit(2)))
    return candidates[0] if len(candidates) == 1 else None


def find_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    return db.session.scalars(
        select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).first()


def to_registration(
    platform: Platform, keys_dir: Path, key: SigningKey | None = None
) -> Registration:
    key = key or signing_key(keys_dir)
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        # The loaded key object (pylti1p3 hands it straight to PyJWT, which takes one): a PEM
        # here would be parsed again on every signature.
        .set_tool_private_key(key.private_key)  # type: ignore[arg-type]
        # pylti1p3 derives the kid from this public key (jwcrypto's RFC 7638 thumbprint),
        # which is how our kids are made too.
        .set_tool_public_key(key.public_pem)
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class DatabaseToolConf(ToolConfAbstract[Any]):
    """Registrations and deployments from the `platform` and `deployment` tables."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        platform = find_platform(iss, None)
        return to_registration(platform, self.keys_dir) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(iss, client_id)
        return to_registration(platform, self.keys_dir) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        platform = find_platform(iss, None)
        return self._deployment(platform, deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        return self._deployment(find_platform(iss, client_id), deployment_id)

    @staticmethod
    def _deployment(platform: Platform | None, deployment_id: str) -> LtiDeployment | None:
        if platform is None:
            return None
        row = find_deployment(platform, deployment_id)
        if row is None or row.status != DeploymentStatus.ACTIVE:
            return None
        return LtiDeployment().set_deployment_id(row.deployment_id)
