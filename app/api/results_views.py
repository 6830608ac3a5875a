"""Scores and exports of a corpus: other people's work, so researchers and
admins only (an annotator gets 403 whatever the id)."""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from flask import Response, request

from app.access import can_read_results
from app.api import results as blp
from app.api.auth import api_user
from app.api.corpora import COMMON_ERRORS, load_or_404
from app.api.errors import api_abort, documented_errors
from app.api.schemas import ExportArgs, ScoresSchema
from app.audit import record
from app.export import export_corpus
from app.extensions import db
from app.models import Corpus
from app.scoring.report import corpus_report

#: Media type and file suffix of each export format offered over HTTP.
EXPORT_TYPES: Final[dict[str, tuple[str, str]]] = {
    "jsonl": ("application/jsonl", "jsonl"),
    "tsv": ("text/tab-separated-values; charset=utf-8", "tsv"),
    "wmt-mqm": ("text/tab-separated-values; charset=utf-8", "wmt-mqm.tsv"),
}
CHUNK_SIZE: Final = 64 * 1024
#: The download's file name is a header value: plain ASCII only.
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _require_results_reader() -> None:
    user = api_user()
    if not can_read_results(user):
        raise api_abort(403, "scores and exports are for researchers and admins")


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a score is reported as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


@blp.get("/corpora/<int:corpus_id>/scores")
@blp.response(200, ScoresSchema)
@documented_errors(blp, 403, *COMMON_ERRORS)
def corpus_scores(corpus_id: int) -> dict[str, Any]:
    """Scores of a corpus.

    BLEU, chrF and TER with their sacrebleu signatures, MQM, error counts,
    and the same per MT system: the report `mtqa score --json` prints.
    """
    _require_results_reader()
    corpus = load_or_404(Corpus, corpus_id, sa.true())
    report = corpus_report(db.session(), corpus, keep_segments=False)
    return _finite(report.as_dict())


def _stream_file(path: Path, directory: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@blp.get("/corpora/<int:corpus_id>/export")
@blp.arguments(ExportArgs, location="query", as_kwargs=True)
@blp.doc(
    responses={
        "200": {
            "description": "The export file, as `mtqa export --format FORMAT` writes it.",
            "content": {
                "application/jsonl": {"schema": {"type": "string"}},
                "text/tab-separated-values": {"schema": {"type": "string"}},
            },
        }
    }
)
@documented_errors(blp, 403, *COMMON_ERRORS)
def corpus_export(corpus_id: int, format: str) -> Response:
    """Export a corpus.

    In `format` (jsonl, tsv or wmt-mqm), byte for byte what `mtqa export`
    writes. The file is written by the export writer to a
    temporary directory, then streamed in chunks and deleted: the writers
    stream the corpus, so memory stays flat, and an export that fails
    does so before the first byte is sent, as a JSON error."""
    _require_results_reader()
    user = api_user()
    corpus = load_or_404(Corpus, corpus_id, sa.true())
    media_type, suffix = EXPORT_TYPES[format]
    directory = Path(tempfile.mkdtemp(prefix="mtqa-export-"))
    try:
        path = directory / f"{_UNSAFE_NAME.sub('_', corpus.name) or 'corpus'}.{suffix}"
        written = export_corpus(db.session(), corpus, format, path)
        record(
            db.session(),
            "export",
            user=user,
            detail=f"corpus={corpus.name!r} format={format} via=api",
            remote_addr=request.remote_addr,
        )
        db.session.commit()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    download = written[0]
    response = Response(_stream_file(download, directory), mimetype=None, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.name}"'
    return response
