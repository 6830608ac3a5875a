"""marshmallow schemas of the API: what each endpoint returns and accepts.

They serve twice: flask-smorest dumps responses through them and writes
them into the OpenAPI document, which the schemathesis test checks the
responses against. The body of an assessment save is validated by the
editor's own `parse_save_request` (one set of rules for both); its schema
here documents that body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from marshmallow import Schema, fields, validate

from app.models import STATUSES
from app.mqm import SEVERITIES, SIDES

#: Largest id a path or cursor may name: the id columns are 32-bit integers.
MAX_ID: Final = 2**31 - 1
MAX_LIMIT: Final = 500
DEFAULT_LIMIT: Final = 100


class UtcDateTime(fields.DateTime):
    """Timestamps are stored as naive UTC; say so (RFC 3339 needs an offset)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | float | None:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(required=True, **kwargs)


class PageArgs(Schema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Return items with an id above this one (the `next` cursor)."},
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page, at most {MAX_LIMIT}."},
    )


class ExportArgs(Schema):
    format = fields.String(required=True, validate=validate.OneOf(["jsonl", "tsv", "wmt-mqm"]))


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "What went wrong."})
    code = fields.Integer(metadata={"description": "The HTTP status."})
    errors = fields.Dict(metadata={"description": "Messages per invalid field."})
    current = fields.Dict(metadata={"description": "409 on a save: the stored assessment."})


class CorpusSchema(Schema):
    id = _id()
    name = fields.String(required=True)
    source_lang = fields.String(required=True)
    target_lang = fields.String(required=True)
    description = fields.String(allow_none=True)
    script_normalisation = fields.String(required=True)
    created_at = UtcDateTime(required=True)


class DocumentSchema(Schema):
    id = _id()
    corpus_id = _id()
    name = fields.String(required=True)
    title = fields.String(allow_none=True)
    origin_url = fields.String(allow_none=True)
    position = fields.Integer(required=True)


class TranslationSchema(Schema):
    id = _id()
    segment_id = _id()
    system = fields.String(required=True)
    text = fields.String(required=True)


class TranslationDetailSchema(TranslationSchema):
    document_id = _id()
    corpus_id = _id()
    position = fields.Integer(required=True)
    kind = fields.String(required=True)
    annotatable = fields.Boolean(required=True)
    source = fields.String(allow_none=True)


class SegmentSchema(Schema):
    id = _id()
    document_id = _id()
    position = fields.Integer(required=True)
    paragraph = fields.Integer(required=True)
    kind = fields.String(required=True)
    annotatable = fields.Boolean(required=True)
    source = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    translations = fields.List(fields.Nested(TranslationSchema), required=True)


class SpanSchema(Schema):
    """An MQM error span: code-point offsets into the MT (target) or source."""

    start = fields.Integer(required=True, validate=validate.Range(min=0))
    end = fields.Integer(required=True, validate=validate.Range(min=0))
    category = fields.String(required=True, metadata={"example": "Accuracy/Mistranslation"})
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    side = fields.String(load_default="target", validate=validate.OneOf(SIDES))
    note = fields.String(allow_none=True)


class StoredSpanSchema(SpanSchema):
    id = _id()


class AssessmentSchema(Schema):
    id = _id()
    translation_id = _id()
    annotator_id = _id()
    annotator = fields.String(required=True, metadata={"description": "Username."})
    kind = fields.String(required=True, validate=validate.OneOf(["annotation", "gold"]))
    status = fields.String(required=True)
    post_edit = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    time_spent = fields.Float(required=True)
    keystrokes = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    spans = fields.List(fields.Nested(StoredSpanSchema), required=True)


class OwnAssessmentSchema(Schema):
    """The caller's assessment as the editor sees it; version 0 means none yet."""

    assessment_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, allow_none=True)
    post_edit = fields.String(required=True, allow_none=True)
    spans = fields.List(fields.Nested(SpanSchema), required=True)
    time_spent = fields.Float(required=True)


class SaveSchema(Schema):
    """Body of PUT /translations/{id}/assessment (as the editor's save)."""

    base_version = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The version the client read; 0 when there was none."},
    )
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    post_edit = fields.String(allow_none=True)
    spans = fields.List(
        fields.Nested(SpanSchema),
        allow_none=True,
        metadata={"description": "Replaces the stored spans; omit or null to keep them."},
    )
    time_spent = fields.Float(validate=validate.Range(min=0))
    keystrokes = fields.Integer(validate=validate.Range(min=0))
    client_key = fields.String(
        allow_none=True,
        validate=validate.Length(min=8, max=64),
        metadata={"description": "Idempotency key: a retry with the same key is not reapplied."},
    )


class RevisionSchema(Schema):
    id = _id()
    assessment_id = _id()
    version = fields.Integer(required=True)
    user_id = _id()
    post_edit = fields.String(allow_none=True)
    status = fields.String(required=True)
    spans = fields.List(fields.Nested(SpanSchema), required=True)
    client_key = fields.String(allow_none=True)
    created_at = UtcDateTime(required=True)


def _page(item: type[Schema], name: str) -> type[Schema]:
    """A page of a keyset-paginated list; `next` is the `after` of the next
    page, null on the last one."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": fields.Integer(required=True, allow_none=True),
        },
        name=name,
    )


CorpusPage = _page(CorpusSchema, "CorpusPage")
DocumentPage = _page(DocumentSchema, "DocumentPage")
SegmentPage = _page(SegmentSchema, "SegmentPage")
AssessmentPage = _page(AssessmentSchema, "AssessmentPage")
RevisionPage = _page(RevisionSchema, "RevisionPage")


class MetricSchema(Schema):
    score = fields.Float(required=True, allow_none=True)
    signature = fields.String(required=True, metadata={"description": "sacrebleu signature."})


class ErrorCountSchema(Schema):
    category = fields.String(required=True)
    severity = fields.String(required=True)
    count = fields.Integer(required=True)


class CorpusNameSchema(Schema):
    name = fields.String(required=True)
    source_lang = fields.String(required=True)
    target_lang = fields.String(required=True)


class SystemScoresSchema(Schema):
    name = fields.String(required=True)
    n_segments = fields.Integer(required=True)
    n_scored = fields.Integer(required=True)
    n_words = fields.Integer(required=True)
    metrics = fields.Dict(keys=fields.String(), values=fields.Nested(MetricSchema), required=True)
    mqm = fields.Float(required=True, allow_none=True)
    mqm_per_100_words = fields.Float(required=True, allow_none=True)


class ScoresSchema(Schema):
    """As `mtqa score --json`: pooled corpus scores, then per MT system."""

    corpus = fields.Nested(CorpusNameSchema, required=True)
    n_segments = fields.Integer(required=True)
    n_total = fields.Integer(required=True)
    n_scored = fields.Integer(required=True)
    n_words = fields.Integer(required=True)
    metrics = fields.Dict(keys=fields.String(), values=fields.Nested(MetricSchema), required=True)
    mqm = fields.Float(required=True, allow_none=True)
    mqm_per_100_words = fields.Float(required=True, allow_none=True)
    errors = fields.List(fields.Nested(ErrorCountSchema), required=True)
    systems = fields.List(fields.Nested(SystemScoresSchema), required=True)
