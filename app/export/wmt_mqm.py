"""Writer for the WMT MQM TSV layout (the inverse of app.ingest.wmt_mqm).

One row per error span, `<v>…</v>` re-inserted at the span's offsets in the
field of its side; one `No-error` row per finished assessment without spans.

Row order is what the published files use: documents in corpus order,
segments by position, then systems, then raters (both sorted by code
point, so the order does not depend on the database's collation), then the
spans of a rating in the order they were stored (the annotation order the
file gave them). Imported files come back row for row; see the reader for
the one quirk that does not.

What the layout cannot hold is left out: draft assessments, post-edits,
span notes. The format has no escaping, so a tab or line break inside a
text is written as a space (one character for one, keeping every offset).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from app.errors import ExportError
from app.export.registry import register
from app.ingest.wmt_mqm import CLOSE, COLUMNS, NO_ERROR, OPEN
from app.models import (
    FINISHED_STATUSES,
    Assessment,
    Corpus,
    Document,
    ErrorSpan,
    Segment,
    Translation,
)

_UNSAFE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _field(text: str | None) -> str:
    return (text or "").translate(_UNSAFE)


def _mark(text: str, start: int, end: int) -> str:
    return text[:start] + OPEN + text[start:end] + CLOSE + text[end:]


def wmt_mqm_rows(
    session: Session, corpus: Corpus, *, progress: bool = False
) -> Iterator[list[str]]:
    """The data rows of `corpus`, in file order, without the header."""
    segments = session.execute(
        sa.select(Segment, Document.name)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id)
        .order_by(Document.position, Document.id, Segment.position)
    ).all()
    # A corpus that did not come from a WMT file has no global seg_id: number
    # its segments in export order instead.
    for index, (segment, doc_name) in enumerate(tqdm(segments, disable=not progress, unit="seg")):
        seg_id = segment.external_id or str(index + 1)
        translations = session.scalars(
            sa.select(Translation)
            .where(Translation.segment_id == segment.id)
            .options(
                selectinload(Translation.assessments).selectinload(Assessment.annotator),
                selectinload(Translation.assessments).selectinload(Assessment.spans),
            )
        ).all()
        for translation in sorted(translations, key=lambda t: t.system):
            finished = [a for a in translation.assessments if a.status in FINISHED_STATUSES]
            for assessment in sorted(finished, key=lambda a: a.annotator.username):
                prefix = [
                    translation.system,
                    doc_name,
                    str(segment.position),
                    seg_id,
                    assessment.annotator.username,
                ]
                source, target = _field(segment.source), _field(translation.text)
                spans: list[ErrorSpan] = sorted(assessment.spans, key=lambda s: s.id)
                if not spans:
                    yield [*prefix, source, target, NO_ERROR, NO_ERROR]
                for span in spans:
                    if span.side == "source":
                        row_source, row_target = _mark(source, span.start, span.end), target
                    else:
                        row_source, row_target = source, _mark(target, span.start, span.end)
                    yield [*prefix, row_source, row_target, _field(span.category), span.severity]


@register("wmt-mqm")
def write_wmt_mqm(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """Write `corpus` as one WMT MQM TSV file (UTF-8, LF line ends)."""
    output = Path(output)
    if output.is_dir():
        output = output / f"{corpus.name}.tsv"
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write("\t".join(COLUMNS) + "\n")
            for row in wmt_mqm_rows(session, corpus, progress=progress):
                handle.write("\t".join(row) + "\n")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc
    return [output]
