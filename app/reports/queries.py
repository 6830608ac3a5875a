"""Counts for the report index: one grouped query per figure, whatever the
number of corpora."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation


@dataclass(frozen=True)
class CorpusSummary:
    corpus: Corpus
    documents: int
    #: Annotatable translations.
    total: int
    #: Annotatable translations with at least one finished assessment.
    finished: int


def corpus_summaries(session: Session) -> list[CorpusSummary]:
    documents = dict(
        session.execute(
            sa.select(Document.corpus_id, sa.func.count()).group_by(Document.corpus_id)
        ).all()
    )
    annotatable = (
        sa.select(Document.corpus_id, sa.func.count(sa.distinct(Translation.id)))
        .join(Segment, Segment.document_id == Document.id)
        .join(Translation, Translation.segment_id == Segment.id)
        .where(Segment.annotatable.is_(True))
        .group_by(Document.corpus_id)
    )
    totals = dict(session.execute(annotatable).all())
    finished_stmt = annotatable.join(Assessment, Assessment.translation_id == Translation.id).where(
        Assessment.status.in_(FINISHED_STATUSES)
    )
    finished = dict(session.execute(finished_stmt).all())
    return [
        CorpusSummary(c, documents.get(c.id, 0), totals.get(c.id, 0), finished.get(c.id, 0))
        for c in session.scalars(sa.select(Corpus).order_by(Corpus.name))
    ]


def corpus_systems(session: Session, corpus: Corpus) -> list[str]:
    stmt = (
        sa.select(Translation.system)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id)
        .distinct()
        .order_by(Translation.system)
    )
    return list(session.scalars(stmt))
