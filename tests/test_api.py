"""The REST API under /api/v1: bearer-only authentication, who reads and
writes what, saves with versions and idempotency keys, pagination, scores
and exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.api.tokens import create_token
from app.extensions import db
from app.models import (
    Assessment,
    AuditEvent,
    Corpus,
    Document,
    Revision,
    Segment,
    Translation,
    User,
)
from app.scoring.report import corpus_report
from tests.conftest import assign, make_user

API = "/api/v1"


def seed_corpus(name: str, documents: int = 2, segments: int = 3) -> Corpus:
    """A small corpus: per document a metadata line (not annotatable) and
    `segments` body segments, each translated by systems A and B."""
    corpus = Corpus(name=name, source_lang="de", target_lang="en")
    db.session.add(corpus)
    for d in range(documents):
        document = Document(corpus=corpus, name=f"{name}-doc-{d}", title=f"Doc {d}", position=d)
        db.session.add(document)
        meta = Segment(document=document, position=1, kind="meta", annotatable=False)
        meta.source = "Autor: X"
        meta.translations.append(Translation(system="A", text="Author: X"))
        db.session.add(meta)
        for s in range(segments):
            segment = Segment(
                document=document, position=s + 2, kind="body", source=f"Der Satz {d}.{s}."
            )
            segment.translations.append(Translation(system="A", text=f"The sentence {d}.{s}."))
            segment.translations.append(Translation(system="B", text=f"The phrase {d} {s}."))
            db.session.add(segment)
    db.session.commit()
    return corpus


def api_user(username: str, role: str = "annotator") -> User:
    """A user without a password (hashing one is slow, and the API never asks)."""
    user = User(username=username, role=role)
    db.session.add(user)
    db.session.commit()
    return user


def bearer(user: User, name: str = "test") -> dict[str, str]:
    _, plaintext = create_token(db.session, user, name)
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def translations_of(corpus: Corpus, *, annotatable: bool = True) -> list[Translation]:
    return list(
        db.session.scalars(
            sa.select(Translation)
            .join(Segment)
            .join(Document)
            .where(Document.corpus_id == corpus.id, Segment.annotatable.is_(annotatable))
            .order_by(Translation.id)
        )
    )


@pytest.fixture
def world(app: Flask) -> dict[str, object]:
    """Two corpora; "ann" is assigned all of "news", "bob" all of "secret"."""
    news, secret = seed_corpus("news"), seed_corpus("secret")
    ann, bob = make_user("ann"), api_user("bob")
    researcher, admin = api_user("res", "researcher"), api_user("root", "admin")
    assign(ann, "news")
    assign(bob, "secret")
    return {
        "news": news,
        "secret": secret,
        "ann": bearer(ann),
        "bob": bearer(bob),
        "researcher": bearer(researcher),
        "admin": bearer(admin),
        "ann_user": ann,
    }


def put(client: FlaskClient, tid: int, headers: dict[str, str], **body: object):
    return client.put(f"{API}/translations/{tid}/assessment", json=body, headers=headers)


# ---- authentication -------------------------------------------------------------------


def test_missing_header_is_401_json(client: FlaskClient, world: dict) -> None:
    response = client.get(f"{API}/corpora")
    assert response.status_code == 401
    assert response.is_json and "Bearer" in response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer mtqa_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "mtqa_abc", "Bearer x y"],
)
def test_wrong_token_is_401(client: FlaskClient, world: dict, header: str) -> None:
    response = client.get(f"{API}/corpora", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_session_cookie_does_not_authenticate(client: FlaskClient, world: dict, auth) -> None:
    """Only the bearer token counts: a logged-in browser gets 401, so a
    cross-site request riding on the cookie gets nothing."""
    assert auth.login("ann").status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(f"{API}/corpora").status_code == 401


def test_api_needs_no_csrf_token(app: Flask, client: FlaskClient, world: dict) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    tid = translations_of(world["news"])[0].id
    response = put(client, tid, world["ann"], base_version=0, status="draft")
    assert response.status_code == 200, response.get_json()


# ---- who sees what ----------------------------------------------------------------------


def test_annotator_sees_only_assigned_work(client: FlaskClient, world: dict) -> None:
    news, secret = world["news"], world["secret"]
    corpora = client.get(f"{API}/corpora", headers=world["ann"]).get_json()
    assert [c["name"] for c in corpora["items"]] == ["news"]
    everything = client.get(f"{API}/corpora", headers=world["researcher"]).get_json()
    assert [c["name"] for c in everything["items"]] == ["news", "secret"]

    hidden = translations_of(secret)[0]
    segment = db.session.get(Segment, hidden.segment_id)
    for url in (
        f"/corpora/{secret.id}",
        f"/corpora/{secret.id}/documents",
        f"/documents/{segment.document_id}",
        f"/documents/{segment.document_id}/segments",
        f"/segments/{segment.id}",
        f"/translations/{hidden.id}",
        f"/translations/{hidden.id}/assessment",
        f"/translations/{hidden.id}/assessments",
    ):
        response = client.get(API + url, headers=world["ann"])
        assert response.status_code == 404, url
        assert response.get_json()["error"].startswith("no ")
        # Exactly what a missing id gets: existence is not revealed.
        assert client.get(API + url, headers=world["researcher"]).status_code == 200, url
    response = put(client, hidden.id, world["ann"], base_version=0, status="draft")
    assert response.status_code == 404

    # The segments of an own document list only the assigned translations:
    # metadata segments carry no assignment and are left out.
    own = translations_of(news)[0]
    document_id = db.session.get(Segment, own.segment_id).document_id
    page = client.get(f"{API}/documents/{document_id}/segments", headers=world["ann"]).get_json()
    assert all(seg["annotatable"] for seg in page["items"])
    assert {t["system"] for seg in page["items"] for t in seg["translations"]} == {"A", "B"}
    full = client.get(
        f"{API}/documents/{document_id}/segments", headers=world["researcher"]
    ).get_json()
    assert len(full["items"]) == len(page["items"]) + 1


def test_researcher_cannot_put(client: FlaskClient, world: dict) -> None:
    tid = translations_of(world["news"])[0].id
    response = put(client, tid, world["researcher"], base_version=0, status="done")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
    # Reading is fine, and shows that no assessment exists.
    own = client.get(f"{API}/translations/{tid}/assessment", headers=world["researcher"])
    assert own.status_code == 200 and own.get_json()["version"] == 0


def test_annotator_reads_only_own_assessments(client: FlaskClient, world: dict) -> None:
    tid = translations_of(world["news"])[0].id
    assert put(client, tid, world["ann"], base_version=0, status="draft").status_code == 200
    assert put(client, tid, world["admin"], base_version=0, status="done").status_code == 200
    mine = client.get(f"{API}/translations/{tid}/assessments", headers=world["ann"]).get_json()
    assert [a["annotator"] for a in mine["items"]] == ["ann"]
    every = client.get(
        f"{API}/translations/{tid}/assessments", headers=world["researcher"]
    ).get_json()
    assert sorted(a["annotator"] for a in every["items"]) == ["ann", "root"]
    admins = next(a for a in every["items"] if a["annotator"] == "root")
    for suffix in ("", "/revisions", "/spans"):
        url = f"{API}/assessments/{admins['id']}{suffix}"
        assert client.get(url, headers=world["ann"]).status_code == 404
        assert client.get(url, headers=world["researcher"]).status_code == 200


# ---- saving ----------------------------------------------------------------------------


def test_put_round_trip_with_versions_and_stale_409(client: FlaskClient, world: dict) -> None:
    translation = translations_of(world["news"])[0]
    tid, text = translation.id, translation.text
    headers = world["ann"]
    before = client.get(f"{API}/translations/{tid}/assessment", headers=headers).get_json()
    assert before == {
        "assessment_id": None,
        "version": 0,
        "status": None,
        "post_edit": text,
        "spans": [],
        "time_spent": 0.0,
    }
    span = {"start": 4, "end": 12, "category": "Accuracy/Mistranslation", "severity": "Major"}
    first = put(
        client, tid, headers, base_version=0, status="draft", post_edit="The clause.", spans=[span]
    )
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    v1 = body["version"]
    assert v1 >= 1 and body["post_edit"] == "The clause."
    assert body["spans"] == [span | {"side": "target", "note": None}]

    second = put(client, tid, headers, base_version=v1, status="done", post_edit="The clause!")
    assert second.status_code == 200
    assert second.get_json()["version"] == v1 + 1
    assert second.get_json()["spans"] == body["spans"]  # spans omitted: kept

    stale = put(client, tid, headers, base_version=v1, status="done", post_edit="Lost update")
    assert stale.status_code == 409
    conflict = stale.get_json()
    assert conflict["code"] == 409
    assert conflict["current"]["version"] == v1 + 1
    assert conflict["current"]["post_edit"] == "The clause!"

    assessment_id = body["assessment_id"]
    detail = client.get(f"{API}/assessments/{assessment_id}", headers=headers).get_json()
    assert detail["version"] == v1 + 1 and detail["status"] == "done"
    assert detail["updated_at"].endswith("+00:00")
    revisions = client.get(
        f"{API}/assessments/{assessment_id}/revisions", headers=headers
    ).get_json()
    assert [(r["version"], r["post_edit"]) for r in revisions["items"]] == [
        (v1, "The clause."),
        (v1 + 1, "The clause!"),
    ]
    assert revisions["items"][0]["spans"] == body["spans"]
    spans = client.get(f"{API}/assessments/{assessment_id}/spans", headers=headers).get_json()
    assert [(s["start"], s["end"]) for s in spans] == [(4, 12)]


def test_retry_with_same_client_key_stores_one_revision(client: FlaskClient, world: dict) -> None:
    tid = translations_of(world["news"])[0].id
    save = {"base_version": 0, "status": "done", "post_edit": "Fixed.", "client_key": "k-12345678"}
    first = put(client, tid, world["ann"], **save)
    retry = put(client, tid, world["ann"], **save)
    assert first.status_code == retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 1
    assert db.session.scalar(sa.select(Assessment.version)) == first.get_json()["version"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ({"status": "done"}, 400),  # no base_version
        ({"base_version": "1", "status": "done"}, 400),
        ({"base_version": 0, "status": "finished"}, 422),
        (
            {
                "base_version": 0,
                "status": "done",
                "spans": [{"start": 0, "end": 999, "category": "Fluency", "severity": "Minor"}],
            },
            422,
        ),
        (
            {
                "base_version": 0,
                "status": "done",
                "spans": [{"start": 0, "end": 1, "category": "Nonsense", "severity": "Minor"}],
            },
            422,
        ),
    ],
)
def test_bad_saves_are_refused(client: FlaskClient, world: dict, body: object, status: int) -> None:
    tid = translations_of(world["news"])[0].id
    url = f"{API}/translations/{tid}/assessment"
    if isinstance(body, str):
        response = client.put(url, data=body, headers=world["ann"])
    else:
        response = client.put(url, json=body, headers=world["ann"])
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 0


def test_segment_not_offered_for_annotation_is_422(client: FlaskClient, world: dict) -> None:
    meta = translations_of(world["news"], annotatable=False)[0]
    response = put(client, meta.id, world["admin"], base_version=0, status="done")
    assert response.status_code == 422


# ---- pagination and errors -----------------------------------------------------------------


def test_keyset_pagination_walks_every_item_once(client: FlaskClient, world: dict) -> None:
    document = db.session.scalars(sa.select(Document).order_by(Document.id)).first()
    url = f"{API}/documents/{document.id}/segments"
    seen, after, pages = [], 0, 0
    while after is not None:
        page = client.get(url, query_string={"after": after, "limit": 2}, headers=world["admin"])
        assert page.status_code == 200
        body = page.get_json()
        assert len(body["items"]) <= 2
        seen += [s["id"] for s in body["items"]]
        after, pages = body["next"], pages + 1
    expected = db.session.scalars(
        sa.select(Segment.id).where(Segment.document_id == document.id).order_by(Segment.id)
    ).all()
    assert seen == list(expected)
    assert pages == 2  # 4 segments: a full page, then a last page with no `next`


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "after=-1", "limit=abc"])
def test_bad_page_arguments_are_422(client: FlaskClient, world: dict, query: str) -> None:
    response = client.get(f"{API}/corpora?{query}", headers=world["admin"])
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_errors_are_json(client: FlaskClient, world: dict) -> None:
    for url in ("/corpora/999999", "/corpora/99999999999999999999", "/no-such-thing"):
        response = client.get(API + url, headers=world["admin"])
        assert response.status_code == 404 and response.is_json, url
        assert response.get_json()["error"]
    response = client.delete(f"{API}/corpora", headers=world["admin"])
    assert response.status_code == 405 and response.is_json


# ---- results ----------------------------------------------------------------------------


def finish_some(client: FlaskClient, world: dict) -> None:
    translations = translations_of(world["news"])
    for translation in translations[:4]:
        response = put(
            client,
            translation.id,
            world["ann"],
            base_version=0,
            status="done",
            post_edit=translation.text.replace("sentence", "clause"),
            spans=[{"start": 0, "end": 3, "category": "Fluency/Grammar", "severity": "Minor"}],
        )
        assert response.status_code == 200


def test_scores_match_the_report(client: FlaskClient, world: dict) -> None:
    finish_some(client, world)
    news = world["news"]
    response = client.get(f"{API}/corpora/{news.id}/scores", headers=world["researcher"])
    assert response.status_code == 200
    body = response.get_json()
    expected = json.loads(json.dumps(corpus_report(db.session, news).as_dict()))
    assert body == expected
    assert body["n_segments"] == 4
    assert body["metrics"]["bleu"]["signature"].startswith("nrefs:1")
    assert client.get(f"{API}/corpora/{news.id}/scores", headers=world["ann"]).status_code == 403


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("jsonl", "jsonl"), ("tsv", "tsv"), ("wmt-mqm", "tsv")]
)
def test_export_streams_the_bytes_of_mtqa_export(
    client: FlaskClient, runner: FlaskCliRunner, world: dict, tmp_path: Path, fmt: str, suffix: str
) -> None:
    finish_some(client, world)
    news = world["news"]
    output = tmp_path / f"out.{suffix}"
    result = runner.invoke(args=["export", "--corpus", "news", "--format", fmt, "-o", str(output)])
    assert result.exit_code == 0, result.output
    response = client.get(
        f"{API}/corpora/{news.id}/export", query_string={"format": fmt}, headers=world["researcher"]
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.get_data() == output.read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == "export")).all()
    assert any("via=api" in e.detail and e.user_id is not None for e in events)


def test_export_is_for_researchers_and_admins(client: FlaskClient, world: dict) -> None:
    news = world["news"]
    url = f"{API}/corpora/{news.id}/export"
    assert (
        client.get(url, query_string={"format": "jsonl"}, headers=world["ann"]).status_code == 403
    )
    assert (
        client.get(url, query_string={"format": "tmx"}, headers=world["admin"]).status_code == 422
    )
    assert client.get(url, headers=world["admin"]).status_code == 422
    ok = client.get(url, query_string={"format": "tsv"}, headers=world["admin"])
    assert ok.status_code == 200 and ok.get_data()
