"""Online backups of the database, taken while the app keeps serving.

SQLite: copying the file by hand while a writer commits can catch half a
transaction (and misses whatever still sits in the -wal file), so the copy
goes through SQLite's backup API, which reads one consistent snapshot. It
is written to a temporary file beside the target and renamed into place,
so a backup cut short never leaves a truncated file under the target name.

PostgreSQL: `pg_dump` already takes a consistent snapshot without blocking
writers and is the tool a restore will use, so mtqa prints the command
rather than imitating it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from app.errors import MtqaError


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    #: Rows per table in the copy, as read back from the copy itself.
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"wrote {self.path} ({self.size:,} bytes)"]
        lines.extend(f"  {table}: {count:,} rows" for table, count in self.counts.items())
        return "\n".join(lines)


def pg_dump_command(url: sa.URL | str, target: Path) -> str:
    """The pg_dump command that backs up the database at `url` into `target`.

    The password is left out of the printed URL: a command line ends up in
    shell histories and logs; pg_dump reads it from PGPASSWORD or ~/.pgpass."""
    url = sa.make_url(url)
    plain = sa.URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    dsn = plain.render_as_string(hide_password=False)
    return shlex.join(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={dsn}"])


def sqlite_path(url: sa.URL | str) -> Path:
    url = sa.make_url(url)
    database = url.database
    if database in (None, "", ":memory:") or url.query.get("mode") == "memory":
        raise MtqaError("the database is in memory: there is no file to back up")
    path = Path(database)
    if not path.is_file():
        raise MtqaError(f"no SQLite database file at {path}")
    return path


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name.replace(chr(34), "")}"').fetchone()[
            0
        ]
        for name in names
    }


def backup_sqlite(
    url: sa.URL | str, target: Path, *, force: bool = False, busy_timeout_s: float = 30.0
) -> BackupResult:
    """Copy the live SQLite database at `url` into `target`."""
    source_path = sqlite_path(url)
    target = Path(target)
    if target.exists() and not force:
        raise MtqaError(f"{target} exists; pass --force to overwrite it")
    if target.resolve() == source_path.resolve():
        raise MtqaError("the backup cannot overwrite the live database")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        source = sqlite3.connect(source_path, timeout=busy_timeout_s)
        try:
            copy = sqlite3.connect(temp)
            try:
                # All pages in one step: one read transaction, one snapshot.
                source.backup(copy, pages=-1)
                # A single self-contained file: no -wal beside the copy.
                copy.execute("PRAGMA journal_mode=DELETE")
                counts = table_counts(copy)
            finally:
                copy.close()
        finally:
            source.close()
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return BackupResult(target, target.stat().st_size, counts)


def backup(url: sa.URL | str, target: Path, *, force: bool = False) -> BackupResult | str:
    """Back up the database at `url`: a BackupResult for SQLite, the
    pg_dump command to run for PostgreSQL."""
    url = sa.make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return backup_sqlite(url, target, force=force)
    if backend == "postgresql":
        return pg_dump_command(url, target)
    raise MtqaError(f"no backup method for {backend} databases")
