"""Saving an annotator's work: the one path every save takes (browser, API,
import), so the version check and the revision history cannot be bypassed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.errors import MtqaError
from app.models import STATUSES, Assessment, ErrorSpan, Revision, Translation, User
from app.models.base import utcnow
from app.mqm import CATEGORIES, SEVERITIES, SIDES, normalise_category


class ValidationError(MtqaError):
    """A save that names an unknown status, category, severity or bad offsets."""


class StaleVersionError(MtqaError):
    """The save was based on an older version than the one stored."""

    def __init__(self, current: Assessment) -> None:
        self.current = current
        super().__init__(
            f"assessment {current.id} is at version {current.version}; "
            "reload it and merge your changes"
        )


@dataclass(frozen=True)
class SpanData:
    """An error span as plain data, as it crosses the API, import and export."""

    start: int
    end: int
    category: str
    severity: str
    side: str = "target"
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def span_data(span: ErrorSpan) -> SpanData:
    return SpanData(span.start, span.end, span.category, span.severity, span.side, span.note)


def validate_spans(spans: Iterable[SpanData], target: str, source: str | None) -> list[SpanData]:
    """Check every span against the text it points into; names the bad one."""
    checked = []
    for index, span in enumerate(spans):
        category = normalise_category(span.category)
        if category not in CATEGORIES:
            raise ValidationError(f"span {index}: unknown MQM category {span.category!r}")
        if span.severity not in SEVERITIES:
            raise ValidationError(f"span {index}: unknown severity {span.severity!r}")
        if span.side not in SIDES:
            raise ValidationError(f"span {index}: side must be 'target' or 'source'")
        text = target if span.side == "target" else source
        if text is None:
            raise ValidationError(f"span {index}: the segment has no source text")
        if not (0 <= span.start <= span.end <= len(text)):
            raise ValidationError(
                f"span {index}: offsets {span.start}-{span.end} lie outside the "
                f"{span.side} text of {len(text)} characters"
            )
        note = span.note.strip() if span.note else None
        checked.append(
            SpanData(span.start, span.end, category, span.severity, span.side, note or None)
        )
    return checked


def reference_order() -> tuple[sa.ColumnElement[Any], ...]:
    """The reference rule, as an ORDER BY over a translation's finished
    assessments: a gold reference from adjudication first, then the most
    recently updated annotation (ties, e.g. equal timestamps from one
    import, go to the newest row)."""
    return (
        sa.case((Assessment.kind == "gold", 0), else_=1),
        Assessment.updated_at.desc(),
        Assessment.id.desc(),
    )


# The statements of every save, built once with bound parameters: a save
# then only binds values (building a statement and its cache key on each
# call cost as much as running it).
_FIND = sa.select(Assessment).where(
    Assessment.translation_id == sa.bindparam("translation_id"),
    Assessment.annotator_id == sa.bindparam("user_id"),
    Assessment.kind == sa.bindparam("kind"),
)
_APPLIED = sa.select(Revision.id).where(
    Revision.assessment_id == sa.bindparam("assessment_id"),
    Revision.client_key == sa.bindparam("client_key"),
)
_SPANS = cast(sa.Table, ErrorSpan.__table__)
_DROP_SPANS = sa.delete(_SPANS).where(_SPANS.c.assessment_id == sa.bindparam("assessment_id"))
_ADD_SPANS = sa.insert(_SPANS).returning(_SPANS.c.id, sort_by_parameter_order=True)
_ADD_REVISION = sa.insert(cast(sa.Table, Revision.__table__))
_ASSESSMENTS = cast(sa.Table, Assessment.__table__)
_UPDATE = (
    sa.update(_ASSESSMENTS)
    .where(
        _ASSESSMENTS.c.id == sa.bindparam("assessment_id"),
        _ASSESSMENTS.c.version == sa.bindparam("base_version"),
    )
    .values(
        {
            name: sa.bindparam(name)
            for name in ("post_edit", "status", "time_spent", "keystrokes", "version", "updated_at")
        }
    )
)


def find_assessment(
    session: Session, translation_id: int, user_id: int, kind: str = "annotation"
) -> Assessment | None:
    return session.scalar(
        _FIND, {"translation_id": translation_id, "user_id": user_id, "kind": kind}
    )


def get_or_create_assessment(
    session: Session, translation: Translation, user: User, kind: str = "annotation"
) -> Assessment:
    assessment = find_assessment(session, translation.id, user.id, kind)
    return assessment or _create_assessment(session, translation, user, kind)


def _create_assessment(
    session: Session, translation: Translation, user: User, kind: str = "annotation"
) -> Assessment:
    assessment = Assessment(
        translation=translation,
        annotator=user,
        post_edit=translation.text,
        status="draft",
        kind=kind,
    )
    session.add(assessment)
    session.flush()
    return assessment


def already_applied(session: Session, assessment: Assessment, client_key: str) -> bool:
    if assessment.id is None:
        return False
    found = session.scalar(_APPLIED, {"assessment_id": assessment.id, "client_key": client_key})
    return found is not None


def _update_assessment(
    session: Session, assessment: Assessment, *, base_version: int, **values: Any
) -> None:
    """UPDATE ... WHERE version = base_version as one statement, and the
    object told the stored values. A row changed meanwhile matches nothing:
    StaleDataError, as the ORM's own version check raises, before anything
    else of the save is written. Every save runs this inside the write lock,
    where the unit of work's bookkeeping for one row cost more than the
    statement."""
    values |= {"version": base_version + 1, "updated_at": utcnow()}
    result = session.execute(
        _UPDATE, {"assessment_id": assessment.id, "base_version": base_version, **values}
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleDataError(f"assessment {assessment.id} is no longer at version {base_version}")
    for key, value in values.items():
        set_committed_value(assessment, key, value)


def _replace_spans(session: Session, assessment: Assessment, spans: Sequence[SpanData]) -> None:
    """Delete the stored spans and insert `spans` in two statements, without
    loading the old ones (what `spans.clear()` would do, one object at a
    time); the assessment's collection then holds the new rows as stored."""
    if "spans" in sa.inspect(assessment).dict:
        for span in assessment.spans:
            if span in session:
                session.expunge(span)
    session.execute(_DROP_SPANS, {"assessment_id": assessment.id})
    created = utcnow()
    rows = [{"assessment_id": assessment.id, "created_at": created, **s.as_dict()} for s in spans]
    stored = []
    if rows:
        ids = session.execute(_ADD_SPANS, rows).scalars().all()
        for span_id, row in zip(ids, rows, strict=True):
            span = ErrorSpan(id=span_id, **row)
            # Known to be stored: the session takes it as loaded, not new.
            make_transient_to_detached(span)
            session.add(span)
            stored.append(span)
    stored.sort(key=lambda span: (span.start, span.id))
    set_committed_value(assessment, "spans", stored)


