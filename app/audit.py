"""Writing audit events. Takes a plain SQLAlchemy session so the command line
and the web views record the same way; the caller commits, so an event is
stored together with the change it describes (or not at all)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import MtqaError
from app.models.audit import AUDIT_EVENTS, AuditEvent
from app.models.user import User


def record(
    session: Session,
    event: str,
    user: User | None = None,
    detail: str = "",
    remote_addr: str | None = None,
) -> AuditEvent:
    if event not in AUDIT_EVENTS:
        raise MtqaError(f"unknown audit event {event!r}; known: {', '.join(AUDIT_EVENTS)}")
    entry = AuditEvent(
        event=event,
        user_id=user.id if user is not None else None,
        detail=detail,
        remote_addr=remote_addr,
    )
    session.add(entry)
    return entry
