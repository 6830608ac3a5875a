"""The annotator's pages: the document list, the segment editor and the
JSON endpoint the editor saves through."""

from __future__ import annotations

from flask import Blueprint

from app.optional import import_optional

bp = Blueprint("annotate", __name__)

from app.annotate import api, errors, routes  # noqa: E402,F401  (register on bp)

# Panels of the editor that live in their own modules (history, QA
# assistance) register their views on `bp` when present.
import_optional(("app.annotate.history", "app.annotate.assist"))
