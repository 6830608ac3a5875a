"""An annotator's judgement of one translation, its error spans, and the
append-only history of every save.

`version` is SQLAlchemy's version counter: an UPDATE that names a stale
version matches no row and raises StaleDataError, which the views turn into
HTTP 409 with the current version, so no save silently overwrites another.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.corpus import Translation
    from app.models.user import User

#: draft: work in progress; done: corrected; no_errors: confirmed error-free.
STATUSES: Final[tuple[str, ...]] = ("draft", "done", "no_errors")
FINISHED_STATUSES: Final[frozenset[str]] = frozenset({"done", "no_errors"})
#: annotation: one annotator's work; gold: the reference a reviewer built
#: from the annotators' work in adjudication, which scoring prefers.
KINDS: Final[tuple[str, ...]] = ("annotation", "gold")


class Assessment(Base):
    __tablename__ = "assessment"
    __table_args__ = (sa.UniqueConstraint("translation_id", "annotator_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("translation.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(
        sa.String(16), default="annotation", server_default="annotation"
    )
    #: The corrected MT; starts as the MT itself.
    post_edit: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    #: Seconds spent on the segment, summed over visits.
    time_spent: Mapped[float] = mapped_column(default=0.0)
    keystrokes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    translation: Mapped[Translation] = relationship(back_populates="assessments")
    annotator: Mapped[User] = relationship()
    spans: Mapped[list[ErrorSpan]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(ErrorSpan.start, ErrorSpan.id)",
    )

    # Not ClassVar: the declarative base declares it as an instance variable.
    __mapper_args__ = {  # noqa: RUF012
        "version_id_col": version,
        "version_id_generator": False,
    }

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def __repr__(self) -> str:
        return f"<Assessment t{self.translation_id} u{self.annotator_id} v{self.version}>"


class ErrorSpan(Base):
    """An MQM error. Offsets are Python string indices (Unicode code points)
    into the MT text (side "target") or the source (side "source"); an
    omission may be an empty span, start == end."""

    __tablename__ = "error_span"
    __table_args__ = (sa.CheckConstraint('start >= 0 AND start <= "end"', name="offsets"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(sa.String(8), default="target")
    start: Mapped[int]
    end: Mapped[int]
    category: Mapped[str] = mapped_column(sa.String(80))
    severity: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="spans")

    def __repr__(self) -> str:
        return f"<ErrorSpan {self.side}[{self.start}:{self.end}] {self.category}/{self.severity}>"


class Revision(Base):
    """One row per accepted save, never updated or deleted: the full history
    of a post-edit, from which any earlier version can be restored."""

    __tablename__ = "revision"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "version"),
        sa.UniqueConstraint("assessment_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    #: The assessment version this save produced.
    version: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    post_edit: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16))
    #: The error spans as saved, as JSON, so a restore brings them back too.
    spans_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    #: The idempotency key the client sent with the save: a retry of a save
    #: that was stored (the answer was lost) finds it here and is not applied twice.
    client_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
