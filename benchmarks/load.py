"""The app under load: gunicorn (2 sync workers) on a 1M-segment SQLite
database, driven from a separate process by 16 concurrent clients.

Scenarios, each for a bounded time after a short warm-up, one at a time:

- `bare`: a minimal Flask app (one view returning a small HTML string),
  served by gunicorn with the same settings and driven by the same client:
  the baseline. On a 2-core machine the Python client itself takes a core,
  so the bare figure is as much the client's limit as the server's; the
  ratio compares like with like because both go through it.
- `floor`: the app itself with one extra view that loads the logged-in
  user and returns a small constant page (`floor_app()`): what the app's
  own stack (session cookie, user, security headers, a read-only
  transaction) costs before a page does any work of its own. It bounds
  the ratio any logged-in page can reach against `bare`.
- `segment`: GET a random segment page among all segments, logged in as an
  annotator who is assigned every translation (the assignment check runs).
- `save`: POST a save (JSON, X-CSRFToken) of one of the client's own
  translations (distinct per client, so saves never conflict), with the
  version the previous answer gave (0 the first time).

`python -m benchmarks load [--segments N] [--duration S] [--clients C]`
(or `python -m benchmarks.load`). Everything binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from benchmarks.common import REPO, SEGMENTS_PER_DOC, bench_app, report, section, sentence

USERNAME = "loadann"
PASSWORD = "load-benchmark-pw"
WORKERS = 2
#: Translations each client saves in turn (distinct across clients).
SAVE_POOL = 64


# --------------------------------------------------------------- the database


def build_database(db_path: Path, n: int) -> None:
    """n segments in documents of 1000, one system, all assigned to one
    annotator: the schema from the models, rows by raw executemany (as
    `bench_import`'s baseline does, ids given), the user through the app."""
    from app.extensions import db
    from app.models import User

    app = bench_app(db_path)
    with app.app_context():
        user = User(username=USERNAME, role="annotator")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()
        db.engine.dispose()

    rng = random.Random(11)
    texts = [" ".join(sentence(rng)) + "." for _ in range(5000)]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    n_docs = (n + SEGMENTS_PER_DOC - 1) // SEGMENTS_PER_DOC
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("BEGIN IMMEDIATE")
    con.execute(
        "INSERT INTO corpus (id, name, source_lang, target_lang, script_normalisation,"
        " created_at) VALUES (1, 'load', 'de', 'en', 'none', ?)",
        (now,),
    )
    con.executemany(
        "INSERT INTO document (id, corpus_id, name, title, origin_url, position, created_at)"
        " VALUES (?, 1, ?, ?, NULL, ?, ?)",
        ((d, f"doc{d:05d}", f"Document {d}", d, now) for d in range(1, n_docs + 1)),
    )
    con.executemany(
        "INSERT INTO segment (id, document_id, position, paragraph, kind, annotatable,"
        " source, external_id) VALUES (?, ?, ?, 0, 'body', 1, ?, NULL)",
        (
            (i, (i - 1) // SEGMENTS_PER_DOC + 1, (i - 1) % SEGMENTS_PER_DOC + 1, texts[-i % 5000])
            for i in range(1, n + 1)
        ),
    )
    con.executemany(
        "INSERT INTO translation (id, segment_id, system, text) VALUES (?, ?, 'mt', ?)",
        ((i, i, texts[i % 5000]) for i in range(1, n + 1)),
    )
    con.execute(
        "INSERT INTO campaign (id, name, corpus_id, per_segment, mode, created_by, created_at)"
        " VALUES (1, 'load', 1, 1, 'round-robin', NULL, ?)",
        (now,),
    )
    con.executemany(
        "INSERT INTO assignment (id, campaign_id, translation_id, annotator_id, created_at)"
        " VALUES (?, 1, ?, ?, ?)",
        ((i, i, user_id, now) for i in range(1, n + 1)),
    )
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


# ----------------------------------------------------------------- the servers


def bare_app() -> Flask:
    """The baseline: Flask and nothing else, a small HTML page."""
    app = Flask("bare")

    @app.get("/")
    def hello() -> str:
        return "<!doctype html><title>bare</title><p>Hello from a bare Flask view.</p>"

    return app


def floor_app() -> Flask:
    """The app plus a view that does what every logged-in page does and
    nothing else: the floor under the segment page and the save."""
    from flask_login import current_user, login_required

    from app import create_app
    from app.database import read_only_view

    app = create_app()

    @app.get("/_bench/floor")
    @read_only_view
    @login_required
    def floor() -> str:
        return f"<!doctype html><title>floor</title><p>Hello {current_user.username}.</p>"

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """gunicorn serving `target` on 127.0.0.1, the same settings for both apps."""

    def __init__(self, target: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                target,
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # answering (a redirect to the login page counts)
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far (/proc)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        total = 0
        for pid in children.read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


# ------------------------------------------------------------------ the driver


@dataclass
class Result:
    scenario: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Every request sent, warm-up included (the worker CPU covers them all).
    sent: int = 0
    worker_cpu_ms: float = 0.0

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def log_in(base: str) -> tuple[str, str]:
    """Log in through the form (CSRF on, as a browser would); returns the
    session cookie and the CSRF token the editor sends with saves."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no csrf_token on the login page")
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD}
    ).encode()
    page = opener.open(base + "/auth/login", data=form).read().decode()  # follows to "/"
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    if meta is None:
        raise RuntimeError("login failed: no csrf-token meta on the document list")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, meta.group(1)


async def fetch(host: str, port: int, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection, read to EOF.

    A hand-written client because the driver must not be the bottleneck:
    httpx spends about 4 ms of CPU per request here (about 230 requests/s
    from one process), about the cost of the pages measured. gunicorn's sync
    workers close the connection after each answer anyway, so there is no
    keep-alive to lose."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head + body)
        data = await reader.read(-1)
    finally:
        writer.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    return status, data[data.find(b"\r\n\r\n") + 4 :]


async def drive(
    base: str,
    scenario: str,
    *,
    clients: int,
    duration: float,
    warmup: float,
    segments: int,
    database: Path | None = None,
) -> Result:
    parsed = urllib.parse.urlsplit(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    cookie, csrf = log_in(base) if scenario != "bare" else ("", "")
    common = f"Host: {host}:{port}\r\nConnection: close\r\nCookie: {cookie}\r\n"
    n_docs = max(1, segments // SEGMENTS_PER_DOC)
    # Versions left by earlier runs on a reused database (read before the
    # clock starts), so that no save is refused as stale.
    stored: dict[int, int] = {}
    if scenario == "save" and database:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
            stored = dict(con.execute("SELECT translation_id, version FROM assessment"))
    latencies: list[float] = []
    errors = 0
    sent = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration

    async def one_client(index: int) -> None:
        nonlocal errors, sent
        rng = random.Random(index)
        # Saves: this client's own translations, spread over the corpus.
        pool = [1 + (index + clients * k * 997) % segments for k in range(SAVE_POOL)]
        versions = {tid: stored.get(tid, 0) for tid in pool}
        n = 0
        while time.perf_counter() < stop_at:
            body = b""
            tid = 0
            if scenario == "bare":
                head = f"GET / HTTP/1.1\r\n{common}\r\n"
            elif scenario == "floor":
                head = f"GET /_bench/floor HTTP/1.1\r\n{common}\r\n"
            elif scenario == "segment":
                doc = rng.randint(1, n_docs)
                pos = rng.randint(1, min(SEGMENTS_PER_DOC, segments))
                head = f"GET /annotate/{doc}/{pos} HTTP/1.1\r\n{common}\r\n"
            else:
                tid = pool[n % SAVE_POOL]
                n += 1
                body = json.dumps(
                    {
                        "base_version": versions[tid],
                        "post_edit": f"edited {n} by client {index}.",
                        "status": "draft" if n % 3 else "done",
                        "spans": [
                            {
                                "start": 0,
                                "end": 3,
                                "category": "Accuracy/Mistranslation",
                                "severity": "Minor",
                            }
                        ],
                        "time_spent": 1.5,
                        "keystrokes": 4,
                        "client_key": secrets.token_hex(8),
                    }
                ).encode()
                head = (
                    f"POST /annotate/api/assessments/{tid} HTTP/1.1\r\n{common}"
                    f"X-CSRFToken: {csrf}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                )
            t0 = time.perf_counter()
            status, payload = await fetch(host, port, head.encode(), body)
            t1 = time.perf_counter()
            sent += 1
            if scenario == "save" and status in (200, 409):
                # 409 would mean another writer: count it, and carry on from there.
                answer = json.loads(payload)
                versions[tid] = (answer if status == 200 else answer["current"])["version"]
            if t0 >= measure_from:
                latencies.append(t1 - t0)
                errors += status != 200

    await asyncio.gather(*(one_client(i) for i in range(clients)))
    elapsed = time.perf_counter() - measure_from
    return Result(
        scenario,
        len(latencies),
        errors,
        elapsed,
        1000 * percentile(latencies, 0.50),
        1000 * percentile(latencies, 0.99),
        sent,
    )


def run_driver(base: str, scenario: str, args: argparse.Namespace, database: Path) -> Result:
    """The driver in a process of its own, never in the server's."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.load",
            "--drive",
            base,
            "--scenario",
            scenario,
            "--clients",
            str(args.clients),
            "--duration",
            str(args.duration),
            "--warmup",
            str(args.warmup),
            "--segments",
            str(args.segments),
            "--database",
            str(database),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return Result(**json.loads(out.stdout.strip().splitlines()[-1]))


# ------------------------------------------------------------------- the run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mtqa under load (gunicorn, 16 clients)")
    parser.add_argument(
        "--segments",
        type=int,
        default=int(os.environ.get("MTQA_BENCH_LOAD", 1_000_000)),
        help="corpus size (default 1M; env MTQA_BENCH_LOAD)",
    )
    parser.add_argument("--quick", action="store_true", help="20k segments, 5 s per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--workdir", type=Path, help="where the database goes")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database already in --workdir"
    )
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.segments, args.duration = 20_000, 5.0
    return args


def run(args: argparse.Namespace) -> list[Result]:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mtqa-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "load.sqlite"
    n = args.segments
    with section(f"load: {n:,} segments, gunicorn {WORKERS} workers, {args.clients} clients"):
        start = time.perf_counter()
        if args.reuse and db_path.exists():
            print(f"   database reused ({db_path})", flush=True)
        else:
            build_database(db_path, n)
            print(f"   database built in {time.perf_counter() - start:.1f} s ({db_path})")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "MTQA_INSTANCE": str(workdir),
            "SECRET_KEY": secrets.token_hex(32),
        }
        results: dict[str, Result] = {}
        for scenario, target in (
            ("bare", "benchmarks.load:bare_app()"),
            ("floor", "benchmarks.load:floor_app()"),
            ("segment", "app:create_app()"),
            ("save", "app:create_app()"),
        ):
            server = Gunicorn(target, env, workdir / f"gunicorn-{scenario}.log")
            try:
                cpu_before = server.worker_cpu_seconds()
                r = run_driver(server.url, scenario, args, db_path)
                r.worker_cpu_ms = 1000 * (server.worker_cpu_seconds() - cpu_before) / max(1, r.sent)
            finally:
                server.stop()
            results[scenario] = r
            print(
                f"   {scenario:<8} {r.requests:>7} requests in {r.seconds:.1f} s, "
                f"{r.errors} errors, worker CPU {r.worker_cpu_ms:.2f} ms a request",
                flush=True,
            )
        bare = results["bare"].throughput
        for scenario, label in (
            ("bare", "bare Flask endpoint (baseline)"),
            ("floor", "logged-in constant page (the app's floor)"),
            ("segment", "GET segment page (random of all)"),
            ("save", "POST save (own segments)"),
        ):
            r = results[scenario]
            report(
                label,
                f"{r.throughput:,.0f} req/s",
                r.throughput / bare if scenario != "bare" else None,
                f"p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms"
                + ("" if scenario in ("bare", "floor") else "; targets p99 ≤ 100 ms, ratio ≥ 0.40"),
            )
    return list(results.values())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.drive:
        result = asyncio.run(
            drive(
                args.drive,
                args.scenario,
                clients=args.clients,
                duration=args.duration,
                warmup=args.warmup,
                segments=args.segments,
                database=args.database,
            )
        )
        print(json.dumps(asdict(result)), flush=True)
        return
    run(args)


if __name__ == "__main__":
    main()
