"""The plain-text reader on the real seed article and on small made-up files."""

from __future__ import annotations

import itertools
import json
import re

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import IngestError
from app.extensions import db
from app.ingest import import_path
from app.ingest.sentences import sentence_spans, split_sentences
from app.models import Corpus, Document, Segment, Translation
from tests.conftest import SEED_TEXT

SEED_META = json.loads(SEED_TEXT.with_name(SEED_TEXT.name.split(".")[0] + ".meta.json").read_text())
#: The article's section headings, read off the file by eye.
SEED_HEADINGS = {
    "Leaving the big factory system to start a business, the first step is difficult",
    "ex-internet employee",
    "Use what you get on the Internet to do things",
    "Another way to get back into the real world with former employees",
    "Internet is not everything",
}
SEED_FOOTER = [
    "This article is reprinted from: https://www.latepost.com/news/dj_detail?id=1254",
    "This site is for inclusion only, and the copyright belongs to the original author.",
    "Leave a Comment",
]


def stored_segments() -> list[tuple[Segment, Translation]]:
    return list(
        db.session.execute(
            sa.select(Segment, Translation)
            .join(Translation, Translation.segment_id == Segment.id)
            .order_by(Segment.position)
        )
    )


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Corpus, Document, Segment, Translation)
    }


@pytest.fixture
def seed(app):
    report = import_path(db.session, SEED_TEXT)
    return report, stored_segments()


def test_seed_document_and_corpus_come_from_the_sidecar(seed):
    corpus = db.session.scalar(sa.select(Corpus))
    document = db.session.scalar(sa.select(Document))
    assert (corpus.name, corpus.source_lang, corpus.target_lang) == ("latepost", "zh", "en")
    assert document.name == SEED_META["document"]
    assert document.title == SEED_META["title"]
    assert document.origin_url == SEED_META["origin_url"]
    _, rows = seed
    assert {t.system for _, t in rows} == {SEED_META["system"]}
    assert all(s.source is None for s, _ in rows)


def test_seed_segment_kinds(seed):
    _, rows = seed
    by_kind: dict[str, list[str]] = {}
    for segment, translation in rows:
        by_kind.setdefault(segment.kind, []).append(translation.text)
    first_line = SEED_TEXT.read_text(encoding="utf-8").split("\n", 1)[0]
    assert by_kind["title"] == [first_line]
    assert set(by_kind["heading"]) == SEED_HEADINGS
    # The link is one segment: pysbd alone would split it at "?id=".
    assert by_kind["meta"] == [f"Original link: {SEED_META['origin_url']}"]
    assert by_kind["boilerplate"] == SEED_FOOTER
    assert len(rows) == 258


def test_seed_boilerplate_is_stored_but_not_annotatable(seed):
    _, rows = seed
    for segment, _ in rows:
        assert segment.annotatable == (segment.kind in {"title", "heading", "body"})
    assert [s.kind for s, _ in rows[-3:]] == ["boilerplate"] * 3


def test_seed_positions_and_paragraphs(seed):
    _, rows = seed
    assert [s.position for s, _ in rows] == list(range(1, len(rows) + 1))
    paragraphs = [s.paragraph for s, _ in rows]
    assert paragraphs[0] == 0
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(paragraphs))


def test_seed_no_text_is_lost(seed):
    """Joining each paragraph's segments gives the paragraph back (modulo whitespace)."""
    _, rows = seed
    text = SEED_TEXT.read_text(encoding="utf-8")
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    joined: dict[int, list[str]] = {}
    for segment, translation in rows:
        joined.setdefault(segment.paragraph, []).append(translation.text)
    assert len(joined) == len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        assert " ".join(" ".join(joined[index]).split()) == " ".join(paragraph.split())


def test_seed_sentences_are_sensible(seed):
    _, rows = seed
    body = [t.text for s, t in rows if s.kind == "body"]
    for sentence in body:
        assert sentence == sentence.strip()
        assert sentence.rstrip('”"’)').endswith((".", "!", "?", "…")), sentence  # noqa: RUF001
        assert sentence[0].isupper() or sentence[0] in '“("0123456789', sentence
    # A closing quote stays with its sentence; "!" inside a quote does not split.
    assert "“It’s funny, sixty thousand.”" in body  # noqa: RUF001
    assert "Chen Xi said, “Can you believe it?”" in body
    assert "“It’s over! It’s not about the car!”" in body  # noqa: RUF001
    assert "When actually implemented, the first step fell off." in body


