"""The charts page of a corpus and its data as JSON.

The data is built by `app.reports.chart_data` (plain, from the scoring
modules); the page embeds it as a JSON script element, which the CSP lets
through because it is never executed, and app/reports/static/charts.js
draws it as SVG. Each chart also gets a table of its numbers in the HTML,
so the figures are there without JavaScript and for screen readers.
"""

from __future__ import annotations

import json
from typing import Any, cast

import sqlalchemy as sa
from flask import Response, render_template
from flask_login import login_required
from markupsafe import Markup

from app.assessments import SpanData
from app.extensions import db
from app.models import Corpus
from app.reports import bp
from app.reports.chart_data import chart_data
from app.reports.highlight import highlight


def _corpus(name: str) -> Corpus | None:
    return db.session.scalar(sa.select(Corpus).where(Corpus.name == name))


def _spans(row: dict) -> list[SpanData]:
    return [
        SpanData(s["start"], s["end"], s["category"], s["severity"], s["side"], s["note"])
        for s in row["spans"]
    ]


def _marked(row: dict, side: str) -> Markup | None:
    text = row["mt"] if side == "target" else row["source"]
    return None if text is None else highlight(text, _spans(row), side)


@bp.get("/<path:corpus_name>/charts")
@login_required
def charts(corpus_name: str) -> str:
    corpus = _corpus(corpus_name)
    if corpus is None:
        # A corpus whose own name ends in "/charts" is reached by the same
        # URL as its parent's charts page: show its report instead.
        from app.reports.routes import corpus as corpus_page

        return corpus_page(corpus_name + "/charts")
    data = chart_data(db.session(), corpus)
    worst = [
        {**row, "mt_html": _marked(row, "target"), "source_html": _marked(row, "source")}
        for row in cast(list[dict[str, Any]], data["worst"])
    ]
    return render_template("reports/charts.html", corpus=corpus, data=data, worst=worst)


@bp.get("/<path:corpus_name>/charts.json")
@login_required
def charts_json(corpus_name: str) -> Response:
    """The charts' data, keys in the order they are built (not re-sorted)."""
    corpus = db.first_or_404(sa.select(Corpus).where(Corpus.name == corpus_name))
    body = json.dumps(chart_data(db.session(), corpus), indent=2, ensure_ascii=False)
    return Response(body + "\n", mimetype="application/json")
