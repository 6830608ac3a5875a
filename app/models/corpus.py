"""What gets annotated: corpus → document → segment → translation.

A segment holds the source (NULL when the source side is not available) and
its place in the document; each MT system's output for it is a translation.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.assessment import Assessment

#: Segment kinds. Only headings and body text are offered for annotation;
#: metadata and site boilerplate stay in the document, marked not-for-annotation.
SEGMENT_KINDS: Final[tuple[str, ...]] = ("title", "heading", "body", "meta", "boilerplate")
ANNOTATABLE_KINDS: Final[frozenset[str]] = frozenset({"title", "heading", "body"})


class Corpus(Base):
    __tablename__ = "corpus"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    source_lang: Mapped[str] = mapped_column(sa.String(16))
    target_lang: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: opencc configuration applied to hypothesis and reference before
    #: scoring a Chinese target ("none", "t2s", "s2t", …).
    script_normalisation: Mapped[str] = mapped_column(sa.String(16), default="none")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents: WriteOnlyMapped[Document] = relationship(
        back_populates="corpus", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Corpus {self.name} {self.source_lang}-{self.target_lang}>"


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (
        sa.UniqueConstraint("corpus_id", "name"),
        # The document list's keyset order (app/annotate/queries.py).
        sa.Index("ix_document_list_order", "corpus_id", "position", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    corpus_id: Mapped[int] = mapped_column(
        sa.ForeignKey("corpus.id", ondelete="CASCADE"), index=True
    )
    #: The external document id (file stem, WMT `doc`); unique in its corpus.
    name: Mapped[str] = mapped_column(sa.String(300))
    title: Mapped[str | None] = mapped_column(sa.Text)
    origin_url: Mapped[str | None] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    corpus: Mapped[Corpus] = relationship(back_populates="documents")
    segments: WriteOnlyMapped[Segment] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Segment.position",
    )

    def __repr__(self) -> str:
        return f"<Document {self.name}>"


class Segment(Base):
    __tablename__ = "segment"
    __table_args__ = (sa.UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    #: 1-based order within the document (WMT `doc_id`).
    position: Mapped[int]
    #: 0-based paragraph index within the document.
    paragraph: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(16), default="body")
    annotatable: Mapped[bool] = mapped_column(default=True)
    #: NULL when the source side is not available (monolingual post-editing).
    source: Mapped[str | None] = mapped_column(sa.Text)
    #: An id the segment had in the file it came from (WMT global `seg_id`).
    external_id: Mapped[str | None] = mapped_column(sa.String(64))

    document: Mapped[Document] = relationship(back_populates="segments")
    translations: Mapped[list[Translation]] = relationship(
        back_populates="segment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Translation.system",
    )

    def __repr__(self) -> str:
        return f"<Segment {self.document_id}:{self.position}>"


class Translation(Base):
    __tablename__ = "translation"
    __table_args__ = (sa.UniqueConstraint("segment_id", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(sa.String(200), index=True)
    text: Mapped[str] = mapped_column(sa.Text)

    segment: Mapped[Segment] = relationship(back_populates="translations")
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="translation", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Translation {self.segment_id}/{self.system}>"
