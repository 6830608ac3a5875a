"""Bulk reads and writes for the loader.

Keys of a whole corpus are read with one query per table (joined up to the
document, which names the corpus), and rows are written with executemany
in chunks: no per-row SELECT, no ORM objects, constant memory per chunk.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Assessment, Document, ErrorSpan, Segment, Translation

CHUNK: Final = 10_000

#: How each table joins up to Document.
_JOINS: Final[dict[type, tuple[tuple[type, Any], ...]]] = {
    Segment: ((Document, Segment.document_id == Document.id),),
    Translation: (
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
    Assessment: (
        (Translation, Assessment.translation_id == Translation.id),
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
    ErrorSpan: (
        (Assessment, ErrorSpan.assessment_id == Assessment.id),
        (Translation, Assessment.translation_id == Translation.id),
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
}


def corpus_rows(session: Session, corpus_id: int, table: type, *columns: Any) -> sa.Result[Any]:
    """`columns` of every row of `table` in the corpus, in one query."""
    query = sa.select(*columns)
    for target, on in _JOINS[table]:
        query = query.join(target, on)
    return session.execute(query.where(Document.corpus_id == corpus_id))


def insert_rows(
    session: Session, model: type, rows: list[dict[str, Any]], *, force: bool = False
) -> None:
    """Write and clear `rows` once a chunk is full (or always, with force)."""
    if rows and (force or len(rows) >= CHUNK):
        session.execute(sa.insert(model), rows)
        rows.clear()
