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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])

_read_only: ContextVar[bool] = ContextVar("mtqa_read_only", default=False)

#: connection.info key set while the connection's transaction is read-only.
_DEFERRED = "mtqa_read_only_transaction"
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


def configure_engine(engine: Engine, *, busy_timeout_ms: int = 30_000) -> None:
    if engine.dialect.name != "sqlite" or getattr(engine, "_mtqa_configured", False):
        return
    engine._mtqa_configured = True  # type: ignore[attr-defined]
    in_memory = engine.url.database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if _read_only.get():
            connection.info[_DEFERRED] = True
            connection.exec_driver_sql("BEGIN")
        else:
            connection.info.pop(_DEFERRED, None)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection: sa.Connection) -> None:
        connection.info.pop(_DEFERRED, None)

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
