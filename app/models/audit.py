"""Security-relevant events kept in the database, so an admin can answer
"who logged in, who exported what, who changed whose role" without server logs."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

AUDIT_EVENTS: Final[tuple[str, ...]] = (
    "login",
    "login-failed",
    "logout",
    "role-change",
    "export",
    "delete",
    "user-create",
    "campaign-create",
    "assign",
    "adjudicate",
    "restore",
    "token-create",
    "token-revoke",
    "backup",
)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The account the event concerns; NULL for command-line work and for
    #: failed logins under names that do not exist. No foreign key: the
    #: record must outlive a deleted account.
    user_id: Mapped[int | None] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(sa.String(32), index=True)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    #: The client address as the app saw it (a proxy's, behind one).
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.event} user={self.user_id} at {self.created_at}>"
