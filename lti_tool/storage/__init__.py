"""Where uploaded files are kept: one interface, two backends, chosen by UPLOAD_STORE.

    database    (default) the `stored_files` table: nothing extra to run, and any number of
                machines share the files through the database they already share
    filesystem  a folder, UPLOAD_DIR (INSTANCE_PATH/feedback_uploads unless set): one machine,
                or several on a shared mounted volume

Callers use the module functions (`storage.put(key, data)`, `storage.open(key)`, ...), which
act on the app's configured store. Keys are names the caller generates (`new_key()`), never a
user's file name. `send()` turns a stored file into a download response.

base        the FileStore contract
database    DatabaseStore
filesystem  FilesystemStore
cli         `flask storage migrate`: copy files from one store to the other
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import Flask, Response, current_app, request, send_file

from lti_tool.storage.base import FileStore, StorageError
from lti_tool.storage.database import DatabaseStore
from lti_tool.storage.filesystem import FilesystemStore

__all__ = [
    "DatabaseStore",
    "FileStore",
    "FilesystemStore",
    "StorageError",
    "current",
    "delete",
    "exists",
    "init_app",
    "new_key",
    "open",
    "put",
    "read",
    "send",
    "size",
]

_EXTENSION = "coproduce.storage"


def make_store(kind: str, upload_dir: Path) -> FileStore:
    if kind == "database":
        return DatabaseStore()
    if kind == "filesystem":
        return FilesystemStore(upload_dir)
    raise StorageError(f"unknown upload store {kind!r} (database or filesystem)")


def init_app(app: Flask) -> None:
    """Choose the store from the settings and register `flask storage`."""
    settings = app.extensions["coproduce.settings"]
    app.extensions[_EXTENSION] = make_store(settings.UPLOAD_STORE, settings.UPLOAD_DIR)
    from lti_tool.storage.cli import init_cli

    init_cli(app)


def current() -> FileStore:
    """The current app's store."""
    store: FileStore = current_app.extensions[_EXTENSION]
    return store


def new_key() -> str:
    return secrets.token_hex(16)


def put(key: str, data: bytes) -> None:
    current().put(key, data)


def open(key: str) -> IO[bytes] | None:  # noqa: A001 - the store's verb, like io.open
    return current().open(key)


def read(key: str) -> bytes | None:
    return current().read(key)


def size(key: str) -> int | None:
    return current().size(key)


def exists(key: str) -> bool:
    return current().exists(key)


def delete(key: str) -> None:
    current().delete(key)


def send(key: str, *, mimetype: str, download_name: str) -> Response | None:
    """The stored file as an attachment download, streamed from the store; None when it is not
    stored. Its key names content that never changes, so it is the ETag; conditional and range
    requests are answered as for any file Flask sends."""
    store = current()
    length, modified = store.size(key), store.modified(key)
    stream = store.open(key) if length is not None else None
    if stream is None or length is None:
        return None
    response = send_file(
        stream,
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        etag=key,
        last_modified=modified,
        conditional=False,  # made conditional below, once the length is known for any stream
    )
    response.content_length = length
    # As stored: werkzeug appends a second "; charset=utf-8" to a text type that has one.
    response.headers["Content-Type"] = mimetype
    response.make_conditional(request.environ, accept_ranges=True, complete_length=length)
    return response
