"""What an API caller may read, as WHERE clauses, and keyset pages.

Researchers and admins read everything. An annotator reads only what holds
work assigned to them: the assigned translations, the segments, documents
and corpora that contain one, and their own assessments. Anything else is
reported as missing (404), exactly like an id that does not exist, so an
annotator cannot probe which ids exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access import can_read_results, visible_translations
from app.models import Assessment, Corpus, Document, Segment, Translation, User

T = TypeVar("T")


def readable_translations(user: User) -> sa.ColumnElement[bool]:
    if can_read_results(user):
        return sa.true()
    return visible_translations(user)


def readable_segments(user: User) -> sa.ColumnElement[bool]:
    if can_read_results(user):
        return sa.true()
    return Segment.id.in_(sa.select(Translation.segment_id).where(visible_translations(user)))


def readable_documents(user: User) -> sa.ColumnElement[bool]:
    if can_read_results(user):
        return sa.true()
    return Document.id.in_(
        sa.select(Segment.document_id)
        .join(Translation, Translation.segment_id == Segment.id)
        .where(visible_translations(user))
    )


def readable_corpora(user: User) -> sa.ColumnElement[bool]:
    if can_read_results(user):
        return sa.true()
    return Corpus.id.in_(
        sa.select(Document.corpus_id)
        .join(Segment, Segment.document_id == Document.id)
        .join(Translation, Translation.segment_id == Segment.id)
        .where(visible_translations(user))
    )


def readable_assessments(user: User) -> sa.ColumnElement[bool]:
    if can_read_results(user):
        return sa.true()
    return Assessment.annotator_id == user.id


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    #: The `after` of the next page; None on the last page.
    next: int | None


def keyset_page(
    session: Session, stmt: sa.Select[Any], id_column: Any, *, after: int, limit: int
) -> Page[Any]:
    """One page of `stmt` by ascending id: `WHERE id > after LIMIT limit+1`,
    the extra row only telling whether there is a next page. No OFFSET and
    no COUNT, so every page costs the same on a large table."""
    rows = session.scalars(stmt.where(id_column > after).order_by(id_column).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, rows[-1].id)
    return Page(rows, None)
