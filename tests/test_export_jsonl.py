"""The JSONL writer: the agreed keys and orders, statuses, references and scores."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sacrebleu.metrics import TER

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.errors import ExportError, IngestError
from app.export import export_corpus
from app.extensions import db
from app.ingest import import_path
from app.models import Corpus, Translation
from app.scoring.report import corpus_report
from tests.conftest import make_user

KEYS = [
    "doc_id", "seg_id", "paragraph", "kind", "annotatable", "external_id", "system", "source",
    "target", "reference", "status", "errors", "assessments", "scores",
]  # fmt: skip
T0 = datetime(2024, 1, 1)


def save(translation_id, user, status, post_edit, spans=(), at=None):
    translation = db.session.get(Translation, translation_id)
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session, assessment, user=user, base_version=assessment.version,
        post_edit=post_edit, status=status, spans=list(spans),
    )  # fmt: skip
    if at is not None:
        assessment.updated_at = at
    db.session.commit()


@pytest.fixture
def corpus(app, tmp_path):
    """Two documents, two systems, sources present; ids looked up by text."""
    lines = [
        {"doc_id": "b-doc", "seg_id": 1, "system": "sys-b", "source": "一", "target": "One."},
        {"doc_id": "b-doc", "seg_id": 1, "system": "sys-a", "source": "一", "target": "Uno."},
        {"doc_id": "b-doc", "seg_id": 2, "system": "sys-a", "source": "二", "target": "Two."},
        {"doc_id": "a-doc", "seg_id": 1, "system": "sys-a", "source": "三", "target": "Three.",
         "kind": "boilerplate", "annotatable": False},
    ]  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines))
    import_path(db.session, path, corpus_name="c", source_lang="zh", target_lang="en")
    return db.session.scalar(sa.select(Corpus))


def export_lines(corpus, tmp_path) -> list[dict]:
    path = export_corpus(db.session, corpus, "jsonl", tmp_path / "out.jsonl")[0]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def ids_by_target() -> dict[str, int]:
    return {t.text: t.id for t in db.session.scalars(sa.select(Translation))}


def test_keys_order_and_row_order(corpus, tmp_path):
    rows = export_lines(corpus, tmp_path)
    assert all(list(row) == KEYS for row in rows)
    # Documents in file order (b-doc first), segments by position, systems sorted.
    assert [(r["doc_id"], r["seg_id"], r["system"]) for r in rows] == [
        ("b-doc", 1, "sys-a"), ("b-doc", 1, "sys-b"), ("b-doc", 2, "sys-a"), ("a-doc", 1, "sys-a"),
    ]  # fmt: skip
    assert rows[0]["status"] == "pending" and rows[0]["scores"] is None
    assert rows[3]["annotatable"] is False and rows[3]["kind"] == "boilerplate"


def test_work_status_reference_and_scores(corpus, tmp_path):
    ids = ids_by_target()
    ann, bob = make_user("ann"), make_user("bob")
    grammar = SpanData(0, 3, "Fluency/Grammar", "Minor", note="x")
    save(ids["Uno."], bob, "done", "One!", [SpanData(1, 2, "Style/Awkward", "Minor")], at=T0)
    save(ids["Uno."], ann, "done", "One.", [grammar, SpanData(0, 1, "Other", "Major")], at=T0)
    save(ids["One."], ann, "no_errors", "One.", at=T0 + timedelta(hours=1))
    save(ids["One."], bob, "done", "One, edited.", at=T0)
    save(ids["Two."], bob, "draft", "Two?")
    rows = export_lines(corpus, tmp_path)
    uno, one, two, three = rows

    # Every annotator's spans, ordered by annotator, start, end.
    assert [(e["annotator"], e["start"], e["end"]) for e in uno["errors"]] == [
        ("ann", 0, 1), ("ann", 0, 3), ("bob", 1, 2),
    ]  # fmt: skip
    assert list(uno["errors"][1]) == ["start", "end", "side", "category", "severity", "note",
                                      "annotator"]  # fmt: skip
    assert [a["annotator"] for a in uno["assessments"]] == ["ann", "bob"]
    assert list(uno["assessments"][0]) == [
        "annotator", "status", "post_edit", "time_spent", "keystrokes", "hter",
    ]  # fmt: skip
    # Equal timestamps: the newer row (ann's) gives the reference.
    assert (uno["status"], uno["reference"]) == ("done", "One.")
    # The most recently updated finished assessment gives the reference.
    assert (one["status"], one["reference"]) == ("no_errors", "One.")
    assert (two["status"], two["reference"], two["scores"]) == ("draft", None, None)
    assert three["status"] == "pending"

    report = corpus_report(db.session, corpus)
    for row in (uno, one):
        tid = ids[row["target"]]
        assert row["scores"] == {
            k: report.segment_scores[tid][k] for k in ("bleu", "chrf", "ter", "mqm")
        }
    assert uno["scores"]["mqm"] == 6.0  # Minor 1 + Major 5 (ann's spans)


def test_sidecar(corpus, tmp_path):
    export_corpus(db.session, corpus, "jsonl", tmp_path)
    meta = json.loads((tmp_path / "c.meta.json").read_text(encoding="utf-8"))
    assert (tmp_path / "c.jsonl").is_file()
    assert list(meta) == ["format", "version", "corpus", "documents", "scores"]
    assert (meta["format"], meta["version"]) == ("mtqa-jsonl", 1)
    assert meta["corpus"] == {
        "name": "c", "source_lang": "zh", "target_lang": "en", "description": None,
        "script_normalisation": "none",
    }  # fmt: skip
    assert [d["doc_id"] for d in meta["documents"]] == ["b-doc", "a-doc"]
    assert meta["scores"] == json.loads(json.dumps(corpus_report(db.session, corpus).as_dict()))


def test_unknown_format(corpus, tmp_path):
    with pytest.raises(ExportError, match="unknown export format 'xml'"):
        export_corpus(db.session, corpus, "xml", tmp_path / "x")


def sentence_ter(hypothesis: str, reference: str) -> float:
    return TER().sentence_score(hypothesis, [reference]).score


def test_hter_is_each_post_edits_own_ter(corpus, tmp_path):
    """HTER per annotation, as PET and MateCat record it: the MT against that
    annotator's post-edit, not against the row's reference."""
    ids = ids_by_target()
    ann, bob = make_user("ann"), make_user("bob")
    save(ids["Uno."], bob, "done", "One, the first!", at=T0)
    save(ids["Uno."], ann, "done", "Uno. Yes.", at=T0 + timedelta(hours=1))
    save(ids["One."], ann, "no_errors", None)
    save(ids["Two."], bob, "draft", "Two?")
    uno, one, two, _ = export_lines(corpus, tmp_path)

    hter = {a["annotator"]: a["hter"] for a in uno["assessments"]}
    assert hter["ann"] == pytest.approx(sentence_ter("Uno.", "Uno. Yes."))
    assert hter["bob"] == pytest.approx(sentence_ter("Uno.", "One, the first!"))
    assert hter["ann"] != hter["bob"]
    # The reference's post-edit is ann's: her HTER is the row's TER.
    assert uno["reference"] == "Uno. Yes." and hter["ann"] == uno["scores"]["ter"]
    # A confirmed MT was not edited at all; a draft is not a finished post-edit.
    assert [a["hter"] for a in one["assessments"]] == [0.0]
    assert [a["hter"] for a in two["assessments"]] == [None]


def test_hter_in_a_file_is_checked_and_recomputed(corpus, tmp_path):
    ann = make_user("ann")
    save(ids_by_target()["Uno."], ann, "done", "One.")
    path = export_corpus(db.session, corpus, "jsonl", tmp_path / "c.jsonl")[0]
    exported = path.read_bytes()
    hter = json.loads(exported.decode().splitlines()[0])["assessments"][0]["hter"]
    assert hter == pytest.approx(sentence_ter("Uno.", "One."))

    db.session.remove()
    db.drop_all()
    db.create_all()
    edited = tmp_path / "edited" / "c.jsonl"
    edited.parent.mkdir()
    edited.write_bytes(exported.replace(f'"hter": {hter}'.encode(), b'"hter": 99.5'))
    (tmp_path / "c.meta.json").rename(edited.with_name("c.meta.json"))
    assert b'"hter": 99.5' in edited.read_bytes()
    import_path(db.session, edited)
    again = export_corpus(db.session, db.session.scalar(sa.select(Corpus)), "jsonl", tmp_path)[0]
    assert again.read_bytes() == exported

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(exported.replace(f'"hter": {hter}'.encode(), b'"hter": "high"'))
    with pytest.raises(IngestError, match=r"bad\.jsonl:1: 'hter' must be a finite number or null"):
        import_path(db.session, bad)
