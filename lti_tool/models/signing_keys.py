"""The private halves of the tool's signing keys, when KEY_STORE is "database".

`tool_key` keeps each key's public JWK and status (current / previous / retired) for both stores;
this table adds the private key, encrypted (Fernet, KEY_ENCRYPTION_KEYS), so every machine that
shares the database shares the keys with no shared disk. A database read alone never yields a
usable private key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow
from lti_tool.models.security import ToolKey, ToolKeyStatus


class SigningKeySecret(Base):
    """One tool key's private half, sealed with the key-encryption key."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(
        String(64), ForeignKey("tool_key.kid", ondelete="CASCADE"), primary_key=True
    )
    # A Fernet token of the PKCS#8 PEM: never the PEM itself.
    sealed_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# At most one current key, whatever the number of processes: two first starts racing to create
# the first key both insert, and the second insert fails on this index instead of leaving two
# current keys (SQLite and PostgreSQL both have partial indexes).
Index(
    "uq_tool_key_one_current",
    ToolKey.status,
    unique=True,
    sqlite_where=ToolKey.status == ToolKeyStatus.CURRENT.value,
    postgresql_where=ToolKey.status == ToolKeyStatus.CURRENT.value,
)
