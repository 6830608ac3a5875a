"""Assessments over the API: reading them (all of them for researchers and
admins, their own for annotators) and saving the caller's own.

A save goes through the editor's request parser and `save_assessment`,
so the API and the browser apply the same rules: the version check (409
with the stored assessment on a stale base_version), the idempotency key,
the revision history and the score refresh.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.access import ADMIN, ANNOTATOR, can_annotate
from app.annotate.api import parse_save_request
from app.annotate.queries import is_annotatable
from app.annotate.serialise import assessment_json
from app.api import work as blp
from app.api.auth import api_user
from app.api.corpora import COMMON_ERRORS, load_or_404
from app.api.errors import api_abort, documented_errors
from app.api.queries import Page, keyset_page, readable_assessments, readable_translations
from app.api.schemas import (
    AssessmentPage,
    AssessmentSchema,
    OwnAssessmentSchema,
    PageArgs,
    RevisionPage,
    SaveSchema,
    StoredSpanSchema,
)
from app.assessments import (
    StaleVersionError,
    ValidationError,
    find_assessment,
    save_from_client,
)
from app.extensions import db
from app.models import Assessment, Revision, Translation, User


def assessment_dict(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.id,
        "translation_id": assessment.translation_id,
        "annotator_id": assessment.annotator_id,
        "annotator": assessment.annotator.username,
        "kind": assessment.kind,
        "status": assessment.status,
        "post_edit": assessment.post_edit,
        "version": assessment.version,
        "time_spent": assessment.time_spent,
        "keystrokes": assessment.keystrokes,
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "spans": assessment.spans,
    }


def own_assessment(translation: Translation, user: User) -> dict[str, Any]:
    assessment = find_assessment(db.session(), translation.id, user.id)
    body = assessment_json(assessment, translation)
    return body | {"assessment_id": assessment.id if assessment is not None else None}


@blp.get("/translations/<int:translation_id>/assessments")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, AssessmentPage)
@documented_errors(blp, *COMMON_ERRORS)
def list_assessments(translation_id: int, after: int, limit: int) -> Page[dict[str, Any]]:
    """Assessments of a translation.

    By id, gold ones included: every annotator's for researchers and
    admins, the caller's own for annotators.
    """
    user = api_user()
    translation = load_or_404(Translation, translation_id, readable_translations(user))
    stmt = (
        sa.select(Assessment)
        .where(Assessment.translation_id == translation.id, readable_assessments(user))
        .options(selectinload(Assessment.spans), selectinload(Assessment.annotator))
    )
    page = keyset_page(db.session(), stmt, Assessment.id, after=after, limit=limit)
    return Page([assessment_dict(a) for a in page.items], page.next)


@blp.get("/translations/<int:translation_id>/assessment")
@blp.response(200, OwnAssessmentSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_own_assessment(translation_id: int) -> dict[str, Any]:
    """The caller's own assessment.

    Version 0 (and the MT as post_edit) when they have none yet.
    """
    user = api_user()
    translation = load_or_404(Translation, translation_id, readable_translations(user))
    return own_assessment(translation, user)


@blp.put("/translations/<int:translation_id>/assessment")
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": SaveSchema}}})
@blp.response(200, OwnAssessmentSchema)
@documented_errors(blp, 400, 403, 409, 413, 422, *COMMON_ERRORS)
def put_own_assessment(translation_id: int) -> dict[str, Any]:
    """Save the caller's own assessment.

    As the editor saves. `base_version` is
    the version read (0 for none yet); a stale one is refused with 409 and
    the stored assessment in `current`. A retry with the same `client_key`
    returns the stored assessment without saving twice. Malformed body:
    400; well-formed but unacceptable (unknown status or category, offsets
    outside the text, a segment not offered for annotation): 422."""
    user = api_user()
    if user.role not in (ADMIN, ANNOTATOR):
        raise api_abort(403, f"a {user.role} account reads results and annotates nothing")
    translation = load_or_404(Translation, translation_id, readable_translations(user))
    if not can_annotate(db.session(), user, translation.id):
        raise api_abort(403, f"translation {translation_id} is not assigned to you")
    if not is_annotatable(translation.segment):
        raise api_abort(
            422, f"this segment is {translation.segment.kind} text, not offered for annotation"
        )
    try:
        data = parse_save_request(request.get_json(silent=True))
    except ValidationError as exc:
        raise api_abort(400, str(exc)) from exc

    try:
        save_from_client(
            db.session(),
            translation,
            user,
            base_version=data.base_version,
            **data.save_fields(),
        )
        # Read before the commit, which re-reads the row (see save_from_client).
        answer = own_assessment(translation, user)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        raise api_abort(422, str(exc)) from exc
    except (StaleVersionError, StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        current = own_assessment(translation, user)
        raise api_abort(
            409,
            f"this assessment was saved elsewhere (now at version {current['version']}); "
            "merge your changes into `current` and save again with its version",
            current=OwnAssessmentSchema().dump(current),
        ) from exc
    return answer


@blp.get("/assessments/<int:assessment_id>")
@blp.response(200, AssessmentSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_assessment(assessment_id: int) -> dict[str, Any]:
    """One assessment, with its error spans and version."""
    assessment = load_or_404(Assessment, assessment_id, readable_assessments(api_user()))
    return assessment_dict(assessment)


@blp.get("/assessments/<int:assessment_id>/revisions")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, RevisionPage)
@documented_errors(blp, *COMMON_ERRORS)
def list_revisions(assessment_id: int, after: int, limit: int) -> Page[dict[str, Any]]:
    """Revisions of an assessment: every accepted save, oldest first."""
    assessment = load_or_404(Assessment, assessment_id, readable_assessments(api_user()))
    stmt = sa.select(Revision).where(Revision.assessment_id == assessment.id)
    page = keyset_page(db.session(), stmt, Revision.id, after=after, limit=limit)
    items = [
        {
            "id": r.id,
            "assessment_id": r.assessment_id,
            "version": r.version,
            "user_id": r.user_id,
            "post_edit": r.post_edit,
            "status": r.status,
            "spans": json.loads(r.spans_json or "[]"),
            "client_key": r.client_key,
            "created_at": r.created_at,
        }
        for r in page.items
    ]
    return Page(items, page.next)


@blp.get("/assessments/<int:assessment_id>/spans")
@blp.response(200, StoredSpanSchema(many=True))
@documented_errors(blp, *COMMON_ERRORS)
def list_spans(assessment_id: int) -> list[Any]:
    """Error spans of an assessment (at most 500, so not paginated)."""
    assessment = load_or_404(Assessment, assessment_id, readable_assessments(api_user()))
    return list(assessment.spans)
