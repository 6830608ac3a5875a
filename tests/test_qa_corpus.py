"""`mtqa qa` on a corpus with two MT systems and two annotators: each
system's MT is checked, and each flag is measured against the work done on
its own translation only, once per annotator who finished it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ingest import import_path
from app.models import Corpus, Segment, Translation
from app.qa import GlossaryEntry, precision_against_annotations
from app.qa.corpus import corpus_flags, corpus_spans

GLOSSARY = [GlossaryEntry("B站", "Bilibili", ("station B",))]
A_TEXT = "A video of station B went viral."
B_TEXT = "A video of Bilibili went viral , again."


def _span(start, end, annotator, category="Style/Awkward"):
    return {"start": start, "end": end, "side": "target", "category": category,
            "severity": "Minor", "note": None, "annotator": annotator}  # fmt: skip


def _work(annotator, status, post_edit):
    return {"annotator": annotator, "status": status, "post_edit": post_edit}


LINES = [
    # sys-a: ann finds nothing wrong, bob marks the glossary error.
    {"doc_id": "d", "seg_id": 1, "system": "sys-a", "target": A_TEXT,
     "assessments": [_work("ann", "no_errors", A_TEXT),
                     _work("bob", "done", A_TEXT.replace("station B", "Bilibili"))],
     "errors": [_span(11, 20, "bob", "Terminology/Inappropriate for context")]},
    # sys-b: spans at the same offsets as sys-a's flag, and on the stray space.
    {"doc_id": "d", "seg_id": 1, "system": "sys-b", "target": B_TEXT,
     "assessments": [_work("bob", "done", B_TEXT.replace(" ,", ","))],
     "errors": [_span(11, 19, "bob"), _span(30, 32, "bob", "Fluency/Punctuation")]},
    # Nobody has finished this one: its flag is not judged.
    {"doc_id": "d", "seg_id": 2, "system": "sys-a", "target": "Wang Cola , left.",
     "assessments": [_work("ann", "draft", "Wang Cola left.")]},
]  # fmt: skip


@pytest.fixture
def corpus(app, tmp_path: Path) -> Corpus:
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    import_path(db.session, path, corpus_name="news", source_lang="zh", target_lang="en")
    db.session.commit()
    return db.session.scalar(sa.select(Corpus))


def _translation(system: str, position: int) -> int:
    return db.session.scalar(
        sa.select(Translation.id)
        .join(Segment)
        .where(Translation.system == system, Segment.position == position)
    )


def test_every_system_is_checked_and_flags_name_their_translation(corpus):
    flags = corpus_flags(db.session, corpus.id, GLOSSARY)
    found = {(f.check, f.position, f.start, f.end) for f in flags}
    assert found == {
        ("glossary", _translation("sys-a", 1), 11, 20),
        ("spacing-punctuation", _translation("sys-b", 1), 30, 31),
        ("spacing-punctuation", _translation("sys-a", 2), 9, 10),
    }


def test_spans_are_grouped_by_translation_and_annotator(corpus):
    judgements = corpus_spans(db.session, corpus.id)
    assert set(judgements) == {_translation("sys-a", 1), _translation("sys-b", 1)}
    a = sorted(judgements[_translation("sys-a", 1)], key=len)
    assert [[(s.start, s.end) for s in spans] for spans in a] == [[], [(11, 20)]]
    (b,) = judgements[_translation("sys-b", 1)]
    assert [(s.start, s.end) for s in b] == [(11, 19), (30, 32)]


def test_precision_counts_each_annotators_judgement_of_its_own_translation(corpus):
    flags = corpus_flags(db.session, corpus.id, GLOSSARY)
    rows = precision_against_annotations(flags, corpus_spans(db.session, corpus.id))
    # glossary: judged by ann (no span) and bob (a span) on sys-a; sys-b's
    # span at the same offsets is not evidence. spacing: bob on sys-b only.
    assert {r.check: (r.flags, r.confirmed) for r in rows} == {
        "glossary": (2, 1),
        "spacing-punctuation": (1, 1),
    }


def test_the_qa_command_reports_the_same(corpus, runner, tmp_path: Path):
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text(
        "source_term\ttarget_term\tnote\nB站\tBilibili\tplatform; MT: 'station B'.\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["qa", "--corpus", "news", "--glossary", str(glossary), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    checks = {c["check"]: (c["flags"], c["confirmed"], c["precision"]) for c in printed["checks"]}
    assert checks["glossary"] == (2, 1, 0.5)
    assert checks["spacing-punctuation"] == (1, 1, 1.0)
    assert checks["pronoun-gender"] == (0, 0, None)
    assert len(printed["flags"]) == 3
