"""The endpoint the segment editor saves through.

Every save goes through `app.assessments.save_assessment`, so the version
check and the revision history apply here exactly as for the API and the
importer. A save based on an old version is refused with 409 and the stored
version, which the editor shows beside the annotator's text for merging.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.access import can_annotate
from app.annotate import bp
from app.annotate.queries import is_annotatable
from app.annotate.serialise import assessment_json
from app.assessments import (
    SpanData,
    StaleVersionError,
    ValidationError,
    already_applied,
    find_assessment,
    save_from_client,
)
from app.database import begin_writes, read_first_view
from app.extensions import db
from app.models import Assessment, Document, Segment, Translation

#: One save never reports more than a working day: anything larger is a
#: client clock gone wrong, and would distort the time statistics.
MAX_TIME_PER_SAVE = 8 * 3600.0
MAX_SPANS = 500


def json_error(status: int, message: str, **extra: Any) -> ResponseReturnValue:
    return jsonify(error=message, **extra), status


def json_login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
    """Like login_required, but answers 401 JSON instead of a redirect to an
    HTML login page, which a fetch() would silently follow."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return json_error(401, "not logged in (your session may have expired)")
        return view(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class SaveRequest:
    base_version: int
    post_edit: str | None
    status: str
    spans: list[SpanData] | None
    time_spent: float
    keystrokes: int
    client_key: str | None

    def save_fields(self) -> dict[str, Any]:
        """What `save_from_client` takes besides the base version."""
        return {
            "post_edit": self.post_edit,
            "status": self.status,
            "spans": self.spans,
            "time_spent": self.time_spent,
            "keystrokes": self.keystrokes,
            "client_key": self.client_key,
        }


def _int(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer")
    if value < minimum:
        raise ValidationError(f"{name} must be at least {minimum}")
    return value


def _optional_str(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string or null")
    return value


def _span(index: int, raw: object) -> SpanData:
    if not isinstance(raw, dict):
        raise ValidationError(f"span {index}: expected an object")
    for key in ("category", "severity"):
        if not isinstance(raw.get(key), str):
            raise ValidationError(f"span {index}: {key} must be a string")
    side = raw.get("side", "target")
    if not isinstance(side, str):
        raise ValidationError(f"span {index}: side must be a string")
    return SpanData(
        start=_int(raw.get("start"), f"span {index}: start"),
        end=_int(raw.get("end"), f"span {index}: end"),
        category=raw["category"],
        severity=raw["severity"],
        side=side,
        note=_optional_str(raw.get("note"), f"span {index}: note"),
    )


def parse_save_request(payload: object) -> SaveRequest:
    """Check the shape and types of the JSON body; the meaning (known status,
    category, offsets within the text) is checked by save_assessment."""
    if not isinstance(payload, dict):
        raise ValidationError("expected a JSON object")
    if "base_version" not in payload:
        raise ValidationError("base_version is required")
    if not isinstance(payload.get("status"), str):
        raise ValidationError("status must be a string")
    spans_raw = payload.get("spans")
    spans = None
    if spans_raw is not None:
        if not isinstance(spans_raw, list):
            raise ValidationError("spans must be a list")
        if len(spans_raw) > MAX_SPANS:
            raise ValidationError(f"at most {MAX_SPANS} spans per segment")
        spans = [_span(i, raw) for i, raw in enumerate(spans_raw)]
    time_spent = payload.get("time_spent", 0)
    if isinstance(time_spent, bool) or not isinstance(time_spent, int | float):
        raise ValidationError("time_spent must be a number of seconds")
    if not math.isfinite(time_spent) or time_spent < 0:
        raise ValidationError("time_spent must be a finite, non-negative number")
    client_key = payload.get("client_key")
    if client_key is not None and (
        not isinstance(client_key, str) or not 8 <= len(client_key) <= 64
    ):
        raise ValidationError("client_key must be a string of 8 to 64 characters")
    return SaveRequest(
        client_key=client_key,
        base_version=_int(payload["base_version"], "base_version"),
        post_edit=_optional_str(payload.get("post_edit"), "post_edit"),
        status=payload["status"],
        spans=spans,
        time_spent=min(float(time_spent), MAX_TIME_PER_SAVE),
        keystrokes=_int(payload.get("keystrokes", 0), "keystrokes"),
    )


def _applied_answer(assessment: Assessment, translation: Translation) -> ResponseReturnValue:
    """The answer to a save whose idempotency key is stored already: what
    is stored now, as the first answer (lost on the way) described it."""
    return jsonify(assessment_json(assessment, translation) | {"assessment_id": assessment.id})


def _conflict(translation: Translation, client_key: str | None) -> ResponseReturnValue:
    db.session.rollback()
    stored = find_assessment(db.session(), translation.id, current_user.id)
    if (
        client_key is not None
        and stored is not None
        and already_applied(db.session(), stored, client_key)
    ):
        # A retry that raced its own first attempt: that one was applied.
        return _applied_answer(stored, translation)
    current = assessment_json(stored, translation)
    return json_error(
        409,
        f"this segment was saved elsewhere (now at version {current['version']}); "
        "merge your changes into the saved text and save again",
        current=current,
    )


#: The translation and what the save reads of it later (the segment's text
#: and kind, the corpus's scoring configuration), in one statement built once.
_TRANSLATION = (
    sa.select(Translation)
    .where(Translation.id == sa.bindparam("translation_id"))
    .options(
        joinedload(Translation.segment).joinedload(Segment.document).joinedload(Document.corpus)
    )
)


@bp.post("/annotate/api/assessments/<int:translation_id>")
@read_first_view
@json_login_required
def save(translation_id: int) -> ResponseReturnValue:
    translation = db.session.scalar(_TRANSLATION, {"translation_id": translation_id})
    if translation is None:
        return json_error(404, f"no translation {translation_id}")
    if not can_annotate(db.session(), current_user, translation.id):
        return json_error(403, f"translation {translation_id} is not assigned to you")
    segment = translation.segment
    if not is_annotatable(segment):
        return json_error(
            400, f"segment {segment.position} is {segment.kind} text, not offered for annotation"
        )
    try:
        data = parse_save_request(request.get_json(silent=True))
    except ValidationError as exc:
        return json_error(400, str(exc))

    # Read before the write lock, which is then held for the writes only;
    # the UPDATE's version check catches a save that overtook this read.
    existing = find_assessment(db.session(), translation.id, current_user.id)
    if (
        data.client_key is not None
        and existing is not None
        and already_applied(db.session(), existing, data.client_key)
    ):
        return _applied_answer(existing, translation)
    begin_writes(db.session())
    try:
        assessment = save_from_client(
            db.session(),
            translation,
            current_user,
            base_version=data.base_version,
            existing=existing,
            key_checked=True,
            **data.save_fields(),
        )
        # Built before the commit: afterwards the row is reloaded and may
        # already hold a concurrent save, which the answer must not describe.
        answer = assessment_json(assessment, translation) | {"assessment_id": assessment.id}
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return json_error(400, str(exc))
    except (StaleVersionError, StaleDataError, IntegrityError):
        # IntegrityError: a concurrent first save created the assessment
        # between our lookup and our insert.
        return _conflict(translation, data.client_key)
    return jsonify(answer)
