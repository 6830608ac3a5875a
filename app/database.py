"""Engine set-up that must hold for every connection.

SQLite: WAL so readers never block the writer, a busy timeout so concurrent
writers queue instead of failing with "database is locked", foreign keys on
(SQLite leaves them off), and write transactions opened with BEGIN IMMEDIATE
so two writers cannot both read and then both try to upgrade their lock.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
