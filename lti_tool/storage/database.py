"""The default store: bytes in the `stored_files` table, on SQLite and PostgreSQL alike, so any
number of machines share uploads through the database they already share.

Writes join the request's transaction: a submission refused after its file was put takes the
file with it on rollback, and a committed submission always has its file. Uploads are at most
5 MB after checking, so a download reads the whole value at once; PostgreSQL keeps such bytea
values out of line (TOAST), so rows that only name a file stay small.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from sqlalchemy import delete, select

from lti_tool.extensions import db
from lti_tool.models.base import utcnow
from lti_tool.models.storage import StoredFile
from lti_tool.storage.base import FileStore, checked_key, is_valid_key


class DatabaseStore(FileStore):
    name = "database"
    transactional = True

    def put(self, key: str, data: bytes) -> None:
        row = db.session.get(StoredFile, checked_key(key))
        if row is None:
            row = StoredFile(key=key)
            db.session.add(row)
        row.data, row.size, row.created_at = bytes(data), len(data), utcnow()
        db.session.flush()

    def open(self, key: str) -> IO[bytes] | None:
        if not is_valid_key(key):
            return None
        data = db.session.scalar(select(StoredFile.data).where(StoredFile.key == key))
        return None if data is None else io.BytesIO(data)

    def size(self, key: str) -> int | None:
        if not is_valid_key(key):
            return None
        return db.session.scalar(select(StoredFile.size).where(StoredFile.key == key))

    def modified(self, key: str) -> datetime | None:
        if not is_valid_key(key):
            return None
        return db.session.scalar(select(StoredFile.created_at).where(StoredFile.key == key))

    def delete(self, key: str) -> None:
        if is_valid_key(key):
            db.session.execute(delete(StoredFile).where(StoredFile.key == key))

    def keys(self) -> Iterator[str]:
        yield from db.session.scalars(select(StoredFile.key).order_by(StoredFile.key))
