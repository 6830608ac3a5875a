"""Engine set-up that must hold for every connection.

SQLite: WAL so readers never block the writer, a busy timeout so concurrent
writers queue instead of failing with "database is locked", foreign keys on
(SQLite leaves them off), and write transactions opened with BEGIN IMMEDIATE
so two writers cannot both read and then both try to upgrade their lock.

Read-only transactions. BEGIN IMMEDIATE takes the write lock even for a
transaction that only reads, so under load every page view queued behind
every save (and behind every other page view). Code that is known not to
write runs inside `read_only()` (views: the `read_only_view` decorator);
its transactions start with a plain (deferred) BEGIN, which in WAL mode
takes no lock at all: it reads a snapshot while writers carry on.

Why this is opt-in, per view, rather than "every GET": a deferred
transaction that reads and then writes must upgrade its lock, and in WAL
mode that upgrade fails at once (SQLITE_BUSY_SNAPSHOT, which the busy
timeout does not retry) if any other writer committed since its snapshot.
So a transaction that may write, e.g. a save, which reads the stored
version and then writes, must hold the write lock from its BEGIN; only code
that never writes may skip it. To make a mistake loud rather than an
occasional "database is locked" under load, a write statement issued in a
read-only transaction raises `ReadOnlyTransactionError` at once.

Writers queue on a file lock. SQLite's busy handler retries a locked
BEGIN IMMEDIATE after sleeping 1, 2, 5, 10 … 100 ms, so a writer that
finds the lock taken wakes up late, and a process that writes again soon
after its commit can take the lock again and again while the other
sleeps: under steady saves from two gunicorn workers, most of a save's
latency was that sleeping. A file database therefore also has a lock
file beside it (`<database>-writers`), taken with flock before
BEGIN IMMEDIATE and released right after COMMIT or ROLLBACK, and waited on
in steps of a quarter of a millisecond. It orders writers; it does not
replace SQLite's own locking, which still guards the data (a writer that
does not use it, e.g. the sqlite3 shell, is still serialised by SQLite).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

F = TypeVar("F", bound=Callable[..., Any])

_read_only: ContextVar[bool] = ContextVar("mtqa_read_only", default=False)

#: connection.info key set while the connection's transaction is read-only.
_DEFERRED = "mtqa_read_only_transaction"
#: connection.info key of the open lock-file descriptor (file databases).
_WRITERS_FD = "mtqa_writers_fd"
#: connection.info key set while the connection holds the writers' lock.
_WRITERS_HELD = "mtqa_writers_held"
_WRITERS_POLL_S = 0.00025
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class ReadOnlyTransactionError(RuntimeError):
    """A write was attempted inside `read_only()`: its transaction holds no
    write lock, and upgrading it could fail under concurrent saves."""


@contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside this block (on SQLite) take no write lock.

    Only transactions that *begin* inside the block are affected; one that
    is already open keeps the lock it was begun with."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def read_only_view(view: F) -> F:
    """Run a view that never writes to the database in `read_only()`. Put it
    outside `login_required`, so that loading the user is covered too.

    The read-only transaction is ended when the view returns, so nothing
    after it (an error page, a test reusing the session) inherits a
    transaction without the write lock. A session that already has work
    under way (pending objects or an open transaction: only when a caller,
    e.g. a test, shares its session with the request) is left alone and the
    view runs as any other."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from app.extensions import db

        session = db.session()
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            return view(*args, **kwargs)
        with read_only():
            try:
                return view(*args, **kwargs)
            finally:
                session.rollback()

    return cast(F, wrapper)


def _in_deferred_transaction(session: Session) -> bool:
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return False
    return bool(session.connection().info.get(_DEFERRED))


def _failed_transaction(session: Session) -> bool:
    """A transaction ended by an error (e.g. a flush that could not get the
    write lock): asking it for its connection would raise
    PendingRollbackError in place of the error that ended it."""
    transaction = session.get_transaction()
    return transaction is not None and not transaction.is_active


