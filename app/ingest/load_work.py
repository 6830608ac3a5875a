"""Loading annotator work: assessments, their error spans and revisions.

Imported work obeys the rules of the save path (`app.assessments`): the same
span validation, the same "no errors means no error spans" rule, and a
revision for every stored assessment, so history is never empty. A stored
assessment that differs from the file is kept as it is and counted: an
import never overwrites an annotator's work.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.assessments import SpanData, validate_spans
from app.errors import IngestError, MtqaError
from app.ingest.bulk import Inserter, corpus_rows, db_timestamp, insert_all
from app.ingest.records import AssessmentRecord, Batch
from app.ingest.report import ImportReport
from app.models import STATUSES, Assessment, ErrorSpan, Revision, User

#: Imported non-primary assessments are dated this much earlier than the
#: primary one, so that "most recently updated" (the reference rule) still
#: names the assessment that gave the file its reference.
EARLIER: Final = timedelta(seconds=1)
_SPAN_COLUMNS: Final = (
    ErrorSpan.start, ErrorSpan.end, ErrorSpan.side, ErrorSpan.category, ErrorSpan.severity,
    ErrorSpan.note,
)  # fmt: skip

ASSESSMENT_COLUMNS: Final = (
    "translation_id", "annotator_id", "kind", "post_edit", "status", "version", "time_spent",
    "keystrokes", "created_at", "updated_at",
)  # fmt: skip
SPAN_COLUMNS: Final = (
    "assessment_id", "side", "start", "end", "category", "severity", "note", "created_at",
)  # fmt: skip
REVISION_COLUMNS: Final = (
    "assessment_id", "version", "user_id", "post_edit", "status", "spans_json", "created_at",
)  # fmt: skip

SpanKey = tuple[Any, ...]


def _span_key(span: SpanData) -> SpanKey:
    return (span.start, span.end, span.side, span.category, span.severity, span.note)


@dataclass
class _New:
    """An assessment written in this import, waiting for its id."""

    status: str
    post_edit: str | None
    spans: list[SpanData] = field(default_factory=list)


def user_ids(
    session: Session, names: set[str], report: ImportReport, now: datetime
) -> dict[str, int]:
    """Annotators named in the file; unknown ones get an account without a
    password (an admin can set one later) so that their work has an owner."""
    ids: dict[str, int] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        query = sa.select(User.username, User.id).where(
            User.username.in_(ordered[start : start + 500])
        )
        ids.update(session.execute(query).all())
    missing = [n for n in ordered if n not in ids]
    if missing:
        rows = [
            {"username": n, "password_hash": None, "role": "annotator", "active": True,
             "created_at": now}
            for n in missing
        ]  # fmt: skip
        insert_all(session, User, rows)
        report.users_created.extend(missing)
        for start in range(0, len(missing), 500):
            query = sa.select(User.username, User.id).where(
                User.username.in_(missing[start : start + 500])
            )
            ids.update(session.execute(query).all())
    return ids


def checked_spans(
    batch: Batch, line: int | None, where: str, text: str, source: str | None,
    record: AssessmentRecord,
) -> list[SpanData]:  # fmt: skip
    """The save path's own rules, so imported work is as valid as saved work."""
    if record.status not in STATUSES:
        raise IngestError(batch.path, line, f"{where}: unknown status {record.status!r}")
    try:
        spans = validate_spans(record.spans, text, source)
    except MtqaError as exc:
        raise IngestError(batch.path, line, f"{where}: {exc}") from exc
    if record.status == "no_errors" and any(s.severity != "Neutral" for s in spans):
        raise IngestError(batch.path, line, f"{where}: marked 'no_errors' but has error spans")
    return spans


def _stored_spans(session: Session, corpus_id: int) -> dict[int, Counter[SpanKey]]:
    spans: dict[int, Counter[SpanKey]] = {}
    for row in corpus_rows(session, corpus_id, ErrorSpan, ErrorSpan.assessment_id, *_SPAN_COLUMNS):
        spans.setdefault(row[0], Counter())[tuple(row[1:])] += 1
    return spans


