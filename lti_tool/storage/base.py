"""The contract every upload store keeps, whatever holds the bytes."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from flask_babel import lazy_gettext as _l

# Keys are names the tool generates (random hex today): never a path or a user's file name,
# so no backend has to guard against "../" or a name that identifies the uploader.
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class StorageError(ValueError):
    """A key the stores refuse (not one the tool could have generated)."""


def checked_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise StorageError(_l("a stored file's key is 1-64 letters, digits, '-' or '_'"))
    return key


def is_valid_key(key: str) -> bool:
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


class FileStore(ABC):
    """Bytes under a key. `put` and `delete` follow the backend's transaction rule, which
    `transactional` states: True when they join the caller's database transaction (they commit
    or roll back with the rows that name the file), False when they take effect at once."""

    name: str
    transactional: bool

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there."""

    @abstractmethod
    def open(self, key: str) -> IO[bytes] | None:
        """A binary stream of the file (the caller closes it), or None when it is not stored."""

    def read(self, key: str) -> bytes | None:
        stream = self.open(key)
        if stream is None:
            return None
        with stream:
            return stream.read()

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The stored length in bytes, or None when it is not stored."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    @abstractmethod
    def modified(self, key: str) -> datetime | None:
        """When the file was stored (for Last-Modified), or None when it is not stored."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when it is not stored."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every stored key (for copying between stores and for checks)."""
