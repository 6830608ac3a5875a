"""Read a corpus's MT and annotations as the plain data the checks take.

Every MT system's output is checked on its own (the name and pronoun
checks compare mentions within one system's text), and a flag is measured
only against the work done on the translation it was raised on: a span
another system's annotator marked in the same segment confirms nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.assessments import SpanData
from app.models import FINISHED_STATUSES, Assessment, Document, ErrorSpan, Segment, Translation
from app.qa.base import Flag, GlossaryEntry, QaSegment, run_checks
from app.qa.precision import Judgements


@dataclasses.dataclass(frozen=True)
class SystemText:
    """One system's MT of one document, in segment order, with the
    translation id of each segment position."""

    segments: list[QaSegment]
    translations: dict[int, int]


def corpus_texts(session: Session, corpus_id: int) -> list[SystemText]:
    """Each (document, system) of a corpus, documents in corpus order."""
    rows = session.execute(
        sa.select(
            Segment.document_id,
            Translation.system,
            Segment.position,
            Segment.source,
            Translation.text,
            Translation.id,
        )
        .join(Translation, Translation.segment_id == Segment.id)
        .join(Document, Document.id == Segment.document_id)
        .where(Document.corpus_id == corpus_id)
        .order_by(Document.position, Document.id, Translation.system, Segment.position)
    )
    texts: dict[tuple[int, str], SystemText] = {}
    for document_id, system, position, source, text, translation_id in rows:
        found = texts.setdefault((document_id, system), SystemText([], {}))
        found.segments.append(QaSegment(position, source, text))
        found.translations[position] = translation_id
    return list(texts.values())


def corpus_spans(session: Session, corpus_id: int) -> Judgements:
    """Per translation id, one tuple of spans for each annotator's finished
    assessment of it (gold references from adjudication are not a further
    annotator). Translations nobody finished are absent: their flags have
    not been judged."""
    rows = session.execute(
        sa.select(Assessment.translation_id, Assessment.id, ErrorSpan)
        .join(Translation, Translation.id == Assessment.translation_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(ErrorSpan, ErrorSpan.assessment_id == Assessment.id)
        .where(
            Document.corpus_id == corpus_id,
            Assessment.status.in_(sorted(FINISHED_STATUSES)),
            Assessment.kind == "annotation",
        )
        .order_by(Assessment.translation_id, Assessment.id)
    )
    work: dict[int, dict[int, list[SpanData]]] = defaultdict(dict)
    for translation_id, assessment_id, span in rows:
        spans = work[translation_id].setdefault(assessment_id, [])
        if span is not None:
            spans.append(
                SpanData(span.start, span.end, span.category, span.severity, span.side, span.note)
            )
    return {
        translation_id: [tuple(spans) for spans in by_assessment.values()]
        for translation_id, by_assessment in work.items()
    }


def corpus_flags(
    session: Session,
    corpus_id: int,
    glossary: Sequence[GlossaryEntry] = (),
    *,
    target_lang: str = "en",
) -> list[Flag]:
    """Every check over each system's MT of each document. A flag's
    `position` is the id of the translation it was raised on."""
    flags: list[Flag] = []
    for text in corpus_texts(session, corpus_id):
        for flag in run_checks(text.segments, glossary, target_lang=target_lang):
            flags.append(dataclasses.replace(flag, position=text.translations[flag.position]))
    return flags
