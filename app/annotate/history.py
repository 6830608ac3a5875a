"""A segment's save history, with word diffs, and restoring an old version.

History is append-only: a restore is one more save through
`save_assessment`, based on the version the annotator was looking at, so a
restore from a stale page is refused (409) like any other stale save and the
restored version shows up as the newest revision rather than rewriting the
past.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.access import can_annotate, is_admin
from app.annotate import bp
from app.annotate.queries import is_annotatable
from app.assessments import (
    SpanData,
    StaleVersionError,
    ValidationError,
    find_assessment,
    save_assessment,
)
from app.audit import record
from app.diffs import Op, word_diff
from app.extensions import db
from app.models import Assessment, Revision, Translation, User


@dataclass(frozen=True)
class HistoryEntry:
    """One revision as the history page shows it: `diff` is against the
    previous revision's post-edit, or against the MT for the first."""

    version: int
    username: str
    created_at: datetime
    status: str
    post_edit: str | None
    span_count: int
    diff: list[tuple[Op, str]]


def revision_entries(session: Session, assessment: Assessment | None) -> list[HistoryEntry]:
    """Oldest first. A missing post-edit (never edited) reads as the MT."""
    if assessment is None:
        return []
    rows = session.execute(
        sa.select(Revision, User.username)
        .join(User, User.id == Revision.user_id)
        .where(Revision.assessment_id == assessment.id)
        .order_by(Revision.version)
    ).all()
    mt = assessment.translation.text
    entries = []
    previous = mt
    for revision, username in rows:
        text = revision.post_edit if revision.post_edit is not None else mt
        entries.append(
            HistoryEntry(
                version=revision.version,
                username=username,
                created_at=revision.created_at,
                status=revision.status,
                post_edit=text,
                span_count=len(json.loads(revision.spans_json or "[]")),
                diff=word_diff(previous, text),
            )
        )
        previous = text
    return entries


def restore_revision(
    session: Session,
    assessment: Assessment,
    *,
    user: User,
    version: int,
    base_version: int,
    remote_addr: str | None = None,
) -> Revision:
    """Save revision `version`'s post-edit, status and spans as a new
    version; raises StaleVersionError when `base_version` is not current.
    The caller commits (and treats StaleDataError/IntegrityError on commit
    as a conflict too)."""
    revision = session.scalar(
        sa.select(Revision).where(
            Revision.assessment_id == assessment.id, Revision.version == version
        )
    )
    if revision is None:
        raise LookupError(f"assessment {assessment.id} has no version {version}")
    spans = [SpanData(**raw) for raw in json.loads(revision.spans_json or "[]")]
    save_assessment(
        session,
        assessment,
        user=user,
        base_version=base_version,
        post_edit=revision.post_edit,
        status=revision.status,
        spans=spans,
    )
    record(
        session,
        "restore",
        user,
        detail=f"assessment {assessment.id}: version {version} restored as {assessment.version}",
        remote_addr=remote_addr,
    )
    return revision


def _viewed_assessment(translation: Translation) -> Assessment | None:
    """The current user's own assessment; an admin may name anyone's."""
    asked = request.args.get("assessment", type=int)
    if asked is not None:
        if not is_admin(current_user):
            abort(403)
        assessment = db.get_or_404(Assessment, asked)
        if assessment.translation_id != translation.id:
            abort(404)
        return assessment
    if not can_annotate(db.session(), current_user, translation.id):
        abort(403)
    return find_assessment(db.session(), translation.id, current_user.id)


def _segment_url(translation: Translation) -> str:
    segment = translation.segment
    system: dict[str, Any] = {"system": translation.system} if len(segment.translations) > 1 else {}
    return url_for(
        "annotate.segment", doc_id=segment.document_id, position=segment.position, **system
    )


def _history_page(
    translation: Translation,
    assessment: Assessment | None,
    status: int = 200,
    conflict: str | None = None,
) -> ResponseReturnValue:
    entries = revision_entries(db.session(), assessment)
    own = assessment is None or assessment.annotator_id == current_user.id
    return (
        render_template(
            "annotate/history.html",
            translation=translation,
            segment=translation.segment,
            assessment=assessment,
            entries=list(reversed(entries)),
            can_restore=own and is_annotatable(translation.segment),
            segment_url=_segment_url(translation),
            conflict=conflict,
        ),
        status,
    )


@bp.app_template_global()
def history_entries(assessment: Assessment | None) -> list[HistoryEntry]:
    """For the editor's history panel, newest first."""
    return list(reversed(revision_entries(db.session(), assessment)))


@bp.get("/annotate/history/<int:translation_id>")
@login_required
def history(translation_id: int) -> ResponseReturnValue:
    translation = db.get_or_404(Translation, translation_id)
    return _history_page(translation, _viewed_assessment(translation))


@bp.get("/annotate/history/<int:translation_id>/panel")
@login_required
def history_panel(translation_id: int) -> ResponseReturnValue:
    """The editor's side panel alone, which history.js swaps in after a save."""
    translation = db.get_or_404(Translation, translation_id)
    if not can_annotate(db.session(), current_user, translation.id):
        abort(403)
    assessment = find_assessment(db.session(), translation.id, current_user.id)
    return render_template(
        "annotate/_history_panel.html", translation=translation, assessment=assessment
    )


@bp.post("/annotate/history/<int:translation_id>/restore")
@login_required
def restore(translation_id: int) -> ResponseReturnValue:
    translation = db.get_or_404(Translation, translation_id)
    if not can_annotate(db.session(), current_user, translation.id):
        abort(403)
    if not is_annotatable(translation.segment):
        abort(400, description="This segment is not offered for annotation.")
    version = request.form.get("version", type=int)
    base_version = request.form.get("base_version", type=int)
    if version is None or base_version is None:
        abort(400, description="A restore names the version to restore and the current version.")
    assessment = find_assessment(db.session(), translation.id, current_user.id)
    if assessment is None:
        abort(404)
    try:
        restore_revision(
            db.session(),
            assessment,
            user=current_user,
            version=version,
            base_version=base_version,
            remote_addr=request.remote_addr,
        )
        db.session.commit()
    except LookupError:
        db.session.rollback()
        abort(404)
    except ValidationError as exc:
        db.session.rollback()
        abort(400, description=f"Version {version} cannot be restored: {exc}")
    except (StaleVersionError, StaleDataError, IntegrityError):
        db.session.rollback()
        current = find_assessment(db.session(), translation.id, current_user.id)
        now = current.version if current is not None else 0
        message = (
            f"Not restored: this segment was saved meanwhile and is now at version {now}, "
            f"not {base_version}. Nothing was overwritten; review the history below "
            "and restore again if you still want to."
        )
        return _history_page(translation, current, status=409, conflict=message)
    flash(f"Restored version {version}; it is now version {assessment.version}.", "success")
    return redirect(_segment_url(translation))
