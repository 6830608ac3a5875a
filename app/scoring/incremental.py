"""Corpus scores kept up to date one save at a time.

Each finished translation's sacrebleu statistics are stored in
`SegmentStats` when its assessment is saved (`refresh_segment_stats`, called
by `app.assessments.save_assessment`) or when a corpus is imported
(`rebuild_stats`). Each write also adds the row's difference to the
corpus's running totals (`app.scoring.totals`), so corpus BLEU, chrF and
TER are read from a few rows (`corpus_scores_from_db`): saving one segment
of a 100k-segment corpus costs one segment's scoring plus that read, not a
rescore of the corpus nor a pass over its rows. The SUM over the rows
(`summed_scores`) remains the source of truth and the fallback.

The numbers are sacrebleu's: the statistics come from
`app.scoring.metrics.segment_statistics` (the metric's own extraction) and
the score from the summed statistics by the metric's own
`_compute_score_from_stats`, exactly as `corpus_score` does. The sums are
of integers, so their order does not matter.

Stored rows are only used while they are fresh: computed with the corpus's
current tokenizer, script normalisation and sacrebleu version, and one per
finished pair. Otherwise scoring falls back to reading the texts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sacrebleu
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.assessments import reference_order
from app.chinese import NONE, normaliser_for
from app.errors import MtqaError
from app.models import FINISHED_STATUSES, Assessment, Corpus, Translation
from app.models.stats import COLUMNS, SegmentStats
from app.scoring import totals
from app.scoring.metrics import (
    MetricResult,
    Statistics,
    score_from_statistics,
    segment_statistics,
    signature,
    tokenizer_for,
)
from app.scoring.report import ScoredPair, count_finished, finished_pairs, reference_rule

#: The metrics whose statistics are stored, in SegmentStats column order.
STORED_METRICS: tuple[str, ...] = tuple(COLUMNS)
#: Rows written per executemany and translations looked up per query.
CHUNK = 1000

_STAT_COLUMNS = [getattr(SegmentStats, c) for cols in COLUMNS.values() for c in cols]


@dataclass(frozen=True)
class StatsConfig:
    """What a row's statistics depend on besides the two texts."""

    tokenize: str
    normalisation: str
    sacrebleu_version: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tokenize, self.normalisation, self.sacrebleu_version)

    def matches(self) -> sa.ColumnElement[bool]:
        return sa.and_(
            SegmentStats.tokenize == self.tokenize,
            SegmentStats.normalisation == self.normalisation,
            SegmentStats.sacrebleu_version == self.sacrebleu_version,
        )


def config_for(corpus: Corpus) -> StatsConfig:
    return StatsConfig(
        tokenizer_for(corpus.target_lang),
        corpus.script_normalisation or NONE,
        sacrebleu.__version__,
    )


@dataclass(frozen=True)
class StoredScores:
    """Corpus (or one system's) scores from the summed stored statistics."""

    n_scored: int
    metrics: dict[str, MetricResult]

    def select(self, names: Iterable[str]) -> dict[str, MetricResult]:
        return {name: self.metrics[name] for name in names}


def _count(value: float) -> int:
    """sacrebleu's statistics are counts (TER's reference length arrives as
    a float average over one reference); anything else cannot be stored
    exactly in an integer column, so it is refused rather than rounded."""
    if isinstance(value, int):
        return value
    if float(value).is_integer():
        return int(value)
    raise MtqaError(f"statistic {value!r} is not a whole number; it cannot be summed exactly")


def statistics_columns(stats: Mapping[str, Sequence[float]]) -> dict[str, int]:
    """A segment's statistics as SegmentStats column values."""
    values: dict[str, int] = {}
    for name, columns in COLUMNS.items():
        numbers = stats[name]
        if len(numbers) != len(columns):
            raise MtqaError(
                f"{name} gave {len(numbers)} statistics, {len(columns)} columns are stored"
            )
        values.update(zip(columns, (_count(v) for v in numbers), strict=True))
    return values


def columns_statistics(values: Sequence[Any]) -> Statistics:
    """SegmentStats column values (in `_STAT_COLUMNS` order) back to
    statistics per metric."""
    stats: Statistics = {}
    start = 0
    for name, columns in COLUMNS.items():
        stats[name] = list(values[start : start + len(columns)])
        start += len(columns)
    return stats


def _empty_stats() -> dict[str, None]:
    return dict.fromkeys(c for cols in COLUMNS.values() for c in cols)


