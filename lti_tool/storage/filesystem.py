"""Files in a folder (UPLOAD_DIR; by default INSTANCE_PATH/feedback_uploads, where uploads have
always been kept). For one machine, or many sharing a mounted volume (NFS, EFS, a Kubernetes
ReadWriteMany claim). Writes take effect at once, outside any database transaction: a write is
made to a temporary name and renamed, so another machine never reads half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from lti_tool.storage.base import FileStore, checked_key, is_valid_key


class FilesystemStore(FileStore):
    name = "filesystem"
    transactional = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self) -> Path:
        # Made on first use, not at start-up, so a read-only deployment that never uploads
        # (or uses the database store) needs no writable folder.
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.root

    def _path(self, key: str) -> Path | None:
        if not is_valid_key(key):
            return None
        path = self.root / key
        return path if path.is_file() else None

    def put(self, key: str, data: bytes) -> None:
        target = self._dir() / checked_key(key)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes] | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return path.open("rb")
        except FileNotFoundError:  # deleted since the check, by another request or machine
            return None

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return None if path is None else path.stat().st_size

    def modified(self, key: str) -> datetime | None:
        path = self._path(key)
        return None if path is None else datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def delete(self, key: str) -> None:
        if is_valid_key(key):
            (self.root / key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.iterdir()):
            if path.is_file() and is_valid_key(path.name):  # not ".part-" leftovers
                yield path.name
