"""Who holds the SQLite write lock, and for how long (app/database.py).

On a database file, writers queue on a lock file beside it before
BEGIN IMMEDIATE and let it go after COMMIT or ROLLBACK; the editor's save
reads and checks without the write lock and takes it for its writes only.
These need a database file and SQLite's locking, so they are skipped on
PostgreSQL.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import OperationalError

from app import create_app
from app.database import MMAP_BYTES, WriterQueueTimeout
from app.extensions import db
from app.models import Corpus, Document, Segment, Translation
from config import TestConfig
from tests.conftest import PASSWORD, assign, make_user
from tests.pg import pg_requested

BUSY_MS = 400


@pytest.fixture
def file_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if pg_requested(request.config):
        pytest.skip("SQLite's file locking")

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'w.sqlite'}"
        SQLITE_BUSY_TIMEOUT_MS = BUSY_MS

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
        corpus = Corpus(name="c", source_lang="zh", target_lang="en")
        document = Document(corpus=corpus, name="d", title="D")
        segment = Segment(document=document, position=1, kind="body", annotatable=True)
        segment.translations.append(Translation(system="mt", text="Wang Cola redeemed it."))
        db.session.add(corpus)
        db.session.commit()
        assign(make_user("ann"))
        yield app
        db.session.remove()
        db.engine.dispose()


def _writers_file(app: Flask) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writers")


def _lock_is_free(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _insert_corpus(name: str) -> None:
    db.session.add(Corpus(name=name, source_lang="en", target_lang="de"))
    db.session.flush()


def test_a_write_transaction_holds_the_writers_lock_until_commit(file_app: Flask) -> None:
    writers = _writers_file(file_app)
    with file_app.app_context():
        _insert_corpus("held")
        assert not _lock_is_free(writers)
        db.session.commit()
        assert _lock_is_free(writers)
        assert db.session.scalar(sa.select(Corpus.id).where(Corpus.name == "held"))


def test_a_rollback_lets_the_writers_lock_go(file_app: Flask) -> None:
    writers = _writers_file(file_app)
    with file_app.app_context():
        _insert_corpus("dropped")
        db.session.rollback()
        assert _lock_is_free(writers)
        assert db.session.scalar(sa.select(Corpus.id).where(Corpus.name == "dropped")) is None


def test_a_writer_waits_for_the_lock_and_says_so_when_it_never_comes(file_app: Flask) -> None:
    fd = os.open(_writers_file(file_app), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with file_app.app_context():
            started = time.monotonic()
            with pytest.raises(WriterQueueTimeout, match="another writer held the database"):
                _insert_corpus("late")
            assert time.monotonic() - started >= BUSY_MS / 1000
            db.session.rollback()
    finally:
        os.close(fd)  # closing the descriptor releases its flock
    with file_app.app_context():
        _insert_corpus("on time")
        db.session.commit()


def test_a_refused_save_never_takes_the_write_lock(file_app: Flask) -> None:
    """Another process holds SQLite's write lock: the editor's save still
    loads the user and the translation and refuses a bad body at once. Had
    it taken the write lock first, it would have waited out the busy
    timeout and failed with "database is locked"."""
    client = file_app.test_client()
    client.post("/auth/login", data={"username": "ann", "password": PASSWORD})
    with file_app.app_context():
        translation_id = db.session.scalar(sa.select(Translation.id))
    path = file_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            f"/annotate/api/assessments/{translation_id}", json={"status": "done"}
        )
        assert response.status_code == 400
        assert "base_version is required" in response.get_json()["error"]
        # The write itself waits for the lock (here: in vain, for the busy timeout).
        with pytest.raises(OperationalError, match="database is locked"):
            client.post(
                f"/annotate/api/assessments/{translation_id}",
                json={"base_version": 0, "post_edit": "Wang Kele redeemed it.", "status": "done"},
            )
    finally:
        other.execute("ROLLBACK")
        other.close()
    saved = client.post(
        f"/annotate/api/assessments/{translation_id}",
        json={"base_version": 0, "post_edit": "Wang Kele redeemed it.", "status": "done"},
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == 2


def test_every_connection_is_set_up_for_concurrent_writers(file_app: Flask) -> None:
    """WAL (readers never block the writer), the busy timeout (a writer
    waits instead of failing with "database is locked"), foreign keys,
    reads through a memory map, and write transactions begun with BEGIN
    IMMEDIATE."""
    statements: list[str] = []
    with file_app.app_context():
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        connection = db.session.connection()
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == BUSY_MS
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL: durable in WAL mode
        assert pragma("PRAGMA mmap_size").scalar() == MMAP_BYTES
        db.session.rollback()
        db.session.add(Corpus(name="c2", source_lang="en", target_lang="de"))
        db.session.commit()
    assert "BEGIN IMMEDIATE" in statements
