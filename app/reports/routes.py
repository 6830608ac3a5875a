"""Report views: the corpus list, one corpus's scores, and its scores as JSON."""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass
from itertools import islice

import sqlalchemy as sa
from flask import Response, abort, render_template, request
from flask_login import login_required
from markupsafe import Markup

from app.extensions import db
from app.models import Corpus
from app.mqm import CATEGORIES, SEVERITIES
from app.reports import bp
from app.reports.highlight import highlight
from app.reports.queries import corpus_summaries, corpus_systems
from app.scoring.metrics import METRICS, sacrebleu_command, tokenizer_for
from app.scoring.report import CorpusReport, ScoredPair, corpus_report, finished_pairs

#: Finished segments per page of the per-segment table.
PER_PAGE = 50


@dataclass(frozen=True)
class SegmentRow:
    pair: ScoredPair
    mt_html: Markup
    source_html: Markup | None
    scores: dict[str, float | None]


def _corpus_or_404(name: str) -> Corpus:
    return db.first_or_404(sa.select(Corpus).where(Corpus.name == name))


def _error_table(report: CorpusReport) -> list[tuple[str, list[int], int]]:
    """Rows of (category, counts per severity in SEVERITIES order, total),
    categories in typology order, then any others by name."""
    seen = {category for category, _ in report.errors}
    ordered = [c for c in CATEGORIES if c in seen] + sorted(seen - set(CATEGORIES))
    rows = []
    for category in ordered:
        counts = [report.errors.get((category, severity), 0) for severity in SEVERITIES]
        rows.append((category, counts, sum(counts)))
    return rows


@bp.get("/")
@login_required
def index() -> str:
    return render_template("reports/index.html", summaries=corpus_summaries(db.session()))


@bp.get("/<path:corpus_name>")
@login_required
def corpus(corpus_name: str) -> str:
    corpus = _corpus_or_404(corpus_name)
    report = corpus_report(db.session(), corpus)
    pages = max(1, -(-report.n_segments // PER_PAGE))
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > pages:
        abort(404)
    start = (page - 1) * PER_PAGE
    with closing(finished_pairs(db.session(), corpus)) as pairs:
        rows = [
            SegmentRow(
                pair,
                highlight(pair.hypothesis, pair.spans, "target"),
                highlight(pair.source, pair.spans, "source") if pair.source is not None else None,
                report.segment_scores[pair.translation_id],
            )
            for pair in islice(pairs, start, start + PER_PAGE)
        ]
    systems = corpus_systems(db.session(), corpus)
    return render_template(
        "reports/corpus.html",
        corpus=corpus,
        report=report,
        labels={name: spec.label for name, spec in METRICS.items()},
        higher_is_better={name: spec.higher_is_better for name, spec in METRICS.items()},
        command=sacrebleu_command(tokenize=tokenizer_for(corpus.target_lang)),
        error_rows=_error_table(report),
        severities=SEVERITIES,
        rows=rows,
        show_source=any(row.source_html is not None for row in rows),
        show_system=len(systems) > 1,
        page=page,
        pages=pages,
        first_index=start + 1,
    )


@bp.get("/<path:corpus_name>/scores.json")
@login_required
def scores_json(corpus_name: str) -> Response:
    """The report as `mtqa score --json` prints it, with per-segment scores;
    serialised here rather than by jsonify, which would re-sort the keys."""
    report = corpus_report(db.session(), _corpus_or_404(corpus_name))
    body = json.dumps(report.as_dict(segments=True), indent=2, ensure_ascii=False)
    return Response(body + "\n", mimetype="application/json")
