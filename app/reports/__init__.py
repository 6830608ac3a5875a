"""Report pages: a corpus's scores (sacrebleu metrics with their
signatures, MQM), its errors by category and severity, and every finished
segment with its MT errors marked. Views are thin: the numbers come from
`app.scoring.report`, the same code `mtqa score` and the exports use."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from app.reports import routes, systems  # noqa: E402,F401  (registers the views on bp)
