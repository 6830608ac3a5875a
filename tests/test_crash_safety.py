"""A process killed with SIGKILL mid-import or mid-save leaves a sound
SQLite database holding every acknowledged save and nothing of the
interrupted import; `mtqa backup` copies a live database that restores.

These run real `mtqa` processes on SQLite files, so they are skipped under
--pg (PostgreSQL's own crash safety is not mtqa's to test)."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.backup import pg_dump_command
from tests.pg import pg_requested

REPO = Path(__file__).resolve().parent.parent
MTQA = [sys.executable, "-c", "import sys; from app.cli import main; sys.argv[0] = 'mtqa'; main()"]

SAVER = """
import sys
import sqlalchemy as sa
from app import create_app
from app.assessments import get_or_create_assessment, save_assessment
from app.extensions import db
from app.models import Translation, User
from config import Config

app = create_app(Config)
with app.app_context():
    user = db.session.scalar(sa.select(User).where(User.username == "ann"))
    translation = db.session.scalars(sa.select(Translation)).first()
    assessment = get_or_create_assessment(db.session, translation, user)
    db.session.commit()
    for n in range(100000):
        save_assessment(db.session, assessment, user=user, base_version=assessment.version,
                        post_edit=f"edit {n}", status="draft")
        db.session.commit()
        print("ACK", assessment.version, flush=True)
"""


@pytest.fixture
def sqlite_file(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment of `mtqa` processes on a migrated SQLite file in tmp_path."""
    if pg_requested(request.config):
        pytest.skip("checks SQLite database files; PostgreSQL uses pg_dump")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite'}",
        "MTQA_INSTANCE": str(tmp_path),
        # The saving and serving processes build the app as a server would.
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(REPO),
    }
    mtqa(env, "db", "upgrade")
    return env


def mtqa(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [*MTQA, *args], env=env, cwd=REPO, input=stdin, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def db_file(env: dict[str, str]) -> Path:
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


def query(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def seed(env: dict[str, str], tmp_path: Path) -> None:
    """One corpus with one segment and an annotator to save as."""
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"doc_id": "d", "seg_id": 1, "system": "mt", "target": "T"}))
    mtqa(env, "import", str(small), "--corpus", "seeded")
    mtqa(env, "users", "create", "ann", stdin="correct horse battery\n" * 2)


def start_saver(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SAVER], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True
    )


def read_acks(saver: subprocess.Popen[str], count: int) -> list[int]:
    assert saver.stdout is not None
    acks = []
    while len(acks) < count:
        line = saver.stdout.readline()
        assert line, "the saving process ended early"
        acks.append(int(line.split()[1]))
    return acks


def kill(process: subprocess.Popen[str]) -> list[int]:
    """SIGKILL, then the acknowledgements printed before the kill."""
    process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    return [int(line.split()[1]) for line in rest.splitlines() if line.startswith("ACK")]


def check_saves(path: Path, acks: list[int]) -> None:
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    ((version,),) = query(path, "SELECT version FROM assessment")
    assert version >= acks[-1]
    revisions = {v for (v,) in query(path, "SELECT version FROM revision")}
    # One revision per save, none lost and none half-written: versions 2..version.
    assert revisions == set(range(2, version + 1))
    assert set(acks) <= revisions


