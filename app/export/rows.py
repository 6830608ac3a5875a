"""Every translation of a corpus with all of its annotators' work, streamed
in export order (document position, document id, segment position, system).

Translations come from one streaming query; each batch of them brings its
assessments and spans in two more queries, so a corpus of any size is read
in constant memory and without a query per segment. The reference and the
primary assessment come from `app.scoring.report.finished_pairs`, walked in
step, so an export never disagrees with the scores about which post-edit is
the reference.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.errors import ExportError
from app.models import Assessment, Corpus, Document, ErrorSpan, Segment, Translation, User
from app.scoring.report import ScoredPair, finished_pairs

BATCH_SIZE = 1000


@dataclass(frozen=True)
class SpanRow:
    start: int
    end: int
    side: str
    category: str
    severity: str
    note: str | None
    id: int


@dataclass
class AssessmentRow:
    id: int
    annotator: str
    status: str
    post_edit: str | None
    time_spent: float
    keystrokes: int
    updated_at: datetime
    spans: list[SpanRow] = field(default_factory=list)
    #: "annotation", or "gold" for a reviewer's adjudicated reference.
    kind: str = "annotation"
    #: TER of the MT against this post-edit, set by app.export.hter.
    hter: float | None = None


@dataclass
class TranslationRow:
    translation_id: int
    doc_id: str
    seg_id: int
    paragraph: int
    kind: str
    annotatable: bool
    external_id: str | None
    system: str
    source: str | None
    target: str
    #: Ordered by annotator name.
    assessments: list[AssessmentRow] = field(default_factory=list)
    #: The finished pair that gives the reference, when there is one.
    pair: ScoredPair | None = None

    @property
    def status(self) -> str:
        """Without assessments "pending"; else the status of the assessment
        the reference rule picks, or of the most recently updated one."""
        if self.pair is not None:
            return self.pair.status
        if not self.assessments:
            return "pending"
        return max(self.assessments, key=lambda a: (a.updated_at, a.id)).status

    @property
    def reference(self) -> str | None:
        return self.pair.reference if self.pair is not None else None


def count_translations(session: Session, corpus: Corpus) -> int:
    stmt = (
        sa.select(sa.func.count(Translation.id))
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id)
    )
    return session.scalar(stmt) or 0


def _assessments(session: Session, ids: list[int]) -> dict[int, list[AssessmentRow]]:
    by_translation: dict[int, list[AssessmentRow]] = {}
    by_id: dict[int, AssessmentRow] = {}
    stmt = (
        sa.select(
            Assessment.translation_id,
            Assessment.id,
            User.username,
            Assessment.status,
            Assessment.post_edit,
            Assessment.time_spent,
            Assessment.keystrokes,
            Assessment.updated_at,
            Assessment.kind,
        )
        .join(User, Assessment.annotator_id == User.id)
        .where(Assessment.translation_id.in_(ids))
    )
    for (
        tr_id,
        a_id,
        name,
        status,
        post_edit,
        time_spent,
        keystrokes,
        updated,
        kind,
    ) in session.execute(stmt):
        row = AssessmentRow(
            a_id, name, status, post_edit, time_spent, keystrokes, updated, kind=kind
        )
        by_translation.setdefault(tr_id, []).append(row)
        by_id[row.id] = row
    for rows in by_translation.values():
        # By code point, not by the database's collation, so that SQLite and
        # PostgreSQL write the same bytes; a reviewer's gold after their
        # own annotation.
        rows.sort(key=lambda a: (a.annotator, a.kind))
    if by_id:
        spans = (
            sa.select(
                ErrorSpan.assessment_id,
                ErrorSpan.start,
                ErrorSpan.end,
                ErrorSpan.side,
                ErrorSpan.category,
                ErrorSpan.severity,
                ErrorSpan.note,
                ErrorSpan.id,
            )
            .where(ErrorSpan.assessment_id.in_(list(by_id)))
            .order_by(ErrorSpan.assessment_id, ErrorSpan.start, ErrorSpan.end, ErrorSpan.id)
        )
        for assessment_id, start, end, side, category, severity, note, span_id in session.execute(
            spans
        ):
            span = SpanRow(start, end, side, category, severity, note, span_id)
            by_id[assessment_id].spans.append(span)
    return by_translation


def translation_rows(session: Session, corpus: Corpus) -> Iterator[TranslationRow]:
    stmt = (
        sa.select(
            Translation.id,
            Document.name,
            Segment.position,
            Segment.paragraph,
            Segment.kind,
            Segment.annotatable,
            Segment.external_id,
            Translation.system,
            Segment.source,
            Translation.text,
        )
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id)
        .order_by(Document.position, Document.id, Segment.position, Translation.system)
        .execution_options(yield_per=BATCH_SIZE)
    )
    pairs = finished_pairs(session, corpus)
    try:
        pair = next(pairs, None)
        for partition in session.execute(stmt).partitions():
            work = _assessments(session, [values[0] for values in partition])
            for tr_id, doc, pos, par, kind, annotatable, ext, system, source, mt in partition:
                row = TranslationRow(
                    tr_id, doc, pos, par, kind, annotatable, ext, system, source, mt,
                    assessments=work.get(tr_id, []),
                )  # fmt: skip
                if pair is not None and pair.translation_id == tr_id:
                    row.pair = pair
                    pair = next(pairs, None)
                yield row
    finally:
        pairs.close()
    if pair is not None:
        raise ExportError(
            f"translation {pair.translation_id} has a reference but was not exported in "
            "order; the export order and the scoring order disagree"
        )


def rows_with_progress(
    session: Session, corpus: Corpus, progress: bool
) -> Iterator[TranslationRow]:
    """`translation_rows` behind a progress bar on stderr when asked; the
    count query runs only then, since it costs a scan on a large corpus."""
    yield from tqdm(
        translation_rows(session, corpus),
        total=count_translations(session, corpus) if progress else None,
        desc="exporting",
        unit="seg",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
