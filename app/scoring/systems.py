"""System-level scores of a corpus with many MT systems per segment:
MQM, BLEU, chrF and TER per system, a ranking, 95% confidence intervals and
paired significance against a baseline system.

MQM aggregation (the convention that reproduces the published WMT21 MQM
tables, Freitag et al. 2021): a rating scores the sum of its errors'
weights (`app.mqm.error_weight`); a segment scores the mean over the raters
who rated it; a system scores the mean over its rated segments. Segments
nobody rated are left out, not counted as 0. Averaging per rater first
would weight raters, not segments, and gives other numbers and rankings.
Source errors count at full weight unless `source_error_weight` says
otherwise (later WMT practice weights them 0).

BLEU, chrF and TER score each system's MT against the references the
reference rule gives (app.scoring.report): the annotators' post-edits.
MQM-only corpora (the WMT MQM files) have none, and the table then shows
MQM alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from app.chinese import normaliser_for
from app.errors import MtqaError
from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation
from app.mqm import error_weight
from app.scoring.metrics import DEFAULT_METRICS, METRICS, Normaliser, prepare, tokenizer_for
from app.scoring.report import finished_pairs
from app.scoring.significance import (
    Estimate,
    PairedResult,
    mean_estimate,
    metric_estimate,
    metric_paired_bootstrap,
    paired_permutation,
)


@dataclass
class SystemScores:
    name: str
    rank: int = 0
    #: Segments with at least one finished rating, and the ratings on them.
    n_segments: int = 0
    n_ratings: int = 0
    mqm: Estimate | None = None
    #: Segments with a reference (scored by BLEU, chrF, TER).
    n_scored: int = 0
    metrics: dict[str, Estimate] = field(default_factory=dict)
    #: Paired test against the baseline, by metric name ("mqm", "bleu", …).
    versus_baseline: dict[str, PairedResult] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.name,
            "rank": self.rank,
            "n_segments": self.n_segments,
            "n_ratings": self.n_ratings,
            "mqm": self.mqm.as_dict() if self.mqm else None,
            "n_scored": self.n_scored,
            "metrics": {name: e.as_dict() for name, e in self.metrics.items()},
            "versus_baseline": {name: r.as_dict() for name, r in self.versus_baseline.items()},
        }


@dataclass
class SystemTable:
    corpus: str
    systems: list[SystemScores]
    baseline: str | None
    #: What the ranking is by: "mqm" (lower is better) or a metric name.
    ranked_by: str | None
    source_error_weight: float | None
    signatures: dict[str, str] = field(default_factory=dict)
    #: MQM paired permutation tests between every two systems.
    mqm_pairwise: list[PairedResult] = field(default_factory=list)
    #: (system, segment id) → MQM segment score (mean over raters).
    segment_mqm: dict[tuple[str, int], float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "corpus": self.corpus,
            "ranked_by": self.ranked_by,
            "baseline": self.baseline,
            "mqm_convention": "sum of error weights per rating, mean over raters per "
            "segment, mean over rated segments per system; lower is better",
            "source_error_weight": self.source_error_weight,
            "signatures": self.signatures,
            "systems": [s.as_dict() for s in self.systems],
            "mqm_pairwise": [r.as_dict() for r in self.mqm_pairwise],
        }


def rating_penalties(
    session: Session,
    corpus: Corpus,
    *,
    source_error_weight: float | None = None,
    progress: bool = False,
) -> dict[tuple[str, int], list[float]]:
    """(system, segment id) → the penalty of each finished rating of it."""
    stmt = (
        sa.select(Assessment, Translation.system, Translation.segment_id)
        .join(Translation, Assessment.translation_id == Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(
            Document.corpus_id == corpus.id,
            Segment.annotatable.is_(True),
            Assessment.status.in_(FINISHED_STATUSES),
        )
        .options(selectinload(Assessment.spans))
        .execution_options(yield_per=1000)
    )
    penalties: dict[tuple[str, int], list[float]] = defaultdict(list)
    rows = session.execute(stmt)
    for assessment, system, segment_id in tqdm(
        rows, disable=not progress, desc="MQM", unit="rating", leave=False
    ):
        penalties[(system, segment_id)].append(
            sum(
                error_weight(s.category, s.severity, source_error_weight=source_error_weight)
                for s in assessment.spans
            )
        )
    return penalties


def segment_mqm(penalties: dict[tuple[str, int], list[float]]) -> dict[tuple[str, int], float]:
    """Mean over raters per (system, segment)."""
    return {key: sum(values) / len(values) for key, values in penalties.items() if values}


def _by_system(seg_scores: dict[tuple[str, int], float]) -> dict[str, dict[int, float]]:
    systems: dict[str, dict[int, float]] = defaultdict(dict)
    for (system, segment_id), score in seg_scores.items():
        systems[system][segment_id] = score
    return systems


def _shared(a: dict[int, float], b: dict[int, float]) -> tuple[list[float], list[float]]:
    keys = sorted(a.keys() & b.keys())
    return [a[k] for k in keys], [b[k] for k in keys]


def system_table(
    session: Session,
    corpus: Corpus,
    *,
    baseline: str | None = None,
    source_error_weight: float | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    normalise: Normaliser | None = None,
    progress: bool = False,
) -> SystemTable:
    """Score, rank and compare every system of `corpus`. The baseline of the
    paired tests is `baseline`, or else the top-ranked system. `normalise`
    defaults to the corpus's own script normalisation, as in corpus_report,
    so both give the same BLEU for the same pairs."""
    if normalise is None:
        normalise = normaliser_for(corpus)
    penalties = rating_penalties(
        session, corpus, source_error_weight=source_error_weight, progress=progress
    )
    seg_scores = segment_mqm(penalties)
    mqm_by_system = _by_system(seg_scores)
    refs_by_system = _references(session, corpus, normalise)
    names = sorted(mqm_by_system.keys() | refs_by_system.keys())
    rows = {name: SystemScores(name) for name in names}
    for name, scores in mqm_by_system.items():
        row = rows[name]
        row.n_segments = len(scores)
        row.n_ratings = sum(len(penalties[(name, seg)]) for seg in scores)
        row.mqm = mean_estimate([scores[k] for k in sorted(scores)])

    tokenize = tokenizer_for(corpus.target_lang)
    built = {m: METRICS[m].build(tokenize, False) for m in metrics}
    for metric in built.values():
        metric.num_refs = 1
    signatures = {m: built[m].get_signature().format() for m in metrics} if refs_by_system else {}
    for name, pairs in tqdm(
        refs_by_system.items(), disable=not progress, desc="metrics", unit="system", leave=False
    ):
        keys = sorted(pairs)
        hyps, refs = [pairs[k][0] for k in keys], [pairs[k][1] for k in keys]
        rows[name].n_scored = len(keys)
        rows[name].metrics = {m: metric_estimate(built[m], hyps, refs) for m in metrics}

    ranked_by = "mqm" if mqm_by_system else (metrics[0] if refs_by_system and metrics else None)
    ordered = sorted(rows.values(), key=lambda r: (_rank_key(r, ranked_by), r.name))
    for rank, row in enumerate(ordered, start=1):
        row.rank = rank
    if baseline is None and ordered:
        baseline = ordered[0].name
    elif baseline is not None and baseline not in rows:
        raise MtqaError(f"no system named {baseline!r} (known: {', '.join(names)})")

    table = SystemTable(
        corpus=corpus.name,
        systems=ordered,
        baseline=baseline,
        ranked_by=ranked_by,
        source_error_weight=source_error_weight,
        signatures=signatures,
        segment_mqm=seg_scores,
    )
    if baseline is not None:
        _compare(table, mqm_by_system, refs_by_system, built, baseline)
    return table


def _rank_key(row: SystemScores, ranked_by: str | None) -> float:
    if ranked_by == "mqm":
        return row.mqm.score if row.mqm else float("inf")
    if ranked_by in row.metrics:
        score = row.metrics[ranked_by].score
        return score if not METRICS[ranked_by].higher_is_better else -score
    return float("inf")


def _references(
    session: Session, corpus: Corpus, normalise: Normaliser | None
) -> dict[str, dict[tuple[str, int], tuple[str, str]]]:
    """system → (document, position) → (hypothesis, reference), prepared
    the way the metrics see them; only pairs that have a reference."""
    systems: dict[str, dict[tuple[str, int], tuple[str, str]]] = defaultdict(dict)
    for pair in finished_pairs(session, corpus):
        if pair.reference is None:
            continue
        systems[pair.system][(pair.document, pair.position)] = (
            prepare(pair.hypothesis, normalise),
            prepare(pair.reference, normalise),
        )
    return dict(systems)


def _compare(
    table: SystemTable,
    mqm_by_system: dict[str, dict[int, float]],
    refs_by_system: dict[str, dict[tuple[str, int], tuple[str, str]]],
    built: dict,
    baseline: str,
) -> None:
    names = [row.name for row in table.systems]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if a in mqm_by_system and b in mqm_by_system:
                lower, upper = _shared(mqm_by_system[b], mqm_by_system[a])
                if lower:
                    delta = (sum(lower) - sum(upper)) / len(lower)
                    p = paired_permutation(lower, upper)
                    table.mqm_pairwise.append(PairedResult(b, a, len(lower), delta, p))
    for row in table.systems:
        if row.name == baseline:
            continue
        for result in table.mqm_pairwise:
            if {result.system, result.baseline} == {row.name, baseline}:
                sign = 1.0 if result.system == row.name else -1.0
                row.versus_baseline["mqm"] = PairedResult(
                    row.name, baseline, result.n_segments, sign * result.delta, result.p_value
                )
        mine, theirs = refs_by_system.get(row.name), refs_by_system.get(baseline)
        if not mine or not theirs:
            continue
        keys = sorted(mine.keys() & theirs.keys())
        if not keys:
            continue
        bl = (baseline, [theirs[k][0] for k in keys], [theirs[k][1] for k in keys])
        sys_ = (row.name, [mine[k][0] for k in keys], [mine[k][1] for k in keys])
        for m, metric in built.items():
            paired, _estimate = metric_paired_bootstrap(metric, bl, sys_)
            row.versus_baseline[m] = paired


def format_table(table: SystemTable) -> str:
    """The table `mtqa score --by system` prints."""
    metric_names = [m for m in METRICS if any(m in r.metrics for r in table.systems)]
    head = f"{'#':>2}  {'System':<20} {'Segs':>5} {'MQM':>7} {'±95%':>6} {'p':>6}"
    for m in metric_names:
        head += f" {METRICS[m].label:>7} {'±95%':>6} {'p':>6}"
    lines = [
        f"Corpus {table.corpus}: {len(table.systems)} systems, ranked by "
        f"{(table.ranked_by or '—').upper()}; p-values against {table.baseline}",
        "",
        head,
    ]
    for row in table.systems:
        line = f"{row.rank:>2}  {row.name[:20]:<20} {row.n_segments:>5} "
        line += _cells(row.mqm, row.versus_baseline.get("mqm"), row.name == table.baseline)
        for m in metric_names:
            line += " " + _cells(
                row.metrics.get(m), row.versus_baseline.get(m), row.name == table.baseline
            )
        lines.append(line)
    lines += [
        "",
        "MQM: mean over rated segments of the mean over raters of the summed error "
        "weights (lower is better).",
    ]
    lines += [f"{METRICS[m].label}: {table.signatures[m]}" for m in metric_names]
    return "\n".join(lines)


def _cells(estimate: Estimate | None, paired: PairedResult | None, is_baseline: bool) -> str:
    if estimate is None:
        return f"{'—':>7} {'':>6} {'':>6}"
    p = "base" if is_baseline else (f"{paired.p_value:.3f}" if paired else "—")
    return f"{estimate.score:>7.2f} {estimate.ci:>6.2f} {p:>6}"
