"""The editor's assistance endpoints: QA flags (list, confirm, dismiss) and
"fix everywhere" (candidates, apply to all), with their permission checks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.glossary import add_term, corpus_glossary
from app.models import Assessment, Assignment, Document, QaFlag, Segment, Translation, User
from tests.conftest import make_user
from tests.test_annotate import build_document, translation_at


@pytest.fixture
def doc(app: Flask, annotator: User) -> Document:
    return build_document(
        [
            ("title", "Former Internet employees", None),
            ("body", "On the last day, Wang Cola redeemed the option.", None),
            ("body", "When choosing a design, Cola Wang used marketing ideas.", None),
            ("body", "When Wang Cola resigned , he left.", None),
            ("body", "Nothing to see.", None),
        ]
    )


@pytest.fixture
def hidden(doc: Document) -> Document:
    """A second document of the corpus that is not assigned to anyone."""
    other = build_document(
        [("body", "Wang Cola again, elsewhere.", None)], name="doc-2", title="Other"
    )
    ids = sa.select(Translation.id).join(Segment).where(Segment.document_id == other.id)
    db.session.execute(sa.delete(Assignment).where(Assignment.translation_id.in_(ids)))
    db.session.commit()
    return other


@pytest.fixture
def logged_in(client: FlaskClient, auth, annotator: User) -> FlaskClient:
    auth.login()
    return client


def _flags_url(t: Translation) -> str:
    return f"/annotate/api/translations/{t.id}/flags"


def _prop_url(t: Translation) -> str:
    return f"/annotate/api/translations/{t.id}/propagation"


def test_flags_are_computed_lazily_with_the_glossary(logged_in: FlaskClient, doc) -> None:
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    t2 = translation_at(doc, 2)
    assert db.session.scalar(sa.select(sa.func.count(QaFlag.id))) == 0
    response = logged_in.get(_flags_url(t2))
    assert response.status_code == 200
    flags = response.get_json()["flags"]
    glossary = [f for f in flags if f["check"] == "glossary"]
    assert [(f["text"], f["suggestion"], f["status"]) for f in glossary] == [
        ("Wang Cola", "Wang Kele", "open")
    ]
    # The whole document was computed at once: segment 4 has its flags too.
    t4 = translation_at(doc, 4)
    stored = db.session.scalars(sa.select(QaFlag).where(QaFlag.translation_id == t4.id)).all()
    assert {f.check for f in stored} >= {"glossary", "spacing-punctuation"}
    # A second request reads what is stored.
    assert logged_in.get(_flags_url(t2)).get_json()["flags"] == flags


def test_confirm_returns_the_span_and_dismiss_does_not(logged_in: FlaskClient, doc) -> None:
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    t4 = translation_at(doc, 4)
    flags = logged_in.get(_flags_url(t4)).get_json()["flags"]
    glossary = next(f for f in flags if f["check"] == "glossary")
    spacing = next(f for f in flags if f["check"] == "spacing-punctuation")

    confirmed = logged_in.post(
        f"/annotate/api/flags/{glossary['id']}/decision", json={"status": "confirmed"}
    )
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert body["flag"]["status"] == "confirmed"
    assert body["span"]["start"] == glossary["start"] and body["span"]["end"] == glossary["end"]
    assert body["span"]["category"] == "Terminology/Inappropriate for context"
    assert body["span"]["side"] == "target"
    # The span is not saved: it becomes real when the annotator saves.
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0

    dismissed = logged_in.post(
        f"/annotate/api/flags/{spacing['id']}/decision", json={"status": "dismissed"}
    )
    assert dismissed.status_code == 200 and "span" not in dismissed.get_json()
    ann = db.session.scalar(sa.select(User).where(User.username == "ann"))
    statuses = {f.id: (f.status, f.decided_by) for f in db.session.scalars(sa.select(QaFlag))}
    assert statuses[glossary["id"]] == ("confirmed", ann.id)
    assert statuses[spacing["id"]] == ("dismissed", ann.id)

    bad = logged_in.post(f"/annotate/api/flags/{spacing['id']}/decision", json={"status": "open"})
    assert bad.status_code == 400
    assert logged_in.post("/annotate/api/flags/99999/decision", json={}).status_code == 404


def test_flags_are_for_the_assigned_annotator_only(
    client: FlaskClient, auth, doc: Document
) -> None:
    t2 = translation_at(doc, 4)
    assert client.get(_flags_url(t2)).status_code == 401
    make_user("reader", role="researcher")
    auth.login("reader")
    assert client.get(_flags_url(t2)).status_code == 403
    assert client.get(_prop_url(t2), query_string={"wrong": "a", "right": "b"}).status_code == 403
    auth.logout()
    auth.login()
    flags = client.get(_flags_url(t2)).get_json()["flags"]
    assert flags, "the space before the comma is flagged"
    auth.logout()
    make_user("stranger")
    auth.login("stranger")
    assert client.get(_flags_url(t2)).status_code == 403
    decision = client.post(
        f"/annotate/api/flags/{flags[0]['id']}/decision", json={"status": "confirmed"}
    )
    assert decision.status_code == 403
    assert db.session.get(QaFlag, flags[0]["id"]).status == "open"


def test_candidates_cover_what_the_user_may_annotate(
    logged_in: FlaskClient, doc: Document, hidden: Document
) -> None:
    t2 = translation_at(doc, 2)
    response = logged_in.get(
        _prop_url(t2), query_string={"wrong": "Wang Cola", "right": "Wang Kele"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["variants"] == ["Wang Cola", "Cola Wang"]
    # Not the segment being edited, not the unassigned document.
    positions = [(c["document_id"], c["position"]) for c in body["candidates"]]
    assert positions == [(doc.id, 3), (doc.id, 4)]
    three = body["candidates"][0]
    assert three["context"][0]["match"] == "Cola Wang"
    assert three["proposed"] == "When choosing a design, Wang Kele used marketing ideas."
    missing = logged_in.get(_prop_url(t2), query_string={"wrong": "", "right": "x"})
    assert missing.status_code == 400


def test_apply_to_all(logged_in: FlaskClient, doc: Document, hidden: Document) -> None:
    t2, t3, t4, t5 = (translation_at(doc, p) for p in (2, 3, 4, 5))
    secret = translation_at(hidden, 1)
    response = logged_in.post(
        _prop_url(t2),
        json={
            "wrong": "Wang Cola",
            "right": "Wang Kele",
            "category": "Accuracy/Mistranslation",
            "severity": "Major",
            "translation_ids": [t3.id, t4.id, t5.id, secret.id, t3.id],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    outcomes = {r["translation_id"]: r["outcome"] for r in body["results"]}
    assert outcomes == {t3.id: "applied", t4.id: "applied", t5.id: "skipped", secret.id: "skipped"}
    assert body["counts"] == {"applied": 2, "conflict": 0, "skipped": 2}

    db.session.expire_all()
    rows = {a.translation_id: a for a in db.session.scalars(sa.select(Assessment))}
    assert set(rows) == {t3.id, t4.id}
    assert rows[t3.id].post_edit == "When choosing a design, Wang Kele used marketing ideas."
    assert rows[t4.id].post_edit == "When Wang Kele resigned , he left."
    assert all(a.status == "draft" and len(a.spans) == 1 for a in rows.values())
    assert rows[t4.id].spans[0].severity == "Major"
    entries = {e.target_term: e for e in corpus_glossary(db.session, doc.corpus)}
    assert entries["Wang Kele"].wrong_variants == ("Wang Cola",)

    # Again: nothing left to do, nothing saved twice.
    versions = {a.translation_id: a.version for a in rows.values()}
    again = logged_in.post(
        _prop_url(t2),
        json={"wrong": "Wang Cola", "right": "Wang Kele", "translation_ids": [t3.id, t4.id]},
    )
    assert again.get_json()["counts"] == {"applied": 0, "conflict": 0, "skipped": 2}
    db.session.expire_all()
    assert all(len(a.spans) == 1 for a in rows.values())
    assert {a.translation_id: a.version for a in rows.values()} == versions


@pytest.mark.parametrize(
    "payload",
    [
        {"wrong": "Wang Cola", "right": "Wang Kele"},
        {"wrong": "Wang Cola", "right": "Wang Kele", "translation_ids": ["1"]},
        {"wrong": "Wang Cola", "right": 3, "translation_ids": []},
        {"wrong": "Wang Cola", "right": "Wang Cola", "translation_ids": []},
        {"wrong": "a", "right": "b", "translation_ids": [], "severity": 2},
    ],
)
def test_apply_refuses_bad_requests(logged_in: FlaskClient, doc: Document, payload) -> None:
    t2 = translation_at(doc, 2)
    assert logged_in.post(_prop_url(t2), json=payload).status_code == 400


def test_an_invalid_category_skips_without_saving(logged_in: FlaskClient, doc: Document) -> None:
    t2, t3 = translation_at(doc, 2), translation_at(doc, 3)
    response = logged_in.post(
        _prop_url(t2),
        json={"wrong": "Cola Wang", "right": "Wang Kele", "category": "Made up",
              "translation_ids": [t3.id]},
    )  # fmt: skip
    assert response.get_json()["results"][0]["outcome"] == "skipped"
    assert "Made up" in response.get_json()["results"][0]["message"]
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
