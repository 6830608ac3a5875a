"""A corpus's glossary: how a term must be rendered, and renderings known
to be wrong. Fed by hand, by import, and by "fix once, apply everywhere"."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class GlossaryTerm(Base):
    __tablename__ = "glossary_term"
    __table_args__ = (sa.UniqueConstraint("corpus_id", "target", "wrong"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    corpus_id: Mapped[int] = mapped_column(
        sa.ForeignKey("corpus.id", ondelete="CASCADE"), index=True
    )
    #: The source-language term, when known.
    source: Mapped[str | None] = mapped_column(sa.Text)
    #: The required target rendering ("Wang Kele").
    target: Mapped[str] = mapped_column(sa.String(300))
    #: A rendering known to be wrong ("Wang Cola"); "" when none is recorded.
    wrong: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.wrong!r} -> {self.target!r}>"
