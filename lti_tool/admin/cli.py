"""Command line parity with the console, for institutions that automate:
`flask --app lti_tool platform|deployment|keys|admin …`. Every change is audited."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import click
from cryptography.fernet import InvalidToken
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lti_tool.admin import keys as admin_keys
from lti_tool.admin.accounts import change_password, create_admin
from lti_tool.admin.audit import cli_actor
from lti_tool.admin.onboarding import create_invite
from lti_tool.admin.platforms import (
    PlatformFields,
    RegistrationError,
    add_deployment,
    add_platform,
    find_platform_by_ref,
    list_platforms,
    remove_platform,
    set_deployment_status,
    set_platform_status,
    set_storage_origins,
)
from lti_tool.admin.presets import ToolUrls
from lti_tool.extensions import db
from lti_tool.lti.sealing import reseal
from lti_tool.lti.tool_config import find_deployment
from lti_tool.models import (
    AccessToken,
    AdminUser,
    DeploymentPolicy,
    DeploymentStatus,
    Platform,
    PlatformStatus,
    ProductFamily,
)

keys_cli = AppGroup("keys", help="The tool's signing keys.")
platform_cli = AppGroup("platform", help="Platform registrations.")
deployment_cli = AppGroup("deployment", help="Deployments of a platform registration.")
admin_cli = AppGroup("admin", help="Console accounts.")
registration_cli = AppGroup("registration", help="Dynamic registration.")


def _settings():  # type: ignore[no-untyped-def]
    return current_app.extensions["coproduce.settings"]


def _platform(ref: str) -> Platform:
    try:
        platform = find_platform_by_ref(ref)
    except RegistrationError as exc:
        raise _fail(exc) from exc
    if platform is None:
        raise click.ClickException(f"no platform {ref!r} (give its id or exact name)")
    return platform


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@keys_cli.command("list")
def keys_list() -> None:
    """List keys with their status and whether the JWKS publishes them."""
    settings = _settings()
    grace = timedelta(hours=settings.KEY_ROTATION_GRACE_HOURS)
    for key, published, until in admin_keys.key_rows(settings.LTI_KEYS_DIR, grace):
        shown = "published" if published else "not published"
        if until and published:
            shown += f" until {until.isoformat(timespec='minutes')}"
        click.echo(f"{key.kid}  {key.status:<8}  created {key.created_at:%Y-%m-%d %H:%M}  {shown}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Make a new current key; the old one stays published for the grace period."""
    settings = _settings()
    key = admin_keys.rotate_keys(settings.LTI_KEYS_DIR, cli_actor())
    click.echo(
        f"new current key {key.kid}; previous keys stay published for "
        f"{settings.KEY_ROTATION_GRACE_HOURS} h"
    )


@keys_cli.command("retire")
@click.argument("kid")  # kids are base64url and may start with "-": use `keys retire -- KID`
def keys_retire(kid: str) -> None:
    """Stop publishing a previous key now."""
    try:
        admin_keys.retire_key(kid, cli_actor())
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    click.echo(f"retired {kid}")


@keys_cli.command("reseal")
def keys_reseal() -> None:
    """Re-encrypt the private keys kept in the database with the first KEY_ENCRYPTION_KEYS key
    (after putting a new key in front); then the old key can be dropped."""
    try:
        count = admin_keys.reseal_keys(cli_actor())
    except InvalidToken as exc:
        raise click.ClickException(
            "a stored key is sealed with a key not in KEY_ENCRYPTION_KEYS; put it back first"
        ) from exc
    click.echo(f"resealed {count} private key(s)")


@keys_cli.command("reseal-tokens")
def keys_reseal_tokens() -> None:
    """Re-encrypt stored platform access tokens with the first TOKEN_ENCRYPTION_KEYS key (after
    putting a new key in front); tokens no key opens are deleted (they are requested anew)."""
    resealed = dropped = 0
    for row in db.session.scalars(select(AccessToken)):
        value = reseal(row.token)
        if value is None:
            db.session.delete(row)
            dropped += 1
        else:
            row.token = value
            resealed += 1
    db.session.commit()
    click.echo(f"re-encrypted {resealed} access token(s); dropped {dropped} unreadable")


@platform_cli.command("add")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--key-set-url", required=True, help="The platform's JWKS URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="Repeat for several.")
@click.option("--name", default=None)
@click.option("--auth-audience", default=None, help="Token endpoint audience, if not its URL.")
@click.option(
    "--product-family",
    type=click.Choice([f.value for f in ProductFamily]),
    default=None,
    help="canvas, moodle, ... (when left out: *.instructure.com is Canvas, others are other).",
)
@click.option(
    "--unknown-deployments",
    type=click.Choice([p.value for p in DeploymentPolicy]),
    default=DeploymentPolicy.HOLD.value,
    show_default=True,
    help="What a launch from a deployment id not listed here does.",
)
def platform_add(**options: object) -> None:
    """Register a platform (issuer + client_id) and its deployments."""
    deployment_ids = list(options.pop("deployment_ids"))  # type: ignore[call-overload]
    policy = str(options.pop("unknown_deployments"))
    try:
        platform = add_platform(
            PlatformFields(**options, deployment_policy=policy),  # type: ignore[arg-type]
            deployment_ids,
            cli_actor(),
        )
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"registered platform {platform.id}: {platform.name} "
        f"({platform.issuer}, client_id {platform.client_id})"
    )


@platform_cli.command("list")
def platform_list() -> None:
    """List registrations and their deployments."""
    platforms = list_platforms()
    if not platforms:
        click.echo("no platforms registered")
    for p in platforms:
        deployments = ", ".join(f"{d.deployment_id} ({d.status})" for d in p.deployments) or "none"
        click.echo(
            f"{p.id}  {p.name}  [{p.status}, {p.product_family}]\n"
            f"    issuer {p.issuer}  client_id {p.client_id}\n"
            f"    deployments: {deployments}; unknown deployments: {p.deployment_policy}"
        )


