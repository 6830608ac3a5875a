"""A corpus's scores, read from the database in one streaming pass.

The reference rule: the reference of a translation is the post-edit of its
most recently updated FINISHED assessment ("done" or "no_errors") on an
annotatable segment. A "no_errors" assessment confirms the MT, so its
reference is its post-edit, or the MT itself when it stored none. A "done"
assessment without a post-edit (MQM-only annotation, as in the WMT MQM
files) has no reference: it counts for MQM but not for BLEU, chrF and TER.
Drafts and segments not offered for annotation (metadata, boilerplate) are
never scored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from app.assessments import SpanData, span_data
from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation
from app.scoring.metrics import (
    DEFAULT_METRICS,
    METRICS,
    CorpusScorer,
    MetricResult,
    Normaliser,
    tokenizer_for,
)
from app.scoring.mqm import MqmTally
from app.scoring.text import word_count

#: Rows fetched per round trip: large enough to be fast, small enough that a
#: 100k-segment corpus never sits in memory at once.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class ScoredPair:
    """One translation with its reference-giving assessment, as plain data."""

    translation_id: int
    assessment_id: int
    document: str
    position: int
    system: str
    source: str | None
    #: The MT.
    hypothesis: str
    #: The post-edit per the reference rule; None for an MQM-only assessment.
    reference: str | None
    status: str
    spans: tuple[SpanData, ...]


@dataclass(frozen=True)
class CorpusInfo:
    name: str
    source_lang: str
    target_lang: str


@dataclass
class CorpusReport:
    corpus: CorpusInfo
    #: Finished pairs (annotatable translations with a finished assessment).
    n_segments: int
    #: Annotatable translations, finished or not.
    n_total: int
    #: Finished pairs that have a reference (scored by BLEU, chrF, TER).
    n_scored: int
    #: MT words (whitespace tokens) of the finished pairs.
    n_words: int
    metrics: dict[str, MetricResult]
    #: Mean MQM penalty per finished segment (lower is better).
    mqm: float | None
    mqm_per_100_words: float | None
    #: Error counts by (category, severity) over the finished assessments.
    errors: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Per translation id: "bleu", "chrf", "ter" (None without a reference), "mqm".
    segment_scores: dict[int, dict[str, float | None]] = field(default_factory=dict)

    def as_dict(self, *, segments: bool = False) -> dict[str, object]:
        """JSON-ready, keys in a fixed order, no timestamps: the same corpus
        always gives the same bytes. `segments=True` adds the per-segment
        scores keyed by translation id (as a string, as JSON needs)."""
        data: dict[str, object] = {
            "corpus": {
                "name": self.corpus.name,
                "source_lang": self.corpus.source_lang,
                "target_lang": self.corpus.target_lang,
            },
            "n_segments": self.n_segments,
            "n_total": self.n_total,
            "n_scored": self.n_scored,
            "n_words": self.n_words,
            "metrics": {name: result.as_dict() for name, result in self.metrics.items()},
            "mqm": self.mqm,
            "mqm_per_100_words": self.mqm_per_100_words,
            "errors": [
                {"category": category, "severity": severity, "count": count}
                for (category, severity), count in sorted(self.errors.items())
            ],
        }
        if segments:
            data["segment_scores"] = {
                str(tid): dict(scores) for tid, scores in self.segment_scores.items()
            }
        return data


def reference_rule(status: str, post_edit: str | None, mt: str) -> str | None:
    """The reference a finished assessment gives its translation."""
    if status not in FINISHED_STATUSES:
        return None
    if post_edit is None and status == "no_errors":
        return mt
    return post_edit


def _in_corpus(stmt: sa.Select, corpus: Corpus) -> sa.Select:
    return (
        stmt.join(Translation, Assessment.translation_id == Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id, Segment.annotatable.is_(True))
    )


def _latest_finished() -> sa.Subquery:
    """Each translation's most recently updated finished assessment ranks 1
    (ties, e.g. equal timestamps from one import, go to the newest row)."""
    rank = sa.func.row_number().over(
        partition_by=Assessment.translation_id,
        order_by=(Assessment.updated_at.desc(), Assessment.id.desc()),
    )
    return (
        sa.select(Assessment.id.label("assessment_id"), rank.label("rank"))
        .where(Assessment.status.in_(FINISHED_STATUSES))
        .subquery()
    )


def count_finished(session: Session, corpus: Corpus) -> int:
    stmt = _in_corpus(
        sa.select(sa.func.count(sa.distinct(Assessment.translation_id))).where(
            Assessment.status.in_(FINISHED_STATUSES)
        ),
        corpus,
    )
    return session.scalar(stmt) or 0


def count_annotatable(session: Session, corpus: Corpus) -> int:
    stmt = (
        sa.select(sa.func.count(Translation.id))
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id, Segment.annotatable.is_(True))
    )
    return session.scalar(stmt) or 0


def finished_pairs(session: Session, corpus: Corpus) -> Iterator[ScoredPair]:
    """Finished pairs in export order (document position, document id,
    segment position, system), streamed in batches; spans come with each
    batch in one extra query (selectin), never one query per segment."""
    latest = _latest_finished()
    stmt = _in_corpus(
        sa.select(
            Assessment,
            Document.name,
            Segment.position,
            Segment.source,
            Translation.system,
            Translation.text,
        ).join(latest, sa.and_(latest.c.assessment_id == Assessment.id, latest.c.rank == 1)),
        corpus,
    )
    stmt = (
        stmt.options(selectinload(Assessment.spans))
        .order_by(Document.position, Document.id, Segment.position, Translation.system)
        .execution_options(yield_per=BATCH_SIZE)
    )
    # Closed even when the caller stops early: on PostgreSQL yield_per holds
    # a server-side cursor open until then.
    with contextlib.closing(session.execute(stmt)) as result:
        for assessment, doc, position, source, system, mt in result:
            yield ScoredPair(
                translation_id=assessment.translation_id,
                assessment_id=assessment.id,
                document=doc,
                position=position,
                system=system,
                source=source,
                hypothesis=mt,
                reference=reference_rule(assessment.status, assessment.post_edit, mt),
                status=assessment.status,
                spans=tuple(span_data(s) for s in assessment.spans),
            )


def corpus_report(
    session: Session,
    corpus: Corpus,
    progress: bool = False,
    *,
    normalise: Normaliser | None = None,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
) -> CorpusReport:
    """Score every finished pair of the corpus: sacrebleu metrics against the
    references, MQM from the spans. `normalise` is applied to hypothesis and
    reference before the metrics see them (Chinese script normalisation)."""
    scorer = CorpusScorer(
        tokenize=tokenizer_for(corpus.target_lang), normalise=normalise, metrics=metrics
    )
    tally = MqmTally()
    segment_scores: dict[int, dict[str, float | None]] = {}
    pairs = finished_pairs(session, corpus)
    total = count_finished(session, corpus) if progress else None
    with tqdm(
        pairs, total=total, disable=not progress, desc="scoring", unit="seg", leave=False
    ) as bar:
        for pair in bar:
            if pair.reference is not None:
                scores: dict[str, float | None] = dict(scorer.add(pair.hypothesis, pair.reference))
            else:
                scores = dict.fromkeys(metrics)
            scores["mqm"] = tally.add(pair.spans, word_count(pair.hypothesis))
            segment_scores[pair.translation_id] = scores
    return CorpusReport(
        corpus=CorpusInfo(corpus.name, corpus.source_lang, corpus.target_lang),
        n_segments=tally.segments,
        n_total=count_annotatable(session, corpus),
        n_scored=scorer.count,
        n_words=tally.words,
        metrics=scorer.results(),
        mqm=tally.mean,
        mqm_per_100_words=tally.per_100_words,
        errors=dict(tally.errors),
        segment_scores=segment_scores,
    )


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def format_report(report: CorpusReport) -> str:
    """The table `mtqa score` prints."""
    corpus = report.corpus
    lines = [
        f"Corpus {corpus.name} ({corpus.source_lang} → {corpus.target_lang})",
        f"Segments finished: {report.n_segments} / {report.n_total}"
        + (
            f" ({report.n_scored} with a post-edit reference)"
            if report.n_scored != report.n_segments
            else ""
        ),
        "",
        f"{'Metric':<8} {'Score':>8}  Signature",
    ]
    for name, result in report.metrics.items():
        label = METRICS[name].label
        lines.append(f"{label:<8} {_number(result.score):>8}  {result.signature}")
    lines += [
        "",
        f"{'MQM':<8} {_number(report.mqm):>8}  mean penalty per segment (lower is better)",
        f"{'':<8} {_number(report.mqm_per_100_words):>8}  "
        f"penalty per 100 MT words ({report.n_words} words)",
    ]
    return "\n".join(lines)
