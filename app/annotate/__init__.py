"""The annotator's pages: the document list, the segment editor and the
JSON endpoint the editor saves through."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("annotate", __name__)

from app.annotate import api, errors, routes  # noqa: E402,F401  (register on bp)
