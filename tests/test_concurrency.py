"""Many annotators saving the same segments at once, against a real server.

A gunicorn process (2 worker processes, 8 threads each) serves a migrated
database: a SQLite file, or a PostgreSQL database under --pg. 32 client
threads in this process log in over HTTP, 8 to each of 4 accounts, so 8
clients share every one of that account's assessments and really do save
from stale versions. Each makes 50 saves through the editor's endpoint,
keeping the version from its last answer (200 or 409), as the editor does.

What must hold: every answer is 200 or 409 (no 5xx, nothing else); every
409 names the current version; and for every assessment the accepted saves,
the stored revisions and the final version agree exactly: no accepted save
lost, none stored twice, no refused save stored.

Last, each 200 answer must describe the save it answers (its version and
text), since the editor bases its next save on that version: an answer
built after the commit, re-reading the row, could describe a later save by
someone else.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from app import create_app
from app.assignment import create_campaign
from app.extensions import db
from app.models import Assessment, Corpus, Document, Revision, Segment, Translation, User
from config import Config
from tests.pg import free_port

REPO = Path(__file__).resolve().parent.parent
MTQA = [sys.executable, "-c", "import sys; from app.cli import main; sys.argv[0] = 'mtqa'; main()"]
PASSWORD = "concurrent saves pw"
CLIENTS = 32
ACCOUNTS = 4
SAVES = 50
#: Seconds the clients together may take (a loaded CI machine is slow).
CLIENT_TIMEOUT = 240
MT = ["First segment text.", "Second segment, a little longer.", "Third and last segment."]
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log: Path


def mtqa(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([*MTQA, *args], env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def seed(database_url: str, instance: Path) -> list[int]:
    """4 annotators, one document of 3 segments assigned to all of them;
    returns the translation ids."""

    class SeedConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = secrets.token_hex(16)
        INSTANCE_PATH = str(instance)

    app = create_app(SeedConfig)
    with app.app_context():
        users = []
        for n in range(ACCOUNTS):
            user = User(username=f"ann{n}", role="annotator")
            user.set_password(PASSWORD)
            users.append(user)
        corpus = Corpus(name="load", source_lang="zh", target_lang="en")
        document = Document(corpus=corpus, name="d1", title="Load")
        for position, text in enumerate(MT, start=1):
            segment = Segment(position=position, kind="body", source=f"源文 {position}")
            segment.translations.append(Translation(system="mt", text=text))
            document.segments.add(segment)
        db.session.add_all([document, *users])
        db.session.flush()
        create_campaign(
            db.session, name="load", corpus=corpus, annotators=users, per_segment=ACCOUNTS
        )
        db.session.commit()
        ids = list(
            db.session.scalars(sa.select(Translation.id).join(Segment).order_by(Segment.position))
        )
        db.session.remove()
        db.engine.dispose()
    return ids


def start_gunicorn(
    env: dict[str, str], log: Path, *, threads: int
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving the app (2 workers) in a process group of its own,
    once it answers; returns the process and its URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", str(threads)),
                *("--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5"),
                # Another server's control socket may sit at the default path.
                *("--no-control-socket", "app:create_app()"),
            ],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise AssertionError("the server ended:\n" + log.read_text())
        try:
            if httpx.get(f"{url}/auth/login", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError("the server did not start:\n" + log.read_text())
        time.sleep(0.1)


@pytest.fixture
def server(fresh_database_url: str, tmp_path: Path) -> Iterator[Server]:
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database_url,
        "MTQA_INSTANCE": str(tmp_path),
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(REPO),
    }
    mtqa(env, "db", "upgrade")
    log = tmp_path / "gunicorn.log"
    process, url = start_gunicorn(env, log, threads=8)
    try:
        yield Server(url, env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Tally:
    """What one client saw."""

    #: (translation id, the text sent, the answer's version, the answer's text)
    accepted: list[tuple[int, str, int, str]] = field(default_factory=list)
    refused: int = 0
    refused_without_current: list[str] = field(default_factory=list)
    other: list[tuple[int, str]] = field(default_factory=list)


class LoginFailed(Exception):
    """The server refused or failed a login: recorded like any other answer."""


def log_in(client: httpx.Client, username: str) -> str:
    """Log in as a browser would; returns the CSRF token for fetch() calls."""
    page = client.get("/auth/login")
    match = CSRF_FIELD.search(page.text)
    if page.status_code != 200 or not match:
        raise LoginFailed(page.status_code, page.text[:300])
    token = match.group(1) or match.group(2)
    response = client.post(
        "/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise LoginFailed(response.status_code, response.text[:300])
    home = client.get("/")
    meta = CSRF_META.search(home.text)
    if home.status_code != 200 or not meta:
        raise LoginFailed(home.status_code, home.text[:300])
    return meta.group(1)


def run_client(url: str, number: int, translations: list[int], tally: Tally) -> None:
    versions = dict.fromkeys(translations, 0)
    with httpx.Client(base_url=url, timeout=60) as client:
        try:
            csrf = log_in(client, f"ann{number % ACCOUNTS}")
        except (LoginFailed, httpx.HTTPError) as exc:
            tally.other.append((exc.args[0] if isinstance(exc, LoginFailed) else 0, repr(exc)))
            return
        for n in range(SAVES):
            tid = translations[(number + n) % len(translations)]
            text = f"client {number} save {n}"
            status = "done" if n % 5 == 4 else "draft"
            spans = []
            if status == "done":
                spans = [{"start": 0, "end": 5, "category": "Fluency/Grammar", "severity": "Minor"}]
            try:
                response = client.post(
                    f"/annotate/api/assessments/{tid}",
                    json={
                        "base_version": versions[tid],
                        "post_edit": text,
                        "status": status,
                        "spans": spans,
                    },
                    headers={"X-CSRFToken": csrf, "Accept": "application/json"},
                )
            except httpx.HTTPError as exc:
                tally.other.append((0, repr(exc)))
                continue
            if response.status_code == 200:
                body = response.json()
                versions[tid] = body["version"]
                tally.accepted.append((tid, text, body["version"], body["post_edit"]))
            elif response.status_code == 409:
                tally.refused += 1
                body = response.json()
                current = body.get("current") if isinstance(body, dict) else None
                if not isinstance(current, dict) or not isinstance(current.get("version"), int):
                    tally.refused_without_current.append(response.text[:200])
                    continue
                versions[tid] = current["version"]
            else:
                tally.other.append((response.status_code, response.text[:300]))


def stored_revisions(database_url: str) -> tuple[dict, dict, dict[str, int]]:
    """As stored: {(translation, annotator): final version},
    {(translation, annotator): [(version, post_edit), ...]} and user ids."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            finals = {
                (t, a): v
                for t, a, v in conn.execute(
                    sa.select(
                        Assessment.translation_id, Assessment.annotator_id, Assessment.version
                    )
                )
            }
            revisions: dict[tuple[int, int], list[tuple[int, str]]] = {}
            rows = conn.execute(
                sa.select(
                    Assessment.translation_id,
                    Assessment.annotator_id,
                    Revision.version,
                    Revision.post_edit,
                )
                .join(Assessment, Assessment.id == Revision.assessment_id)
                .order_by(Revision.version)
            )
            for t, a, version, text in rows:
                revisions.setdefault((t, a), []).append((version, text))
            users = dict(conn.execute(sa.select(User.username, User.id)).all())
    finally:
        engine.dispose()
    return finals, revisions, users


