"""import -> annotate -> export -> import into an empty database -> export:
the files come out byte-identical, through the API and through the CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.export import export_corpus
from app.extensions import db
from app.ingest import import_path
from app.models import Assessment, Corpus, Document, ErrorSpan, Revision, Segment, Translation, User
from tests.conftest import SEED_TEXT, make_user

MODELS = (Corpus, Document, Segment, Translation, Assessment, ErrorSpan, Revision, User)
#: Notes and post-edits that JSON, HTML and code-point offsets get wrong.
TRICKY = '👩🏽‍💻 naïve (combining: e\u0301) & <b>bold</b> "quoted" \\ tab\there'


def counts() -> dict[str, int]:
    return {
        m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
        for m in MODELS
    }


def save(translation, user, status, post_edit, spans=(), time_spent=0.0):
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit,
        status=status,
        spans=list(spans),
        time_spent=time_spent,
        keystrokes=len(post_edit or ""),
    )


def annotate_seed() -> None:
    """Two annotators with overlapping work: done, no_errors and draft,
    spans with tricky notes, a post-edit with an emoji and a line break."""
    ann, bob = make_user("ann"), make_user("bob")
    rows = db.session.scalars(
        sa.select(Translation)
        .join(Segment)
        .where(Segment.annotatable.is_(True))
        .order_by(Segment.position)
    ).all()
    for index, translation in enumerate(rows[:12]):
        text = translation.text
        spans = [SpanData(0, min(4, len(text)), "Accuracy/Mistranslation", "Major", note=TRICKY)]
        if index % 3 == 0:
            spans.append(SpanData(len(text), len(text), "Accuracy/Omission", "Minor"))
            spans.append(SpanData(0, 2, "Fluency/Punctuation", "Minor", note="<&>"))
        post_edit = text.replace("Wang Cola", "Wang Kele") + (
            " 👍🏽\nsecond line" if index == 4 else ""
        )
        save(translation, ann, "done", post_edit, spans, time_spent=1.25 * index)
    for translation in rows[8:16]:
        save(translation, bob, "no_errors", translation.text)
    save(rows[20], bob, "draft", "half done é")
    db.session.commit()


def fresh_database() -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_roundtrip_through_the_api(app, tmp_path, fmt):
    import_path(db.session, SEED_TEXT)
    annotate_seed()
    corpus = db.session.scalar(sa.select(Corpus))
    first = export_corpus(db.session, corpus, "jsonl", tmp_path / "one.jsonl")
    first_text = export_corpus(db.session, corpus, "text", tmp_path / "one")
    stored = counts()

    fresh_database()
    assert counts()["segment"] == 0
    report = import_path(db.session, first[0])
    assert report.count("assessments").created == stored["assessment"]
    corpus = db.session.scalar(sa.select(Corpus))
    if fmt == "jsonl":
        second = export_corpus(db.session, corpus, "jsonl", tmp_path / "two.jsonl")
        pairs = list(zip(first, second, strict=True))
    else:
        second = export_corpus(db.session, corpus, "text", tmp_path / "two")
        pairs = list(zip(first_text, second, strict=True))
    for a, b in pairs:
        assert a.read_bytes() == b.read_bytes(), (a, b)
    # Same rows, except the revision history, which the file does not carry:
    # each imported assessment starts with one revision.
    assert counts() | {"revision": 0} == stored | {"revision": 0}
    assert counts()["revision"] == stored["assessment"]
    # And importing the export again into its own database changes nothing.
    again = import_path(db.session, first[0])
    assert again.count("assessments").present == stored["assessment"]
    assert "nothing new" in again.summary()


def test_the_tricky_text_survives_intact(app, tmp_path):
    import_path(db.session, SEED_TEXT)
    annotate_seed()
    corpus = db.session.scalar(sa.select(Corpus))
    path = export_corpus(db.session, corpus, "jsonl", tmp_path / "x.jsonl")[0]
    fresh_database()
    import_path(db.session, path)
    notes = set(db.session.scalars(sa.select(ErrorSpan.note)))
    assert notes == {TRICKY, "<&>", None}
    post_edits = set(db.session.scalars(sa.select(Assessment.post_edit)))
    assert any("👍🏽\nsecond line" in (p or "") for p in post_edits)
    # Written raw (ensure_ascii=False), not as \u escapes.
    assert "👩🏽\u200d💻 naïve (combining: e\u0301) & <b>" in path.read_text(encoding="utf-8")


def test_roundtrip_through_the_cli(app, runner, tmp_path):
    result = runner.invoke(args=["import", str(SEED_TEXT)])
    assert result.exit_code == 0, result.output
    annotate_seed()
    one = tmp_path / "one.jsonl"
    result = runner.invoke(args=["export", "--corpus", "latepost", "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert f"wrote {one}" in result.output

    fresh_database()
    result = runner.invoke(args=["import", str(one)])
    assert result.exit_code == 0, result.output
    assert "created 2 annotator account(s) without a password: ann, bob" in result.output
    two = tmp_path / "two.jsonl"
    result = runner.invoke(args=["export", "--corpus", "latepost", "-o", str(two)])
    assert result.exit_code == 0, result.output
    assert one.read_bytes() == two.read_bytes()
    assert (tmp_path / "one.meta.json").read_bytes() == (tmp_path / "two.meta.json").read_bytes()
