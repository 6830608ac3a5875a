"""A segment's history page, the editor's history panel, and restoring an
old version as a new save."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Assessment, AuditEvent, Document, ErrorSpan, Revision, Translation, User
from tests.conftest import make_user
from tests.test_annotate import build_document, save, textarea, translation_at

MT = "He founded Human Jiuhua."
SCRIPT = "<script>alert('x')</script>"
SPAN = {"start": 11, "end": 23, "category": "Accuracy/Mistranslation", "severity": "Major"}


@pytest.fixture
def logged_in(client: FlaskClient, annotator: User, auth) -> FlaskClient:
    auth.login()
    return client


@pytest.fixture
def doc(app: Flask, annotator: User) -> Document:
    return build_document([("title", "A title", None), ("body", MT, "他创办了人间酒话。")])


@pytest.fixture
def translation(doc: Document) -> Translation:
    return translation_at(doc, 2)


def three_saves(client: FlaskClient, translation: Translation) -> None:
    """Versions 2, 3, 4: a span, a post-edit, then a finished edit."""
    status, body = save(client, translation.id, spans=[SPAN])
    assert status == 200
    status, body = save(
        client,
        translation.id,
        base_version=body["version"],
        post_edit="He founded Human Jiuhua bar.",
        status="draft",
    )
    assert status == 200
    status, body = save(
        client,
        translation.id,
        base_version=body["version"],
        post_edit="She founded the Human Jiuhua bar.",
        status="done",
        spans=[],
    )
    assert status == 200 and body["version"] == 4


def revisions(translation: Translation, user: User) -> list[Revision]:
    return list(
        db.session.scalars(
            sa.select(Revision)
            .join(Assessment)
            .where(Assessment.translation_id == translation.id, Assessment.annotator_id == user.id)
            .order_by(Revision.version)
        )
    )


def test_history_lists_revisions_newest_first_with_word_diffs(
    logged_in: FlaskClient, translation: Translation
) -> None:
    three_saves(logged_in, translation)
    response = logged_in.get(f"/annotate/history/{translation.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    versions = [int(v) for v in re.findall(r'class="card history-revision" id="v(\d+)"', page)]
    assert versions == [4, 3, 2]
    assert page.count(">ann<") >= 3
    # Version 4 against 3: "He" -> "She", "the " inserted.
    v4 = page[page.index('id="v4"') : page.index('id="v3"')]
    assert "<del>He</del><ins>She</ins> founded<ins> the</ins> Human Jiuhua bar." in v4
    assert "Changes against version 3" in v4 and "0 errors" in v4
    v3 = page[page.index('id="v3"') : page.index('id="v2"')]
    assert "Human Jiuhua<ins> bar</ins>." in v3
    # The first revision is compared with the MT: unchanged text, one span.
    v2 = page[page.index('id="v2"') :]
    assert "Changes against the MT" in v2 and "1 error<" in v2
    assert f'<p class="history-diff">{MT}</p>' in v2
    # Old versions can be restored; the current one offers nothing.
    assert 'value="2"' in v2 and "Restore version 2" in v2
    assert "Restore version 4" not in page


def test_history_escapes_user_text(logged_in: FlaskClient, translation: Translation) -> None:
    status, _ = save(logged_in, translation.id, post_edit=SCRIPT)
    assert status == 200
    page = logged_in.get(f"/annotate/history/{translation.id}").get_data(as_text=True)
    assert SCRIPT not in page
    assert "<ins>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</ins>" in page


def test_history_without_saves(logged_in: FlaskClient, translation: Translation) -> None:
    page = logged_in.get(f"/annotate/history/{translation.id}").get_data(as_text=True)
    assert "No saves yet." in page
    assert MT in page


def test_history_is_each_annotators_own(client: FlaskClient, auth, annotator: User) -> None:
    other = make_user("other")
    make_user("boss", role="admin")
    doc = build_document([("title", "A title", None), ("body", MT, None)])
    translation = translation_at(doc, 2)
    make_user("outsider")  # not assigned to the document
    auth.login("other")
    status, _ = save(client, translation.id, post_edit="Other's private text.")
    assert status == 200
    auth.logout()

    auth.login("ann")
    page = client.get(f"/annotate/history/{translation.id}").get_data(as_text=True)
    assert "No saves yet." in page and "private" not in page
    theirs = db.session.scalar(sa.select(Assessment).where(Assessment.annotator_id == other.id))
    assert theirs is not None
    asked = f"/annotate/history/{translation.id}?assessment={theirs.id}"
    assert client.get(asked).status_code == 403
    auth.logout()

    auth.login("outsider")
    assert client.get(f"/annotate/history/{translation.id}").status_code == 403
    assert client.get(f"/annotate/history/{translation.id}/panel").status_code == 403
    auth.logout()

    auth.login("boss")
    page = client.get(asked).get_data(as_text=True)
    assert "private" in page and '<strong class="history-owner">other</strong>' in page
    # An admin reads other people's history but restores only their own.
    assert "Restore version" not in page
    title = translation_at(doc, 1)
    assert client.get(f"/annotate/history/{title.id}?assessment={theirs.id}").status_code == 404
    assert client.get(f"/annotate/history/{translation.id}?assessment=999999").status_code == 404


def test_not_logged_in_is_sent_to_login(client: FlaskClient, translation: Translation) -> None:
    response = client.get(f"/annotate/history/{translation.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_restore_is_a_new_revision_and_lands_on_the_segment(
    logged_in: FlaskClient, annotator: User, doc: Document, translation: Translation
) -> None:
    three_saves(logged_in, translation)
    response = logged_in.post(
        f"/annotate/history/{translation.id}/restore", data={"version": 2, "base_version": 4}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/annotate/{doc.id}/2"

    stored = revisions(translation, annotator)
    assert [r.version for r in stored] == [2, 3, 4, 5]
    restored, original = stored[-1], stored[0]
    assert (restored.post_edit, restored.status) == (original.post_edit, original.status)
    assert restored.spans_json == original.spans_json
    assert restored.user_id == annotator.id
    assessment = db.session.get(Assessment, restored.assessment_id)
    db.session.refresh(assessment)
    assert assessment.version == 5 and assessment.status == "draft"
    spans = db.session.scalars(sa.select(ErrorSpan).where(ErrorSpan.assessment_id == assessment.id))
    assert [(s.start, s.end, s.severity) for s in spans] == [(11, 23, "Major")]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "restore"))
    assert event is not None and event.user_id == annotator.id
    assert "version 2 restored as 5" in event.detail

    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Restored version 2; it is now version 5." in page
    assert textarea(page) == MT
    history = logged_in.get(f"/annotate/history/{translation.id}").get_data(as_text=True)
    assert re.findall(r'id="v(\d+)"', history)[:1] == ["5"]


def test_stale_restore_is_refused_and_overwrites_nothing(
    logged_in: FlaskClient, annotator: User, translation: Translation
) -> None:
    three_saves(logged_in, translation)
    # The page was loaded at version 3; version 4 was saved since.
    response = logged_in.post(
        f"/annotate/history/{translation.id}/restore", data={"version": 2, "base_version": 3}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "now at version 4, not 3" in page and "Nothing was overwritten" in page
    assert '<strong id="current-version">4</strong>' in page
    assert [r.version for r in revisions(translation, annotator)] == [2, 3, 4]
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "restore")) is None


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"version": 9, "base_version": 4}, 404),
        ({"version": 2}, 400),
        ({"version": "two", "base_version": 4}, 400),
    ],
)
def test_bad_restores(
    logged_in: FlaskClient, translation: Translation, data: dict, status: int
) -> None:
    three_saves(logged_in, translation)
    response = logged_in.post(f"/annotate/history/{translation.id}/restore", data=data)
    assert response.status_code == status


def test_restore_without_an_assessment_or_assignment(
    client: FlaskClient, auth, annotator: User, translation: Translation
) -> None:
    make_user("outsider")
    auth.login()
    url = f"/annotate/history/{translation.id}/restore"
    assert client.post(url, data={"version": 2, "base_version": 1}).status_code == 404
    auth.logout()
    auth.login("outsider")
    assert client.post(url, data={"version": 2, "base_version": 1}).status_code == 403


def test_restore_needs_the_csrf_token(
    app: Flask, logged_in: FlaskClient, annotator: User, translation: Translation
) -> None:
    three_saves(logged_in, translation)
    app.config["WTF_CSRF_ENABLED"] = True
    response = logged_in.post(
        f"/annotate/history/{translation.id}/restore", data={"version": 2, "base_version": 4}
    )
    assert response.status_code == 400
    assert len(revisions(translation, annotator)) == 3


def test_editor_shows_the_history_panel(logged_in: FlaskClient, doc: Document) -> None:
    translation = translation_at(doc, 2)
    page = logged_in.get(f"/annotate/{doc.id}/2").get_data(as_text=True)
    assert 'id="history-panel"' in page and "Not saved yet." in page
    assert f'href="/annotate/history/{translation.id}">View history</a>' in page
    assert "/static/js/history.js" in page and "/static/css/history.css" in page

    three_saves(logged_in, translation)
    panel = logged_in.get(f"/annotate/history/{translation.id}/panel").get_data(as_text=True)
    assert panel.lstrip().startswith("<section") and "<html" not in panel
    assert re.findall(r'data-version="(\d+)"', panel) == ["4", "3", "2"]
    assert "Done" in panel and "ann" in panel
