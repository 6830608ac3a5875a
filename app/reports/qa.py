"""The QA precision page: for each automatic check, how many flags it raised
and how many of those annotators confirmed or dismissed. A check whose flags
are mostly dismissed is noise, and its precision says so."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import login_required

from app.extensions import db
from app.models import Corpus
from app.qa import REGISTRY
from app.qa.store import DecisionPrecision, precision_from_decisions
from app.reports import bp


@bp.get("/<path:corpus_name>/qa")
@login_required
def qa(corpus_name: str) -> str:
    corpus = db.first_or_404(sa.select(Corpus).where(Corpus.name == corpus_name))
    rows = precision_from_decisions(db.session(), corpus)
    total = DecisionPrecision(
        "all",
        sum(r.flags for r in rows),
        sum(r.confirmed for r in rows),
        sum(r.dismissed for r in rows),
        sum(r.open for r in rows),
    )
    descriptions = {check: REGISTRY.checks[check].description for check in REGISTRY.ids()}
    return render_template(
        "reports/qa.html", corpus=corpus, rows=rows, total=total, descriptions=descriptions
    )
