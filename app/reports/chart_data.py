"""The numbers behind the report charts, as plain JSON-ready data.

Every figure comes from the scoring code the report page and `mtqa score`
use (`app.scoring.report.corpus_report` for the error counts, the
per-segment MQM penalties and sentence chrF/TER, the per-system MQM;
`app.scoring.mqm.corpus_mqm` to average penalties per document), so a
chart can never disagree with the tables next to it. Only the annotator
progress is counted here, from the assignment and assessment tables, since
no scoring module looks at who did the work.

Nothing here knows about Flask: the view serialises `chart_data(...)`
into the page and into charts.json.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    FINISHED_STATUSES,
    Assessment,
    Assignment,
    Campaign,
    Corpus,
    Document,
    Segment,
    Translation,
    User,
)
from app.mqm import CATEGORIES, SEVERITIES
from app.scoring.mqm import corpus_mqm
from app.scoring.report import CorpusReport, corpus_report, finished_pairs

#: How many of the worst segments the page lists.
WORST_SEGMENTS = 10

#: Histogram bins as (label, lower, upper, upper_inclusive). MQM penalties
#: cluster on the weights (0.1, 1, 5, 25), so the bins follow them rather
#: than an even width: "no error", "minor errors only", one major, ...
MQM_BINS: tuple[tuple[str, float, float, bool], ...] = (
    ("0", 0.0, 0.0, True),
    ("0-1", 0.0, 1.0, True),
    ("1-5", 1.0, 5.0, True),
    ("5-10", 5.0, 10.0, True),
    ("10-25", 10.0, 25.0, True),
    (">25", 25.0, math.inf, False),
)
#: chrF runs from 0 to 100: ten even bins, the last one closed so 100 is counted.
CHRF_BINS = tuple(
    (f"{lo}-{lo + 10}", float(lo), float(lo + 10), lo == 90) for lo in range(0, 100, 10)
)
#: TER is unbounded above (insertions): ten even bins and one for ≥ 100.
TER_BINS = (
    *((f"{lo}-{lo + 10}", float(lo), float(lo + 10), False) for lo in range(0, 100, 10)),
    ("≥100", 100.0, math.inf, False),
)


@dataclass(frozen=True)
class Progress:
    """One annotator's work on the corpus. `assigned` is None when nobody
    assigned them anything here (imported or pre-campaign work): then only
    what they did is known, not what is left."""

    annotator: str
    assigned: int | None
    finished: int
    draft: int

    @property
    def remaining(self) -> int | None:
        if self.assigned is None:
            return None
        return max(0, self.assigned - self.finished - self.draft)

    def as_dict(self) -> dict[str, object]:
        return {
            "annotator": self.annotator,
            "assigned": self.assigned,
            "finished": self.finished,
            "draft": self.draft,
            "remaining": self.remaining,
        }


def error_rows(report: CorpusReport) -> list[dict[str, object]]:
    """One row per category that has errors, in typology order (unknown
    categories after, by name), with its count per severity."""
    seen = {category for category, _ in report.errors}
    ordered = [c for c in CATEGORIES if c in seen] + sorted(seen - set(CATEGORIES))
    rows = []
    for category in ordered:
        counts = {s: report.errors.get((category, s), 0) for s in SEVERITIES}
        rows.append({"category": category, "counts": counts, "total": sum(counts.values())})
    return rows


def histogram(
    values: Iterable[float], bins: Sequence[tuple[str, float, float, bool]]
) -> list[dict[str, object]]:
    """Counts per bin. A value goes in the first bin that holds it
    (lower <= value, and value below the upper bound, or at it when the bin
    is closed), so the degenerate "0" bin takes exact zeros before "0-1"
    sees them, and 1.0 lands in "0-1", not "1-5"."""
    counts = [0] * len(bins)
    for value in values:
        for index, (_label, lower, upper, closed) in enumerate(bins):
            if lower <= value and (value <= upper if closed else value < upper):
                counts[index] += 1
                break
    return [
        {"label": label, "lower": lower, "upper": None if math.isinf(upper) else upper, "count": n}
        for (label, lower, upper, _closed), n in zip(bins, counts, strict=True)
    ]


def _span_dict(span) -> dict[str, object]:
    return {
        "side": span.side,
        "start": span.start,
        "end": span.end,
        "category": span.category,
        "severity": span.severity,
        "note": span.note,
    }


def _documents_and_worst(
    session: Session, corpus: Corpus, report: CorpusReport, worst: int
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """MQM per document (mean segment penalty, as the corpus MQM) and the
    `worst` finished segments by penalty, in one pass over the pairs."""
    penalties: dict[str, list[float]] = defaultdict(list)
    candidates: list[tuple[float, int, dict[str, object]]] = []
    with closing(finished_pairs(session, corpus)) as pairs:
        for order, pair in enumerate(pairs):
            scores = report.segment_scores[pair.translation_id]
            penalty = scores["mqm"] or 0.0
            penalties[pair.document].append(penalty)
            if penalty <= 0:
                continue
            candidates.append(
                (
                    penalty,
                    order,
                    {
                        "translation_id": pair.translation_id,
                        "document": pair.document,
                        "position": pair.position,
                        "system": pair.system,
                        "source": pair.source,
                        "mt": pair.hypothesis,
                        "reference": pair.reference,
                        "status": pair.status,
                        "mqm": penalty,
                        "chrf": scores.get("chrf"),
                        "ter": scores.get("ter"),
                        "spans": [_span_dict(s) for s in pair.spans],
                    },
                )
            )
            # Keep the list short on big corpora: only the top `worst` matter.
            if len(candidates) > 4 * worst + 100:
                candidates.sort(key=lambda c: (-c[0], c[1]))
                del candidates[worst:]
    candidates.sort(key=lambda c: (-c[0], c[1]))
    documents: list[dict[str, object]] = [
        {"document": name, "segments": len(values), "mqm": corpus_mqm(values)}
        for name, values in penalties.items()
    ]
    return documents, [row for _, _, row in candidates[:worst]]


def annotator_progress(session: Session, corpus: Corpus) -> list[Progress]:
    """Assigned, finished and draft translations per annotator on the
    corpus's annotatable segments, annotators by name."""
    in_corpus = (
        sa.select(Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id, Segment.annotatable.is_(True))
    )
    assigned = dict(
        session.execute(
            sa.select(
                Assignment.annotator_id, sa.func.count(sa.distinct(Assignment.translation_id))
            )
            .join(Campaign, Assignment.campaign_id == Campaign.id)
            .where(Campaign.corpus_id == corpus.id, Assignment.translation_id.in_(in_corpus))
            .group_by(Assignment.annotator_id)
        ).all()
    )
    finished = sa.case((Assessment.status.in_(FINISHED_STATUSES), Assessment.translation_id))
    draft = sa.case((Assessment.status == "draft", Assessment.translation_id))
    done = {
        user_id: (n_finished, n_draft)
        for user_id, n_finished, n_draft in session.execute(
            sa.select(
                Assessment.annotator_id,
                sa.func.count(sa.distinct(finished)),
                sa.func.count(sa.distinct(draft)),
            )
            .where(Assessment.translation_id.in_(in_corpus))
            .group_by(Assessment.annotator_id)
        )
    }
    user_ids = assigned.keys() | done.keys()
    if not user_ids:
        return []
    names = dict(
        session.execute(sa.select(User.id, User.username).where(User.id.in_(user_ids))).all()
    )
    rows = [Progress(names[uid], assigned.get(uid), *done.get(uid, (0, 0))) for uid in user_ids]
    return sorted(rows, key=lambda p: p.annotator)


