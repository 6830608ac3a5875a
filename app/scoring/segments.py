"""Per-segment scores for a stream of finished pairs, a batch at a time.

`corpus_report(..., keep_segments=True)` gives the same numbers as a dict
over the whole corpus; a writer that streams a corpus of any size asks for
each batch's scores here instead, so nothing grows with the corpus. Each
pair is scored exactly as `corpus_report` scores it: from its stored
`SegmentStats` row when the corpus's rows are fresh and the row is the
pair's own, else from the texts with the corpus's tokenizer and script
normalisation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.chinese import normaliser_for
from app.models import Corpus
from app.scoring import incremental
from app.scoring.metrics import (
    DEFAULT_METRICS,
    Statistics,
    segment_scores,
    segment_statistics,
    tokenizer_for,
)
from app.scoring.mqm import segment_penalty
from app.scoring.report import ScoredPair

#: One segment's scores: each metric (None without a reference) and "mqm".
Scores = dict[str, float | None]


class SegmentScorer:
    """Scores batches of finished pairs of one corpus. Whether the stored
    statistics are used is decided once, as `corpus_report` decides it; the
    stored rows are then read with one query per batch."""

    def __init__(
        self, session: Session, corpus: Corpus, metrics: tuple[str, ...] = DEFAULT_METRICS
    ) -> None:
        self.metrics = metrics
        self.tokenize = tokenizer_for(corpus.target_lang)
        self.normalise = normaliser_for(corpus)
        self.lookup = (
            incremental.StoredStatistics(session, corpus, metrics)
            if incremental.usable(session, corpus, metrics)
            else None
        )

    def _statistics(self, pair: ScoredPair, stats: Statistics | None) -> Statistics | None:
        if pair.reference is None or stats is not None:
            return stats
        return segment_statistics(
            pair.hypothesis,
            pair.reference,
            tokenize=self.tokenize,
            normalise=self.normalise,
            metrics=self.metrics,
        )

    def scores(self, pairs: Sequence[ScoredPair]) -> dict[int, Scores]:
        """The scores of each pair, by translation id."""
        stream = (
            self.lookup.attach(pairs) if self.lookup is not None else ((p, None) for p in pairs)
        )
        result: dict[int, Scores] = {}
        for pair, stored in stream:
            scores: Scores = dict.fromkeys(self.metrics)
            stats = self._statistics(pair, stored)
            if stats is not None:
                scores.update(segment_scores(stats))
            scores["mqm"] = segment_penalty(pair.spans)
            result[pair.translation_id] = scores
        return result
