"""JSONL writer: one line per translation, with every annotator's work and
the scores, plus the `NAME.meta.json` sidecar (docs/formats.md).

No timestamps and no database ids are written, and every list has a fixed
order, so exporting the same annotations always gives the same bytes, and
import -> export -> import -> export is byte-identical.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.export.files import replace_atomically
from app.export.hter import HterScorer
from app.export.registry import register
from app.export.rows import BATCH_SIZE, AssessmentRow, TranslationRow, rows_with_progress
from app.ingest.jsonl import FORMAT_NAME, FORMAT_VERSION
from app.models import Corpus, Document
from app.scoring.report import corpus_report
from app.scoring.segments import SegmentScorer

SCORE_KEYS = ("bleu", "chrf", "ter", "mqm")


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity; a score that is not a number is null."""
    if value is None or not math.isfinite(value):
        return None
    return value


def _kind(assessment: AssessmentRow) -> dict[str, str]:
    """`"kind": "gold"` on a gold reference's entries; nothing on ordinary
    annotations, so files without adjudication keep their bytes."""
    return {"kind": assessment.kind} if assessment.kind != "annotation" else {}


def line_object(row: TranslationRow, scores: dict[str, float | None] | None) -> dict[str, Any]:
    errors = [
        {
            "start": s.start,
            "end": s.end,
            "side": s.side,
            "category": s.category,
            "severity": s.severity,
            "note": s.note,
            "annotator": a.annotator,
            **_kind(a),
        }
        for a in row.assessments
        for s in a.spans
    ]
    return {
        "doc_id": row.doc_id,
        "seg_id": row.seg_id,
        "paragraph": row.paragraph,
        "kind": row.kind,
        "annotatable": row.annotatable,
        "external_id": row.external_id,
        "system": row.system,
        "source": row.source,
        "target": row.target,
        "reference": row.reference,
        "status": row.status,
        "errors": errors,
        "assessments": [
            {
                "annotator": a.annotator,
                "status": a.status,
                "post_edit": a.post_edit,
                "time_spent": a.time_spent,
                "keystrokes": a.keystrokes,
                "hter": _number(a.hter),
                **_kind(a),
            }
            for a in row.assessments
        ],
        "scores": None if scores is None else {k: _number(scores.get(k)) for k in SCORE_KEYS},
    }


def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name.removesuffix(".jsonl") + ".meta.json")


def sidecar_object(session: Session, corpus: Corpus, scores: dict[str, Any]) -> dict[str, Any]:
    documents = session.execute(
        sa.select(Document.name, Document.title, Document.origin_url)
        .where(Document.corpus_id == corpus.id)
        .order_by(Document.position, Document.id)
    )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "corpus": {
            "name": corpus.name,
            "source_lang": corpus.source_lang,
            "target_lang": corpus.target_lang,
            "description": corpus.description,
            "script_normalisation": corpus.script_normalisation,
        },
        "documents": [
            {"doc_id": name, "title": title, "origin_url": url} for name, title, url in documents
        ],
        "scores": scores,
    }


@register("jsonl")
def write_jsonl(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """`output` is the .jsonl file, or a directory to put `<corpus>.jsonl` in."""
    if output.is_dir():
        output = output / f"{corpus.name}.jsonl"
    # The corpus figures only: each row's scores are computed as it is
    # written, a batch at a time, so memory stays flat however many
    # segments are finished.
    report = corpus_report(session, corpus, progress=progress, keep_segments=False)
    scorer = SegmentScorer(session, corpus)
    hter = HterScorer(session, corpus)
    with replace_atomically(output) as handle:
        rows = rows_with_progress(session, corpus, progress)
        while batch := list(itertools.islice(rows, BATCH_SIZE)):
            scores = scorer.scores([row.pair for row in batch if row.pair is not None])
            hter.fill(batch, {tid: s.get("ter") for tid, s in scores.items()})
            for row in batch:
                obj = line_object(row, scores.get(row.translation_id))
                handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
    meta = sidecar_path(output)
    with replace_atomically(meta) as handle:
        data = sidecar_object(session, corpus, report.as_dict())
        handle.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return [output, meta]
