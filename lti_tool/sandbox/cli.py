"""`flask --app lti_tool sandbox init`: register the sandbox LMS with the tool."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lti_tool.sandbox.platform import ensure_registered

sandbox_cli = AppGroup("sandbox", help="The built-in sandbox LMS.")


@sandbox_cli.command("init")
def init() -> None:
    """Register the sandbox LMS (idempotent)."""
    platform = ensure_registered(current_app.extensions["coproduce.settings"])
    click.echo(f"sandbox LMS registered as platform {platform.id} ({platform.issuer})")


def init_cli(app: Flask) -> None:
    app.cli.add_command(sandbox_cli)
