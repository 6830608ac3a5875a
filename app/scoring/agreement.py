"""Agreement between annotators of one corpus.

* Krippendorff's alpha (interval level, the `krippendorff` package) on the
  MQM penalties each annotator gave each translation: one unit per
  translation, one coder per annotator, missing where an annotator did not
  rate. Interval, because penalties are sums of weights whose differences
  mean something; alpha copes with missing ratings, which Cohen's kappa does not.
* Span agreement for every pair of annotators, over the translations both
  finished. The first annotator of the pair (by name) is the reference:
  precision = share of the second's spans (or characters) found in the
  first's, recall the other way round, F1 their harmonic mean, so F1 is
  symmetric. Three matchings: `exact` (same side, start and end),
  `exact_category` (also the same category) and `overlap` (characters:
  every character inside a span counts; empty omission spans have none).
* chrF and TER between the two annotators' post-edits where both wrote one
  (second as hypothesis, first as reference), which tells how differently
  two people correct the same MT.

Only finished assessments ("done", "no_errors") take part: drafts are not
judgements yet.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import krippendorff
import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation
from app.mqm import error_weight
from app.scoring.metrics import corpus_scores, tokenizer_for

MATCHINGS: tuple[str, ...] = ("exact", "exact_category", "overlap")


@dataclass(frozen=True)
class Rating:
    translation_id: int
    annotator: str
    penalty: float
    #: (side, start, end, category) of each span.
    spans: tuple[tuple[str, int, int, str], ...]
    post_edit: str | None


@dataclass(frozen=True)
class PRF:
    precision: float | None
    recall: float | None
    f1: float | None

    @classmethod
    def from_counts(cls, matched_pred: int, n_pred: int, matched_ref: int, n_ref: int) -> PRF:
        precision = matched_pred / n_pred if n_pred else None
        recall = matched_ref / n_ref if n_ref else None
        if precision is None or recall is None:
            f1 = None
        elif precision + recall == 0:
            f1 = 0.0
        else:
            f1 = 2 * precision * recall / (precision + recall)
        return cls(precision, recall, f1)

    def as_dict(self) -> dict[str, float | None]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class PairAgreement:
    first: str
    second: str
    #: Translations both annotators finished.
    n_shared: int
    spans: dict[str, PRF] = field(default_factory=dict)
    #: Translations where both wrote a post-edit, and chrF/TER between them.
    n_post_edits: int = 0
    post_edit_scores: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "first": self.first,
            "second": self.second,
            "n_shared": self.n_shared,
            "spans": {name: prf.as_dict() for name, prf in self.spans.items()},
            "n_post_edits": self.n_post_edits,
            "post_edits": dict(self.post_edit_scores),
        }


@dataclass
class AgreementReport:
    corpus: str
    annotators: list[str]
    n_units: int
    #: Units rated by at least two annotators (the ones alpha can use).
    n_pairable: int
    alpha: float | None
    pairs: list[PairAgreement]

    def as_dict(self) -> dict[str, object]:
        return {
            "corpus": self.corpus,
            "annotators": self.annotators,
            "n_units": self.n_units,
            "n_pairable": self.n_pairable,
            "krippendorff_alpha_interval_mqm": self.alpha,
            "pairs": [p.as_dict() for p in self.pairs],
        }


def corpus_ratings(session: Session, corpus: Corpus) -> list[Rating]:
    stmt = (
        sa.select(Assessment)
        .join(Translation, Assessment.translation_id == Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(
            Document.corpus_id == corpus.id,
            Segment.annotatable.is_(True),
            Assessment.status.in_(FINISHED_STATUSES),
        )
        .options(selectinload(Assessment.spans), selectinload(Assessment.annotator))
        .execution_options(yield_per=1000)
    )
    return [
        Rating(
            translation_id=a.translation_id,
            annotator=a.annotator.username,
            penalty=float(sum(error_weight(s.category, s.severity) for s in a.spans)),
            spans=tuple((s.side, s.start, s.end, s.category) for s in a.spans),
            post_edit=a.post_edit,
        )
        for a in session.scalars(stmt)
    ]


def mqm_alpha(ratings: list[Rating]) -> tuple[float | None, int, int]:
    """Interval alpha over translations; None when it is undefined (fewer
    than two annotators on every unit, or no variation at all)."""
    annotators = sorted({r.annotator for r in ratings})
    units = sorted({r.translation_id for r in ratings})
    column = {t: i for i, t in enumerate(units)}
    row = {a: i for i, a in enumerate(annotators)}
    data = np.full((len(annotators), len(units)), np.nan)
    for r in ratings:
        data[row[r.annotator], column[r.translation_id]] = r.penalty
    pairable = int(np.sum(np.sum(~np.isnan(data), axis=0) >= 2)) if units else 0
    if pairable == 0:
        return None, len(units), 0
    values = data[~np.isnan(data)]
    if np.all(values == values[0]):
        # Everyone gave every unit the same score: perfect agreement, but
        # alpha's expected disagreement is 0 and the ratio is undefined.
        return 1.0, len(units), pairable
    alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))
    return (None if math.isnan(alpha) else alpha), len(units), pairable


def _characters(spans: tuple[tuple[str, int, int, str], ...]) -> set[tuple[str, int]]:
    return {(side, i) for side, start, end, _category in spans for i in range(start, end)}


def span_agreement(first: list[Rating], second: list[Rating]) -> dict[str, PRF]:
    """Precision/recall/F1 of `second`'s spans against `first`'s, over
    paired ratings of the same translations (lists in the same order)."""
    counts = {name: [0, 0, 0, 0] for name in MATCHINGS}  # matched_pred, pred, matched_ref, ref
    for ref, pred in zip(first, second, strict=True):
        keyed: dict[str, tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]] = {
            "exact": (
                Counter((s[0], s[1], s[2]) for s in ref.spans),
                Counter((s[0], s[1], s[2]) for s in pred.spans),
            ),
            "exact_category": (Counter(ref.spans), Counter(pred.spans)),
        }
        for name, (ref_spans, pred_spans) in keyed.items():
            matched = sum((ref_spans & pred_spans).values())
            c = counts[name]
            c[0] += matched
            c[1] += sum(pred_spans.values())
            c[2] += matched
            c[3] += sum(ref_spans.values())
        ref_chars, pred_chars = _characters(ref.spans), _characters(pred.spans)
        shared = len(ref_chars & pred_chars)
        c = counts["overlap"]
        c[0] += shared
        c[1] += len(pred_chars)
        c[2] += shared
        c[3] += len(ref_chars)
    return {name: PRF.from_counts(*c) for name, c in counts.items()}


def agreement_report(session: Session, corpus: Corpus) -> AgreementReport:
    ratings = corpus_ratings(session, corpus)
    alpha, n_units, n_pairable = mqm_alpha(ratings)
    by_annotator: dict[str, dict[int, Rating]] = defaultdict(dict)
    for r in ratings:
        by_annotator[r.annotator][r.translation_id] = r
    annotators = sorted(by_annotator)
    pairs = []
    for a, b in itertools.combinations(annotators, 2):
        shared = sorted(by_annotator[a].keys() & by_annotator[b].keys())
        if not shared:
            continue
        first = [by_annotator[a][t] for t in shared]
        second = [by_annotator[b][t] for t in shared]
        pair = PairAgreement(a, b, len(shared), spans=span_agreement(first, second))
        edited = [
            (x, y)
            for x, y in zip(first, second, strict=True)
            if x.post_edit is not None and y.post_edit is not None
        ]
        pair.n_post_edits = len(edited)
        if edited:
            results = corpus_scores(
                [y.post_edit or "" for _, y in edited],
                [x.post_edit or "" for x, _ in edited],
                tokenize=tokenizer_for(corpus.target_lang),
                metrics=("chrf", "ter"),
            )
            pair.post_edit_scores = {name: r.score for name, r in results.items()}
        pairs.append(pair)
    return AgreementReport(corpus.name, annotators, n_units, n_pairable, alpha, pairs)


def format_agreement(report: AgreementReport) -> str:
    """The table `mtqa agreement` prints."""
    alpha = "—" if report.alpha is None else f"{report.alpha:.3f}"
    lines = [
        f"Corpus {report.corpus}: {len(report.annotators)} annotators, {report.n_units} "
        f"rated translations, {report.n_pairable} rated by two or more",
        f"Krippendorff's alpha (interval, MQM per translation): {alpha}",
    ]
    if not report.pairs:
        lines.append("No two annotators rated the same translation.")
        return "\n".join(lines)
    lines += [
        "",
        f"{'Pair':<28} {'Shared':>6} "
        + " ".join(f"{m + ' P/R/F1':>22}" for m in MATCHINGS)
        + f" {'PE':>4} {'chrF':>6} {'TER':>6}",
    ]
    for p in report.pairs:
        cells = " ".join(f"{_prf(p.spans[m]):>22}" for m in MATCHINGS)
        chrf, ter = p.post_edit_scores.get("chrf"), p.post_edit_scores.get("ter")
        lines.append(
            f"{(p.first + ' / ' + p.second)[:28]:<28} {p.n_shared:>6} {cells} {p.n_post_edits:>4} "
            f"{_num(chrf):>6} {_num(ter):>6}"
        )
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _prf(prf: PRF) -> str:
    return "/".join("—" if v is None else f"{v:.2f}" for v in (prf.precision, prf.recall, prf.f1))
