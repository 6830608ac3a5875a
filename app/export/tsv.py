"""TSV and CSV writers (the inverse of app.ingest.tsv; docs/formats.md).

One row per translation and annotator, or one row per translation that
nobody has assessed yet, streamed in export order. The rows of a
translation are ordered by annotator, except that the assessment giving the
reference comes last, which is how the reader knows it again.

Each annotator's row carries their time spent, keystrokes and HTER
(app.export.hter). What the layout cannot hold is left out and documented:
error spans, document titles, corpus languages. JSONL and WMT MQM carry
spans.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from app.export.files import replace_atomically
from app.export.hter import HterScorer
from app.export.registry import register
from app.export.rows import BATCH_SIZE, TranslationRow, rows_with_progress
from app.ingest.tsv import COLUMNS, PENDING, escape_tsv
from app.models import Corpus


def table_rows(row: TranslationRow) -> Iterator[list[str]]:
    """The cells of one translation's rows, in `COLUMNS` order. Numbers
    are written as Python's shortest repr, which reads back to the same
    float."""
    head = [row.doc_id, str(row.seg_id), row.system, row.source or "", row.target]
    tail = [str(row.paragraph), row.kind]
    if not row.assessments:
        yield [*head, "", PENDING, "", *tail, "", "", ""]
        return
    primary = row.pair.assessment_id if row.pair is not None else None
    for a in sorted(row.assessments, key=lambda a: a.id == primary):
        hter = "" if a.hter is None else repr(a.hter)
        effort = [repr(float(a.time_spent)), str(a.keystrokes), hter]
        yield [*head, a.post_edit or "", a.status, a.annotator, *tail, *effort]


def _rows(session: Session, corpus: Corpus, progress: bool) -> Iterator[TranslationRow]:
    """The rows in export order, their assessments' HTER filled a batch at a time."""
    hter = HterScorer(session, corpus)
    rows = rows_with_progress(session, corpus, progress)
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        hter.fill(batch)
        yield from batch


def _target(output: Path, corpus: Corpus, suffix: str) -> Path:
    return output / f"{corpus.name}.{suffix}" if output.is_dir() else output


@register("tsv")
def write_tsv(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """`output` is the .tsv file, or a directory to put `<corpus>.tsv` in."""
    output = _target(output, corpus, "tsv")
    with replace_atomically(output) as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for row in _rows(session, corpus, progress):
            for cells in table_rows(row):
                handle.write("\t".join(escape_tsv(c) for c in cells) + "\n")
    return [output]


@register("csv")
def write_csv(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """`output` is the .csv file, or a directory to put `<corpus>.csv` in."""
    output = _target(output, corpus, "csv")
    with replace_atomically(output) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in _rows(session, corpus, progress):
            writer.writerows(table_rows(row))
    return [output]
