"""A QA check's suspicion about a span of a translation, waiting for an
annotator to confirm (it becomes an error span) or dismiss it. Flags are
never applied on their own; the decisions are what each check's precision
is measured against."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

FLAG_STATUSES: Final[tuple[str, ...]] = ("open", "confirmed", "dismissed")


class QaFlag(Base):
    __tablename__ = "qa_flag"
    __table_args__ = (
        sa.UniqueConstraint("translation_id", "check", "side", "start", "end"),
        sa.CheckConstraint('start >= 0 AND start <= "end"', name="offsets"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("translation.id", ondelete="CASCADE"), index=True
    )
    #: The registry id of the check that raised it.
    check: Mapped[str] = mapped_column(sa.String(40), index=True)
    side: Mapped[str] = mapped_column(sa.String(8), default="target")
    start: Mapped[int]
    end: Mapped[int]
    message: Mapped[str] = mapped_column(sa.Text)
    #: A replacement the check proposes, when it has one.
    suggestion: Mapped[str | None] = mapped_column(sa.Text)
    #: The MQM category a confirmed flag becomes.
    category: Mapped[str | None] = mapped_column(sa.String(80))
    severity: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return (
            f"<QaFlag {self.check} t{self.translation_id}[{self.start}:{self.end}] {self.status}>"
        )


class QaRun(Base):
    """When a document's flags were last computed, and from what: the check
    versions, a digest of the corpus glossary, and the number of
    translations the document had. While these still hold the stored flags
    are current, even when the checks raised none; when one changes (a
    glossary pair added by "fix everywhere", a new check version, another
    system's MT imported) the flags are computed again."""

    __tablename__ = "qa_run"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    #: `REGISTRY.versions()`: "glossary:1 name-variants:1 …".
    checks: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 of the glossary entries the checks were given.
    glossary: Mapped[str] = mapped_column(sa.String(64))
    translations: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<QaRun d{self.document_id} {self.computed_at:%Y-%m-%d %H:%M}>"
