"""Protocol bookkeeping: used nonces and the tool's own signing keys."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class UsedNonce(Base):
    """An id_token nonce already consumed. The unique index makes replay detection atomic
    across processes: a second insert of the same nonce fails, whoever tries it."""

    __tablename__ = "used_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(255), unique=True)
    platform_id: Mapped[int | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ToolKeyStatus(enum.StrEnum):
    CURRENT = "current"  # signs everything new
    PREVIOUS = "previous"  # still published until the grace period ends
    RETIRED = "retired"  # never published again


class ToolKey(Base):
    """One of the tool's RSA keys. The private half lives in LTI_KEYS_DIR/<kid>.pem, never here."""

    __tablename__ = "tool_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=ToolKeyStatus.CURRENT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
