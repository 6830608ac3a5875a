"""Report pages: a corpus's scores (sacrebleu metrics with their
signatures, MQM), its errors by category and severity, and every finished
segment with its MT errors marked. Views are thin: the numbers come from
`app.scoring.report`, the same code `mtqa score` and the exports use."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from app.access import can_read_results
from app.optional import import_optional

bp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.before_request
def _results_readers_only() -> None:
    """Reports show every annotator's work: researchers and admins only.
    Anonymous users fall through to login_required's redirect."""
    if request.endpoint == "reports.static":
        return
    if current_user.is_authenticated and not can_read_results(current_user):
        abort(403)


from app.reports import routes, systems  # noqa: E402,F401  (registers the views on bp)

# Report pages kept in their own modules (charts, QA precision).
import_optional(("app.reports.charts", "app.reports.qa"))
