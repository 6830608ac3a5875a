"""Reads behind the annotator's pages, each a fixed number of queries
whatever the size of the corpus (grouped counts, no query per row)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.access import ADMIN, visible_to_role, visible_translations
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


def _document_order() -> tuple[InstrumentedAttribute[int], ...]:
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


# The segment editor page, the busiest page of all, in two statements
# (plus the user): the segment with everything it shows of it, then the
# neighbouring segments with the previous/next positions (which depend on
# the system picked from the first). Each statement is built once per role
# with bind parameters and reused: per request SQLAlchemy then only binds
# values, instead of building the expression and computing its cache key
# anew (that was most of the page's time, more than SQLite's).


@dataclass(frozen=True)
class SegmentPage:
    """The segment being edited, with what the page shows around it."""

    document: Document
    corpus: Corpus
    segment: Segment
    #: The document's last position, for the "segment 12 of 130" header.
    last_position: int
    #: The segment's translations this user may open, by system.
    translations: list[Translation]
    #: Whether the segment has any translation at all, perhaps not this user's.
    has_translations: bool
    #: This user's assessments of `translations`, by translation id.
    assessments: dict[int, Assessment]


@dataclass(frozen=True)
class ContextRow:
    """A neighbouring segment shown around the one being edited."""

    position: int
    kind: str
    annotatable: bool
    mt: str | None
    post_edit: str | None
    status: str | None


@dataclass(frozen=True)
class _SegmentStatements:
    page: sa.Select[Any]
    #: Context rows and previous/next positions, for the bound system.
    surroundings: sa.Select[Any]
    #: The same when no system is chosen: the context shows no MT, and the
    #: previous/next segments need a translation by any system.
    surroundings_any_system: sa.Select[Any]


def _own_assessment(user_id: sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """The ON clause joining a translation to the user's assessment of it."""
    return sa.and_(
        Assessment.translation_id == Translation.id,
        Assessment.annotator_id == user_id,
        Assessment.kind == "annotation",
    )


@cache
def _segment_statements(role: str) -> _SegmentStatements:
    """The segment page's statements for users of `role`; the user, the
    document, the position and the system are bind parameters."""
    doc_id = sa.bindparam("doc_id", type_=sa.Integer)
    position = sa.bindparam("position", type_=sa.Integer)
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    system = sa.bindparam("system", type_=sa.String)

    # Both subqueries read `segment`, which the outer statement joins too:
    # correlate(None) keeps them from binding to the outer row.
    if role == ADMIN:
        has_work: sa.ColumnElement[bool] = sa.true()
    else:
        has_work = (
            sa.select(Translation.id)
            .join(Segment, Translation.segment_id == Segment.id)
            .where(Segment.document_id == doc_id, visible_to_role(role, user_id))
            .correlate(None)
            .exists()
        )
    last_position = (
        sa.select(sa.func.max(Segment.position))
        .where(Segment.document_id == doc_id)
        .correlate(None)
        .scalar_subquery()
    )
    page = (
        sa.select(
            Document,
            Corpus,
            Segment,
            Translation,
            Assessment,
            visible_to_role(role, user_id).label("visible"),
            has_work.label("has_work"),
            last_position.label("last_position"),
        )
        .join(Corpus, Corpus.id == Document.corpus_id)
        .outerjoin(
            Segment, sa.and_(Segment.document_id == Document.id, Segment.position == position)
        )
        .outerjoin(Translation, Translation.segment_id == Segment.id)
        .outerjoin(Assessment, _own_assessment(user_id))
        .where(Document.id == doc_id)
        .order_by(Translation.system)
    )

    def neighbour(*, forward: bool, by_system: bool) -> sa.ScalarSelect[int]:
        """The next (or previous) annotatable segment that has a translation
        (by `system`) open to this user: meta and boilerplate segments, and
        segments assigned to others, are skipped."""
        # The statement around this subquery joins segment and translation
        # too: correlate none of its own tables to those.
        has_translation = (
            sa.exists()
            .where(Translation.segment_id == Segment.id, visible_to_role(role, user_id))
            .correlate_except(Translation)
        )
        if by_system:
            has_translation = has_translation.where(Translation.system == system)
        # ORDER BY ... LIMIT 1 walks the (document_id, position) index from
        # `position` and stops at the first match; min()/max() with these
        # extra conditions would read every later (earlier) segment.
        return (
            sa.select(Segment.position)
            .where(
                Segment.document_id == doc_id,
                Segment.position > position if forward else Segment.position < position,
                annotatable_clause(),
                has_translation,
            )
            .order_by(Segment.position.asc() if forward else Segment.position.desc())
            .limit(1)
            .correlate(None)
            .scalar_subquery()
        )

    def surroundings(*, by_system: bool) -> sa.Select[*tuple[Any, ...]]:
        """The neighbouring segments with this system's MT and the user's
        post-edit, each row also carrying the previous and next positions.
        The segments are outer-joined to a single row, so that the
        positions come back even when there is no neighbouring segment."""
        one_row = sa.select(sa.literal(1).label("one")).subquery("one_row")
        return (
            sa.select(
                neighbour(forward=False, by_system=by_system).label("previous"),
                neighbour(forward=True, by_system=by_system).label("following"),
                Segment.position,
                Segment.kind,
                Segment.annotatable,
                Translation.text,
                Assessment.post_edit,
                Assessment.status,
            )
            .select_from(one_row)
            .outerjoin(
                Segment,
                sa.and_(
                    Segment.document_id == doc_id,
                    Segment.position.between(
                        sa.bindparam("from_position", type_=sa.Integer),
                        sa.bindparam("to_position", type_=sa.Integer),
                    ),
                    Segment.position != position,
                ),
            )
            .outerjoin(
                Translation,
                sa.and_(Translation.segment_id == Segment.id, Translation.system == system),
            )
            .outerjoin(Assessment, _own_assessment(user_id))
            .order_by(Segment.position)
        )

    return _SegmentStatements(
        page=page,
        surroundings=surroundings(by_system=True),
        surroundings_any_system=surroundings(by_system=False),
    )


