"""Reads behind the annotator's pages, each a fixed number of queries
whatever the size of the corpus (grouped counts, no query per row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def document_has_work_for(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on Document: it holds a translation this user may open."""
    return (
        sa.select(Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .where(Segment.document_id == Document.id, visible_translations(user))
        .exists()
    )


#: Documents per page of the document list.
DOCUMENTS_PER_PAGE = 50


@dataclass(frozen=True)
class ProgressPage:
    corpora: list[CorpusProgress]
    #: The last document shown, for the next page's `after`; None on the last page.
    next_after: int | None


def _document_order() -> tuple[sa.ColumnElement[Any], ...]:
    return (Document.corpus_id, Document.position, Document.id)


def document_progress(
    session: Session, user: User, *, after: int | None = None, limit: int | None = None
) -> ProgressPage:
    """One page of documents, grouped by corpus, with the user's progress in
    each.

    Keyset pagination over (corpus, position, id) and counts for the page's
    documents only, so a visit costs the same however large the corpora
    grow. An annotator sees only documents holding work assigned to them.
    Four queries: the page's documents, their corpora, one grouped count
    over the page's translations of annotatable segments outer-joined to
    this user's assessments (one row per translation at most, thanks to the
    unique (translation, annotator, kind) constraint), and the cursor."""
    admin = user.role == "admin"
    limit = limit or DOCUMENTS_PER_PAGE
    stmt = sa.select(Document).order_by(*_document_order()).limit(limit + 1)
    if after is not None:
        anchor = session.execute(
            sa.select(*_document_order()).where(Document.id == after)
        ).one_or_none()
        if anchor is not None:
            stmt = stmt.where(sa.tuple_(*_document_order()) > sa.tuple_(*anchor))
    if not admin:
        stmt = stmt.where(document_has_work_for(user))
    documents = list(session.scalars(stmt))
    next_after = documents[limit - 1].id if len(documents) > limit else None
    documents = documents[:limit]
    ids = [d.id for d in documents]
    corpus_ids = sorted({d.corpus_id for d in documents})
    corpora = {c.id: c for c in session.scalars(sa.select(Corpus).where(Corpus.id.in_(corpus_ids)))}
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
        .where(Segment.document_id.in_(ids), annotatable_clause(), visible_translations(user))
        .group_by(Segment.document_id)
    ).all()
    counts = {row[0]: row[1:] for row in rows}
    by_corpus: dict[int, list[DocumentProgress]] = {}
    for document in documents:
        total, done, drafts, next_position, first = counts.get(document.id, (0, 0, 0, None, None))
        by_corpus.setdefault(document.corpus_id, []).append(
            DocumentProgress(document, total, done, drafts, next_position, first)
        )
    return ProgressPage(
        [CorpusProgress(corpora[cid], docs) for cid, docs in by_corpus.items()], next_after
    )


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