def test_options_win_over_the_sidecar(app, tmp_path):
    import_path(db.session, SEED_TEXT, corpus_name="other", system="sys-b", target_lang="en")
    corpus = db.session.scalar(sa.select(Corpus))
    assert corpus.name == "other"
    assert db.session.scalars(sa.select(Translation.system).distinct()).all() == ["sys-b"]


def test_a_file_without_sidecar(app, tmp_path):
    path = tmp_path / "note.en.txt"
    path.write_text(
        "A short title\n\nOriginal link: https://example.org/a?b=1\n\n"
        "First sentence. Second one!\nStill the same paragraph?\n\nLeave a Comment\n",
        encoding="utf-8",
    )
    import_path(db.session, path)
    corpus = db.session.scalar(sa.select(Corpus))
    assert (corpus.name, corpus.source_lang, corpus.target_lang) == ("note", "und", "en")
    document = db.session.scalar(sa.select(Document))
    assert (document.name, document.title) == ("note", "A short title")
    assert document.origin_url == "https://example.org/a?b=1"
    rows = [(s.kind, s.paragraph, t.system, t.text) for s, t in stored_segments()]
    assert rows == [
        ("title", 0, "mt", "A short title"),
        ("meta", 1, "mt", "Original link: https://example.org/a?b=1"),
        ("body", 2, "mt", "First sentence."),
        ("body", 2, "mt", "Second one!"),
        ("body", 2, "mt", "Still the same paragraph?"),
        ("boilerplate", 3, "mt", "Leave a Comment"),
    ]


def test_footer_words_mid_article_are_body(app, tmp_path):
    path = tmp_path / "mid.txt"
    path.write_text("Title\n\nLeave a Comment\n\nThe article goes on here.\n", encoding="utf-8")
    import_path(db.session, path)
    assert [s.kind for s, _ in stored_segments()] == ["title", "heading", "body"]


@pytest.mark.parametrize(
    ("raw", "fragments"),
    [
        (
            "Title\n\nOne line.\nCaf\u00e9 au lait.\n".encode("latin-1"),
            [":4:", "byte offset 20", "0xe9"],
        ),
        ("Title\n\nBody text.\n".encode("utf-16"), [":1:", "UTF-16"]),
        (b"Title\n\nBody\x00 text.\n", [":3:", "NUL byte at byte offset 11"]),
        (b"Title\n\n\x89PNG\r\n", [":3:", "not valid UTF-8"]),
    ],
    ids=["latin-1", "utf-16", "nul", "binary"],
)
def test_not_utf8_is_refused_and_nothing_written(app, tmp_path, raw, fragments):
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    with pytest.raises(IngestError) as caught:
        import_path(db.session, path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message
    assert set(table_counts().values()) == {0}


def test_a_bad_file_in_a_directory_writes_nothing(app, tmp_path):
    (tmp_path / "a.txt").write_text("Title A\n\nGood text.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes("Title B\n\nCaf\u00e9.\n".encode("latin-1"))
    with pytest.raises(IngestError, match=r"b\.txt"):
        import_path(db.session, tmp_path)
    assert set(table_counts().values()) == {0}


def test_a_directory_is_imported_in_name_order(app, tmp_path):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(f"Title {name}\n\nText.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not imported", encoding="utf-8")
    report = import_path(db.session, tmp_path, corpus_name="dir")
    names = db.session.scalars(sa.select(Document.name).order_by(Document.position)).all()
    assert names == ["a", "b"]
    assert report.skipped == [str(tmp_path / "notes.md")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "See https://example.com/x?id=1 for more. Then stop.",
            ["See https://example.com/x?id=1 for more.", "Then stop."],
        ),
        ("He said: “Stop. Now.” Then he left.", ["He said: “Stop. Now.”", "Then he left."]),
        (
            "Mr. Smith arrived at 3 p.m. today. He sat.",
            ["Mr. Smith arrived at 3 p.m. today.", "He sat."],
        ),
        ("  padded.   Sentences  here.  ", ["padded.", "Sentences  here."]),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text, "en") == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"ab .?!“”\n:/é👍", "Mr.", "https://x.io/?q=1", "e\u0301"]), max_size=40
    ).map("".join)
)
def test_sentence_spans_keep_every_character(text):
    spans = sentence_spans(text, "en")
    assert all(a < b for a, b in spans)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())
