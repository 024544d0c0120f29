"""`flask storage migrate`: copy uploaded files between the stores, for a deployment moving from
a local folder to the database (or back). Safe to run again: files already in the target are
left alone, and nothing is deleted from the source."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from lti_tool.extensions import db
from lti_tool.storage.base import FileStore
from lti_tool.storage.database import DatabaseStore
from lti_tool.storage.filesystem import FilesystemStore


def copy_files(source: FileStore, target: FileStore) -> tuple[int, int]:
    """Copy every file missing from `target`; (copied, already there). Commits after each file
    that lands in the database, so a long copy holds no large transaction and resumes where it
    stopped."""
    copied = skipped = 0
    for key in list(source.keys()):
        if target.exists(key):
            skipped += 1
            continue
        data = source.read(key)
        if data is None:  # deleted while we copied
            continue
        target.put(key, data)
        if target.transactional:
            db.session.commit()
        copied += 1
    return copied, skipped


def init_cli(app: Flask) -> None:
    group = AppGroup("storage", help="Uploaded files: where they are kept.")

    @group.command("migrate")
    @click.option(
        "--to",
        "direction",
        type=click.Choice(["database", "filesystem"]),
        default="database",
        show_default=True,
        help="The store to copy into; the other one is read.",
    )
    @click.option(
        "--dir",
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The folder side (default: UPLOAD_DIR).",
    )
    def migrate_files(direction: str, folder: Path | None) -> None:
        """Copy uploads from the folder into the database (or, with --to filesystem, back)."""
        settings = app.extensions["coproduce.settings"]
        disk = FilesystemStore(folder or Path(settings.UPLOAD_DIR))
        database = DatabaseStore()
        source, target = (disk, database) if direction == "database" else (database, disk)
        copied, skipped = copy_files(source, target)
        click.echo(
            f"Copied {copied} file(s) into the {target.name} store; "
            f"{skipped} were already there. Set UPLOAD_STORE={target.name} to serve from it."
        )

    app.cli.add_command(group)
