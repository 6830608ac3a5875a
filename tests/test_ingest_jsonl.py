"""The JSONL reader: good files, and bad lines named by file and line."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.errors import IngestError
from app.extensions import db
from app.ingest import import_path
from app.models import Assessment, Corpus, Document, ErrorSpan, Revision, Segment, Translation, User


def line(seg_id: int = 1, system: str = "mt-a", **changes) -> dict:
    obj = {
        "doc_id": "doc1",
        "seg_id": seg_id,
        "paragraph": 0,
        "kind": "body",
        "annotatable": True,
        "external_id": None,
        "system": system,
        "source": "源文本",
        "target": "The target text.",
        "reference": None,
        "status": "pending",
        "errors": [],
        "assessments": [],
        "scores": None,
    }
    obj.update(changes)
    return obj


def write_jsonl(path, objects) -> None:
    path.write_text(
        "".join(
            (o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objects
        ),
        encoding="utf-8",
    )


def counts() -> dict[str, int]:
    models = (Corpus, Document, Segment, Translation, Assessment, ErrorSpan, Revision, User)
    return {
        m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
        for m in models
    }


WORK = {
    "errors": [
        {"start": 4, "end": 10, "side": "target", "category": "Accuracy/Mistranslation",
         "severity": "Major", "note": "é & <x>", "annotator": "ann"},
        {"start": 0, "end": 2, "side": "source", "category": "Source error",
         "severity": "Minor", "note": None, "annotator": "bob"},
    ],
    "assessments": [
        {"annotator": "ann", "status": "done", "post_edit": "The right text.",
         "time_spent": 12.5, "keystrokes": 30},
        {"annotator": "bob", "status": "draft", "post_edit": "The target text.",
         "time_spent": 0.0, "keystrokes": 0},
    ],
}  # fmt: skip


def test_a_good_file(app, tmp_path):
    path = tmp_path / "corpus.jsonl"
    write_jsonl(path, [line(1), line(1, "mt-b", target="Other MT."), line(2, **WORK)])
    report = import_path(db.session, path, source_lang="zh", target_lang="en")
    corpus = db.session.scalar(sa.select(Corpus))
    assert (corpus.name, corpus.source_lang, corpus.target_lang) == ("corpus", "zh", "en")
    assert counts() | {"corpus": 1} == {
        "corpus": 1, "document": 1, "segment": 2, "translation": 3, "assessment": 2,
        "error_span": 2, "revision": 2, "user": 2,
    }  # fmt: skip
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    assert [(u.username, u.role, u.password_hash) for u in users] == [
        ("ann", "annotator", None),
        ("bob", "annotator", None),
    ]
    ann = db.session.scalar(sa.select(Assessment).join(User).where(User.username == "ann"))
    assert (ann.status, ann.post_edit, ann.time_spent, ann.keystrokes) == (
        "done", "The right text.", 12.5, 30,
    )  # fmt: skip
    assert [(s.start, s.end, s.note) for s in ann.spans] == [(4, 10, "é & <x>")]
    revision = db.session.scalar(sa.select(Revision).where(Revision.assessment_id == ann.id))
    assert (revision.version, revision.user_id, revision.status) == (1, ann.annotator_id, "done")
    assert json.loads(revision.spans_json)[0]["note"] == "é & <x>"
    assert report.users_created == ["ann", "bob"]


def test_the_sidecar_is_read_back(app, tmp_path):
    write_jsonl(tmp_path / "x.jsonl", [line(1)])
    meta = {
        "format": "mtqa-jsonl",
        "version": 1,
        "corpus": {"name": "named", "source_lang": "de", "target_lang": "fr",
                   "description": "About it", "script_normalisation": "none"},
        "documents": [{"doc_id": "empty", "title": "T0", "origin_url": None},
                      {"doc_id": "doc1", "title": "T1", "origin_url": "https://e.org"}],
        "scores": {},
    }  # fmt: skip
    (tmp_path / "x.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    import_path(db.session, tmp_path / "x.jsonl")
    corpus = db.session.scalar(sa.select(Corpus))
    assert (corpus.name, corpus.source_lang, corpus.target_lang) == ("named", "de", "fr")
    assert corpus.description == "About it"
    docs = db.session.execute(
        sa.select(Document.name, Document.title, Document.origin_url).order_by(Document.position)
    ).all()
    assert [tuple(d) for d in docs] == [("empty", "T0", None), ("doc1", "T1", "https://e.org")]


def _span(**changes) -> dict:
    span = {"start": 0, "end": 3, "side": "target", "category": "Fluency/Grammar",
            "severity": "Minor", "note": None, "annotator": "ann"}  # fmt: skip
    span.update(changes)
    return span


ANN = [{"annotator": "ann", "status": "done", "post_edit": "x", "time_spent": 0.0, "keystrokes": 0}]

BAD_LINES = [
    ("not json", '{"doc_id": "doc1", "seg_id": 3,', "invalid JSON"),
    ("not an object", "[1, 2]", "expected a JSON object"),
    ("missing key", {k: v for k, v in line(3).items() if k != "target"}, "missing key(s)"),
    ("unknown key", line(3, segid=3), "unknown key(s) ['segid']"),
    ("seg_id as string", line(3) | {"seg_id": "3"}, "'seg_id' must be an integer, not \"3\""),
    ("target null", line(3, target=None), "'target' must be a string, not null"),
    ("annotatable as 1", line(3, annotatable=1), "'annotatable' must be true or false"),
    ("unknown kind", line(3, kind="footer"), "unknown kind 'footer'"),
    ("unknown status", line(3, assessments=[ANN[0] | {"status": "ok"}]), "unknown status 'ok'"),
    ("span past the end", line(3, assessments=ANN, errors=[_span(end=99)]), "offsets 0-99"),
    ("unknown category", line(3, assessments=ANN, errors=[_span(category="Nope")]), "category"),
    ("span on missing source", line(3, source=None, assessments=ANN, errors=[_span(side="source")]),
     "no source"),
    ("error without assessment", line(3, errors=[_span()]), "no assessment here"),
    ("no_errors with errors",
     line(3, assessments=[ANN[0] | {"status": "no_errors"}], errors=[_span(severity="Major")]),
     "no_errors"),
    ("two annotations by one annotator", line(3, assessments=ANN * 2), "two assessments"),
    ("segment fields disagree", line(1, "mt-b", source="其他"), "has source="),
    ("same system twice", line(1), "second line for system 'mt-a'"),
    ("negative keystrokes", line(3, assessments=[ANN[0] | {"keystrokes": -1}]), "negative"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "problem"), [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES]
)
def test_a_bad_line_is_named_and_nothing_is_written(app, tmp_path, bad, problem):
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, [line(1), line(2), bad])
    before = counts()
    with pytest.raises(IngestError) as caught:
        import_path(db.session, path)
    assert str(caught.value).startswith(f"{path}:3: ")
    assert problem in str(caught.value)
    assert counts() == before


def test_a_bad_sidecar_is_named(app, tmp_path):
    write_jsonl(tmp_path / "x.jsonl", [line(1)])
    (tmp_path / "x.meta.json").write_text('{"format": "mtqa-jsonl",\n "version": 2}')
    with pytest.raises(IngestError, match=r"x\.meta\.json: format version 2"):
        import_path(db.session, tmp_path / "x.jsonl")
    (tmp_path / "x.meta.json").write_text('{"format": \n oops}')
    with pytest.raises(IngestError, match=r"x\.meta\.json:2: invalid JSON"):
        import_path(db.session, tmp_path / "x.jsonl")
