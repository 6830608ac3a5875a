"""Read-only views of what gets annotated: corpora, documents, segments
(with their translations) and single translations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, TypeVar

import sqlalchemy as sa

from app.api import content as blp
from app.api.auth import api_user
from app.api.errors import api_abort, documented_errors
from app.api.queries import (
    Page,
    keyset_page,
    readable_corpora,
    readable_documents,
    readable_segments,
    readable_translations,
)
from app.api.schemas import (
    MAX_ID,
    CorpusPage,
    CorpusSchema,
    DocumentPage,
    DocumentSchema,
    PageArgs,
    SegmentPage,
    SegmentSchema,
    TranslationDetailSchema,
)
from app.extensions import db
from app.models import Corpus, Document, Segment, Translation
from app.models.base import Base

M = TypeVar("M", bound=Base)

#: Every API operation can answer these; documented on each.
COMMON_ERRORS = (401, 404)


def load_or_404(model: type[M], object_id: int, readable: sa.ColumnElement[bool]) -> M:
    """The object if it exists AND the caller may read it; 404 either way
    otherwise. Ids beyond the column's range exist nowhere."""
    found = None
    if 0 < object_id <= MAX_ID:
        found = db.session.scalar(
            sa.select(model).where(model.id == object_id, readable)  # type: ignore[attr-defined,arg-type]
        )
    if found is None:
        raise api_abort(404, f"no {model.__tablename__} {object_id}")
    return found


@blp.get("/corpora")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, CorpusPage)
@documented_errors(blp, 401)
def list_corpora(after: int, limit: int) -> Page[Corpus]:
    """Corpora the caller can read, by id."""
    stmt = sa.select(Corpus).where(readable_corpora(api_user()))
    return keyset_page(db.session(), stmt, Corpus.id, after=after, limit=limit)


@blp.get("/corpora/<int:corpus_id>")
@blp.response(200, CorpusSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_corpus(corpus_id: int) -> Corpus:
    """One corpus."""
    return load_or_404(Corpus, corpus_id, readable_corpora(api_user()))


@blp.get("/corpora/<int:corpus_id>/documents")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, DocumentPage)
@documented_errors(blp, *COMMON_ERRORS)
def list_documents(corpus_id: int, after: int, limit: int) -> Page[Document]:
    """Documents of a corpus that the caller can read, by id."""
    user = api_user()
    corpus = load_or_404(Corpus, corpus_id, readable_corpora(user))
    stmt = sa.select(Document).where(Document.corpus_id == corpus.id, readable_documents(user))
    return keyset_page(db.session(), stmt, Document.id, after=after, limit=limit)


@blp.get("/documents/<int:document_id>")
@blp.response(200, DocumentSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_document(document_id: int) -> Document:
    """One document."""
    return load_or_404(Document, document_id, readable_documents(api_user()))


def _segment_dicts(segments: list[Segment]) -> list[dict[str, Any]]:
    """Segments with the translations the caller can read, in one query."""
    by_segment: dict[int, list[Translation]] = defaultdict(list)
    if segments:
        translations = db.session.scalars(
            sa.select(Translation)
            .where(
                Translation.segment_id.in_([s.id for s in segments]),
                readable_translations(api_user()),
            )
            .order_by(Translation.segment_id, Translation.system)
        )
        for translation in translations:
            by_segment[translation.segment_id].append(translation)
    return [
        {
            "id": s.id,
            "document_id": s.document_id,
            "position": s.position,
            "paragraph": s.paragraph,
            "kind": s.kind,
            "annotatable": s.annotatable,
            "source": s.source,
            "external_id": s.external_id,
            "translations": by_segment[s.id],
        }
        for s in segments
    ]


@blp.get("/documents/<int:document_id>/segments")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, SegmentPage)
@documented_errors(blp, *COMMON_ERRORS)
def list_segments(document_id: int, after: int, limit: int) -> Page[dict[str, Any]]:
    """Segments of a document, with translations.

    By segment id (ids follow positions within an import); each segment
    carries the translations the caller can read.
    """
    user = api_user()
    document = load_or_404(Document, document_id, readable_documents(user))
    stmt = sa.select(Segment).where(Segment.document_id == document.id, readable_segments(user))
    page = keyset_page(db.session(), stmt, Segment.id, after=after, limit=limit)
    return Page(_segment_dicts(list(page.items)), page.next)


@blp.get("/segments/<int:segment_id>")
@blp.response(200, SegmentSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_segment(segment_id: int) -> dict[str, Any]:
    """One segment, with the translations the caller can read."""
    segment = load_or_404(Segment, segment_id, readable_segments(api_user()))
    return _segment_dicts([segment])[0]


def translation_detail(translation: Translation) -> dict[str, Any]:
    segment = translation.segment
    return {
        "id": translation.id,
        "segment_id": segment.id,
        "system": translation.system,
        "text": translation.text,
        "document_id": segment.document_id,
        "corpus_id": segment.document.corpus_id,
        "position": segment.position,
        "kind": segment.kind,
        "annotatable": segment.annotatable,
        "source": segment.source,
    }


@blp.get("/translations/<int:translation_id>")
@blp.response(200, TranslationDetailSchema)
@documented_errors(blp, *COMMON_ERRORS)
def get_translation(translation_id: int) -> dict[str, Any]:
    """One translation, with its segment's source and place."""
    translation = load_or_404(Translation, translation_id, readable_translations(api_user()))
    return translation_detail(translation)