def test_concurrent_saves_to_shared_segments(server: Server, tmp_path: Path) -> None:
    database_url = server.env["DATABASE_URL"]
    translations = seed(database_url, tmp_path)
    tallies = [Tally() for _ in range(CLIENTS)]
    threads = [
        threading.Thread(target=run_client, args=(server.url, n, translations, tallies[n]))
        for n in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, started + CLIENT_TIMEOUT - time.monotonic()))
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), f"clients still busy after {elapsed:.0f} s"

    accepted = [item for tally in tallies for item in tally.accepted]
    refused = sum(tally.refused for tally in tallies)
    print(
        f"\n{CLIENTS} clients x {SAVES} saves in {elapsed:.1f} s: "
        f"{len(accepted)} accepted, {refused} refused (409)"
    )
    others = [item for tally in tallies for item in tally.other]
    statuses = Counter(status for status, _ in others)
    log = server.log.read_text(errors="replace")
    failures = [line for line in log.splitlines() if "Exception on" in line]
    assert not others, (
        f"answers other than 200/409: {dict(statuses)}; first: {others[:3]}; "
        f"server errors: {len(failures)}, {log.count('database is locked')} "
        f"'database is locked': {failures[:10]}\n" + log[-3000:]
    )
    assert not [t for tally in tallies for t in tally.refused_without_current]
    assert len(accepted) + refused == CLIENTS * SAVES  # every client made every save
    # Contention really happened, and so did progress.
    assert refused > 0 and len(accepted) > 0

    # Every text is sent once, so it names its save: the texts of the
    # accepted saves must be exactly the texts stored as revisions.
    finals, revisions, users = stored_revisions(database_url)
    sent: dict[tuple[int, int], set[str]] = {}
    for number, tally in enumerate(tallies):
        annotator = users[f"ann{number % ACCOUNTS}"]
        for tid, text, _, _ in tally.accepted:
            sent.setdefault((tid, annotator), set()).add(text)
    assert set(finals) == set(sent) == set(revisions)
    for key, texts in sent.items():
        stored = revisions[key]
        assert {text for _, text in stored} == texts, key
        # The first save creates the assessment at version 1 and stores
        # version 2, so n accepted saves leave n revisions, versions 2..n+1.
        assert [version for version, _ in stored] == list(range(2, len(texts) + 2)), key
        assert finals[key] == len(texts) + 1, key

    if database_url.startswith("sqlite:///"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            connection.close()

    # The answer to an accepted save must describe that save: the editor
    # takes its version as the base of the next save.
    stored_at = {
        (key[0], text): version for key, rows in revisions.items() for version, text in rows
    }
    wrong = [
        (text, stored_at[(tid, text)], version, answered)
        for tid, text, version, answered in accepted
        if (version, answered) != (stored_at[(tid, text)], text)
    ]
    assert not wrong, (
        f"{len(wrong)} accepted saves were answered with another save's version and "
        f"text, e.g. {wrong[0]} (text sent, version stored, version and text answered)"
    )