def chart_data(
    session: Session, corpus: Corpus, *, worst: int = WORST_SEGMENTS
) -> dict[str, object]:
    """Everything the charts page draws, JSON-ready, in a fixed key order."""
    report = corpus_report(session, corpus)
    documents, worst_rows = _documents_and_worst(session, corpus, report, worst)
    segment_scores = list(report.segment_scores.values())
    chrf = [v for s in segment_scores if (v := s.get("chrf")) is not None]
    ter = [v for s in segment_scores if (v := s.get("ter")) is not None]
    return {
        "corpus": {
            "name": corpus.name,
            "source_lang": corpus.source_lang,
            "target_lang": corpus.target_lang,
        },
        "n_segments": report.n_segments,
        "n_total": report.n_total,
        "n_scored": report.n_scored,
        "mqm": report.mqm,
        "severities": list(SEVERITIES),
        "errors": error_rows(report),
        "documents": documents,
        "systems": [
            {
                "system": s.name,
                "segments": s.n_segments,
                "mqm": s.mqm,
                "mqm_per_100_words": s.mqm_per_100_words,
            }
            for s in report.systems
        ],
        "histograms": {
            "mqm": histogram((s["mqm"] or 0.0 for s in segment_scores), MQM_BINS),
            "chrf": histogram(chrf, CHRF_BINS),
            "ter": histogram(ter, TER_BINS),
        },
        "worst": worst_rows,
        "progress": [p.as_dict() for p in annotator_progress(session, corpus)],
    }