def test_import_killed_midway_leaves_nothing(sqlite_file: dict[str, str], tmp_path: Path) -> None:
    """Killed once its progress bar shows a third of the segments written:
    an importer that committed in batches of up to a third would leave rows."""
    total = 200_000
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        for i in range(total):
            line = {"doc_id": f"d{i // 100}", "seg_id": i % 100 + 1, "system": "mt"}
            out.write(json.dumps({**line, "source": f"Source {i}.", "target": f"Target {i}."}))
            out.write("\n")
    live = db_file(sqlite_file)
    importer = subprocess.Popen(
        [*MTQA, "import", str(big), "--corpus", "big"],
        env=sqlite_file,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert importer.stderr is not None
    written = re.compile(rb"segments:.*?\| *(\d+)/%d" % total)
    seen = b""
    deadline = time.monotonic() + 60
    while True:
        chunk = importer.stderr.read1(4096)
        assert chunk, "the import ended before it could be killed:\n" + seen.decode()[-2000:]
        seen += chunk
        counts = [int(n) for n in written.findall(seen)]
        if counts and counts[-1] >= total // 3:
            break
        assert time.monotonic() < deadline
    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=10)
    importer.stderr.close()
    assert importer.returncode == -signal.SIGKILL

    assert query(live, "PRAGMA integrity_check") == [("ok",)]
    for table in ("corpus", "document", "segment", "translation"):
        assert query(live, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_saves_acknowledged_before_a_kill_survive(
    sqlite_file: dict[str, str], tmp_path: Path
) -> None:
    seed(sqlite_file, tmp_path)
    saver = start_saver(sqlite_file)
    acks = read_acks(saver, 40)
    acks += kill(saver)
    check_saves(db_file(sqlite_file), acks)


def test_backup_of_a_live_database_restores(sqlite_file: dict[str, str], tmp_path: Path) -> None:
    seed(sqlite_file, tmp_path)
    copy = tmp_path / "backups" / "copy.sqlite"
    saver = start_saver(sqlite_file)
    try:
        read_acks(saver, 20)
        out = mtqa(sqlite_file, "backup", str(copy))
    finally:
        kill(saver)
    assert f"wrote {copy}" in out
    assert "revision:" in out
    assert query(db_file(sqlite_file), "SELECT detail FROM audit_event WHERE event = 'backup'") == [
        (str(copy.resolve()),)
    ]
    assert not copy.with_name(copy.name + "-wal").exists()
    refused = subprocess.run(
        [*MTQA, "backup", str(copy)], env=sqlite_file, cwd=REPO, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "--force" in refused.stderr

    assert query(copy, "PRAGMA integrity_check") == [("ok",)]
    head = ScriptDirectory(str(REPO / "migrations")).get_current_head()
    assert query(copy, "SELECT version_num FROM alembic_version") == [(head,)]
    ((version,),) = query(copy, "SELECT version FROM assessment")
    assert version > 1
    check_saves(copy, [version])
    counted = {line.split(":")[0].strip(): line for line in out.splitlines() if ":" in line}
    # Counts are printed with thousands separators ("1,051 rows").
    printed = counted["revision"].split(":")[1].split()[0]
    assert int(printed.replace(",", "")) == version - 1

    restored = {**sqlite_file, "DATABASE_URL": f"sqlite:///{copy}"}
    assert "ann\tannotator" in mtqa(restored, "users", "list")
    assert "seeded" in mtqa(restored, "score", "--corpus", "seeded", "--json")


def test_pg_dump_command_names_the_database_without_its_password(tmp_path: Path) -> None:
    command = pg_dump_command(
        "postgresql+psycopg://mtqa:s3cret@db.example:5433/mtqa", tmp_path / "x.dump"
    )
    assert "s3cret" not in command
    assert "--dbname=postgresql://mtqa@db.example:5433/mtqa" in command
    assert command.startswith("pg_dump --format=custom")


def test_http_saves_acknowledged_before_the_server_is_killed_survive(
    sqlite_file: dict[str, str], tmp_path: Path
) -> None:
    """The server itself (gunicorn master and workers, mid-request) is
    killed while 8 browsers' worth of clients save over HTTP: every save
    answered 200 is stored with its revision, and the file is sound."""
    import threading

    import httpx

    from tests.test_concurrency import ACCOUNTS, LoginFailed, log_in, start_gunicorn
    from tests.test_concurrency import seed as seed_annotators

    database_url = sqlite_file["DATABASE_URL"]
    translations = seed_annotators(database_url, tmp_path)
    server, url = start_gunicorn(sqlite_file, tmp_path / "gunicorn.log", threads=4)
    acked: list[tuple[str, int, int, str]] = []  # (user, translation, version, text)
    stop = threading.Event()

    def client(number: int) -> None:
        username = f"ann{number % ACCOUNTS}"
        versions = dict.fromkeys(translations, 0)
        with httpx.Client(base_url=url, timeout=30) as http:
            try:
                csrf = log_in(http, username)
            except (LoginFailed, httpx.HTTPError):
                return  # the server was killed before this client logged in
            n = 0
            while not stop.is_set():
                tid = translations[(number + n) % len(translations)]
                text = f"client {number} save {n}"
                n += 1
                try:
                    response = http.post(
                        f"/annotate/api/assessments/{tid}",
                        json={"base_version": versions[tid], "post_edit": text, "status": "draft"},
                        headers={"X-CSRFToken": csrf},
                    )
                except httpx.HTTPError:
                    return  # killed: whatever was in flight was never acknowledged
                body = response.json()
                if response.status_code == 200:
                    versions[tid] = body["version"]
                    acked.append((username, tid, body["version"], text))
                elif response.status_code == 409:
                    versions[tid] = body["current"]["version"]

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acked) < 150:
            assert time.monotonic() < deadline, f"only {len(acked)} saves answered"
            time.sleep(0.01)
    finally:
        # The whole server, mid-burst: master and both workers at once.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
    for thread in threads:
        thread.join(timeout=30)

    path = db_file(sqlite_file)
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    stored = {
        (user, tid, version): text
        for user, tid, version, text in query(
            path,
            "SELECT u.username, a.translation_id, r.version, r.post_edit FROM revision r"
            " JOIN assessment a ON a.id = r.assessment_id JOIN user u ON u.id = a.annotator_id",
        )
    }
    missing = [a for a in acked if stored.get(a[:3]) != a[3]]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged saves lost: {missing[:3]}"
    finals = query(
        path,
        "SELECT a.id, a.version, count(r.id), min(r.version), max(r.version) FROM assessment a"
        " JOIN revision r ON r.assessment_id = a.id GROUP BY a.id",
    )
    for _, version, count, low, high in finals:
        # One revision per accepted save, none half-written: versions 2..version.
        assert (count, low, high) == (version - 1, 2, version)
