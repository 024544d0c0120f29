"""Command line: `flask --app lti_tool keys …` and `platform …`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lti_tool.admin.platforms import PlatformFields, RegistrationError, add_platform, list_platforms
from lti_tool.lti import keys as tool_keys
from lti_tool.models import DeploymentPolicy, utcnow

keys_cli = AppGroup("keys", help="The tool's signing keys.")
platform_cli = AppGroup("platform", help="Platform registrations.")


def _settings():  # type: ignore[no-untyped-def]
    return current_app.extensions["coproduce.settings"]


@keys_cli.command("list")
def keys_list() -> None:
    """List keys with their status and whether the JWKS publishes them."""
    settings = _settings()
    tool_keys.ensure_current_key(settings.LTI_KEYS_DIR)
    grace = timedelta(hours=settings.KEY_ROTATION_GRACE_HOURS)
    now = utcnow()
    for key in tool_keys.all_keys():
        published = "published" if tool_keys.is_published(key, grace, now) else "not published"
        until = ""
        if key.status == "previous" and key.rotated_at:
            until = f" until {(key.rotated_at + grace).isoformat(timespec='minutes')}"
        click.echo(
            f"{key.kid}  {key.status:<8}  created {key.created_at:%Y-%m-%d %H:%M}"
            f"  {published}{until}"
        )


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Make a new current key; the old one stays published for the grace period."""
    settings = _settings()
    key = tool_keys.rotate(settings.LTI_KEYS_DIR)
    click.echo(
        f"new current key {key.kid}; previous keys stay published for "
        f"{settings.KEY_ROTATION_GRACE_HOURS} h"
    )


@keys_cli.command("retire")
@click.argument("kid")  # kids are base64url and may start with "-": use `keys retire -- KID`
def keys_retire(kid: str) -> None:
    """Stop publishing a previous key now."""
    try:
        tool_keys.retire(kid)
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"retired {kid}")


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
        )
    except RegistrationError as exc:
        raise click.ClickException(str(exc)) from exc
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


def init_cli(app: Flask) -> None:
    app.cli.add_command(keys_cli)
    app.cli.add_command(platform_cli)