def read_first_view(view: F) -> F:
    """Run a view that reads, then writes: its reads (the user, the rows it
    checks) run in a read-only transaction, and it calls `begin_writes`
    before its first write. The write lock is then held for the writes
    only, not for the lookups and checks that precede them (on a save, half
    its time). Put it outside `login_required` so that loading the user is
    covered too. A view that returns before `begin_writes` (an error) never
    takes the lock."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from app.extensions import db

        session = db.session()
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            return view(*args, **kwargs)
        token = _read_only.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _read_only.reset(token)
            if _failed_transaction(session) or _in_deferred_transaction(session):
                session.rollback()

    return cast(F, wrapper)


def begin_writes(session: Session | scoped_session[Session]) -> None:
    """End the read-only transaction of a `read_first_view`, keeping what it
    loaded (a commit that expires nothing), so that the next statement opens
    a write transaction. What was read came from a snapshot that a writer
    may have changed since: rely on it only for what a concurrent save
    cannot change (the user, the translation, its assignment); the write
    transaction re-reads the rest (the version check does)."""
    _read_only.set(False)
    if isinstance(session, scoped_session):
        session = session()
    if _in_deferred_transaction(session):
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire


class WriterQueueTimeout(RuntimeError):
    """Another writer held the database longer than the busy timeout."""


def _take_writers_lock(fd: int, timeout_s: float) -> None:
    """flock(LOCK_EX) with a deadline, polled: a blocking flock cannot time
    out, and the deadline keeps the busy-timeout promise of a clear error."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise WriterQueueTimeout(
                    f"another writer held the database for over {timeout_s:g} s"
                ) from None
            time.sleep(_WRITERS_POLL_S)


def _release_writers_lock(info: dict[str, Any]) -> None:
    if info.pop(_WRITERS_HELD, False):
        fcntl.flock(info[_WRITERS_FD], fcntl.LOCK_UN)


def _transaction_end(verb: str) -> Callable[[sa.Connection], None]:
    """The listener for the engine's "commit" or "rollback" event: `verb`
    is also the driver connection's method that ends the transaction."""

    def end(connection: sa.Connection) -> None:
        connection.info.pop(_DEFERRED, None)
        info = connection.connection.info
        if info.get(_WRITERS_HELD):
            try:
                getattr(connection.connection.driver_connection, verb)()
            finally:
                _release_writers_lock(info)

    return end


#: Bytes of a database file SQLite reads through a memory map instead of
#: read() calls. A reading connection's page cache is emptied whenever
#: another connection commits, so under steady saves the pages a page view
#: needs were copied in again and again; mapped, they are the operating
#: system's cached pages, read in place.
MMAP_BYTES = 1 << 30


def configure_engine(
    engine: Engine, *, busy_timeout_ms: int = 30_000, mmap_bytes: int = MMAP_BYTES
) -> None:
    if engine.dialect.name != "sqlite" or getattr(engine, "_mtqa_configured", False):
        return
    engine._mtqa_configured = True  # type: ignore[attr-defined]
    database = engine.url.database
    in_memory = database in (None, "", ":memory:") or str(database).startswith("file::memory:")
    writers_path = None if in_memory else f"{database}-writers"

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if writers_path is not None:
            # One descriptor per connection: flock excludes descriptors, so
            # two connections of one process queue like two processes.
            # Without it (a read-only directory) writers rely on SQLite alone.
            with suppress(OSError):
                record.info[_WRITERS_FD] = os.open(
                    writers_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                )

    @sa.event.listens_for(engine.pool, "close")
    @sa.event.listens_for(engine.pool, "close_detached")
    def _on_close(_dbapi_connection: Any, record: Any = None) -> None:
        info = getattr(record, "info", None)
        if info and _WRITERS_FD in info:
            info.pop(_WRITERS_HELD, None)
            os.close(info.pop(_WRITERS_FD))

    @sa.event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection handed back without COMMIT or ROLLBACK through
        # SQLAlchemy's transaction (the pool resets it) must not keep the lock.
        if record is not None and record.info:
            _release_writers_lock(record.info)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if _read_only.get():
            connection.info[_DEFERRED] = True
            connection.exec_driver_sql("BEGIN")
            return
        connection.info.pop(_DEFERRED, None)
        info = connection.connection.info
        fd = info.get(_WRITERS_FD)
        if fd is not None:
            _take_writers_lock(fd, busy_timeout_ms / 1000)
            info[_WRITERS_HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_writers_lock(info)
            raise

    # These events fire before SQLAlchemy's own COMMIT / ROLLBACK on the
    # driver connection, so the transaction is ended here first (the
    # driver's call after it then finds none open and does nothing), and the
    # lock is let go only once the data is committed.
    for event in ("commit", "rollback"):
        sa.event.listen(engine, event, _transaction_end(event))

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes(
        connection: sa.Connection, _cursor: Any, statement: str, *_args: Any
    ) -> None:
        if connection.info.get(_DEFERRED) and statement.lstrip()[:7].upper().startswith(
            _WRITE_VERBS
        ):
            raise ReadOnlyTransactionError(
                "a write in a read-only transaction (see app.database.read_only): " + statement[:80]
            )
