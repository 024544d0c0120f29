"""Event: an append-only record of who did what, and when.

The admin console's audit log today; the activities' change logs ("you said, we did") and
facilitation analytics later. Rows are only ever inserted.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class ActorKind(enum.StrEnum):
    ADMIN_USER = "admin_user"  # a console account (flask admin create)
    PERSON = "person"  # someone who launched from an LMS
    CLI = "cli"  # a command run on the server
    SYSTEM = "system"  # the tool itself (registration, worker)


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(300))
    # Scope: every event belongs to a platform (or to the installation when None), and to a
    # course when it is about one.
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="SET NULL"), index=True
    )
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