def segment_page(session: Session, user: User, doc_id: int, position: int) -> SegmentPage | None:
    """The segment at `position` of the document, or None when there is no
    such document or segment, or when the document holds nothing this user
    may open (then not even its context segments are theirs to see)."""
    statements = _segment_statements(user.role)
    rows = session.execute(
        statements.page, {"doc_id": doc_id, "position": position, "user_id": user.id}
    ).all()
    if not rows:
        return None
    document, corpus, segment, *_rest, has_work, last_position = rows[0]
    if segment is None or not has_work:
        return None
    # As `can_annotate`: a deactivated account opens nothing.
    active = user.is_authenticated and user.is_active
    translations = [row.Translation for row in rows if row.Translation is not None]
    visible = [row for row in rows if row.Translation is not None and row.visible and active]
    return SegmentPage(
        document=document,
        corpus=corpus,
        segment=segment,
        last_position=last_position or 0,
        translations=[row.Translation for row in visible],
        has_translations=bool(translations),
        assessments={
            row.Translation.id: row.Assessment for row in visible if row.Assessment is not None
        },
    )


@dataclass(frozen=True)
class Surroundings:
    """The segments shown around the one being edited, and where the
    previous and next links lead."""

    before: list[ContextRow]
    after: list[ContextRow]
    previous: int | None
    following: int | None


def surroundings(
    session: Session, user: User, doc_id: int, position: int, system: str | None, radius: int
) -> Surroundings:
    """Up to `radius` segments before and after `position`, with this
    system's MT and the user's post-edit, and the previous and next
    annotatable segments with a translation by `system` (by any system when
    None) open to this user, in one statement."""
    statements = _segment_statements(user.role)
    stmt = statements.surroundings if system is not None else statements.surroundings_any_system
    params = {
        "doc_id": doc_id,
        "position": position,
        "from_position": position - radius,
        "to_position": position + radius,
        "system": system,
        "user_id": user.id,
    }
    rows = session.execute(stmt, params).all()
    previous, following = rows[0][:2]
    context = [ContextRow(*row[2:]) for row in rows if row.position is not None]
    return Surroundings(
        before=[r for r in context if r.position < position],
        after=[r for r in context if r.position > position],
        previous=previous,
        following=following,
    )
