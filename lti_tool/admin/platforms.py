"""Registrations: platforms and their deployments. Plain values in, models out; every change is
audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lti_tool.admin.audit import Actor, cli_actor, record
from lti_tool.extensions import db
from lti_tool.i18n import LANGUAGES
from lti_tool.lti.addresses import AddressPolicy, InternalAddressError, current_policy
from lti_tool.lti.tool_config import find_deployment, find_platform
from lti_tool.models import (
    Context,
    Deployment,
    DeploymentPolicy,
    DeploymentStatus,
    Platform,
    PlatformStatus,
    ProductFamily,
)


class RegistrationError(ValueError):
    """The registration cannot be stored or changed; the message says why in the admin's words."""


class NotPermitted(RegistrationError):
    """The actor may not touch this registration."""


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
    # The language of launches whose locale names none the tool speaks (lti_tool.i18n); None:
    # the browser's.
    default_language: str | None = None


URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")
# The fields that decide whom the tool trusts: whose signatures a launch must carry (issuer,
# client_id, key set), where the login goes and where client assertions and tokens are sent, and
# the product family (it chooses the Canvas platform-storage path). Only the installation's
# administrators change them, or a new registration; an LMS administrator who could repoint the
# key set could sign launches as anyone (issue 11, item 3).
TRUST_FIELDS = (
    "issuer",
    "client_id",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "auth_audience",
    "product_family",
)
MAX_LENGTHS = {"issuer": 500, "client_id": 255, "name": 200, "auth_audience": 1000}


def guess_product_family(issuer: str) -> ProductFamily:
    host = urlsplit(issuer).hostname or ""
    if host.endswith("instructure.com"):
        return ProductFamily.CANVAS
    return ProductFamily.OTHER