def load_work(
    session: Session,
    batch: Batch,
    corpus_id: int,
    seg_ids: list[int],
    tr_ids: dict[tuple[int, str], int],
    report: ImportReport,
    now: datetime,
    *,
    had_work: bool,
) -> None:
    """Store the batch's assessments. `seg_ids` are the segments' ids in
    batch order, `tr_ids` those of the translations with assessments;
    `had_work` says whether the corpus held translations before (only then
    can assessments already exist)."""
    names = {
        a.annotator
        for d in batch.documents
        for s in d.segments
        for t in s.translations
        for a in t.assessments
    }
    if not names:
        return
    users = user_ids(session, names, report, now)
    # An annotator's work and the gold they built as a reviewer are two
    # assessments of one translation: the kind is part of the key.
    keys = (Assessment.translation_id, Assessment.annotator_id, Assessment.kind, Assessment.id)
    values = (Assessment.status, Assessment.post_edit, Assessment.time_spent, Assessment.keystrokes)
    stored: dict[tuple[int, int, str], tuple[Any, ...]] = {}
    if had_work:
        for row in corpus_rows(session, corpus_id, Assessment, *keys, *values):
            stored[(row[0], row[1], row[2])] = tuple(row[3:])
    stored_spans: dict[int, Counter[SpanKey]] | None = None
    assessments = Inserter(session, Assessment, ASSESSMENT_COLUMNS)
    latest, earlier = db_timestamp(session, now), db_timestamp(session, now - EARLIER)
    new: dict[tuple[int, int, str], _New] = {}
    count, span_count = report.count("assessments"), report.count("spans")
    next_seg = iter(seg_ids).__next__
    for doc in batch.documents:
        for seg in doc.segments:
            seg_id = next_seg()
            for tr in seg.translations:
                if not tr.assessments:
                    continue
                tr_id = tr_ids[(seg_id, tr.system)]
                for record in tr.assessments:
                    kind = getattr(record, "kind", "annotation")
                    where = (
                        f"segment {doc.name}#{seg.position}, system {tr.system!r}, "
                        f"{'gold by' if kind == 'gold' else 'annotator'} {record.annotator!r}"
                    )
                    spans = checked_spans(batch, seg.line, where, tr.text, seg.source, record)
                    key = (tr_id, users[record.annotator], kind)
                    if key in new:
                        raise IngestError(batch.path, seg.line, f"{where}: appears twice")
                    old = stored.get(key)
                    if old is not None:
                        if stored_spans is None:
                            stored_spans = _stored_spans(session, corpus_id)
                        file_values = (
                            record.status,
                            record.post_edit,
                            record.time_spent,
                            record.keystrokes,
                        )
                        same = old[1:] == file_values and stored_spans.get(
                            old[0], Counter()
                        ) == Counter(_span_key(s) for s in spans)
                        if same:
                            count.present += 1
                            span_count.present += len(spans)
                        else:
                            count.kept += 1
                            span_count.kept += len(spans)
                        continue
                    new[key] = _New(record.status, record.post_edit, spans)
                    assessments.add(
                        (*key, record.post_edit, record.status, 1, record.time_spent,
                         record.keystrokes, latest, latest if record.primary else earlier)
                    )  # fmt: skip
                    count.created += 1
    if new:
        assessments.flush()
        ids = {(t, u, k): i for t, u, k, i in corpus_rows(session, corpus_id, Assessment, *keys)}
        _spans_and_revisions(session, ids, new, report, now)


def _spans_and_revisions(
    session: Session,
    ids: dict[tuple[int, int, str], int],
    new: dict[tuple[int, int, str], _New],
    report: ImportReport,
    now: datetime,
) -> None:
    """Each new assessment's spans, and its first revision (version 1, by its
    annotator), so that the history of stored work is never empty."""
    spans = Inserter(session, ErrorSpan, SPAN_COLUMNS)
    revisions = Inserter(session, Revision, REVISION_COLUMNS)
    stamp = db_timestamp(session, now)
    for key, work in new.items():
        assessment_id = ids[key]
        # The order Assessment.spans loads them in (start, then id).
        ordered = sorted(work.spans, key=lambda s: s.start)
        for span in ordered:
            spans.add(
                (assessment_id, span.side, span.start, span.end, span.category, span.severity,
                 span.note, stamp)
            )  # fmt: skip
        report.count("spans").created += len(ordered)
        history = json.dumps([s.as_dict() for s in ordered], ensure_ascii=False)
        revisions.add((assessment_id, 1, key[1], work.post_edit, work.status, history, stamp))
    spans.flush()
    revisions.flush()
