"""Evaluation campaigns: who annotates which translations.

A campaign covers a corpus, or some of its documents and systems. Its
assignments are explicit rows, one per (translation, annotator), so "what may
this annotator open" is one indexed lookup, whatever the assignment scheme
(N annotators per segment, round-robin or by document) that produced them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.corpus import Corpus

#: round-robin: each segment goes to the next N annotators in turn;
#: by-document: each (document, system) goes whole to N annotators in turn.
ASSIGNMENT_MODES: Final[tuple[str, ...]] = ("round-robin", "by-document")


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    corpus_id: Mapped[int] = mapped_column(
        sa.ForeignKey("corpus.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: Annotators per segment.
    per_segment: Mapped[int] = mapped_column(default=1)
    mode: Mapped[str] = mapped_column(sa.String(16), default="round-robin")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    corpus: Mapped[Corpus] = relationship()

    def __repr__(self) -> str:
        return f"<Campaign {self.name}>"


class Assignment(Base):
    """One translation given to one annotator within a campaign."""

    __tablename__ = "assignment"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "translation_id", "annotator_id"),
        # "May this user open this translation?" and "this user's work list".
        sa.Index("ix_assignment_annotator_translation", "annotator_id", "translation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    translation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("translation.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Assignment c{self.campaign_id} t{self.translation_id} u{self.annotator_id}>"
