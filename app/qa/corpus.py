"""Read a corpus's documents and annotations as the plain data the checks take."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.assessments import SpanData
from app.models import Assessment, Document, ErrorSpan, Segment, Translation
from app.qa.base import Flag, GlossaryEntry, QaSegment, run_checks


def corpus_documents(session: Session, corpus_id: int) -> dict[int, list[QaSegment]]:
    """Segments per document id, one MT (the first system by name) per segment.
    Positions are segment ids, unique across the corpus."""
    rows = session.execute(
        sa.select(Segment.document_id, Segment.id, Segment.source, Translation.text)
        .join(Translation, Translation.segment_id == Segment.id)
        .join(Document, Document.id == Segment.document_id)
        .where(Document.corpus_id == corpus_id)
        .order_by(Segment.document_id, Segment.position, Translation.system)
    )
    documents: dict[int, list[QaSegment]] = defaultdict(list)
    seen: set[int] = set()
    for document_id, segment_id, source, text in rows:
        if segment_id not in seen:
            seen.add(segment_id)
            documents[document_id].append(QaSegment(segment_id, source, text))
    return dict(documents)


def corpus_spans(session: Session, corpus_id: int) -> dict[int, list[SpanData]]:
    rows = session.execute(
        sa.select(Segment.id, ErrorSpan)
        .join(Assessment, Assessment.id == ErrorSpan.assessment_id)
        .join(Translation, Translation.id == Assessment.translation_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(Document.corpus_id == corpus_id)
    )
    spans: dict[int, list[SpanData]] = defaultdict(list)
    for segment_id, span in rows:
        spans[segment_id].append(
            SpanData(span.start, span.end, span.category, span.severity, span.side, span.note)
        )
    return dict(spans)


def corpus_flags(
    session: Session,
    corpus_id: int,
    glossary: Sequence[GlossaryEntry] = (),
    *,
    target_lang: str = "en",
) -> list[Flag]:
    """Every check over every document of a corpus, document by document (the
    name and pronoun checks compare mentions within one document only)."""
    flags: list[Flag] = []
    for segments in corpus_documents(session, corpus_id).values():
        flags.extend(run_checks(segments, glossary, target_lang=target_lang))
    return flags