@platform_cli.command("storage-origins")
@click.argument("platform_ref")
@click.argument("origins", nargs=-1)
def platform_storage_origins(platform_ref: str, origins: tuple[str, ...]) -> None:
    """Set the origins a platform's postMessage storage answers from (Canvas: your Canvas
    domain, e.g. https://school.instructure.com); none given clears them."""
    try:
        kept = set_storage_origins(_platform(platform_ref), list(origins), cli_actor())
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo("storage origins: " + (", ".join(kept) if kept else "none (the login URL's origin)"))


@platform_cli.command("disable")
@click.argument("platform_ref")
def platform_disable(platform_ref: str) -> None:
    """Refuse logins and launches from a registration (reversible with `enable`)."""
    platform = set_platform_status(_platform(platform_ref), PlatformStatus.DISABLED, cli_actor())
    click.echo(f"disabled platform {platform.id} ({platform.name})")


@platform_cli.command("enable")
@click.argument("platform_ref")
def platform_enable(platform_ref: str) -> None:
    """Accept logins and launches from a disabled registration again."""
    platform = set_platform_status(_platform(platform_ref), PlatformStatus.ACTIVE, cli_actor())
    click.echo(f"enabled platform {platform.id} ({platform.name})")


@platform_cli.command("remove")
@click.argument("platform_ref")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def platform_remove(platform_ref: str, yes: bool) -> None:
    """Delete a registration with its deployments, courses and people. Cannot be undone."""
    platform = _platform(platform_ref)
    if not yes:
        click.confirm(
            f"Delete {platform.name} ({platform.issuer}, client_id {platform.client_id}) "
            "and all its courses' data?",
            abort=True,
        )
    label = f"{platform.id} ({platform.name})"
    try:
        remove_platform(platform, cli_actor(), confirm_name=platform.name)
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo(f"removed platform {label}")


@deployment_cli.command("list")
@click.argument("platform_ref", required=False)
def deployment_list(platform_ref: str | None) -> None:
    """List deployments (of one platform, or of all)."""
    platforms = [_platform(platform_ref)] if platform_ref else list_platforms()
    for p in platforms:
        for d in p.deployments:
            origin = "seen first in a launch" if d.seen_first_in_launch else "registered"
            click.echo(f"{p.id}  {p.name}  {d.deployment_id}  {d.status}  ({origin})")


@deployment_cli.command("add")
@click.argument("platform_ref")
@click.argument("deployment_id")
def deployment_add(platform_ref: str, deployment_id: str) -> None:
    try:
        d = add_deployment(_platform(platform_ref), deployment_id, cli_actor())
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo(f"deployment {d.deployment_id} of platform {d.platform_id}: {d.status}")


def _set_deployment(platform_ref: str, deployment_id: str, status: DeploymentStatus) -> None:
    platform = _platform(platform_ref)
    deployment = find_deployment(platform, deployment_id)
    if deployment is None:
        raise click.ClickException(f"platform {platform.id} has no deployment {deployment_id!r}")
    set_deployment_status(deployment, status, cli_actor())
    click.echo(f"deployment {deployment_id} of platform {platform.id}: {status}")


@deployment_cli.command("activate")
@click.argument("platform_ref")
@click.argument("deployment_id")
def deployment_activate(platform_ref: str, deployment_id: str) -> None:
    """Accept launches from this deployment (approves a pending one)."""
    _set_deployment(platform_ref, deployment_id, DeploymentStatus.ACTIVE)


@deployment_cli.command("deactivate")
@click.argument("platform_ref")
@click.argument("deployment_id")
def deployment_deactivate(platform_ref: str, deployment_id: str) -> None:
    """Refuse launches from this deployment."""
    _set_deployment(platform_ref, deployment_id, DeploymentStatus.INACTIVE)


@admin_cli.command("create")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="COPRODUCE_ADMIN_PASSWORD",
    help="Prompted for when not given (or set COPRODUCE_ADMIN_PASSWORD).",
)
def admin_create(username: str, password: str) -> None:
    """Create a console account (signs in at /admin without any LMS)."""
    try:
        user = create_admin(username, password, cli_actor())
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo(f"created admin account {user.username}")


@admin_cli.command("set-password")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="COPRODUCE_ADMIN_PASSWORD",
    help="Prompted for when not given (or set COPRODUCE_ADMIN_PASSWORD).",
)
def admin_set_password(username: str, password: str) -> None:
    """Set a console account's password; every session of the account is signed out."""
    user = db.session.scalars(select(AdminUser).where(AdminUser.username == username)).first()
    if user is None:
        raise click.ClickException(f"no admin account named {username}")
    try:
        change_password(user, None, password, cli_actor())
    except RegistrationError as exc:
        raise _fail(exc) from exc
    click.echo(f"password of {username} changed; its sessions are signed out")


@registration_cli.command("invite")
@click.option("--note", default="", help="Who the link is for (kept in the audit log).")
def registration_invite(note: str) -> None:
    """Print a one-time dynamic registration link (for DYNAMIC_REGISTRATION=invite)."""
    settings = _settings()
    token = create_invite(cli_actor(), settings.SECRET_KEY, note)
    click.echo(f"{ToolUrls(settings.LTI_TOOL_BASE_URL).register}?{urlencode({'invite': token})}")
    click.echo(f"valid once, for {settings.REGISTRATION_INVITE_TTL_HOURS} hours")


def init_cli(app: Flask) -> None:
    for group in (keys_cli, platform_cli, deployment_cli, admin_cli, registration_cli):
        app.cli.add_command(group)
