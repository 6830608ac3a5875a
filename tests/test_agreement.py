"""Agreement between annotators: Krippendorff's alpha on MQM scores, span
precision/recall/F1, chrF/TER between post-edits, and `mtqa agreement`."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from flask import Flask
from sacrebleu.metrics import CHRF, TER

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.extensions import db
from app.models import Corpus, Document, Segment, Translation, User
from app.scoring.agreement import agreement_report, format_agreement

TARGETS = [
    "The big factory fired him last year.",
    "Wang Cola went back to his hometown.",
    "He opened a noodle shop with station B fans.",
]
POST_EDITS = {
    "alice": [
        "The big tech company fired him last year.",
        "Wang Kele went back to his hometown.",
        "He opened a noodle shop with Bilibili fans.",
    ],
    "bob": [
        "The tech giant laid him off last year.",
        "Wang Kele went back to his home town.",
        "He opened a noodle shop with Bilibili fans.",
    ],
}


def _spans(annotator: str, index: int) -> list[SpanData]:
    """alice and bob agree exactly on segment 0, overlap on segment 1, and
    disagree about segment 2 (bob finds nothing); carol rates segment 0 only."""
    table = {
        ("alice", 0): [SpanData(4, 15, "Accuracy/Mistranslation", "Major")],
        ("bob", 0): [SpanData(4, 15, "Accuracy/Mistranslation", "Major")],
        ("alice", 1): [SpanData(0, 9, "Accuracy/Mistranslation", "Major")],
        ("bob", 1): [SpanData(5, 9, "Fluency/Spelling", "Minor")],
        ("alice", 2): [SpanData(29, 38, "Terminology/Inappropriate for context", "Minor")],
        ("bob", 2): [],
        ("carol", 0): [
            SpanData(4, 15, "Accuracy/Mistranslation", "Minor"),
            SpanData(35, 36, "Fluency/Punctuation", "Minor"),
        ],
    }
    return table[(annotator, index)]


@pytest.fixture
def corpus(app: Flask) -> Corpus:
    corpus = Corpus(name="latepost-sample", source_lang="zh", target_lang="en")
    document = Document(corpus=corpus, name="doc1", position=0)
    db.session.add_all([corpus, document])
    translations = []
    for position, text in enumerate(TARGETS, start=1):
        segment = Segment(document=document, position=position, source=None)
        translations.append(Translation(segment=segment, system="web-mt", text=text))
    db.session.add_all(translations)
    users = {name: User(username=name) for name in ("alice", "bob", "carol")}
    db.session.add_all(users.values())
    db.session.flush()
    for name, user in users.items():
        for index, translation in enumerate(translations):
            if name == "carol" and index > 0:
                continue
            assessment = get_or_create_assessment(db.session, translation, user)
            post_edit = POST_EDITS[name][index] if name in POST_EDITS else None
            save_assessment(
                db.session,
                assessment,
                user=user,
                base_version=assessment.version,
                post_edit=post_edit,
                status="done",
                spans=_spans(name, index),
            )
    # A draft never counts: its spans would disagree with everyone.
    draft_user = User(username="dave")
    db.session.add(draft_user)
    draft = get_or_create_assessment(db.session, translations[1], draft_user)
    save_assessment(
        db.session,
        draft,
        user=draft_user,
        base_version=draft.version,
        post_edit=None,
        status="draft",
        spans=[SpanData(0, 3, "Style/Awkward", "Major")],
    )
    db.session.commit()
    return corpus


def test_alpha_uses_each_annotators_mqm_score_per_translation(corpus: Corpus) -> None:
    report = agreement_report(db.session, corpus)
    assert report.annotators == ["alice", "bob", "carol"]
    assert (report.n_units, report.n_pairable) == (3, 3)
    # Penalties written out from the spans above: Major 5, Minor 1,
    # Minor punctuation 0.1; carol rated the first translation only.
    data = np.array([[5, 5, 1], [5, 1, 0], [1.1, np.nan, np.nan]])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert report.alpha == pytest.approx(expected)
    assert -1.0 < report.alpha < 1.0


def test_span_precision_recall_f1_exact_and_overlap(corpus: Corpus) -> None:
    report = agreement_report(db.session, corpus)
    pairs = {(p.first, p.second): p for p in report.pairs}
    assert set(pairs) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    ab = pairs[("alice", "bob")]
    assert ab.n_shared == 3
    # alice has 3 spans, bob 2; only the segment-0 span is the same span.
    assert ab.spans["exact"].precision == pytest.approx(1 / 2)
    assert ab.spans["exact"].recall == pytest.approx(1 / 3)
    assert ab.spans["exact"].f1 == pytest.approx(0.4)
    assert ab.spans["exact_category"].f1 == pytest.approx(0.4)
    # Characters: alice 11 + 9 + 9 = 29, bob 11 + 4 = 15, all of bob's shared.
    assert ab.spans["overlap"].precision == pytest.approx(1.0)
    assert ab.spans["overlap"].recall == pytest.approx(15 / 29)
    ac = pairs[("alice", "carol")]
    assert ac.n_shared == 1
    # Same offsets, other severity and an extra span: exact matches 1 of 2.
    assert ac.spans["exact"].precision == pytest.approx(1 / 2)
    assert ac.spans["exact"].recall == pytest.approx(1.0)
    assert ac.spans["overlap"].precision == pytest.approx(11 / 12)


def test_post_edit_chrf_and_ter_between_annotators(corpus: Corpus) -> None:
    report = agreement_report(db.session, corpus)
    ab = next(p for p in report.pairs if (p.first, p.second) == ("alice", "bob"))
    assert ab.n_post_edits == 3
    refs, hyps = POST_EDITS["alice"], POST_EDITS["bob"]
    assert ab.post_edit_scores["chrf"] == pytest.approx(CHRF().corpus_score(hyps, [refs]).score)
    assert ab.post_edit_scores["ter"] == pytest.approx(TER().corpus_score(hyps, [refs]).score)
    # carol wrote no post-edit: nothing to compare.
    ac = next(p for p in report.pairs if p.second == "carol")
    assert ac.n_post_edits == 0 and ac.post_edit_scores == {}


def test_identical_annotators_agree_perfectly(app: Flask) -> None:
    corpus = Corpus(name="twins", source_lang="zh", target_lang="en")
    document = Document(corpus=corpus, name="d", position=0)
    db.session.add_all([corpus, document])
    users = [User(username="x"), User(username="y")]
    db.session.add_all(users)
    for position, text in enumerate(TARGETS, start=1):
        translation = Translation(
            segment=Segment(document=document, position=position, source=None),
            system="s",
            text=text,
        )
        db.session.add(translation)
        db.session.flush()
        spans = [SpanData(0, 3, "Style/Awkward", "Minor")] * (position - 1)
        for user in users:
            a = get_or_create_assessment(db.session, translation, user)
            save_assessment(
                db.session,
                a,
                user=user,
                base_version=a.version,
                post_edit=text,
                status="done",
                spans=spans,
            )
    db.session.commit()
    report = agreement_report(db.session, corpus)
    assert report.alpha == pytest.approx(1.0)
    (pair,) = report.pairs
    assert pair.spans["exact"].f1 == pytest.approx(1.0)
    assert pair.spans["overlap"].f1 == pytest.approx(1.0)
    assert pair.post_edit_scores["ter"] == pytest.approx(0.0)
    assert "1.000" in format_agreement(report)


def test_agreement_command(corpus: Corpus, runner) -> None:
    result = runner.invoke(args=["agreement", "--corpus", "latepost-sample", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["annotators"] == ["alice", "bob", "carol"]
    assert data["krippendorff_alpha_interval_mqm"] == pytest.approx(
        agreement_report(db.session, corpus).alpha
    )
    table = runner.invoke(args=["agreement", "--corpus", "latepost-sample"])
    assert table.exit_code == 0, table.output
    assert "alice / bob" in table.output and "Krippendorff" in table.output
    missing = runner.invoke(args=["agreement", "--corpus", "nope"])
    assert missing.exit_code != 0 and "no corpus named 'nope'" in missing.output
