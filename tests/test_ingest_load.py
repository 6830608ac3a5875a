"""The loader: re-imports change nothing, stored text and work are never
overwritten, and a failed import leaves the database as it was."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.errors import IngestError
from app.extensions import db
from app.ingest import import_path
from app.models import Assessment, Corpus, Document, ErrorSpan, Revision, Segment, Translation, User
from tests.conftest import SEED_TEXT, make_user

MODELS = (Corpus, Document, Segment, Translation, Assessment, ErrorSpan, Revision, User)


def counts() -> dict[str, int]:
    return {
        m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
        for m in MODELS
    }


def copy_seed(tmp_path, transform=lambda text: text):
    """The seed article and its sidecar, copied (and changed) into tmp_path."""
    meta = SEED_TEXT.with_name(SEED_TEXT.name.split(".")[0] + ".meta.json")
    (tmp_path / meta.name).write_text(meta.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / SEED_TEXT.name
    path.write_text(transform(SEED_TEXT.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_reimport_changes_nothing(app):
    first = import_path(db.session, SEED_TEXT)
    before = counts()
    second = import_path(db.session, SEED_TEXT)
    assert counts() == before
    for kind in ("documents", "segments", "translations"):
        assert second.count(kind).created == 0
        assert second.count(kind).present == first.count(kind).created > 0
    assert "nothing new" in second.summary()


def test_changed_mt_is_refused_and_nothing_written(app, tmp_path):
    import_path(db.session, SEED_TEXT)
    before = counts()
    # One word changed in the middle, plus a new paragraph at the end that
    # would otherwise be added: the whole import must be refused.
    path = copy_seed(
        tmp_path,
        lambda t: t.replace("his mailbox was empty", "his inbox was empty") + "\n\nNew text.\n",
    )
    with pytest.raises(IngestError) as caught:
        import_path(db.session, path)
    message = str(caught.value)
    assert message.startswith(f"{path}:9: segment latepost-former-internet-employees#7")
    assert "stored MT" in message and "never overwrites" in message
    assert counts() == before


def test_a_segment_added_at_the_end_is_added(app, tmp_path):
    import_path(db.session, SEED_TEXT)
    before = counts()
    report = import_path(db.session, copy_seed(tmp_path, lambda t: t + "\n\nA new sentence.\n"))
    assert report.count("segments").created == 1
    assert counts()["segment"] == before["segment"] + 1


def test_rows_added_after_an_import_get_new_ids(app, tmp_path):
    """The import chooses its rows' ids itself; rows stored afterwards by
    the ORM (database default ids, a sequence on PostgreSQL) must not
    collide with them, and a second import must continue after both."""
    import_path(db.session, SEED_TEXT)
    imported = set(db.session.scalars(sa.select(Segment.id)))
    document = db.session.scalars(sa.select(Document)).first()
    segment = Segment(document_id=document.id, position=999, source="Later.")
    db.session.add(segment)
    db.session.flush()
    db.session.add(Translation(segment_id=segment.id, system="late", text="Later."))
    db.session.commit()
    assert segment.id not in imported
    assert segment.id > max(imported)
    report = import_path(db.session, _jsonl(tmp_path / "more.jsonl", []))
    assert report.count("segments").created == 1
    ids = list(db.session.scalars(sa.select(Segment.id)))
    assert len(ids) == len(set(ids)) == len(imported) + 2
    translations = list(db.session.scalars(sa.select(Translation.id)))
    assert len(translations) == len(set(translations))


def _jsonl(path, assessments, errors=()):
    obj = {
        "doc_id": "d", "seg_id": 1, "system": "mt", "source": None, "target": "Some MT text.",
        "assessments": assessments, "errors": list(errors),
    }  # fmt: skip
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")
    return path


def test_stored_work_that_differs_is_kept(app, tmp_path):
    work = {"annotator": "ann", "status": "done", "post_edit": "Some good text.",
            "time_spent": 1.0, "keystrokes": 2}  # fmt: skip
    span = {"start": 5, "end": 7, "category": "Fluency/Grammar", "severity": "Minor",
            "annotator": "ann"}  # fmt: skip
    import_path(db.session, _jsonl(tmp_path / "c.jsonl", [work], [span]))
    stored = db.session.scalar(sa.select(Assessment))
    original = (stored.post_edit, stored.status, stored.version, [s.end for s in stored.spans])
    same = import_path(db.session, _jsonl(tmp_path / "c.jsonl", [work], [span]))
    assert (same.count("assessments").present, same.count("assessments").kept) == (1, 0)
    before = counts()
    for changed, spans in (
        ({**work, "post_edit": "Other text."}, [span]),
        (work, [{**span, "end": 8}]),
        (work, []),
    ):
        report = import_path(db.session, _jsonl(tmp_path / "c.jsonl", [changed], spans))
        assert report.count("assessments").kept == 1
        assert "kept 1 stored assessment that differ" in report.summary()
    assert counts() == before
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Assessment))
    assert (
        stored.post_edit,
        stored.status,
        stored.version,
        [s.end for s in stored.spans],
    ) == original


def test_work_saved_in_the_browser_survives_a_reimport(app):
    import_path(db.session, SEED_TEXT)
    user = make_user("ann")
    translation = db.session.scalar(
        sa.select(Translation).join(Segment).where(Segment.position == 5)
    )
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session, assessment, user=user, base_version=assessment.version,
        post_edit="Edited.", status="done", spans=[SpanData(0, 4, "Style/Awkward", "Minor")],
    )  # fmt: skip
    db.session.commit()
    before = counts()
    import_path(db.session, SEED_TEXT)
    assert counts() == before
    assert db.session.scalar(sa.select(Assessment.post_edit)) == "Edited."


def test_a_language_clash_with_the_stored_corpus_is_refused(app, tmp_path):
    import_path(db.session, SEED_TEXT)
    before = counts()
    with pytest.raises(IngestError, match="target language 'en', the input says 'de'"):
        import_path(db.session, SEED_TEXT, target_lang="de")
    assert counts() == before


def test_the_cli_imports_and_reports(runner, tmp_path):
    result = runner.invoke(args=["import", str(SEED_TEXT)])
    assert result.exit_code == 0, result.output
    assert "imported 1 file into corpus 'latepost'" in result.output
    assert counts()["segment"] > 0
    bad = copy_seed(tmp_path, lambda t: t.replace("Chen Xi", "Chen X", 1))
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code == 1
    assert f"Error: {bad}:7: segment latepost-former-internet-employees#4" in result.output
