"""`flask --app lti_tool privacy …`: the inventory, a person's export and erasure, and the
platforms' retention rules from the command line. Every action is audited."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from lti_tool.events import ToolActor
from lti_tool.extensions import db
from lti_tool.models import ActorKind, Platform, utcnow
from lti_tool.privacy import retention
from lti_tool.privacy.document import render_markdown
from lti_tool.privacy.erasure import erase_person
from lti_tool.privacy.export import export_person, find_person

privacy_cli = AppGroup("privacy", help="Data rights: inventory, export, erasure, retention.")


def _actor() -> ToolActor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return ToolActor(f"command line ({user})", kind=ActorKind.CLI)


def _platform(platform_id: int) -> Platform:
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise click.ClickException(f"no platform with id {platform_id}")
    return platform


@privacy_cli.command("inventory")
def inventory() -> None:
    """Print docs/privacy.md: what is stored, of whom, why, from which claim, how long."""
    click.echo(render_markdown())


@privacy_cli.command("export")
@click.option("--platform", "platform_id", type=int, required=True, help="The platform's id.")
@click.option("--sub", required=True, help="The person's LMS user id (`sub`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(platform_id: int, sub: str, output: Path) -> None:
    """Write everything held about or by one person to a ZIP file."""
    _platform(platform_id)
    person = find_person(platform_id, sub)
    if person is None:
        raise click.ClickException("nobody with that sub on that platform")
    result = export_person(person, _actor())
    output.write_bytes(result.data)
    db.session.commit()
    click.echo(f"wrote {output}: {sum(result.tables.values())} rows, {result.files} file(s)")


@privacy_cli.command("erase")
@click.option("--platform", "platform_id", type=int, required=True, help="The platform's id.")
@click.option("--sub", required=True, help="The person's LMS user id (`sub`).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(platform_id: int, sub: str, yes: bool) -> None:
    """Erase one person: identity removed, own work deleted, what others depend on kept under
    a pseudonym. Scores already delivered stay in the LMS."""
    _platform(platform_id)
    if not yes:
        click.confirm(
            f"Erase the person {sub!r} on platform {platform_id}? This cannot be undone", abort=True
        )
    click.echo(erase_person(platform_id, sub, _actor()).summary)


@privacy_cli.command("retention")
@click.option("--platform", "platform_id", type=int, required=True, help="The platform's id.")
@click.option("--days", type=int, help="Set the period (days after the last activity or end).")
@click.option("--off", is_flag=True, help="Remove the platform's rule.")
@click.option("--arm", is_flag=True, help="Arm a rule whose dry-run report you have seen.")
def retention_command(platform_id: int, days: int | None, off: bool, arm: bool) -> None:
    """Show, set, remove or arm a platform's course retention rule, and what it will delete."""
    platform = _platform(platform_id)
    actor = _actor()
    try:
        if off:
            retention.set_rule(platform, None, actor)
        elif days is not None:
            retention.set_rule(platform, days, actor)
        rule = retention.rule_of(platform.id)
        if arm:
            if rule is None:
                raise click.ClickException("the platform has no rule: set --days first")
            retention.arm_rule(rule, actor)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if rule is None:
        click.echo("no retention rule: course data is kept until the registration is deleted")
        return
    state = "armed" if rule.armed else "dry run (arm it once you have seen the report)"
    click.echo(f"{rule.days} days after the last activity or end date; {state}")
    now = utcnow()
    for fate in retention.course_fates(platform.id, rule.days):
        when = "now" if fate.expired(now) else fate.goes_at.strftime("%Y-%m-%d")
        click.echo(f"  course {fate.context_id} {fate.title!r}: goes {when}")


def init_cli(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
