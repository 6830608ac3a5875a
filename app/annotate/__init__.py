"""The annotator's pages: the document list, the segment editor and the
JSON endpoint the editor saves through."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("annotate", __name__)

from app.annotate import api, errors, routes  # noqa: E402,F401  (register on bp)


def _load_optional_views() -> None:
    """Panels of the editor that live in their own modules (history, QA
    assistance) register their views on `bp` when present."""
    import importlib

    for module in ("app.annotate.history", "app.annotate.assist"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_load_optional_views()