def _row_values(
    config: StatsConfig, normalise: Any, hypothesis: str, reference: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "tokenize": config.tokenize,
        "normalisation": config.normalisation,
        "sacrebleu_version": config.sacrebleu_version,
    }
    if reference is None:
        values.update(_empty_stats())
    else:
        stats = segment_statistics(
            hypothesis,
            reference,
            tokenize=config.tokenize,
            normalise=normalise,
            metrics=STORED_METRICS,
        )
        values.update(statistics_columns(stats))
    return values


def _build_refresh_statements() -> tuple[sa.Select[*tuple[Any, ...]], sa.Select[*tuple[Any, ...]]]:
    """The two reads of a refresh, built once with bound parameters: a save
    binds values only (building and caching the statements per save cost as
    much as running them)."""
    tid = sa.bindparam("translation_id", type_=sa.Integer)
    reference = (
        sa.select(Assessment.id, Assessment.status, Assessment.post_edit)
        .where(Assessment.translation_id == tid, Assessment.status.in_(FINISHED_STATUSES))
        .order_by(*reference_order())
        .limit(1)
    )
    stored = sa.select(SegmentStats.__table__).where(SegmentStats.translation_id == tid)
    return reference, stored


_REFERENCE, _STORED = _build_refresh_statements()
_STATS_TABLE = cast(sa.Table, SegmentStats.__table__)


def refresh_segment_stats(session: Session, translation: Translation) -> None:
    """Recompute one translation's stored statistics after a save, by the
    reference rule: from its most recently updated finished assessment, or
    no row when it has none (a save that un-finishes the last one).

    Core statements on the table, not ORM objects: this runs inside every
    finishing save's write transaction, where the unit of work's
    bookkeeping for one row cost more than the statements themselves."""
    # Loaded already on the editor's save path (no statement), else lazily.
    segment = translation.segment
    corpus = segment.document.corpus
    params = {"translation_id": translation.id}
    latest = session.execute(_REFERENCE, params).first() if segment.annotatable else None
    row = session.execute(_STORED, params).first()
    old = totals.contribution(row._mapping if row is not None else None)
    if latest is None:
        if row is not None:
            session.execute(sa.delete(_STATS_TABLE).where(_STATS_TABLE.c.id == row.id))
            totals.apply_change(session, corpus.id, old, None)
        return
    config = config_for(corpus)
    reference = reference_rule(latest.status, latest.post_edit, translation.text)
    values = _row_values(config, normaliser_for(corpus), translation.text, reference)
    values.update(assessment_id=latest.id, system=translation.system)
    if row is None:
        session.execute(
            sa.insert(_STATS_TABLE),
            {"translation_id": translation.id, "corpus_id": corpus.id, **values},
        )
    else:
        session.execute(sa.update(_STATS_TABLE).where(_STATS_TABLE.c.id == row.id), values)
    totals.apply_change(session, corpus.id, old, totals.contribution(values))


def rebuild_stats(session: Session, corpus: Corpus, *, progress: bool = False) -> int:
    """Replace the corpus's stored statistics with freshly computed ones for
    every finished pair (after an import, or a change of tokenizer or
    normalisation). Returns the number of rows written; the caller commits."""
    config = config_for(corpus)
    normalise = normaliser_for(corpus)
    session.execute(sa.delete(SegmentStats).where(SegmentStats.corpus_id == corpus.id))
    total = count_finished(session, corpus) if progress else None
    written = 0
    rows: list[dict[str, Any]] = []
    pairs = finished_pairs(session, corpus)
    try:
        for pair in tqdm(
            pairs, total=total, disable=not progress, desc="statistics", unit="seg", leave=False
        ):
            row = _row_values(config, normalise, pair.hypothesis, pair.reference)
            row.update(
                translation_id=pair.translation_id,
                assessment_id=pair.assessment_id,
                corpus_id=corpus.id,
                system=pair.system,
            )
            rows.append(row)
            if len(rows) >= CHUNK:
                session.execute(sa.insert(SegmentStats), rows)
                written += len(rows)
                rows.clear()
    finally:
        pairs.close()
    if rows:
        session.execute(sa.insert(SegmentStats), rows)
        written += len(rows)
    totals.recompute(session, corpus.id)
    return written


def refresh_corpus_stats(session: Session, names: Iterable[str], *, progress: bool = False) -> int:
    """`rebuild_stats` for the named corpora (the ones an import wrote to)."""
    written = 0
    for name in names:
        corpus = session.scalar(sa.select(Corpus).where(Corpus.name == name))
        if corpus is not None:
            written += rebuild_stats(session, corpus, progress=progress)
    return written


