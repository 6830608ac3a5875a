"""Chart data on a small hand-built corpus, and the charts page and JSON.

The corpus: two documents, two systems, one campaign. Every count below
follows from the assessments made in the fixture; sentence chrF and TER
are checked against sacrebleu run here on the same pairs.
"""

from __future__ import annotations

import json
import re

import pytest
from sacrebleu.metrics import CHRF, TER

from app.assessments import SpanData
from app.assignment import create_campaign
from app.extensions import db
from app.models import Corpus, Document
from app.reports.chart_data import (
    CHRF_BINS,
    MQM_BINS,
    TER_BINS,
    annotator_progress,
    chart_data,
    histogram,
)
from tests.conftest import make_user
from tests.test_scoring_report import add_segment, annotate

XSS = '<script>alert("x")</script>'
MISTRANSLATION = SpanData(0, 3, "Accuracy/Mistranslation", "Major")  # 5
PUNCTUATION = SpanData(3, 4, "Fluency/Punctuation", "Minor")  # 0.1
GRAMMAR = SpanData(0, 4, "Fluency/Grammar", "Minor")  # 1
NON_TRANSLATION = SpanData(0, 2, "Non-translation!", "Major")  # 25

#: (hypothesis, post-edit) of the finished pairs with a reference.
SCORED = [
    ("The cat sat on a mat.", "The cat sat on the mat."),
    ("A dog barked.", "A dog barked."),
    ("He goed home late.", "He went home late."),
]


@pytest.fixture
def corpus(app):
    ann, other = make_user("ann"), make_user("other")
    corpus = Corpus(name="wmt/zh-en", source_lang="zh", target_lang="en")
    db.session.add(corpus)
    d1 = Document(corpus=corpus, name="d1", position=0)
    d2 = Document(corpus=corpus, name=f"d2 {XSS}", position=1)
    db.session.add_all([d1, d2])
    db.session.flush()
    s1 = add_segment(d1, 1, {"A": SCORED[0][0], "B": SCORED[1][0]})
    s2 = add_segment(d1, 2, {"A": "Draft only."})
    add_segment(d1, 3, {"A": "Boilerplate"}, kind="meta", annotatable=False)
    s4 = add_segment(d2, 1, {"A": "没有翻译", "B": SCORED[2][0]})
    db.session.commit()
    # ann is assigned the five annotatable translations; other nothing.
    create_campaign(db.session, name="c1", corpus=corpus, annotators=[ann])
    db.session.commit()

    annotate(s1["A"], ann, "done", SCORED[0][1], [MISTRANSLATION, PUNCTUATION])  # 5.1
    annotate(s1["B"], ann, "no_errors", None)  # 0, reference = MT
    annotate(s2["A"], ann, "draft", "Draft", [NON_TRANSLATION])  # not counted
    annotate(s4["A"], other, "done", None, [NON_TRANSLATION, GRAMMAR])  # 26, MQM only
    annotate(s4["B"], other, "done", SCORED[2][1], [GRAMMAR])  # 1
    db.session.expire_all()
    return corpus


def test_errors_by_category_and_severity(corpus):
    data = chart_data(db.session, corpus)
    assert data["severities"] == ["Critical", "Major", "Minor", "Neutral"]
    rows = {row["category"]: row for row in data["errors"]}
    # Typology order; the draft's span is not counted.
    assert list(rows) == [
        "Accuracy/Mistranslation",
        "Fluency/Punctuation",
        "Fluency/Grammar",
        "Non-translation!",
    ]
    assert rows["Accuracy/Mistranslation"]["counts"]["Major"] == 1
    assert rows["Fluency/Punctuation"]["counts"]["Minor"] == 1
    assert rows["Fluency/Grammar"]["counts"] == {
        "Critical": 0,
        "Major": 0,
        "Minor": 2,
        "Neutral": 0,
    }
    assert rows["Non-translation!"]["total"] == 1


def test_mqm_per_document_and_system(corpus):
    data = chart_data(db.session, corpus)
    assert data["n_segments"] == 4 and data["n_total"] == 5 and data["n_scored"] == 3
    documents = {d["document"]: d for d in data["documents"]}
    assert list(documents) == ["d1", f"d2 {XSS}"]
    assert documents["d1"]["segments"] == 2
    assert documents["d1"]["mqm"] == pytest.approx((5.1 + 0) / 2)
    assert documents[f"d2 {XSS}"]["mqm"] == pytest.approx((26 + 1) / 2)
    systems = {s["system"]: s for s in data["systems"]}
    assert systems["A"]["segments"] == 2
    assert systems["A"]["mqm"] == pytest.approx((5.1 + 26) / 2)
    assert systems["B"]["mqm"] == pytest.approx((0 + 1) / 2)


def _bin_of(value, bins):
    return next(
        label
        for label, lower, upper, closed in bins
        if lower <= value and (value <= upper if closed else value < upper)
    )


