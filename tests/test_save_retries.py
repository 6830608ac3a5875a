"""The editor's save endpoint and its idempotency key (client_key).

The endpoint reads the annotator's assessment and checks the key before it
takes the write lock, so a retry whose first attempt is committed between
that read and the write reaches the write with a stale version: it must
still be answered as the save it repeats (200, the stored version), not as
a conflict, and stored once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.annotate import api as editor_api
from app.assessments import find_assessment, save_from_client
from app.extensions import db
from app.models import Document, Revision, User
from tests.test_annotate import build_document, save, translation_at

SPAN = {"start": 0, "end": 4, "category": "Accuracy/Mistranslation", "severity": "Major"}


@pytest.fixture
def doc(app: Flask, annotator: User) -> Document:
    return build_document([("body", "Wang Cola resigned from Kuaishou.", None)])


@pytest.fixture
def logged_in(client: FlaskClient, annotator: User, auth) -> FlaskClient:
    auth.login()
    return client


def revisions(translation_id: int, user: User) -> list[Revision]:
    assessment = find_assessment(db.session, translation_id, user.id)
    assert assessment is not None
    return list(
        db.session.scalars(
            sa.select(Revision).where(Revision.assessment_id == assessment.id).order_by(Revision.id)
        )
    )


def test_a_retry_is_answered_with_the_stored_save(
    logged_in: FlaskClient, doc: Document, annotator: User
) -> None:
    translation = translation_at(doc, 1)
    first = {"post_edit": "Wang Kele resigned.", "spans": [SPAN], "client_key": "key-00000001"}
    status, body = save(logged_in, translation.id, **first)
    assert status == 200
    status, again = save(logged_in, translation.id, **first)
    assert status == 200
    assert again == body
    assert [r.client_key for r in revisions(translation.id, annotator)] == ["key-00000001"]


def test_a_retry_racing_its_first_attempt_is_not_a_conflict(
    logged_in: FlaskClient,
    doc: Document,
    annotator: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first attempt commits after the retry read the assessment and
    before it writes: the retry's version is stale by then."""
    translation = translation_at(doc, 1)
    status, opened = save(logged_in, translation.id, post_edit="Draft.")
    assert status == 200
    fields = {"post_edit": "Wang Kele resigned.", "status": "done", "spans": [SPAN]}
    key = "key-00000002"
    real_begin_writes = editor_api.begin_writes

    def first_attempt_commits_meanwhile(session) -> None:
        real_begin_writes(session)
        monkeypatch.setattr(editor_api, "begin_writes", real_begin_writes)
        first = editor_api.parse_save_request(
            {"base_version": opened["version"], "client_key": key, **fields}
        )
        save_from_client(
            db.session,
            translation,
            annotator,
            base_version=first.base_version,
            **first.save_fields(),
        )
        db.session.commit()

    monkeypatch.setattr(editor_api, "begin_writes", first_attempt_commits_meanwhile)
    status, body = save(
        logged_in, translation.id, base_version=opened["version"], client_key=key, **fields
    )
    assert status == 200, body
    assert body["version"] == opened["version"] + 1
    assert body["post_edit"] == "Wang Kele resigned."
    stored = revisions(translation.id, annotator)
    assert [r.client_key for r in stored].count(key) == 1
    assert len(stored) == 2


def test_a_stale_save_with_a_new_key_is_still_a_conflict(
    logged_in: FlaskClient, doc: Document
) -> None:
    translation = translation_at(doc, 1)
    status, opened = save(logged_in, translation.id, post_edit="One.", client_key="key-00000003")
    assert status == 200
    status, _ = save(
        logged_in,
        translation.id,
        base_version=opened["version"],
        post_edit="Two.",
        client_key="key-00000004",
    )
    assert status == 200
    status, body = save(
        logged_in,
        translation.id,
        base_version=opened["version"],
        post_edit="Three, from a stale page.",
        client_key="key-00000005",
    )
    assert status == 409
    assert body["current"]["post_edit"] == "Two."
