"""Uploaded files kept in the database: what lets any number of machines serve them with no
shared disk (lti_tool/storage/database.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class StoredFile(Base):
    """One file's bytes under the key the storage generated. The bytes are deferred so a size or
    existence check never reads them."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
