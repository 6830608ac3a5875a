"""The system-level report page: the table `mtqa score --by system` prints
(MQM, BLEU, chrF, TER per system, ranking, 95% CIs, paired significance
against the baseline), from the same `app.scoring.systems.system_table`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_login import login_required

from app.errors import MtqaError
from app.extensions import db
from app.models import Corpus
from app.reports import bp
from app.scoring.metrics import METRICS
from app.scoring.systems import system_table


@bp.get("/<path:corpus_name>/systems")
@login_required
def systems(corpus_name: str) -> str:
    corpus = db.first_or_404(sa.select(Corpus).where(Corpus.name == corpus_name))
    try:
        table = system_table(db.session(), corpus, baseline=request.args.get("baseline") or None)
    except MtqaError as exc:
        abort(400, description=str(exc))
    metric_names = [m for m in METRICS if any(m in r.metrics for r in table.systems)]
    return render_template(
        "reports/systems.html",
        corpus=corpus,
        table=table,
        metric_names=metric_names,
        labels={name: spec.label for name, spec in METRICS.items()},
    )
