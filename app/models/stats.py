"""Stored sacrebleu sufficient statistics, one row per finished translation.

sacrebleu's corpus BLEU, chrF and TER are functions of per-segment
statistics summed over the corpus. Keeping each finished segment's
statistics in plain integer columns lets the database do the summing
(`SUM(...)` on SQLite and PostgreSQL alike), so saving one segment of a
large corpus refreshes the corpus scores without rescoring the rest.

Every statistic is an integer count (n-gram matches and totals, lengths,
edits): integer columns make the sums exact, in any order, which is what
makes the result equal sacrebleu's own float sums to the last digit.

A row exists for every translation that has a finished assessment on an
annotatable segment; the statistic columns are NULL when that assessment
gives no reference (MQM-only work), so SUM skips it and COUNT counts the
scored ones. `tokenize`, `normalisation` and `sacrebleu_version` record
what the numbers were computed with: a row computed otherwise is stale.

`CorpusStatsTotal` keeps those sums per corpus, system and configuration,
moved by each row write's difference, so reading them does not grow with
the corpus.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

#: Column names in the order of sacrebleu's statistics vectors.
BLEU_COLUMNS: Final[tuple[str, ...]] = (
    "bleu_hyp_len",
    "bleu_ref_len",
    *(f"bleu_correct_{n}" for n in range(1, 5)),
    *(f"bleu_total_{n}" for n in range(1, 5)),
)
#: chrF (character order 6, word order 0): a [hyp, ref, match] triplet per order.
CHRF_COLUMNS: Final[tuple[str, ...]] = tuple(
    f"chrf_{kind}_{n}" for n in range(1, 7) for kind in ("hyp", "ref", "match")
)
TER_COLUMNS: Final[tuple[str, ...]] = ("ter_edits", "ter_ref_len")
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "bleu": BLEU_COLUMNS,
    "chrf": CHRF_COLUMNS,
    "ter": TER_COLUMNS,
}


def _stat() -> Mapped[int | None]:
    return mapped_column(sa.Integer, nullable=True)


class SegmentStats(Base):
    __tablename__ = "segment_stats"

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("translation.id", ondelete="CASCADE"), unique=True
    )
    #: The assessment whose post-edit was the reference (the reference rule).
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    #: Copied from the translation's document and the translation, so the
    #: corpus sums read this one table.
    corpus_id: Mapped[int] = mapped_column(
        sa.ForeignKey("corpus.id", ondelete="CASCADE"), index=True
    )
    system: Mapped[str] = mapped_column(sa.String(200))
    tokenize: Mapped[str] = mapped_column(sa.String(32))
    normalisation: Mapped[str] = mapped_column(sa.String(16))
    sacrebleu_version: Mapped[str] = mapped_column(sa.String(32))

    bleu_hyp_len: Mapped[int | None] = _stat()
    bleu_ref_len: Mapped[int | None] = _stat()
    bleu_correct_1: Mapped[int | None] = _stat()
    bleu_correct_2: Mapped[int | None] = _stat()
    bleu_correct_3: Mapped[int | None] = _stat()
    bleu_correct_4: Mapped[int | None] = _stat()
    bleu_total_1: Mapped[int | None] = _stat()
    bleu_total_2: Mapped[int | None] = _stat()
    bleu_total_3: Mapped[int | None] = _stat()
    bleu_total_4: Mapped[int | None] = _stat()

    chrf_hyp_1: Mapped[int | None] = _stat()
    chrf_ref_1: Mapped[int | None] = _stat()
    chrf_match_1: Mapped[int | None] = _stat()
    chrf_hyp_2: Mapped[int | None] = _stat()
    chrf_ref_2: Mapped[int | None] = _stat()
    chrf_match_2: Mapped[int | None] = _stat()
    chrf_hyp_3: Mapped[int | None] = _stat()
    chrf_ref_3: Mapped[int | None] = _stat()
    chrf_match_3: Mapped[int | None] = _stat()
    chrf_hyp_4: Mapped[int | None] = _stat()
    chrf_ref_4: Mapped[int | None] = _stat()
    chrf_match_4: Mapped[int | None] = _stat()
    chrf_hyp_5: Mapped[int | None] = _stat()
    chrf_ref_5: Mapped[int | None] = _stat()
    chrf_match_5: Mapped[int | None] = _stat()
    chrf_hyp_6: Mapped[int | None] = _stat()
    chrf_ref_6: Mapped[int | None] = _stat()
    chrf_match_6: Mapped[int | None] = _stat()

    ter_edits: Mapped[int | None] = _stat()
    ter_ref_len: Mapped[int | None] = _stat()

    def __repr__(self) -> str:
        return f"<SegmentStats t{self.translation_id} a{self.assessment_id}>"


def _total() -> Mapped[int]:
    # BigInteger: a sum over millions of segments passes PostgreSQL's 32-bit integer.
    return mapped_column(sa.BigInteger, nullable=False, default=0, server_default="0")


class CorpusStatsTotal(Base):
    """The SegmentStats columns summed per corpus, system and configuration.

    Kept equal to the SUM over SegmentStats by adding each change's
    difference in the transaction that makes the change (`UPDATE ... SET
    col = col + :delta`, atomic under concurrent writers), so reading a
    corpus's scores after a save costs a few rows, not a pass over the
    corpus. The SUM stays the source of truth: a rebuild recomputes these
    rows from it, and `app.scoring.totals.verify_totals` compares the two.
    A statistic NULL in SegmentStats (no reference) adds 0.
    """

    __tablename__ = "corpus_stats_total"
    __table_args__ = (
        sa.UniqueConstraint(
            "corpus_id", "system", "tokenize", "normalisation", "sacrebleu_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    corpus_id: Mapped[int] = mapped_column(
        sa.ForeignKey("corpus.id", ondelete="CASCADE"), index=True
    )
    system: Mapped[str] = mapped_column(sa.String(200))
    tokenize: Mapped[str] = mapped_column(sa.String(32))
    normalisation: Mapped[str] = mapped_column(sa.String(16))
    sacrebleu_version: Mapped[str] = mapped_column(sa.String(32))
    #: SegmentStats rows summed, with a reference or not.
    n_segments: Mapped[int] = _total()
    #: Of those, the rows with statistics (a reference).
    n_scored: Mapped[int] = _total()

    bleu_hyp_len: Mapped[int] = _total()
    bleu_ref_len: Mapped[int] = _total()
    bleu_correct_1: Mapped[int] = _total()
    bleu_correct_2: Mapped[int] = _total()
    bleu_correct_3: Mapped[int] = _total()
    bleu_correct_4: Mapped[int] = _total()
    bleu_total_1: Mapped[int] = _total()
    bleu_total_2: Mapped[int] = _total()
    bleu_total_3: Mapped[int] = _total()
    bleu_total_4: Mapped[int] = _total()

    chrf_hyp_1: Mapped[int] = _total()
    chrf_ref_1: Mapped[int] = _total()
    chrf_match_1: Mapped[int] = _total()
    chrf_hyp_2: Mapped[int] = _total()
    chrf_ref_2: Mapped[int] = _total()
    chrf_match_2: Mapped[int] = _total()
    chrf_hyp_3: Mapped[int] = _total()
    chrf_ref_3: Mapped[int] = _total()
    chrf_match_3: Mapped[int] = _total()
    chrf_hyp_4: Mapped[int] = _total()
    chrf_ref_4: Mapped[int] = _total()
    chrf_match_4: Mapped[int] = _total()
    chrf_hyp_5: Mapped[int] = _total()
    chrf_ref_5: Mapped[int] = _total()
    chrf_match_5: Mapped[int] = _total()
    chrf_hyp_6: Mapped[int] = _total()
    chrf_ref_6: Mapped[int] = _total()
    chrf_match_6: Mapped[int] = _total()

    ter_edits: Mapped[int] = _total()
    ter_ref_len: Mapped[int] = _total()

    def __repr__(self) -> str:
        return f"<CorpusStatsTotal c{self.corpus_id} {self.system!r} n={self.n_segments}>"
