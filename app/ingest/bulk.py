"""Bulk reads and writes for the loader.

Keys of a whole corpus are read with one query per table (joined up to the
document, which names the corpus), and rows are written with the driver's
executemany in chunks: no per-row SELECT, no ORM objects, no per-row
parameter processing, constant memory per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import DateTime
from sqlalchemy.orm import Session

from app.models import Assessment, Document, ErrorSpan, Segment, Translation

CHUNK: Final = 10_000

#: How each table joins up to Document.
_JOINS: Final[dict[type, tuple[tuple[type, Any], ...]]] = {
    Segment: ((Document, Segment.document_id == Document.id),),
    Translation: (
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
    Assessment: (
        (Translation, Assessment.translation_id == Translation.id),
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
    ErrorSpan: (
        (Assessment, ErrorSpan.assessment_id == Assessment.id),
        (Translation, Assessment.translation_id == Translation.id),
        (Segment, Translation.segment_id == Segment.id),
        (Document, Segment.document_id == Document.id),
    ),
}


def corpus_rows(session: Session, corpus_id: int, table: type, *columns: Any) -> Iterator[Any]:
    """`columns` of every row of `table` in the corpus, in one query."""
    query = sa.select(*columns)
    for target, on in _JOINS[table]:
        query = query.join(target, on)
    return iter(session.execute(query.where(Document.corpus_id == corpus_id)))


class Inserter:
    """Rows for one table, written with the driver's own executemany in
    chunks. SQLAlchemy's bulk insert builds and processes a parameter dict
    per row, which costs several times the insert itself at a million
    rows; here each row is a plain tuple in `columns` order."""

    def __init__(self, session: Session, model: type, columns: tuple[str, ...]) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        quote = dialect.identifier_preparer.quote
        table = model.__table__  # type: ignore[attr-defined]
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join([marker] * len(columns))})"
        )
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> int:
        """Write what is pending; returns the rows written so far."""
        if self.rows:
            self.connection.exec_driver_sql(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows = []
        return self.written


class Ids:
    """Primary keys for the rows an import writes, chosen before the insert,
    so that a million new rows need not be read back to learn their ids.

    Safe because the import holds the table's write lock until it commits:
    SQLite opens write transactions with BEGIN IMMEDIATE (`app.database`);
    on PostgreSQL the table is locked against other writers (readers go on)
    and its id sequence is moved past the ids taken, so rows inserted later
    with a default id do not collide."""

    def __init__(self, session: Session, model: type) -> None:
        self.connection = session.connection()
        table = model.__table__  # type: ignore[attr-defined]
        self.postgres = self.connection.dialect.name == "postgresql"
        quote = self.connection.dialect.identifier_preparer.quote
        self.name = name = quote(table.name)
        if self.postgres:
            self.connection.exec_driver_sql(f"LOCK TABLE {name} IN EXCLUSIVE MODE")
        top = self.connection.exec_driver_sql(f"SELECT max(id) FROM {name}").scalar()
        #: The first id to give; the caller counts up from it.
        self.first: int = (top or 0) + 1

    def close(self, next_free: int) -> None:
        """After the inserts, with the first id not given: on PostgreSQL,
        move the sequence past every id now in the table."""
        if not self.postgres or next_free == self.first:
            return
        # Ids at or below the table's max were free when taken (the lock
        # keeps them so), so the sequence may safely end exactly here.
        self.connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
            {"table": self.name, "last": next_free - 1},
        )


def db_timestamp(session: Session, value: datetime) -> Any:
    """`value` as the driver must receive it (SQLite stores text), so that
    rows written by `Inserter` read back like rows written by the ORM."""
    dialect = session.connection().dialect
    processor = DateTime().bind_processor(dialect)
    return processor(value) if processor is not None else value


def insert_all(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """A few rows (documents, users) through SQLAlchemy's bulk insert."""
    if rows:
        session.execute(sa.insert(model), rows)
