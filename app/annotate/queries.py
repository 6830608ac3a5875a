"""Reads behind the annotator's pages, each a fixed number of queries
whatever the size of the corpus (grouped counts, no query per row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access import visible_translations
from app.models import (
    ANNOTATABLE_KINDS,
    FINISHED_STATUSES,
    Assessment,
    Corpus,
    Document,
    Segment,
    Translation,
    User,
)


def annotatable_clause() -> sa.ColumnElement[bool]:
    """Segments offered for annotation: flagged so, and of an annotatable kind."""
    return sa.and_(Segment.annotatable.is_(True), Segment.kind.in_(sorted(ANNOTATABLE_KINDS)))


def is_annotatable(segment: Segment) -> bool:
    return segment.annotatable and segment.kind in ANNOTATABLE_KINDS


@dataclass(frozen=True)
class DocumentProgress:
    document: Document
    total: int = 0
    finished: int = 0
    drafts: int = 0
    #: First annotatable segment the user has not finished, for "continue".
    next_position: int | None = None
    #: First annotatable segment, for reviewing a finished document.
    first_position: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


@dataclass(frozen=True)
class CorpusProgress:
    corpus: Corpus
    documents: list[DocumentProgress]


def document_progress(session: Session, user: User) -> list[CorpusProgress]:
    """Every corpus with its documents and the user's progress in each.

    Three queries: corpora, documents, and one grouped count over
    translations of annotatable segments outer-joined to this user's
    assessments (one row per translation at most, thanks to the unique
    (translation, annotator) constraint)."""
    corpora = session.scalars(sa.select(Corpus).order_by(Corpus.name)).all()
    documents = session.scalars(
        sa.select(Document).order_by(Document.corpus_id, Document.position, Document.name)
    ).all()
    # An annotator sees only documents holding work assigned to them.
    finished = Assessment.status.in_(sorted(FINISHED_STATUSES))
    rows = session.execute(
        sa.select(
            Segment.document_id,
            sa.func.count(Translation.id),
            sa.func.count(sa.case((finished, Assessment.id))),
            sa.func.count(sa.case((Assessment.status == "draft", Assessment.id))),
            sa.func.min(sa.case((sa.or_(Assessment.id.is_(None), ~finished), Segment.position))),
            sa.func.min(Segment.position),
        )
        .join(Translation, Translation.segment_id == Segment.id)
        .outerjoin(
            Assessment,
            sa.and_(
                Assessment.translation_id == Translation.id,
                Assessment.annotator_id == user.id,
                Assessment.kind == "annotation",
            ),
        )
        .where(annotatable_clause(), visible_translations(user))
        .group_by(Segment.document_id)
    ).all()
    counts = {row[0]: row[1:] for row in rows}
    by_corpus: dict[int, list[DocumentProgress]] = {c.id: [] for c in corpora}
    admin = user.role == "admin"
    for document in documents:
        if not admin and document.id not in counts:
            continue
        total, done, drafts, next_position, first = counts.get(document.id, (0, 0, 0, None, None))
        by_corpus.setdefault(document.corpus_id, []).append(
            DocumentProgress(document, total, done, drafts, next_position, first)
        )
    return [CorpusProgress(c, by_corpus[c.id]) for c in corpora if admin or by_corpus[c.id]]


@dataclass(frozen=True)
class ContextRow:
    """A neighbouring segment shown around the one being edited."""

    segment: Segment
    mt: str | None
    post_edit: str | None
    status: str | None


def context_rows(
    session: Session, document: Document, position: int, system: str | None, user: User, radius: int
) -> tuple[list[ContextRow], list[ContextRow]]:
    """Up to `radius` segments before and after `position`, with this
    system's MT and the user's post-edit, in one query."""
    stmt = (
        sa.select(Segment, Translation.text, Assessment.post_edit, Assessment.status)
        .outerjoin(
            Translation, sa.and_(Translation.segment_id == Segment.id, Translation.system == system)
        )
        .outerjoin(
            Assessment,
            sa.and_(
                Assessment.translation_id == Translation.id,
                Assessment.annotator_id == user.id,
                Assessment.kind == "annotation",
            ),
        )
        .where(
            Segment.document_id == document.id,
            Segment.position.between(position - radius, position + radius),
            Segment.position != position,
        )
        .order_by(Segment.position)
    )
    rows = [ContextRow(*row) for row in session.execute(stmt).all()]
    before = [r for r in rows if r.segment.position < position]
    after = [r for r in rows if r.segment.position > position]
    return before, after


def neighbour_position(
    session: Session,
    document: Document,
    position: int,
    system: str | None,
    user: User,
    *,
    forward: bool,
) -> int | None:
    """The next (or previous) annotatable segment that has a translation by
    `system` open to this user: meta and boilerplate segments, and segments
    assigned to others, are skipped."""
    has_translation = sa.exists().where(
        Translation.segment_id == Segment.id, visible_translations(user)
    )
    if system is not None:
        has_translation = has_translation.where(Translation.system == system)
    # ORDER BY ... LIMIT 1 walks the (document_id, position) index from
    # `position` and stops at the first match; min()/max() with these extra
    # conditions would read every later (earlier) segment of the document.
    position_col = Segment.position
    stmt = (
        sa.select(position_col)
        .where(
            Segment.document_id == document.id,
            position_col > position if forward else position_col < position,
            annotatable_clause(),
            has_translation,
        )
        .order_by(position_col.asc() if forward else position_col.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def user_assessments(
    session: Session, translations: Sequence[Translation], user: User
) -> dict[int, Assessment]:
    if not translations:
        return {}
    found = session.scalars(
        sa.select(Assessment).where(
            Assessment.translation_id.in_([t.id for t in translations]),
            Assessment.annotator_id == user.id,
            Assessment.kind == "annotation",
        )
    ).all()
    return {a.translation_id: a for a in found}


def document_position_count(session: Session, document: Document) -> tuple[int, int]:
    """The number of annotatable segments and the last position, for the
    "segment 12 of 130" header."""
    count, last = session.execute(
        sa.select(
            sa.func.count(sa.case((annotatable_clause(), Segment.id))),
            sa.func.max(Segment.position),
        ).where(Segment.document_id == document.id)
    ).one()
    return count or 0, last or 0
