"""The document list, the segment editor page and its save endpoint."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    Assessment,
    Assignment,
    Campaign,
    Corpus,
    Document,
    Revision,
    Segment,
    Translation,
    User,
)
from tests.conftest import assign, make_user

SCRIPT = "<script>alert('x')</script>"


def build_document(
    rows: Sequence[tuple[str, str | dict[str, str], str | None]],
    *,
    corpus_name: str = "news",
    name: str = "doc-1",
    title: str | None = "A document",
) -> Document:
    """rows: (kind, MT text or {system: text}, source) per segment, in order."""
    corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == corpus_name))
    if corpus is None:
        corpus = Corpus(name=corpus_name, source_lang="zh", target_lang="en")
        db.session.add(corpus)
    document = Document(corpus=corpus, name=name, title=title)
    db.session.add(document)
    for position, (kind, mt, source) in enumerate(rows, start=1):
        segment = Segment(
            document=document,
            position=position,
            kind=kind,
            source=source,
            annotatable=kind in ("title", "heading", "body"),
        )
        systems = mt if isinstance(mt, dict) else {"mt": mt}
        for system, text in systems.items():
            segment.translations.append(Translation(system=system, text=text))
        db.session.add(segment)
    db.session.commit()
    # Annotators open only assigned work: give this document to every
    # annotator there is, as a campaign would.
    translations = db.session.scalars(
        sa.select(Translation.id)
        .join(Segment)
        .where(Segment.document_id == document.id, Segment.annotatable.is_(True))
    ).all()
    campaign = Campaign(name=f"{corpus_name}/{name}", corpus_id=document.corpus_id)
    db.session.add(campaign)
    db.session.flush()
    for user in db.session.scalars(sa.select(User).where(User.role == "annotator")):
        db.session.add_all(
            Assignment(campaign_id=campaign.id, translation_id=t, annotator_id=user.id)
            for t in translations
        )
    db.session.commit()
    return document


def translation_at(document: Document, position: int, system: str = "mt") -> Translation:
    translation = db.session.scalar(
        sa.select(Translation)
        .join(Segment)
        .where(
            Segment.document_id == document.id,
            Segment.position == position,
            Translation.system == system,
        )
    )
    assert translation is not None
    return translation


def editor_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="editor-data">(.*?)</script>', page, re.S
    )
    assert match, "the page has no editor data block"
    return json.loads(match.group(1))


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="post-edit"[^>]*>(.*?)</textarea>', page, re.S)
    assert match
    return html.unescape(match.group(1))


@pytest.fixture
def logged_in(client: FlaskClient, annotator: User, auth) -> FlaskClient:
    auth.login()
    return client


@pytest.fixture
def doc(app: Flask, annotator: User) -> Document:
    return build_document(
        [
            ("title", "Former Internet employees", None),
            ("meta", "Original link: https://example.com/1", None),
            ("body", "Wang Cola resigned from Kuaishou.", None),
            ("body", "He founded Human Jiuhua.", "他创办了人间酒话。"),
            ("boilerplate", "Share this article", None),
        ]
    )


def save(client: FlaskClient, translation_id: int, **fields) -> tuple[int, dict]:
    payload = {"base_version": 0, "post_edit": None, "status": "draft", "spans": []} | fields
    response = client.post(f"/annotate/api/assessments/{translation_id}", json=payload)
    return response.status_code, response.get_json()


# ---- document list -------------------------------------------------------------


def test_document_list_shows_progress_of_current_user(
    logged_in: FlaskClient, doc: Document, annotator: User
) -> None:
    other = make_user("other")
    first, third, fourth = (translation_at(doc, p) for p in (1, 3, 4))
    db.session.add_all(
        [
            Assessment(translation=first, annotator=annotator, status="done"),
            Assessment(translation=third, annotator=annotator, status="draft"),
            # Another annotator's work does not count towards this user's progress.
            Assessment(translation=fourth, annotator=other, status="done"),
        ]
    )
    db.session.commit()
    page = logged_in.get("/").get_data(as_text=True)
    assert "A document" in page and "news" in page
    # 3 annotatable segments (title + 2 body); meta and boilerplate excluded.
    assert "1 / 3" in page
    assert '<progress class="progress" value="1" max="3"' in page
    assert "33%" in page
    assert "1 draft" in page
    # "Continue" goes to the first segment this user has not finished.
    assert f'href="/annotate/{doc.id}/3"' in page


def test_finished_document_offers_review(logged_in: FlaskClient, annotator: User) -> None:
    document = build_document([("meta", "by-line", None), ("body", "Only one.", None)])
    db.session.add(
        Assessment(translation=translation_at(document, 2), annotator=annotator, status="no_errors")
    )
    db.session.commit()
    page = logged_in.get("/").get_data(as_text=True)
    assert "1 / 1" in page and "Complete" in page
    assert f'href="/annotate/{document.id}/2"' in page


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_document_list_query_count_does_not_grow_with_documents(
    logged_in: FlaskClient, app: Flask
) -> None:
    build_document([("body", "One.", None)], name="d1")
    with count_queries() as few:
        assert logged_in.get("/").status_code == 200
    for i in range(2, 8):
        build_document(
            [("body", "One.", None), ("body", "Two.", None)], name=f"d{i}", corpus_name=f"c{i % 3}"
        )
    with count_queries() as many:
        page = logged_in.get("/").get_data(as_text=True)
    assert page.count('class="doc-row"') == 7
    assert len(many) == len(few)


def test_document_list_pages_by_keyset(
    logged_in: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.annotate import queries

    monkeypatch.setattr(queries, "DOCUMENTS_PER_PAGE", 3)
    names = [f"d{i}" for i in range(7)]
    for i, name in enumerate(names):
        build_document([("body", "One.", None)], name=name, corpus_name=f"c{i % 2}")
    # A document with nothing assigned to this annotator is never listed.
    db.session.add(Document(corpus_id=1, name="not-mine"))
    db.session.commit()
    seen, url = [], "/"
    while url:
        page = logged_in.get(url).get_data(as_text=True)
        rows = re.findall(r'class="doc-row" data-document="([^"]+)"', page)
        assert 0 < len(rows) <= 3
        seen += rows
        more = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = html.unescape(more.group(1)) if more else None
    # Every document once, grouped by corpus in document order.
    assert sorted(seen) == names
    assert seen == [n for n in names if int(n[1:]) % 2 == 0] + [
        n for n in names if int(n[1:]) % 2 == 1
    ]


def test_empty_database_explains_how_to_import(logged_in: FlaskClient) -> None:
    assert "mtqa import" in logged_in.get("/").get_data(as_text=True)


# ---- segment page ----------------------------------------------------------------


def test_segment_view_shows_neighbours_and_missing_source(
    logged_in: FlaskClient, doc: Document, annotator: User
) -> None:
    db.session.add(
        Assessment(
            translation=translation_at(doc, 4),
            annotator=annotator,
            post_edit="He founded Renjian Jiuhua.",
            status="done",
        )
    )
    db.session.commit()
    page = logged_in.get(f"/annotate/{doc.id}/3").get_data(as_text=True)
    assert "Segment 3" in page
    assert "Wang Cola resigned from Kuaishou." in page
    # Context: MT before and after, and the neighbour's post-edit.
    assert "Original link: https://example.com/1" in page
    assert "Former Internet employees" in page
    assert "He founded Human Jiuhua." in page
    assert "He founded Renjian Jiuhua." in page
    assert "Source not available" in page
    # The editor starts from the MT, at version 0 (no assessment yet).
    assert textarea(page) == "Wang Cola resigned from Kuaishou."
    data = editor_data(page)
    assert data["assessment"]["version"] == 0
    assert data["mt"] == "Wang Cola resigned from Kuaishou."
    # Previous/next skip the meta segment at position 2.
    assert data["prevUrl"] == f"/annotate/{doc.id}/1"
    assert data["nextUrl"] == f"/annotate/{doc.id}/4"


def test_segment_view_shows_source_when_present(logged_in: FlaskClient, doc: Document) -> None:
    page = logged_in.get(f"/annotate/{doc.id}/4").get_data(as_text=True)
    assert "他创办了人间酒话。" in page
    assert "Source not available" not in page
    assert editor_data(page)["nextUrl"] is None  # boilerplate after it is skipped


def test_non_annotatable_segment_is_context_only(logged_in: FlaskClient, doc: Document) -> None:
    response = logged_in.get(f"/annotate/{doc.id}/2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "shown for context only" in page
    assert 'id="editor-data"' not in page
    assert 'id="post-edit"' not in page
    assert f'href="/annotate/{doc.id}/3"' in page


def test_segment_view_escapes_user_text(logged_in: FlaskClient, annotator: User) -> None:
    document = build_document(
        [
            ("body", f"before {SCRIPT}", None),
            ("body", f"MT {SCRIPT}", SCRIPT),
            ("body", f"after {SCRIPT}", None),
        ],
        title=SCRIPT,
    )
    neighbour = Assessment(
        translation=translation_at(document, 1),
        annotator=annotator,
        post_edit=f"neighbour edit {SCRIPT}",
        status="done",
    )
    db.session.add(neighbour)
    db.session.commit()
    target = translation_at(document, 2)
    status, body = save(
        logged_in,
        target.id,
        post_edit=f"edit {SCRIPT}",
        spans=[
            {
                "start": 3,
                "end": 11,
                "category": "Other",
                "severity": "Minor",
                "note": f"note {SCRIPT}",
            }
        ],
    )
    assert status == 200, body
    page = logged_in.get(f"/annotate/{document.id}/2").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    # The JSON block for the editor escapes '<' too, and still decodes to the text.
    data = editor_data(page)
    assert data["assessment"]["spans"][0]["note"] == f"note {SCRIPT}"
    assert data["assessment"]["post_edit"] == f"edit {SCRIPT}"
    assert textarea(page) == f"edit {SCRIPT}"


@pytest.mark.parametrize("path", ["/annotate/999/1", "/annotate/{doc}/99", "/no/such/page"])
def test_missing_pages_get_html_404(logged_in: FlaskClient, doc: Document, path: str) -> None:
    response = logged_in.get(path.format(doc=doc.id))
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Back to the documents" in response.get_data(as_text=True)


def test_system_choice(logged_in: FlaskClient) -> None:
    document = build_document([("body", {"alpha": "Alpha text.", "beta": "Beta text."}, None)])
    page = logged_in.get(f"/annotate/{document.id}/1?system=beta").get_data(as_text=True)
    assert editor_data(page)["mt"] == "Beta text."
    assert logged_in.get(f"/annotate/{document.id}/1?system=gamma").status_code == 404
    # Without a choice: the first system this user has not finished.
    alpha = translation_at(document, 1, "alpha")
    assert save(logged_in, alpha.id, status="done")[0] == 200
    page = logged_in.get(f"/annotate/{document.id}/1").get_data(as_text=True)
    assert editor_data(page)["mt"] == "Beta text."


# ---- saving ---------------------------------------------------------------------------


def test_save_then_reload_shows_post_edit_and_spans(
    logged_in: FlaskClient, doc: Document, annotator: User
) -> None:
    translation = translation_at(doc, 3)
    span = {
        "start": 0,
        "end": 9,
        "category": "Accuracy/Mistranslation",
        "severity": "Major",
        "side": "target",
        "note": "nickname 王可乐",
    }
    status, body = save(
        logged_in,
        translation.id,
        post_edit="Wang Kele resigned from Kuaishou.",
        status="done",
        spans=[span],
        time_spent=12.5,
        keystrokes=9,
    )
    assert status == 200, body
    assert body["version"] == 2
    assert body["status"] == "done"
    assert body["spans"] == [span]

    page = logged_in.get(f"/annotate/{doc.id}/3").get_data(as_text=True)
    assert textarea(page) == "Wang Kele resigned from Kuaishou."
    data = editor_data(page)["assessment"]
    assert data["version"] == 2 and data["status"] == "done"
    assert data["spans"] == [span]
    assert "1 / 3" in logged_in.get("/").get_data(as_text=True)

    stored = db.session.scalar(sa.select(Assessment).where(Assessment.annotator_id == annotator.id))
    assert stored is not None
    assert (stored.time_spent, stored.keystrokes) == (12.5, 9)
    revisions = db.session.scalars(sa.select(Revision)).all()
    assert [r.version for r in revisions] == [2]


def test_later_saves_accumulate_time_and_replace_spans(
    logged_in: FlaskClient, doc: Document
) -> None:
    translation = translation_at(doc, 3)
    span = {"start": 0, "end": 4, "category": "Other", "severity": "Minor"}
    status, first = save(logged_in, translation.id, spans=[span], time_spent=3.5, keystrokes=2)
    assert status == 200
    status, second = save(
        logged_in,
        translation.id,
        base_version=first["version"],
        spans=[],
        time_spent=2,
        keystrokes=1,
    )
    assert status == 200
    assert second["version"] == first["version"] + 1
    assert second["spans"] == []
    assert second["time_spent"] == 5.5


def test_stale_base_version_is_refused_with_current(logged_in: FlaskClient, doc: Document) -> None:
    translation = translation_at(doc, 3)
    status, first = save(logged_in, translation.id, post_edit="first text")
    assert status == 200
    # A second tab that loaded the page before the first save still says 0.
    status, body = save(logged_in, translation.id, base_version=0, post_edit="second text")
    assert status == 409
    assert body["current"]["version"] == first["version"]
    assert body["current"]["post_edit"] == "first text"
    assert "version" in body["error"]
    stored = db.session.scalar(sa.select(Assessment.post_edit))
    assert stored == "first text"


def test_concurrent_update_between_load_and_flush_is_a_conflict(
    logged_in: FlaskClient, doc: Document
) -> None:
    """Another process bumps the version after this request loaded the
    assessment: the versioned UPDATE matches no row and the save is refused."""
    translation = translation_at(doc, 3)
    status, first = save(logged_in, translation.id, post_edit="first text")
    assert status == 200

    table = Assessment.__table__
    overtaken = []

    def concurrent_writer(connection, _cursor, statement, *_args) -> None:
        # Just before the save's own UPDATE reaches the database.
        if statement.startswith("UPDATE assessment") and not overtaken:
            overtaken.append(statement)
            connection.execute(
                sa.update(table)
                .where(table.c.id == first["assessment_id"])
                .values(version=table.c.version + 1, post_edit="written elsewhere")
            )

    sa.event.listen(db.engine, "before_cursor_execute", concurrent_writer)
    try:
        status, body = save(
            logged_in, translation.id, base_version=first["version"], post_edit="mine"
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", concurrent_writer)
    assert overtaken
    assert status == 409
    # The writer's change was rolled back with ours; the stored row is intact.
    assert body["current"]["version"] == first["version"]
    assert body["current"]["post_edit"] == "first text"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"spans": [{"start": 5, "end": 99, "category": "Other", "severity": "Minor"}]},
            "outside the target text",
        ),
        (
            {"spans": [{"start": 6, "end": 2, "category": "Other", "severity": "Minor"}]},
            "offsets 6-2",
        ),
        (
            {"spans": [{"start": -1, "end": 2, "category": "Other", "severity": "Minor"}]},
            "start must be at least 0",
        ),
        (
            {"spans": [{"start": "0", "end": 2, "category": "Other", "severity": "Minor"}]},
            "start must be an integer",
        ),
        (
            {"spans": [{"start": 0, "end": 2, "category": "Made up", "severity": "Minor"}]},
            "unknown MQM category",
        ),
        (
            {"spans": [{"start": 0, "end": 2, "category": "Other", "severity": "Huge"}]},
            "unknown severity",
        ),
        (
            {
                "spans": [
                    {
                        "start": 0,
                        "end": 2,
                        "category": "Other",
                        "severity": "Minor",
                        "side": "source",
                    }
                ]
            },
            "no source text",
        ),
        ({"status": "finished"}, "unknown status"),
        ({"base_version": "one"}, "base_version must be an integer"),
        ({"time_spent": -4}, "time_spent"),
        ({"post_edit": 42}, "post_edit must be a string"),
        ({"spans": "none"}, "spans must be a list"),
        (
            {
                "status": "no_errors",
                "spans": [{"start": 0, "end": 2, "category": "Other", "severity": "Major"}],
            },
            "no errors",
        ),
    ],
)
def test_invalid_saves_are_refused_with_400(
    logged_in: FlaskClient, doc: Document, change: dict, message: str
) -> None:
    translation = translation_at(doc, 3)
    status, body = save(logged_in, translation.id, **change)
    assert status == 400
    assert message in body["error"]
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_body_that_is_not_json_is_refused(logged_in: FlaskClient, doc: Document) -> None:
    translation = translation_at(doc, 3)
    response = logged_in.post(
        f"/annotate/api/assessments/{translation.id}",
        data="status=done",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "expected a JSON object"


def test_offsets_count_code_points_not_utf16_units(logged_in: FlaskClient) -> None:
    mt = "😀 Wang Cola 𠮷"
    document = build_document([("body", mt, None)])
    translation = translation_at(document, 1)
    end = len(mt)  # 13 code points; 15 UTF-16 code units
    ok = {"start": 2, "end": 11, "category": "Accuracy/Mistranslation", "severity": "Major"}
    whole = {"start": 0, "end": end, "category": "Other", "severity": "Minor"}
    status, body = save(logged_in, translation.id, spans=[ok, whole])
    assert status == 200, body
    assert mt[body["spans"][1]["start"] : body["spans"][1]["end"]] == "Wang Cola"
    utf16_end = len(mt.encode("utf-16-le")) // 2
    status, body = save(
        logged_in,
        translation.id,
        base_version=body["version"],
        spans=[{"start": 0, "end": utf16_end, "category": "Other", "severity": "Minor"}],
    )
    assert status == 400


def test_non_annotatable_segment_cannot_be_saved(client: FlaskClient, doc: Document, auth) -> None:
    # No campaign assigns such segments, so an annotator is refused before
    # that; an admin, who may annotate anything, learns why.
    make_user("boss", role="admin")
    auth.login("boss")
    for position in (2, 5):
        status, body = save(client, translation_at(doc, position).id, status="done")
        assert status == 400
        assert "not offered for annotation" in body["error"]
    auth.logout()
    auth.login()
    assert save(client, translation_at(doc, 2).id, status="done")[0] == 403
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_unknown_translation_is_json_404(logged_in: FlaskClient) -> None:
    status, body = save(logged_in, 12345)
    assert status == 404
    assert "12345" in body["error"]


def test_users_do_not_share_assessments(
    client: FlaskClient, doc: Document, annotator: User, auth
) -> None:
    assign(make_user("second"), "news")
    translation = translation_at(doc, 3)
    auth.login()
    assert save(client, translation.id, post_edit="ann's edit")[0] == 200
    auth.logout()
    auth.login("second")
    page = client.get(f"/annotate/{doc.id}/3").get_data(as_text=True)
    assert textarea(page) == "Wang Cola resigned from Kuaishou."
    status, body = save(client, translation.id, post_edit="second's edit")
    assert status == 200 and body["version"] == 2


def test_server_errors_get_a_page_or_json(
    app: Flask, client: FlaskClient, annotator: User, auth
) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/broken", view_func=broken)
    app.add_url_rule("/api/broken", endpoint="api_broken", view_func=broken)
    auth.login()
    page = client.get("/broken")
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    assert "boom" not in page.get_data(as_text=True)
    api = client.get("/api/broken")
    assert api.status_code == 500
    assert api.get_json()["error"]


def test_chinese_source_is_shown_in_the_chosen_script(logged_in: FlaskClient) -> None:
    document = build_document([("body", "This software", "這個軟體"), ("body", "Next", "後來")])
    url = f"/annotate/{document.id}/1"
    page = logged_in.get(url).get_data(as_text=True)
    assert "這個軟體" in page  # original by default
    page = logged_in.get(url + "?script=simplified").get_data(as_text=True)
    # "simplified" converts characters (opencc t2s), not phrases: 軟體 → 软体.
    assert "这个软体" in page
    assert "這個軟體" not in page
    assert 'aria-current="true">simplified<' in page
    # The choice sticks for the next segment, without the query argument.
    page = logged_in.get(f"/annotate/{document.id}/2").get_data(as_text=True)
    assert "后来" in page and "後來" not in page
    stored = db.session.scalars(
        sa.select(Segment.source).where(Segment.document_id == document.id)
    ).all()
    assert sorted(stored) == sorted(["這個軟體", "後來"])
    assert editor_data(page)["source"] == "後來"
    page = logged_in.get(url + "?script=traditional").get_data(as_text=True)
    assert "這個軟體" in page


def test_unknown_script_shows_the_source_as_stored(logged_in: FlaskClient) -> None:
    document = build_document([("body", "This software", "這個軟體")])
    response = logged_in.get(f"/annotate/{document.id}/1?script=klingon")
    assert response.status_code == 200
    assert "這個軟體" in response.get_data(as_text=True)


def test_script_choice_is_offered_only_for_chinese_sources(logged_in: FlaskClient) -> None:
    corpus = Corpus(name="de-en", source_lang="de", target_lang="en")
    db.session.add(corpus)
    db.session.commit()
    document = build_document([("body", "House", "Haus")], corpus_name="de-en")
    page = logged_in.get(f"/annotate/{document.id}/1?script=simplified").get_data(as_text=True)
    assert "Haus" in page
    assert "script-switch" not in page
