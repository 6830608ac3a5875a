"""The report pages: numbers as the scorer computes them, text escaped."""

from __future__ import annotations

import html
import json
import re

import pytest
from markupsafe import escape

from app.assessments import SpanData
from app.extensions import db
from app.models import Corpus, Document
from app.reports import routes
from app.reports.highlight import highlight
from app.scoring.report import corpus_report
from tests.conftest import make_user
from tests.test_scoring_report import add_segment, annotate
from tests.test_scoring_report import corpus as corpus  # the fixture

XSS = '<script>alert("pe")</script>'


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def logged_in(auth, corpus):
    # Reports show every annotator's work: a researcher reads them.
    make_user("reader", role="researcher")
    response = auth.login("reader")
    assert response.status_code in (302, 303)
    return corpus


def test_report_requires_login(client, corpus):
    response = client.get("/reports/latepost")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert client.get("/reports/").status_code == 302


def test_report_page_shows_the_scores(client, logged_in):
    body = page_text(client.get("/reports/latepost"))
    report = corpus_report(db.session, logged_in)
    finished = re.search(r'id="count-finished">([^<]*)<', body).group(1)
    assert finished == "6 / 7"
    for name in ("bleu", "chrf", "ter"):
        row = re.search(rf'<tr id="metric-{name}">(.*?)</tr>', body, re.S).group(1)
        assert f"{report.metrics[name].score:.2f}" in row
        assert html.escape(report.metrics[name].signature) in row
    mqm_row = re.search(r'<tr id="metric-mqm">(.*?)</tr>', body, re.S).group(1)
    assert f"{report.mqm:.2f}" in mqm_row
    per_100 = re.search(r'<tr id="metric-mqm-100">(.*?)</tr>', body, re.S).group(1)
    assert f"{report.mqm_per_100_words:.2f}" in per_100


def test_report_page_lists_segments_with_their_scores(client, logged_in):
    body = page_text(client.get("/reports/latepost"))
    report = corpus_report(db.session, logged_in)
    rows = re.findall(r'<tr id="t(\d+)"', body)
    assert len(rows) == report.n_segments == 6
    for tid in rows:
        row = re.search(rf'<tr id="t{tid}"[^>]*>(.*?)</tr>', body, re.S).group(1)
        scores = report.segment_scores[int(tid)]
        if scores["bleu"] is not None:
            assert f"{scores['bleu']:.2f}" in row
        assert f"{scores['mqm']:.1f}" in row
    # The Major mistranslation is marked in the MT of its segment.
    assert re.search(r'<mark class="err sev-major"[^>]*>big factory</mark>', body)
    # Two systems in the corpus: the table names them and scores each.
    assert ">alt-mt<" in body
    for index, system in enumerate(report.systems, 1):
        row = re.search(rf'<tr id="system-{index}">(.*?)</tr>', body, re.S).group(1)
        assert f">{system.name}<" in row
        assert f"{system.metrics['chrf'].score:.2f}" in row
        assert f"{system.mqm:.2f}" in row
    assert 'href="/reports/latepost/systems"' in body
    # Rows are grouped under their document, in document order.
    assert re.findall(r'<tr class="doc-group"><th[^>]*>([^<]*)</th>', body) == ["first", "second"]
    # The meta segment is not annotatable and is not listed.
    assert "LatePost 2023-05-01" not in body


def test_error_table(client, logged_in):
    body = page_text(client.get("/reports/latepost"))
    table = re.search(r'<table class="report-table errors">(.*?)</table>', body, re.S).group(1)
    row = re.search(r"<th scope=\"row\">Accuracy/Mistranslation</th>(.*?)</tr>", table, re.S)
    counts = re.findall(r">(\d+)</td>", row.group(1))
    # Critical, Major, Minor, Neutral, Total.
    assert counts == ["0", "2", "1", "0", "3"]


