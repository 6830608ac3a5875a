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
import dataclasses
from collections.abc import Generator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from app.assessments import SpanData, reference_order, span_data
from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation
from app.scoring.metrics import (
    DEFAULT_METRICS,
    METRICS,
    CorpusScorer,
    MetricResult,
    Normaliser,
    segment_statistics,
    tokenizer_for,
)
from app.scoring.metrics import segment_scores as segment_scores_of
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


@dataclass(frozen=True)
class SystemSummary:
    """One MT system's share of the corpus, scored on its own pairs."""

    name: str
    n_segments: int
    n_scored: int
    n_words: int
    metrics: dict[str, MetricResult]
    mqm: float | None
    mqm_per_100_words: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "n_segments": self.n_segments,
            "n_scored": self.n_scored,
            "n_words": self.n_words,
            "metrics": {name: result.as_dict() for name, result in self.metrics.items()},
            "mqm": self.mqm,
            "mqm_per_100_words": self.mqm_per_100_words,
        }


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
    #: Each MT system scored on its own, by name. The corpus figures above
    #: pool every system, which is what the plain-text export reproduces
    #: with one system; compare systems with these.
    systems: list[SystemSummary] = field(default_factory=list)

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
            "systems": [system.as_dict() for system in self.systems],
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
    """The finished assessment the reference rule picks ranks 1 for each
    translation (`reference_order`)."""
    rank = sa.func.row_number().over(
        partition_by=Assessment.translation_id, order_by=reference_order()
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


def finished_pairs(session: Session, corpus: Corpus) -> Generator[ScoredPair, None, None]:
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
    keep_segments: bool = True,
) -> CorpusReport:
    """Score every finished pair of the corpus: sacrebleu metrics against the
    references, MQM from the spans. `normalise` is applied to hypothesis and
    reference before the metrics see them (Chinese script normalisation);
    by default the corpus's own (`app.chinese.normaliser_for`).

    When the corpus's stored statistics are fresh (`app.scoring.incremental`)
    no text is rescored: segment scores come from the stored rows and the
    corpus and system scores from SUM queries over them. A pair whose row is
    missing or stale is scored from its text, and then the corpus scores
    are the sums made here.

    `keep_segments=False` leaves `segment_scores` empty: a caller that
    streams the corpus (the JSONL export) scores each segment as it goes
    (`app.scoring.segments`), and holding a dict per finished segment would
    grow with the corpus."""
    # Imported here: the incremental scores build on this module.
    from app.chinese import normaliser_for
    from app.scoring import incremental

    stored = normalise is None and incremental.usable(session, corpus, metrics)
    if normalise is None:
        normalise = normaliser_for(corpus)
    tokenize = tokenizer_for(corpus.target_lang)
    whole = _Accumulator(tokenize, metrics)
    by_system: dict[str, _Accumulator] = {}
    segment_scores: dict[int, dict[str, float | None]] = {}
    pairs = finished_pairs(session, corpus)
    total = count_finished(session, corpus) if progress else None
    lookup = incremental.StoredStatistics(session, corpus, metrics)
    stream = lookup.attach(pairs) if stored else ((pair, None) for pair in pairs)
    with tqdm(
        stream, total=total, disable=not progress, desc="scoring", unit="seg", leave=False
    ) as bar:
        for pair, stats in bar:
            system = by_system.get(pair.system)
            if system is None:
                system = by_system[pair.system] = _Accumulator(tokenize, metrics)
            scores: dict[str, float | None] = dict.fromkeys(metrics)
            if pair.reference is not None:
                if stats is None:
                    stats = segment_statistics(
                        pair.hypothesis,
                        pair.reference,
                        tokenize=tokenize,
                        normalise=normalise,
                        metrics=metrics,
                    )
                whole.scorer.add_statistics(stats)
                system.scorer.add_statistics(stats)
                if keep_segments:
                    scores.update(segment_scores_of(stats))
            words = word_count(pair.hypothesis)
            scores["mqm"] = whole.tally.add(pair.spans, words)
            system.tally.add(pair.spans, words)
            if keep_segments:
                segment_scores[pair.translation_id] = scores
    results = whole.scorer.results()
    systems = [acc.summary(name) for name, acc in sorted(by_system.items())]
    if stored and not lookup.misses:
        results = incremental.corpus_scores_from_db(session, corpus).select(metrics)
        from_db = incremental.system_scores_from_db(session, corpus)
        systems = [
            dataclasses.replace(s, metrics=from_db[s.name].select(metrics))
            if s.name in from_db
            else s
            for s in systems
        ]
    return CorpusReport(
        corpus=CorpusInfo(corpus.name, corpus.source_lang, corpus.target_lang),
        n_segments=whole.tally.segments,
        n_total=count_annotatable(session, corpus),
        n_scored=whole.scorer.count,
        n_words=whole.tally.words,
        metrics=results,
        mqm=whole.tally.mean,
        mqm_per_100_words=whole.tally.per_100_words,
        errors=dict(whole.tally.errors),
        segment_scores=segment_scores,
        systems=systems,
    )


class _Accumulator:
    """Running metric sums and MQM totals for one group of pairs."""

    def __init__(self, tokenize: str, metrics: tuple[str, ...]) -> None:
        self.scorer = CorpusScorer(tokenize=tokenize, metrics=metrics)
        self.tally = MqmTally()

    def summary(self, name: str) -> SystemSummary:
        return SystemSummary(
            name=name,
            n_segments=self.tally.segments,
            n_scored=self.scorer.count,
            n_words=self.tally.words,
            metrics=self.scorer.results(),
            mqm=self.tally.mean,
            mqm_per_100_words=self.tally.per_100_words,
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
    if len(report.systems) > 1:
        lines += ["", "By system (MQM: lower is better)"]
        width = max(len("System"), *(len(system.name) for system in report.systems))
        header = [f"{'System':<{width}} {'Segs':>6}"]
        header += [f"{METRICS[name].label:>8}" for name in report.metrics]
        header += [f"{'MQM':>8} {'MQM/100w':>8}"]
        lines.append(" ".join(header))
        for system in report.systems:
            cells = [f"{system.name:<{width}} {system.n_segments:>6}"]
            cells += [f"{_number(result.score):>8}" for result in system.metrics.values()]
            cells += [f"{_number(system.mqm):>8} {_number(system.mqm_per_100_words):>8}"]
            lines.append(" ".join(cells))
    return "\n".join(lines)