def test_histograms_of_segment_scores(corpus):
    data = chart_data(db.session, corpus)
    mqm = {b["label"]: b["count"] for b in data["histograms"]["mqm"]}
    assert mqm == {"0": 1, "0-1": 1, "1-5": 0, "5-10": 1, "10-25": 0, ">25": 1}
    # chrF and TER only for the three pairs with a reference.
    for key, metric, bins in (("chrf", CHRF(), CHRF_BINS), ("ter", TER(), TER_BINS)):
        expected = dict.fromkeys((b[0] for b in bins), 0)
        for hyp, ref in SCORED:
            expected[_bin_of(metric.sentence_score(hyp, [ref]).score, bins)] += 1
        assert {b["label"]: b["count"] for b in data["histograms"][key]} == expected
        assert sum(expected.values()) == 3
    # The error-free pair is a perfect match: chrF 100 in the closed last bin.
    assert data["histograms"]["chrf"][-1]["count"] >= 1
    assert data["histograms"]["ter"][0]["count"] >= 1


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.0, "0"),
        (0.1, "0-1"),
        (1.0, "0-1"),
        (1.1, "1-5"),
        (5.0, "1-5"),
        (25.0, "10-25"),
        (25.1, ">25"),
    ],
)
def test_mqm_bin_edges(value, label):
    counts = {b["label"]: b["count"] for b in histogram([value], MQM_BINS)}
    assert counts[label] == 1 and sum(counts.values()) == 1


def test_worst_segments_with_their_spans(corpus):
    worst = chart_data(db.session, corpus)["worst"]
    # Error-free segments are not "worst"; highest penalty first.
    assert [(w["document"], w["system"], w["mqm"]) for w in worst] == [
        (f"d2 {XSS}", "A", pytest.approx(26)),
        ("d1", "A", pytest.approx(5.1)),
        (f"d2 {XSS}", "B", pytest.approx(1)),
    ]
    assert [(s["category"], s["start"], s["end"]) for s in worst[1]["spans"]] == [
        ("Accuracy/Mistranslation", 0, 3),
        ("Fluency/Punctuation", 3, 4),
    ]
    assert worst[0]["reference"] is None and worst[0]["chrf"] is None
    assert [w["mqm"] for w in chart_data(db.session, corpus, worst=2)["worst"]] == [
        pytest.approx(26),
        pytest.approx(5.1),
    ]


def test_annotator_progress_with_and_without_assignments(corpus):
    progress = {p.annotator: p for p in annotator_progress(db.session, corpus)}
    assert set(progress) == {"ann", "other"}
    ann = progress["ann"]
    assert (ann.assigned, ann.finished, ann.draft, ann.remaining) == (5, 2, 1, 2)
    # No campaign gave "other" anything: only the finished work is known.
    other = progress["other"]
    assert (other.assigned, other.finished, other.draft, other.remaining) == (None, 2, 0, None)


def test_empty_corpus(app):
    corpus = Corpus(name="empty", source_lang="zh", target_lang="en")
    db.session.add(corpus)
    db.session.commit()
    data = chart_data(db.session, corpus)
    assert data["errors"] == data["documents"] == data["worst"] == data["progress"] == []
    assert all(b["count"] == 0 for bins in data["histograms"].values() for b in bins)
    assert data["mqm"] is None


# ---- The page and the JSON ----


@pytest.fixture
def reader(auth, corpus):
    make_user("reader", role="researcher")
    auth.login("reader")
    return corpus


def test_charts_need_a_results_reader(client, auth, corpus):
    response = client.get("/reports/wmt/zh-en/charts")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login("ann")
    assert client.get("/reports/wmt/zh-en/charts").status_code == 403
    assert client.get("/reports/wmt/zh-en/charts.json").status_code == 403


def test_charts_json_is_the_chart_data(client, reader):
    response = client.get("/reports/wmt/zh-en/charts.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == json.loads(json.dumps(chart_data(db.session, reader)))
    assert client.get("/reports/no-such/charts.json").status_code == 404


def test_charts_page_embeds_the_data_and_escapes_names(client, reader):
    response = client.get("/reports/wmt/zh-en/charts")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    embedded = re.search(
        r'<script type="application/json" id="chart-data">(.*?)</script>', body, re.S
    ).group(1)
    assert json.loads(embedded) == json.loads(json.dumps(chart_data(db.session, reader)))
    assert XSS not in body
    assert "&lt;script&gt;" in body
    for key in (
        "errors",
        "documents",
        "systems",
        "hist-mqm",
        "hist-chrf",
        "hist-ter",
        "worst",
        "progress",
    ):
        assert f'id="chart-{key}"' in body and f'id="chart-{key}-title"' in body
    # The worst segments have their spans marked in the MT.
    assert re.search(r'<mark class="err sev-major"[^>]*>没有</mark>', body)
    assert re.search(r'src="/reports/static/charts\.js\?v=[0-9a-f]+"', body)
    assert " style=" not in body and "<style" not in body


def test_routes_with_slashes_in_corpus_names(client, reader):
    assert client.get("/reports/wmt/zh-en").status_code == 200
    assert client.get("/reports/wmt/zh-en/systems").status_code == 200
    page = client.get("/reports/wmt/zh-en").get_data(as_text=True)
    assert 'href="/reports/wmt/zh-en/charts"' in page
    # A corpus whose name itself ends in /charts still has its report.
    db.session.add(Corpus(name="news/charts", source_lang="de", target_lang="en"))
    db.session.commit()
    response = client.get("/reports/news/charts")
    assert response.status_code == 200 and "news/charts" in response.get_data(as_text=True)
    assert client.get("/reports/news/charts/charts").status_code == 200
    assert client.get("/reports/nothing/charts").status_code == 404