def test_user_text_is_escaped(client, auth, app):
    user = make_user("ann", role="researcher")
    corpus = Corpus(name="xss", source_lang="zh", target_lang="en")
    doc = Document(corpus=corpus, name='<img src=x onerror="1">')
    db.session.add_all([corpus, doc])
    (translation,) = add_segment(doc, 1, {"mt": "<b>bold</b> & more"}).values()
    db.session.commit()
    annotate(
        translation,
        user,
        "done",
        XSS,
        [SpanData(0, 3, "Fluency/Spelling", "Minor", note='<i>"note"</i>')],
    )
    auth.login("ann")
    body = page_text(client.get("/reports/xss"))
    assert XSS not in body
    assert str(escape(XSS)) in body
    assert "<b>bold" not in body and "<img src=x" not in body
    assert "&lt;i&gt;" in body  # the span note, in the mark's title
    assert re.search(r'<mark class="err sev-minor"[^>]*>&lt;b&gt;</mark>bold', body)


def test_pages_are_fit_for_a_strict_csp(client, logged_in):
    for url in ("/reports/", "/reports/latepost"):
        body = page_text(client.get(url))
        assert "<script" not in body
        assert not re.search(r"\sstyle=", body)
        assert not re.search(r"\son[a-z]+=", body)


def test_pagination(client, logged_in, monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 4)
    first = page_text(client.get("/reports/latepost"))
    second = page_text(client.get("/reports/latepost?page=2"))
    ids_first = re.findall(r'<tr id="t(\d+)"', first)
    ids_second = re.findall(r'<tr id="t(\d+)"', second)
    assert (len(ids_first), len(ids_second)) == (4, 2)
    assert not set(ids_first) & set(ids_second)
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert client.get("/reports/latepost?page=3").status_code == 404


def test_index_lists_corpora(client, logged_in):
    body = page_text(client.get("/reports/"))
    assert 'href="/reports/latepost"' in body
    assert "6 / 7" in body


def test_unknown_corpus_is_404(client, logged_in):
    assert client.get("/reports/nothing-here").status_code == 404


def test_corpus_names_with_a_slash(client, auth, app):
    make_user("ann", role="researcher")
    db.session.add(Corpus(name="wmt22/en-de", source_lang="en", target_lang="de"))
    db.session.commit()
    auth.login("ann")
    body = page_text(client.get("/reports/wmt22/en-de"))
    assert "<h1>wmt22/en-de" in body
    data = json.loads(client.get("/reports/wmt22/en-de/scores.json").get_data(as_text=True))
    assert data["corpus"]["name"] == "wmt22/en-de"


def test_scores_json(client, logged_in):
    response = client.get("/reports/latepost/scores.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    expected = corpus_report(db.session, logged_in).as_dict(segments=True)
    assert list(data) == list(expected)
    assert data == json.loads(json.dumps(expected))


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("abc", [], "abc"),
        (
            "a<b",
            [SpanData(1, 2, "Other", "Minor")],
            'a<mark class="err sev-minor" title="Other (Minor, 1)">&lt;</mark>b',
        ),
        # Overlap: the shared piece takes the worst severity and both labels.
        (
            "abcd",
            [SpanData(0, 3, "Other", "Minor"), SpanData(2, 4, "Other", "Major")],
            '<mark class="err sev-minor" title="Other (Minor, 1)">ab</mark>'
            '<mark class="err sev-major" title="Other (Minor, 1); Other (Major, 5)">c</mark>'
            '<mark class="err sev-major" title="Other (Major, 5)">d</mark>',
        ),
        # An omission is a caret at its offset; source-side spans are not shown.
        (
            "ab",
            [
                SpanData(1, 1, "Accuracy/Omission", "Major"),
                SpanData(0, 2, "Other", "Major", side="source"),
            ],
            'a<mark class="err sev-major omitted" title="Accuracy/Omission (Major, 5)">'
            "&#8248;</mark>b",
        ),
    ],
)
def test_highlight(text, spans, expected):
    assert str(highlight(text, spans)) == expected
