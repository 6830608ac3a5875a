"""corpus_report on a small corpus built through the real save path."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sacrebleu.metrics import BLEU, CHRF, TER

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.extensions import db
from app.models import Corpus, Document, Segment, Translation
from app.models.stats import SegmentStats
from app.scoring.report import corpus_report, finished_pairs, format_report
from app.scoring.segments import SegmentScorer
from app.scoring.text import one_line
from tests.conftest import make_user

MAJOR = SpanData(4, 15, "Accuracy/Mistranslation", "Major")
PUNCT = SpanData(0, 1, "Fluency/Punctuation", "Minor")
WORD = SpanData(0, 7, "Fluency/Grammar", "Minor")


def annotate(translation, user, status, post_edit, spans=(), *, at=None):
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit,
        status=status,
        spans=list(spans),
    )
    if at is not None:
        assessment.updated_at = at
    db.session.commit()
    return assessment


def add_segment(doc, position, mts, *, kind="body", annotatable=True):
    segment = Segment(
        document=doc, position=position, kind=kind, annotatable=annotatable, source=None
    )
    db.session.add(segment)
    translations = {}
    for system, text in mts.items():
        translations[system] = Translation(segment=segment, system=system, text=text)
        db.session.add(translations[system])
    db.session.flush()
    return translations


@pytest.fixture
def corpus(app):
    ann, rev = make_user("ann"), make_user("rev")
    corpus = Corpus(name="latepost", source_lang="zh", target_lang="en")
    db.session.add(corpus)
    # Documents are created out of order: export order follows position.
    second = Document(corpus=corpus, name="second", position=1)
    first = Document(corpus=corpus, name="first", position=0)
    db.session.add_all([second, first])
    db.session.flush()
    t = {}
    t["title"] = add_segment(first, 1, {"web-mt": "Former Internet employees, back to reality"})
    t["meta"] = add_segment(
        first, 2, {"web-mt": "LatePost 2023-05-01"}, kind="meta", annotatable=False
    )
    t["cola"] = add_segment(
        first,
        3,
        {"web-mt": "The big factory hired Wang Cola.", "alt-mt": "Big factory hired Wang Kele."},
    )
    t["draft"] = add_segment(first, 4, {"web-mt": "She left station B a year later."})
    t["two"] = add_segment(second, 1, {"web-mt": "Human Jiuhua opened a store ."})
    t["none"] = add_segment(second, 2, {"web-mt": "This segment is fine."})
    t["mqm_only"] = add_segment(second, 3, {"web-mt": "It was not translated at all"})
    db.session.commit()

    now = datetime(2024, 1, 1)
    annotate(
        t["title"]["web-mt"],
        ann,
        "done",
        "Former internet employees go back to the real world",
        [PUNCT],
    )
    annotate(t["meta"]["web-mt"], ann, "done", "LatePost, 1 May 2023")
    annotate(t["cola"]["web-mt"], ann, "done", "The big tech company hired Wang Kele.", [MAJOR])
    annotate(t["cola"]["alt-mt"], ann, "done", "Big tech companies hired Wang Kele.")
    annotate(t["draft"]["web-mt"], ann, "draft", "She left Bilibili a year later.")
    # Two finished assessments: the more recently updated one gives the reference.
    annotate(
        t["two"]["web-mt"],
        ann,
        "done",
        "Renren Jiuhua opened a store.",
        [SpanData(0, 5, "Accuracy/Mistranslation", "Minor")],
        at=now + timedelta(hours=1),
    )
    annotate(
        t["two"]["web-mt"],
        rev,
        "done",
        "Old reviewer edit.",
        [SpanData(0, 12, "Non-translation!", "Major")],
        at=now,
    )
    annotate(t["none"]["web-mt"], ann, "no_errors", None)
    annotate(
        t["mqm_only"]["web-mt"],
        rev,
        "done",
        None,
        [SpanData(0, 2, "Accuracy/Mistranslation", "Major")],
    )
    # A later draft by the other annotator does not displace a finished one.
    annotate(t["title"]["web-mt"], rev, "draft", "Draft text")
    db.session.expire_all()
    return corpus


EXPECTED_PAIRS = [
    ("first", 1, "web-mt", "Former internet employees go back to the real world"),
    ("first", 3, "alt-mt", "Big tech companies hired Wang Kele."),
    ("first", 3, "web-mt", "The big tech company hired Wang Kele."),
    ("second", 1, "web-mt", "Renren Jiuhua opened a store."),
    ("second", 2, "web-mt", "This segment is fine."),
    ("second", 3, "web-mt", None),
]


def test_finished_pairs_follow_the_reference_rule_in_export_order(corpus):
    pairs = list(finished_pairs(db.session, corpus))
    assert [(p.document, p.position, p.system, p.reference) for p in pairs] == EXPECTED_PAIRS
    by_ref = {p.reference: p for p in pairs}
    assert [s.category for s in by_ref["Renren Jiuhua opened a store."].spans] == [
        "Accuracy/Mistranslation"
    ]
    assert by_ref["This segment is fine."].status == "no_errors"


def test_corpus_report_equals_sacrebleu_on_the_same_lists(corpus):
    report = corpus_report(db.session, corpus)
    scored = [p for p in finished_pairs(db.session, corpus) if p.reference is not None]
    hyps = [p.hypothesis for p in scored]
    refs = [p.reference for p in scored]
    for name, metric in {"bleu": BLEU(), "chrf": CHRF(), "ter": TER()}.items():
        assert report.metrics[name].score == metric.corpus_score(hyps, [refs]).score
        assert report.metrics[name].signature == metric.get_signature().format()
    assert (report.n_segments, report.n_scored, report.n_total) == (6, 5, 7)
    sentence_bleu = BLEU(effective_order=True)
    for pair in scored:
        scores = report.segment_scores[pair.translation_id]
        assert (
            scores["bleu"] == sentence_bleu.sentence_score(pair.hypothesis, [pair.reference]).score
        )
        assert scores["ter"] == TER().sentence_score(pair.hypothesis, [pair.reference]).score


def test_corpus_report_mqm(corpus):
    report = corpus_report(db.session, corpus)
    # Penalties of the six finished pairs: 0.1, 0, 5, 1 (newer of two), 0, 5.
    assert report.mqm == pytest.approx((0.1 + 0 + 5 + 1 + 0 + 5) / 6)
    words = 6 + 5 + 6 + 6 + 4 + 6
    assert report.n_words == words
    assert report.mqm_per_100_words == pytest.approx(100 * 11.1 / words)
    mqm_only = next(p for p in finished_pairs(db.session, corpus) if p.reference is None)
    assert report.segment_scores[mqm_only.translation_id] == {
        "bleu": None,
        "chrf": None,
        "ter": None,
        "mqm": 5.0,
    }
    assert report.errors[("Accuracy/Mistranslation", "Major")] == 2


def test_each_system_is_scored_on_its_own_pairs(corpus):
    report = corpus_report(db.session, corpus)
    assert [s.name for s in report.systems] == ["alt-mt", "web-mt"]
    pairs = [p for p in finished_pairs(db.session, corpus) if p.reference is not None]
    for summary in report.systems:
        mine = [p for p in pairs if p.system == summary.name]
        hyps, refs = [p.hypothesis for p in mine], [p.reference for p in mine]
        assert summary.n_scored == len(mine)
        assert summary.metrics["chrf"].score == CHRF().corpus_score(hyps, [refs]).score
        assert summary.metrics["bleu"].score == BLEU().corpus_score(hyps, [refs]).score
    web = report.systems[1]
    assert (web.n_segments, web.mqm) == (5, pytest.approx((0.1 + 5 + 1 + 0 + 5) / 5))


def test_report_equals_the_sacrebleu_command(corpus, tmp_path):
    pairs = [p for p in finished_pairs(db.session, corpus) if p.reference is not None]
    (tmp_path / "hyp.txt").write_text("".join(one_line(p.hypothesis) + "\n" for p in pairs))
    (tmp_path / "ref.txt").write_text("".join(one_line(p.reference) + "\n" for p in pairs))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sacrebleu",
            "ref.txt",
            "-i",
            "hyp.txt",
            "-m",
            "bleu",
            "chrf",
            "ter",
            "-b",
            "-w",
            "4",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    bleu, chrf, ter = json.loads(result.stdout)
    report = corpus_report(db.session, corpus)
    assert [round(report.metrics[m].score, 4) for m in ("bleu", "chrf", "ter")] == [
        bleu,
        chrf,
        ter,
    ]


def test_as_dict_is_json_ready_with_stable_keys(corpus):
    report = corpus_report(db.session, corpus)
    data = report.as_dict(segments=True)
    assert list(data) == [
        "corpus",
        "n_segments",
        "n_total",
        "n_scored",
        "n_words",
        "metrics",
        "mqm",
        "mqm_per_100_words",
        "errors",
        "systems",
        "segment_scores",
    ]
    assert list(data["metrics"]) == ["bleu", "chrf", "ter"]
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text)["metrics"]["bleu"]["signature"].startswith("nrefs:1|case:mixed")
    assert "segment_scores" not in report.as_dict()
    # Same corpus, same bytes.
    assert json.dumps(corpus_report(db.session, corpus).as_dict(segments=True)) == json.dumps(data)


def test_format_report_shows_counts_scores_and_signatures(corpus):
    report = corpus_report(db.session, corpus)
    text = format_report(report)
    assert "6 / 7" in text
    assert f"{report.metrics['bleu'].score:.2f}" in text
    assert "tok:13a" in text and "tok:tercom" in text
    assert f"{report.mqm:.2f}" in text
    web = report.systems[1]
    assert re.search(rf"^web-mt +5 +{web.metrics['bleu'].score:.2f} ", text, re.M)


def test_empty_corpus(app):
    corpus = Corpus(name="empty", source_lang="zh", target_lang="en")
    db.session.add(corpus)
    db.session.commit()
    report = corpus_report(db.session, corpus)
    assert report.n_segments == 0 and report.mqm is None
    assert report.metrics["bleu"].score is None
    assert "—" in format_report(report)


def test_query_count_does_not_grow_with_the_corpus(app):
    user = make_user("ann")
    counts = []
    for name, size in (("small", 3), ("large", 60)):
        corpus = Corpus(name=name, source_lang="en", target_lang="de")
        doc = Document(corpus=corpus, name="d")
        db.session.add_all([corpus, doc])
        for i in range(size):
            (translation,) = add_segment(doc, i + 1, {"mt": f"segment {i} text"}).values()
            annotate(translation, user, "done", f"segment {i} text fixed", [WORD])
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args, log=statements):
            log.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            report = corpus_report(db.session, corpus)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        counts.append(len(statements))
        assert report.n_segments == size
    assert counts[0] == counts[1]


def test_score_command(runner, corpus):
    result = runner.invoke(args=["score", "--corpus", "latepost", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_segments"] == 6
    table = runner.invoke(args=["score", "--corpus", "latepost"])
    assert table.exit_code == 0 and "Segments finished: 6 / 7" in table.output


def test_report_without_segments_has_the_same_corpus_figures(corpus):
    full = corpus_report(db.session, corpus)
    lean = corpus_report(db.session, corpus, keep_segments=False)
    assert lean.segment_scores == {}
    assert lean.as_dict() == full.as_dict()


@pytest.mark.parametrize("stored", [True, False])
def test_segment_scorer_equals_the_report_per_segment(corpus, stored):
    if not stored:
        db.session.execute(sa.delete(SegmentStats).where(SegmentStats.corpus_id == corpus.id))
        db.session.commit()
    expected = corpus_report(db.session, corpus).segment_scores
    scorer = SegmentScorer(db.session, corpus)
    assert (scorer.lookup is not None) == stored
    pairs = list(finished_pairs(db.session, corpus))
    # Scored in two batches, as a streaming writer asks for them.
    got = scorer.scores(pairs[:2]) | scorer.scores(pairs[2:])
    assert got == expected
    assert len(got) == 6
    if scorer.lookup is not None:
        # The fixture moves a timestamp after the save, so one stored row is no
        # longer the reference-giving assessment's: that pair is scored from text.
        assert scorer.lookup.misses == 1
