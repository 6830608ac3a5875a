"""`mtqa corpus delete`: everything below the corpus goes, in one
transaction, with an audit record; other corpora are untouched."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.extensions import db
from app.glossary import add_term
from app.models import (
    Assessment,
    Assignment,
    AuditEvent,
    Campaign,
    Corpus,
    Document,
    ErrorSpan,
    GlossaryTerm,
    Revision,
    Segment,
    Translation,
    User,
)
from tests.test_annotate import build_document, translation_at


def annotate(document: Document, user: User) -> None:
    translation = translation_at(document, 1)
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit="Wang Kele resigned.",
        status="done",
        spans=[SpanData(0, 9, "Accuracy/Mistranslation", "Major")],
    )
    db.session.commit()


def counts(corpus_name: str) -> dict[str, int]:
    in_corpus = (
        sa.select(Translation.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .join(Corpus, Document.corpus_id == Corpus.id)
        .where(Corpus.name == corpus_name)
    )
    assessments = sa.select(Assessment.id).where(Assessment.translation_id.in_(in_corpus))

    def count(stmt: sa.Select) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0

    return {
        "translations": count(in_corpus),
        "assessments": count(assessments),
        "revisions": count(sa.select(Revision.id).where(Revision.assessment_id.in_(assessments))),
        "spans": count(sa.select(ErrorSpan.id).where(ErrorSpan.assessment_id.in_(assessments))),
        "assignments": count(
            sa.select(Assignment.id).where(Assignment.translation_id.in_(in_corpus))
        ),
        "campaigns": count(sa.select(Campaign.id).join(Corpus).where(Corpus.name == corpus_name)),
        "glossary": count(
            sa.select(GlossaryTerm.id).join(Corpus).where(Corpus.name == corpus_name)
        ),
    }


def test_delete_removes_the_corpus_and_all_below_it(
    app: Flask, runner: FlaskCliRunner, annotator: User
) -> None:
    kept_doc = build_document([("body", "Wang Cola resigned.", None)], corpus_name="kept")
    gone_doc = build_document([("body", "Wang Cola resigned.", None)], corpus_name="gone")
    for document in (kept_doc, gone_doc):
        annotate(document, annotator)
        add_term(db.session, document.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    before = counts("kept")
    assert counts("gone") == before and all(before.values())

    refused = runner.invoke(args=["corpus", "delete", "gone"], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert counts("gone") == before

    result = runner.invoke(args=["corpus", "delete", "gone", "--yes"])
    assert result.exit_code == 0, result.output
    assert "deleted corpus 'gone': 1 document(s), 1 segment(s), 1 assessment(s)" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Corpus).where(Corpus.name == "gone")) is None
    assert set(counts("gone").values()) == {0}
    assert counts("kept") == before
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == "delete")).one()
    assert "corpus 'gone'" in event.detail


def test_unknown_corpus_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["corpus", "delete", "nothing", "--yes"])
    assert result.exit_code == 1
    assert "no corpus named 'nothing'" in result.output
