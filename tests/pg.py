"""A throwaway PostgreSQL server for the test session (pytest plugin).

`pytest --pg` (or `MTQA_TEST_PG=1 pytest`) runs the whole suite against a
real PostgreSQL instead of in-memory SQLite: SQLite forgives things
PostgreSQL does not (type coercion, reserved words, transaction errors), so
the same tests run on both. The server is private to the session: initdb
into a temporary directory, start on a free loopback port with its socket in
that directory, one database per session, everything removed at the end.
Nothing touches a system cluster.

PostgreSQL refuses to run as root, so under root the server binaries run as
the `postgres` account (or `nobody` when there is none) through `runuser`.
Binaries are looked up in MTQA_PG_BIN, then /usr/lib/postgresql/*/bin
(Debian), then PATH.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from config import TestConfig

SERVER_KEY = pytest.StashKey["PostgresServer"]()
PREFIX = "mtqa-pg-"
#: The pid of the test process that owns a server, in the server's directory.
OWNER_FILE = "owner.pid"
SUPERUSER = "mtqa"
TEST_DATABASE = "mtqa_test"
#: Durability is worthless for a database deleted at the end of the run.
SERVER_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    # Every test builds its own app and engine; leave room for pools not yet collected.
    "max_connections=300",
    # A transaction left open by a test makes the next DROP TABLE wait: fail, not hang.
    "lock_timeout=10s",
)


class PostgresError(RuntimeError):
    """The throwaway server could not be set up; the message says why."""


def find_bin_dir() -> Path:
    override = os.environ.get("MTQA_PG_BIN")
    if override:
        candidates = [override]
    else:
        versions = glob.glob("/usr/lib/postgresql/*/bin")
        candidates = sorted(versions, key=lambda p: int(Path(p).parent.name), reverse=True)
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise PostgresError(
        "no PostgreSQL server binaries (initdb, pg_ctl) found in MTQA_PG_BIN, "
        "/usr/lib/postgresql/*/bin or PATH; install the `postgresql` package"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One private cluster: `start()`, `create_database()`, `stop()`."""

    def __init__(self, bin_dir: Path, root: Path, run_as: str | None) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.run_as = run_as
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "server.log"
        self.port = 0

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = find_bin_dir()
        run_as = unprivileged_user() if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix=PREFIX))
        server = cls(bin_dir, root, run_as)
        try:
            (root / OWNER_FILE).write_text(str(os.getpid()))
            server.sockets.mkdir()
            if run_as is not None:
                account = pwd.getpwnam(run_as)
                for path in (root, server.sockets):
                    os.chown(path, account.pw_uid, account.pw_gid)
            server._initdb()
            server._start_on_free_port()
        except BaseException:
            server.stop()
            raise
        return server

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        if self.run_as is not None:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresError("running as root needs `runuser` (util-linux)")
            command = [runuser, "-u", self.run_as, "--", *command]
        return command

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._command(program, *args),
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise PostgresError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )
        return result

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )

    def _start_on_free_port(self, attempts: int = 3) -> None:
        settings = " ".join(f"-c {setting}" for setting in SERVER_SETTINGS)
        for attempt in range(attempts):
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.sockets} {settings}"
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "--pgdata",
                    str(self.data),
                    "--log",
                    str(self.log),
                    "--wait",
                    "--timeout",
                    "60",
                    "-o",
                    options,
                )
                return
            except PostgresError:
                # Another process may have taken the port between probe and bind.
                if attempt == attempts - 1:
                    raise

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresError):
                self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans() -> None:
    """Stop servers whose test process was killed before it could stop them."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if process_alive(owner):
            continue
        run_as = None
        if os.geteuid() == 0 and root.stat().st_uid != 0:
            run_as = pwd.getpwuid(root.stat().st_uid).pw_name
        with contextlib.suppress(PostgresError):
            PostgresServer(find_bin_dir(), root, run_as).stop()


#: Engines that opened a connection during the current test.
_engines: set[sa.Engine] = set()


def _remember_engine(connection: sa.Connection) -> None:
    _engines.add(connection.engine)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresError("running as root needs a `postgres` or `nobody` account")


def pg_requested(config: pytest.Config) -> bool:
    return bool(config.getoption("--pg")) or os.environ.get("MTQA_TEST_PG") == "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pg",
        action="store_true",
        default=False,
        help="run against a throwaway PostgreSQL server started for the session "
        "(same as MTQA_TEST_PG=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not pg_requested(config):
        return
    try:
        remove_orphans()
        server = PostgresServer.start()
        url = server.create_database(TEST_DATABASE)
    except PostgresError as exc:
        raise pytest.UsageError(f"--pg: {exc}") from exc
    config.stash[SERVER_KEY] = server
    sa.event.listen(sa.Engine, "engine_connect", _remember_engine)
    # A CI timeout sends SIGTERM: end the session as on Ctrl-C, so that
    # pytest_unconfigure still stops the server.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    # TestConfig read the environment when config.py was imported, before
    # this hook ran; set both so apps built here and child processes agree.
    os.environ["MTQA_TEST_DATABASE_URL"] = url
    TestConfig.SQLALCHEMY_DATABASE_URI = url


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(SERVER_KEY, None)
    if server is not None:
        server.stop()
        del config.stash[SERVER_KEY]
    if signal.getsignal(signal.SIGTERM) is _interrupt:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sa.event.contains(sa.Engine, "engine_connect", _remember_engine):
        sa.event.remove(sa.Engine, "engine_connect", _remember_engine)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Close the idle pooled connections of every engine the test used.

    Tests and fixtures build apps of their own, and an abandoned app's pool
    is only freed when the garbage collector gets to it, at which point
    psycopg warns that a connection was never closed: a ResourceWarning,
    an error under filterwarnings=error, blamed on whichever test runs then.
    Engines with a connection still checked out are left alone: a fixture of
    wider scope may be using it, or the code under test leaked it (which
    then stays visible)."""
    try:
        return (yield)
    finally:
        engines = list(_engines)
        _engines.clear()
        for engine in engines:
            # Disposing an engine with a connection checked out (a module-
            # scoped fixture's session) would orphan that connection.
            checked_out = getattr(engine.pool, "checkedout", lambda: 0)
            if checked_out() == 0:
                engine.dispose()


def pytest_report_header(config: pytest.Config) -> str | None:
    server = config.stash.get(SERVER_KEY, None)
    if server is None:
        return None
    return f"database: PostgreSQL ({server.bin_dir}) at {server.url(TEST_DATABASE)}"


@pytest.fixture(scope="session")
def new_database_url(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """A factory of URLs of empty databases, each private to its caller, for
    module- or class-scoped fixtures that build an app of their own. On
    PostgreSQL such an app must not share the per-test database: the `app`
    fixture drops its tables after every test. Without --pg: in-memory SQLite,
    private to each engine anyway."""
    server = request.config.stash.get(SERVER_KEY, None)
    created: list[str] = []

    def make() -> str:
        if server is None:
            return "sqlite://"
        name = f"scoped_{uuid.uuid4().hex[:12]}"
        created.append(name)
        return server.create_database(name)

    yield make
    if server is not None:
        for name in created:
            server.drop_database(name)


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database of its own, of the kind the suite runs on:
    for tests that build a schema themselves (migrations, seeding)."""
    server = request.config.stash.get(SERVER_KEY, None)
    if server is None:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)
