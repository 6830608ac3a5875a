"""HTER of each post-edit, as PET and MateCat record it: the TER of the MT
against that annotator's own post-edit, so the edit rate says how much
that annotator changed, not how far the MT is from whichever post-edit
became the reference.

The TER is sacrebleu's with mtqa's settings (app.scoring.metrics: default
TER, the text as scoring sees it, the corpus's script normalisation), so the
HTER of the assessment that gives the reference is the row's TER score, and
it carries the TER signature of the export's corpus scores. Derived, never
imported: a reader checks its type and recomputes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from app.chinese import normaliser_for
from app.export.rows import TranslationRow
from app.models import Corpus
from app.scoring.metrics import segment_scores, segment_statistics, tokenizer_for
from app.scoring.report import reference_rule
from app.scoring.segments import SegmentScorer

HTER_METRICS = ("ter",)


class HterScorer:
    """Sets `hter` on every assessment of a batch of rows. The assessment
    that gives a row's reference takes the row's TER (from the stored
    statistics when they are fresh); the others are scored from their
    texts. Drafts, and finished work without a post-edit, have none."""

    def __init__(self, session: Session, corpus: Corpus) -> None:
        self.tokenize = tokenizer_for(corpus.target_lang)
        self.normalise = normaliser_for(corpus)
        self.session = session
        self.corpus = corpus
        self._scorer: SegmentScorer | None = None

    def ter(self, hypothesis: str, post_edit: str) -> float:
        stats = segment_statistics(
            hypothesis,
            post_edit,
            tokenize=self.tokenize,
            normalise=self.normalise,
            metrics=HTER_METRICS,
        )
        return segment_scores(stats)["ter"]

    def fill(
        self,
        rows: Sequence[TranslationRow],
        row_ter: Mapping[int, float | None] | None = None,
    ) -> None:
        """`row_ter`: the TER of each row's reference pair by translation
        id, when the caller scored the batch already; else it is scored here."""
        if row_ter is None:
            if self._scorer is None:
                self._scorer = SegmentScorer(self.session, self.corpus, HTER_METRICS)
            scores = self._scorer.scores([row.pair for row in rows if row.pair is not None])
            row_ter = {tid: s.get("ter") for tid, s in scores.items()}
        for row in rows:
            primary = row.pair.assessment_id if row.pair is not None else None
            for assessment in row.assessments:
                post_edit = reference_rule(assessment.status, assessment.post_edit, row.target)
                if post_edit is None:
                    assessment.hter = None
                elif assessment.id == primary and row_ter.get(row.translation_id) is not None:
                    assessment.hter = row_ter[row.translation_id]
                else:
                    assessment.hter = self.ter(row.target, post_edit)