def _require_url(name: str, value: str) -> None:
    parts = urlsplit(value or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RegistrationError(
            _l("%(name)s must be an http(s) URL, got %(value)s", name=name, value=repr(value))
        )
    if len(value) > 1000:
        raise RegistrationError(_l("%(name)s is longer than %(n)d characters", name=name, n=1000))


def _check_addresses(values: PlatformFields, policy: AddressPolicy) -> None:
    # The issuer is an identifier the tool never calls; the URLs are where it sends requests.
    for name in URL_FIELDS:
        try:
            policy.check(name, getattr(values, name))
        except InternalAddressError as exc:
            raise RegistrationError(str(exc)) from exc


def address_warnings(platform: Platform) -> list[str]:
    """Outside production: the registration's URLs that production would refuse (shown to the
    admin after saving, so a development set-up is not a surprise in production)."""
    policy = current_policy()
    if policy.refuse:
        return []
    found = (policy.check(name, getattr(platform, name)) for name in URL_FIELDS)
    return [w for w in found if w]


def _clean(values: PlatformFields, policy: AddressPolicy | None = None) -> PlatformFields:
    stripped = {
        f.name: (v.strip() if isinstance(v := getattr(values, f.name), str) else v)
        for f in fields(values)
    }
    cleaned = replace(values, **stripped)
    if not cleaned.issuer or not cleaned.client_id:
        raise RegistrationError(_l("issuer and client_id are required"))
    _require_url("issuer", cleaned.issuer)
    for name in URL_FIELDS:
        _require_url(name, getattr(cleaned, name))
    for name, limit in MAX_LENGTHS.items():
        value = getattr(cleaned, name)
        if value and len(value) > limit:
            raise RegistrationError(
                _l("%(name)s is longer than %(n)d characters", name=name, n=limit)
            )
    if cleaned.deployment_policy not in set(DeploymentPolicy):
        raise RegistrationError(_l("the unknown-deployment policy must be 'accept' or 'hold'"))
    if cleaned.product_family and cleaned.product_family not in set(ProductFamily):
        raise RegistrationError(_l("unknown product family"))
    if not cleaned.default_language:
        cleaned = replace(cleaned, default_language=None)
    elif cleaned.default_language not in LANGUAGES:
        raise RegistrationError(
            _l(
                "unknown language %(value)s (one of: %(known)s)",
                value=repr(cleaned.default_language),
                known=", ".join(LANGUAGES),
            )
        )
    _check_addresses(cleaned, policy or current_policy())
    return cleaned


def _permit(actor: Actor, platform: Platform) -> None:
    if not actor.may_manage(platform.id):
        raise NotPermitted(_l("you may only manage your own platform's registration"))


def add_platform(
    values: PlatformFields, deployment_ids: list[str], actor: Actor | None = None
) -> Platform:
    """Register (issuer, client_id) with its deployments; refuses a duplicate registration."""
    actor = actor or cli_actor()
    if not actor.is_installation_admin:
        raise NotPermitted(_l("only the installation's administrators can add platforms"))
    values = _clean(values)
    if find_platform(values.issuer, values.client_id) is not None:
        raise RegistrationError(
            _l(
                "a registration for issuer %(issuer)s and client_id %(client_id)s exists",
                issuer=values.issuer,
                client_id=values.client_id,
            )
        )
    platform = Platform(
        name=values.name or urlsplit(values.issuer).hostname or values.issuer,
        issuer=values.issuer,
        client_id=values.client_id,
        auth_login_url=values.auth_login_url,
        auth_token_url=values.auth_token_url,
        auth_audience=values.auth_audience or None,
        key_set_url=values.key_set_url,
        product_family=values.product_family or guess_product_family(values.issuer),
        status=PlatformStatus.ACTIVE,
        deployment_policy=values.deployment_policy,
        default_language=values.default_language,
    )
    db.session.add(platform)
    for deployment_id in dict.fromkeys(d.strip() for d in deployment_ids if d and d.strip()):
        platform.deployments.append(
            Deployment(deployment_id=deployment_id, status=DeploymentStatus.ACTIVE)
        )
    db.session.flush()
    record(
        actor,
        "platform.created",
        "platform",
        platform.id,
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployments=[d.deployment_id for d in platform.deployments],
    )
    db.session.commit()
    return platform


def update_platform(platform: Platform, values: PlatformFields, actor: Actor) -> Platform:
    """Change a registration. The trust fields (TRUST_FIELDS) only for an installation admin; an
    LMS administrator may rename it and choose the unknown-deployment policy. A refused attempt
    is audited, then raises NotPermitted."""
    _permit(actor, platform)
    if not actor.is_installation_admin:
        wanted = _stripped_trust(values)
        attempted = sorted(
            k
            for k, v in wanted.items()
            if v != str(getattr(platform, k) or "") and not (k == "product_family" and not v)
        )
        if attempted:
            record(
                actor,
                "platform.update_refused",
                "platform",
                platform.id,
                platform_id=platform.id,
                fields=attempted,
            )
            db.session.commit()
            raise NotPermitted(
                _l(
                    "only the installation's administrators can change %(fields)s; ask them, "
                    "or register the tool again from your LMS",
                    fields=", ".join(attempted),
                )
            )
    values = _clean(values)
    if (values.issuer, values.client_id) != (platform.issuer, platform.client_id):
        other = find_platform(values.issuer, values.client_id)
        if other is not None and other.id != platform.id:
            raise RegistrationError(_l("another registration has this issuer and client_id"))
    before = {
        f.name: getattr(platform, f.name) for f in fields(values) if f.name != "product_family"
    }
    platform.issuer, platform.client_id = values.issuer, values.client_id
    platform.name = values.name or platform.name
    platform.auth_login_url = values.auth_login_url
    platform.auth_token_url = values.auth_token_url
    platform.auth_audience = values.auth_audience or None
    platform.key_set_url = values.key_set_url
    platform.product_family = values.product_family or platform.product_family
    platform.deployment_policy = values.deployment_policy
    platform.default_language = values.default_language
    changed = {k: [v, getattr(platform, k)] for k, v in before.items() if getattr(platform, k) != v}
    record(
        actor, "platform.updated", "platform", platform.id, platform_id=platform.id, changed=changed
    )
    db.session.commit()
    return platform


def set_storage_origins(platform: Platform, origins: list[str], actor: Actor) -> list[str]:
    """The origins the platform's postMessage storage answers from (Canvas: each customer's own
    domain; lti.login.storage_origins). They decide which pages may vouch for a login, so, like
    the trust fields, only an installation admin sets them; audited. Returns what was kept."""
    from lti_tool.lti.login import set_storage_origins as store

    _permit(actor, platform)
    if not actor.is_installation_admin:
        record(
            actor,
            "platform.update_refused",
            "platform",
            platform.id,
            platform_id=platform.id,
            fields=["storage_origins"],
        )
        db.session.commit()
        raise NotPermitted(_l("only the installation's administrators can change storage origins"))
    before = list(platform.storage_origins or [])
    refused = store(platform, origins)
    if refused:
        db.session.rollback()
        raise RegistrationError(
            _l(
                "not an origin (scheme://host[:port], no path or wildcard): %(values)s",
                values=", ".join(refused),
            )
        )
    record(
        actor,
        "platform.updated",
        "platform",
        platform.id,
        platform_id=platform.id,
        changed={"storage_origins": [before, list(platform.storage_origins)]},
    )
    db.session.commit()
    return list(platform.storage_origins)


def _stripped_trust(values: PlatformFields) -> dict[str, str]:
    out = {}
    for name in TRUST_FIELDS:
        value = getattr(values, name)
        out[name] = value.strip() if isinstance(value, str) else ""
    return out


def set_platform_status(platform: Platform, status: PlatformStatus, actor: Actor) -> Platform:
    """Enable or disable a registration. An LMS administrator may switch their own off (an
    emergency stop) but not back on: the installation's admins may have disabled it for a
    reason, and enabling decides whom the tool trusts."""
    _permit(actor, platform)
    if (
        status == PlatformStatus.ACTIVE
        and platform.status != status
        and not actor.is_installation_admin
    ):
        record(
            actor,
            "platform.update_refused",
            "platform",
            platform.id,
            platform_id=platform.id,
            fields=["status"],
        )
        db.session.commit()
        raise NotPermitted(_l("only the installation's administrators can enable a registration"))
    if platform.status != status:
        platform.status = status
        verb = "platform.enabled" if status == PlatformStatus.ACTIVE else "platform.disabled"
        record(actor, verb, "platform", platform.id, platform_id=platform.id)
        db.session.commit()
    return platform


def remove_platform(platform: Platform, actor: Actor, *, confirm_name: str) -> None:
    """Delete a registration and everything of its courses. The admin confirms by typing its
    name: this cannot be undone."""
    if not actor.is_installation_admin:
        raise NotPermitted(_l("only the installation's administrators can delete registrations"))
    if confirm_name.strip() != platform.name:
        raise RegistrationError(_l("type the registration's name exactly to confirm the deletion"))
    courses = db.session.scalar(
        select(func.count()).select_from(Context).where(Context.platform_id == platform.id)
    )
    record(
        actor,
        "platform.deleted",
        "platform",
        platform.id,
        platform_id=None,
        issuer=platform.issuer,
        client_id=platform.client_id,
        name=platform.name,
        courses=courses,
    )
    db.session.delete(platform)
    db.session.commit()


def set_policy(platform: Platform, policy: DeploymentPolicy, actor: Actor) -> Platform:
    _permit(actor, platform)
    if platform.deployment_policy != policy:
        platform.deployment_policy = policy
        record(
            actor,
            "platform.policy_changed",
            "platform",
            platform.id,
            platform_id=platform.id,
            policy=str(policy),
        )
        db.session.commit()
    return platform


def add_deployment(
    platform: Platform, deployment_id: str, actor: Actor | None = None
) -> Deployment:
    actor = actor or cli_actor()
    _permit(actor, platform)
    deployment_id = deployment_id.strip()
    if not deployment_id or len(deployment_id) > 255:
        raise RegistrationError(_l("a deployment id is 1 to 255 characters"))
    existing = find_deployment(platform, deployment_id)
    if existing is not None:
        # An admin registering a deployment a launch left pending means: approve it.
        if existing.status == DeploymentStatus.PENDING:
            return set_deployment_status(existing, DeploymentStatus.ACTIVE, actor)
        return existing
    deployment = Deployment(platform=platform, deployment_id=deployment_id)
    db.session.add(deployment)
    db.session.flush()
    record(
        actor,
        "deployment.added",
        "deployment",
        deployment.id,
        platform_id=platform.id,
        deployment_id=deployment_id,
    )
    db.session.commit()
    return deployment


def set_deployment_status(
    deployment: Deployment, status: DeploymentStatus, actor: Actor
) -> Deployment:
    _permit(actor, deployment.platform)
    if deployment.status != status:
        verb = (
            "deployment.activated"
            if status == DeploymentStatus.ACTIVE
            else "deployment.deactivated"
        )
        deployment.status = status
        record(
            actor,
            verb,
            "deployment",
            deployment.id,
            platform_id=deployment.platform_id,
            deployment_id=deployment.deployment_id,
        )
        db.session.commit()
    return deployment


def list_platforms(actor: Actor | None = None) -> list[Platform]:
    query = select(Platform).order_by(Platform.id)
    if actor is not None and actor.platform_id is not None:
        query = query.where(Platform.id == actor.platform_id)
    return list(db.session.scalars(query))


def get_platform(platform_id: int, actor: Actor) -> Platform | None:
    """The platform if it exists and the actor may manage it; None otherwise (same answer for
    both, so ids cannot be probed)."""
    platform = db.session.get(Platform, platform_id)
    if platform is None or not actor.may_manage(platform.id):
        return None
    return platform


def get_deployment(deployment_id: int, actor: Actor) -> Deployment | None:
    deployment = db.session.get(Deployment, deployment_id)
    if deployment is None or not actor.may_manage(deployment.platform_id):
        return None
    return deployment


def find_platform_by_ref(ref: str) -> Platform | None:
    """A platform by numeric id or by exact name (for the CLI)."""
    if ref.isdigit():
        return db.session.get(Platform, int(ref))
    matches = list(db.session.scalars(select(Platform).where(Platform.name == ref).limit(2)))
    if len(matches) > 1:
        raise RegistrationError(
            _l("several platforms are named %(name)s; give the id instead", name=repr(ref))
        )
    return matches[0] if matches else None
