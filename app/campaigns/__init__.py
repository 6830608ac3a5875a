"""Evaluation campaigns for admins: create one over a corpus, follow each
annotator's progress, and adjudicate the annotators' work into a gold
reference. Every page here is for admins only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "campaigns",
    __name__,
    url_prefix="/campaigns",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from app.campaigns import adjudicate, routes  # noqa: E402,F401  (register the views on bp)