def stats_are_fresh(session: Session, corpus: Corpus) -> bool:
    """True when every finished pair has a stored row computed with the
    corpus's current configuration (and no other rows exist)."""
    total, matching = session.execute(
        sa.select(
            sa.func.count(SegmentStats.id),
            sa.func.count(SegmentStats.id).filter(config_for(corpus).matches()),
        ).where(SegmentStats.corpus_id == corpus.id)
    ).one()
    return total == matching and total == count_finished(session, corpus)


def _scores(config: StatsConfig, n_scored: int, sums: Sequence[Any]) -> StoredScores:
    stats = columns_statistics(sums)
    return StoredScores(
        n_scored,
        {
            name: MetricResult(
                name,
                score_from_statistics(name, stats[name]) if n_scored else None,
                signature(name, config.tokenize),
            )
            for name in STORED_METRICS
        },
    )


def _sums_query(corpus: Corpus, config: StatsConfig) -> sa.Select[Any]:
    return sa.select(
        sa.func.count(SegmentStats.bleu_hyp_len), *(sa.func.sum(c) for c in _STAT_COLUMNS)
    ).where(SegmentStats.corpus_id == corpus.id, config.matches())


def corpus_scores_from_db(session: Session, corpus: Corpus) -> StoredScores:
    """Corpus BLEU, chrF and TER from the running totals (a few rows,
    whatever the corpus size), or from the SUM when there are none."""
    config = config_for(corpus)
    by_system = totals.read_totals(session, corpus.id, config.key)
    if by_system is None:
        return summed_scores(session, corpus)
    # n_segments, n_scored, then the statistics: summed over the systems.
    _, n_scored, *sums = (sum(column) for column in zip(*by_system.values(), strict=True))
    return _scores(config, n_scored, sums)


def summed_scores(session: Session, corpus: Corpus) -> StoredScores:
    """Corpus BLEU, chrF and TER from one SUM query over the stored rows:
    the source of truth the totals are kept equal to."""
    config = config_for(corpus)
    n_scored, *sums = session.execute(_sums_query(corpus, config)).one()
    return _scores(config, n_scored, sums)


def system_scores_from_db(session: Session, corpus: Corpus) -> dict[str, StoredScores]:
    """The same per MT system, from the totals or else one grouped SUM query.
    A system whose rows have all gone keeps a totals row at zero; it is
    left out, as the SUM leaves it out."""
    config = config_for(corpus)
    by_system = totals.read_totals(session, corpus.id, config.key)
    if by_system is not None:
        return {
            system: _scores(config, n_scored, sums)
            for system, (n_segments, n_scored, *sums) in sorted(by_system.items())
            if n_segments
        }
    query = (
        _sums_query(corpus, config)
        .add_columns(SegmentStats.system)
        .group_by(SegmentStats.system)
        .order_by(SegmentStats.system)
    )
    return {
        system: _scores(config, n_scored, sums)
        for n_scored, *sums, system in session.execute(query)
    }


def usable(session: Session, corpus: Corpus, metrics: Iterable[str]) -> bool:
    """Whether `metrics` can be read from fresh stored statistics."""
    return set(metrics) <= set(STORED_METRICS) and stats_are_fresh(session, corpus)


class StoredStatistics:
    """Attaches stored statistics to a stream of finished pairs, one query
    per chunk of pairs. A row counts only when it was computed from the
    pair's own reference-giving assessment with the current configuration;
    otherwise the pair gets None (score it from its text) and is counted in
    `misses`, and the stored corpus sums must not be trusted."""

    def __init__(
        self, session: Session, corpus: Corpus, metrics: Sequence[str] = STORED_METRICS
    ) -> None:
        self.session = session
        self.config = config_for(corpus)
        self.metrics = tuple(metrics)
        self.misses = 0

    def attach(self, pairs: Iterable[ScoredPair]) -> Iterator[tuple[ScoredPair, Statistics | None]]:
        iterator = iter(pairs)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            ids = [pair.translation_id for pair in chunk if pair.reference is not None]
            found: dict[int, tuple[int, Statistics]] = {}
            if ids:
                query = sa.select(
                    SegmentStats.translation_id, SegmentStats.assessment_id, *_STAT_COLUMNS
                ).where(SegmentStats.translation_id.in_(ids), self.config.matches())
                for tid, aid, *values in self.session.execute(query):
                    stats = columns_statistics(values)
                    found[tid] = (aid, {name: stats[name] for name in self.metrics})
            for pair in chunk:
                if pair.reference is None:
                    yield pair, None
                    continue
                hit = found.get(pair.translation_id)
                if hit is None or hit[0] != pair.assessment_id:
                    self.misses += 1
                    yield pair, None
                else:
                    yield pair, hit[1]
