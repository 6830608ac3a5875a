"""The annotator's pages cost the same number of SQL statements whatever the
size of the corpus, and the segment page's statements reach rows through
indexes: on SQLite no full SCAN of segment, translation or assessment.

A page whose statement count or plan grows with the corpus is what breaks
first under load at a million segments (benchmarks/load.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Assessment, Document, ErrorSpan, User
from tests.test_annotate import build_document, translation_at

Statement = tuple[str, object]


@contextmanager
def recorded() -> Iterator[list[Statement]]:
    """Every statement sent to the database (with its parameters) in the block."""
    statements: list[Statement] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def document(name: str, n: int, annotator: User, *, corpus: str = "news") -> Document:
    """n body segments, the first three with an assessment by `annotator`
    (one with an error span), so the pages load existing work too."""
    doc = build_document(
        [("body", f"Sentence {i} of {name}.", None) for i in range(n)],
        name=name,
        corpus_name=corpus,
    )
    for position in (1, 2, 3):
        assessment = Assessment(
            translation=translation_at(doc, position),
            annotator=annotator,
            post_edit=f"Edited {position}.",
            status="done" if position < 3 else "draft",
        )
        assessment.spans.append(
            ErrorSpan(start=0, end=3, category="Accuracy/Mistranslation", severity="Minor")
        )
        db.session.add(assessment)
    db.session.commit()
    return doc


@pytest.fixture
def logged_in(client: FlaskClient, annotator: User, auth) -> FlaskClient:
    auth.login()
    return client


@pytest.fixture
def small_and_large(app: Flask, annotator: User) -> tuple[Document, Document]:
    """A 10-segment and a 200-segment document, in a corpus of several."""
    small = document("small", 10, annotator)
    large = document("large", 200, annotator)
    for i in range(3):
        document(f"other-{i}", 20, annotator, corpus=f"corpus-{i % 2}")
    return small, large


def page_statements(client: FlaskClient, path: str) -> list[Statement]:
    client.get(path)  # warm: first-use queries of the app are not the page's
    # Each request of a running server has a session of its own; here the
    # test shares one with the requests. Expire what the warm-up loaded, so
    # that what it left in the identity map (alive or not, as the garbage
    # collector decides) does not change what the page loads again.
    db.session.expire_all()
    with recorded() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return statements


def save_statements(client: FlaskClient, translation_id: int, base_version: int) -> int:
    with recorded() as statements:
        response = client.post(
            f"/annotate/api/assessments/{translation_id}",
            json={
                "base_version": base_version,
                "post_edit": "Saved again.",
                "status": "draft",
                "spans": [
                    {"start": 0, "end": 4, "category": "Accuracy/Omission", "severity": "Major"}
                ],
            },
        )
    assert response.status_code == 200, response.get_json()
    return len(statements)


def test_document_list_statements_do_not_grow_with_the_corpus(
    logged_in: FlaskClient, annotator: User
) -> None:
    document("first", 10, annotator)
    few = page_statements(logged_in, "/")
    for i in range(4):
        document(f"more-{i}", 200, annotator, corpus=f"corpus-{i % 2}")
    many = page_statements(logged_in, "/")
    assert len(many) == len(few), [s for s, _ in many]


def test_segment_page_statements_do_not_grow_with_the_document(
    logged_in: FlaskClient, small_and_large: tuple[Document, Document]
) -> None:
    small, large = small_and_large
    # Middle of the document, and a segment with existing work (spans).
    for small_pos, large_pos in ((5, 100), (2, 2)):
        in_small = page_statements(logged_in, f"/annotate/{small.id}/{small_pos}")
        in_large = page_statements(logged_in, f"/annotate/{large.id}/{large_pos}")
        assert len(in_large) == len(in_small), [s for s, _ in in_large]


def test_segment_page_reads_in_three_statements(
    logged_in: FlaskClient, small_and_large: tuple[Document, Document]
) -> None:
    """The busiest page: the user, the segment with all it shows of it, and
    the neighbouring segments with the previous/next positions. (Existing
    work adds its error spans and history.)"""
    _small, large = small_and_large
    statements = page_statements(logged_in, f"/annotate/{large.id}/100")
    selects = [s for s, _ in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 3, selects


def test_save_statements_do_not_grow_with_the_document(
    logged_in: FlaskClient, small_and_large: tuple[Document, Document]
) -> None:
    small, large = small_and_large
    # An existing assessment (positions 1-3 have one), then a first save.
    for small_pos, large_pos in ((2, 2), (7, 140)):
        counts = []
        for doc, pos in ((small, small_pos), (large, large_pos)):
            translation = translation_at(doc, pos)
            existing = db.session.scalar(
                sa.select(Assessment.version).where(Assessment.translation_id == translation.id)
            )
            counts.append(save_statements(logged_in, translation.id, existing or 0))
        assert counts[0] == counts[1]


#: A plan step that reads a whole table (or a whole index of it).
FULL_SCAN = re.compile(r"^SCAN (segment|translation|assessment)\b")


def query_plans(statements: list[Statement]) -> list[tuple[str, list[str]]]:
    connection = db.session.connection()
    return [
        (
            statement,
            [
                row[-1]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ],
        )
        for statement, parameters in statements
        if statement.lstrip().upper().startswith("SELECT")
    ]


def test_segment_page_reads_through_indexes(
    logged_in: FlaskClient, small_and_large: tuple[Document, Document]
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    _small, large = small_and_large
    statements = page_statements(logged_in, f"/annotate/{large.id}/100")
    scans = [
        (statement, step)
        for statement, plan in query_plans(statements)
        for step in plan
        if FULL_SCAN.match(step)
    ]
    assert not scans, "\n\n".join(f"{step}\n  in: {statement}" for statement, step in scans)


def test_segment_page_does_not_list_every_assignment(
    logged_in: FlaskClient, small_and_large: tuple[Document, Document]
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    _small, large = small_and_large
    statements = page_statements(logged_in, f"/annotate/{large.id}/100")
    listed = [
        statement
        for statement, plan in query_plans(statements)
        if any(step.startswith("LIST SUBQUERY") for step in plan)
    ]
    assert not listed, listed