def save_assessment(
    session: Session,
    assessment: Assessment,
    *,
    user: User,
    base_version: int,
    post_edit: str | None,
    status: str,
    spans: Sequence[SpanData] | None = None,
    time_spent: float = 0.0,
    keystrokes: int = 0,
    client_key: str | None = None,
    key_checked: bool = False,
) -> Assessment:
    """Apply one save and append its revision; the caller commits.

    `base_version` is the version the editor loaded. A mismatch raises
    StaleVersionError before anything is written; the version counter on the
    UPDATE itself catches a concurrent writer that slipped in between.
    `spans=None` keeps the stored spans; a list replaces them.

    `client_key` is the client's idempotency key for this save: when a
    revision of this assessment already carries it, the save was applied
    before (a retry after a lost answer) and nothing is applied again;
    see `already_applied`. `key_checked` says the caller looked already
    (before taking the write lock); a duplicate that slipped in since then
    fails the version check or the revision's unique key instead.
    """
    if (
        client_key is not None
        and not key_checked
        and already_applied(session, assessment, client_key)
    ):
        return assessment
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    if base_version != assessment.version:
        raise StaleVersionError(assessment)
    translation = assessment.translation
    was_finished = assessment.finished
    checked = (
        None
        if spans is None
        else validate_spans(spans, translation.text, translation.segment.source)
    )
    kept = [span_data(s) for s in assessment.spans] if checked is None else checked
    if status == "no_errors" and any(s.severity != "Neutral" for s in kept):
        raise ValidationError("a segment with error spans cannot be marked 'no errors'")
    _update_assessment(
        session,
        assessment,
        base_version=base_version,
        post_edit=post_edit,
        status=status,
        time_spent=(assessment.time_spent or 0.0) + max(0.0, float(time_spent)),
        keystrokes=(assessment.keystrokes or 0) + max(0, int(keystrokes)),
    )
    if checked is not None:
        _replace_spans(session, assessment, checked)
    session.execute(
        _ADD_REVISION,
        {
            "assessment_id": assessment.id,
            "version": assessment.version,
            "user_id": user.id,
            "post_edit": assessment.post_edit,
            "status": assessment.status,
            "spans_json": json.dumps([s.as_dict() for s in kept], ensure_ascii=False),
            "client_key": client_key,
        },
    )
    if was_finished or assessment.finished:
        # Imported here: scoring reads SpanData from this module.
        from app.scoring.incremental import refresh_segment_stats

        refresh_segment_stats(session, translation)
    return assessment


class _Unread:
    """Marks an argument the function must read itself."""


UNREAD: Any = _Unread()


def save_from_client(
    session: Session,
    translation: Translation,
    user: User,
    *,
    base_version: int,
    existing: Assessment | None = UNREAD,
    **fields: Any,
) -> Assessment:
    """A save as the editor and the API send it: `base_version` 0 means the
    client saw no assessment yet, which names the one created now (a
    concurrent first save by the same user surfaces as IntegrityError at
    flush or commit). The caller builds its answer before committing: after
    the commit the row is re-read and may already hold a concurrent save.

    `existing` is the user's assessment when the caller read it already
    (possibly in an earlier snapshot: the UPDATE's version check still
    refuses a save that a concurrent one overtook)."""
    existed = find_assessment(session, translation.id, user.id) if existing is UNREAD else existing
    assessment = existed or _create_assessment(session, translation, user)
    base = assessment.version if existed is None and base_version == 0 else base_version
    return save_assessment(session, assessment, user=user, base_version=base, **fields)
