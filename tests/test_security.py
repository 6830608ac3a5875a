"""Security headers, login throttling, the upload limit and the audit log,
through the real app: real requests, real SQLite, the real `mtqa` commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.audit import record
from app.errors import MtqaError
from app.extensions import db
from app.models import AuditEvent, Corpus, User
from config import Config, TestConfig
from tests.conftest import PASSWORD, REPO, AuthActions, make_user
from tests.test_annotate import build_document, translation_at

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def events(kind: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if kind is not None:
        query = query.where(AuditEvent.event == kind)
    return list(db.session.scalars(query))


def assert_security_headers(response) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = {
        part.strip().split(" ", 1)[0]: part.strip()
        for part in response.headers["Content-Security-Policy"].split(";")
    }
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert csp["script-src"] == "script-src 'self'"
    assert csp["style-src"] == "style-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"


# ---- headers ---------------------------------------------------------------


def test_headers_on_html_page(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_security_headers(response)


def test_headers_on_json_and_error_responses(
    client: FlaskClient, annotator: User, auth: AuthActions
) -> None:
    refused = auth.login(password="wrong")
    assert refused.status_code == 401
    assert_security_headers(refused)
    auth.login()
    json_error = client.post("/annotate/api/assessments/999999", json={})
    assert json_error.status_code == 404 and json_error.is_json
    assert_security_headers(json_error)
    html_404 = client.get("/no/such/page")
    assert html_404.status_code == 404 and html_404.mimetype == "text/html"
    assert_security_headers(html_404)


def test_headers_on_json_success(client: FlaskClient, annotator: User, auth: AuthActions) -> None:
    document = build_document([("body", "Wang Cola resigned.", "王可乐辞职了。")])
    auth.login()
    payload = {"base_version": 0, "post_edit": None, "status": "draft", "spans": []}
    response = client.post(
        f"/annotate/api/assessments/{translation_at(document, 1).id}", json=payload
    )
    assert response.status_code == 200 and response.is_json
    assert_security_headers(response)


# ---- login throttling ------------------------------------------------------


def throttled(**limits: str) -> Iterator[Flask]:
    """An app with login throttling on, the given limits, and users ann,
    u0 … u5."""
    config = type("Throttled", (TestConfig,), {"RATELIMIT_ENABLED": True, **limits})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        for name in ("ann", *(f"u{n}" for n in range(6))):
            make_user(name)
    # No app context held across requests: Flask-Login caches the user on
    # `g`, which would otherwise carry one client's login into the next.
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def throttled_app() -> Iterator[Flask]:
    yield from throttled(LOGIN_RATE_LIMIT="3 per 2 seconds")


@pytest.fixture
def address_throttled_app() -> Iterator[Flask]:
    """Two failures per username and address, four per address: long
    windows, so slow password checks cannot let a window pass mid-test."""
    yield from throttled(LOGIN_RATE_LIMIT="2 per minute", LOGIN_ADDRESS_RATE_LIMIT="4 per minute")


def logins_recorded(app: Flask) -> int:
    with app.app_context():
        return len(events("login"))


def login(client: FlaskClient, username: str, password: str, addr: str = "10.0.0.1"):
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_failed_logins_are_throttled_until_the_window_passes(throttled_app: Flask) -> None:
    client = throttled_app.test_client()
    assert [login(client, "ann", "wrong").status_code for _ in range(3)] == [401] * 3
    # Password hashing makes each attempt slow on a loaded machine: the
    # window is counted from the last failure, not from the first.
    last_failure = time.monotonic()

    blocked = login(client, "ann", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.get_data(as_text=True)
    assert_security_headers(blocked)
    # Another address, or another name from this address, is not affected.
    other = throttled_app.test_client()
    assert login(other, "ann", PASSWORD, addr="10.0.0.2").status_code == 302
    assert login(throttled_app.test_client(), "bob", "wrong").status_code == 401
    assert logins_recorded(throttled_app) == 1

    time.sleep(max(0.0, 2.2 - (time.monotonic() - last_failure)))
    assert login(client, "ann", PASSWORD).status_code == 302
    assert logins_recorded(throttled_app) == 2


def test_successful_logins_do_not_count(throttled_app: Flask) -> None:
    for _ in range(5):
        assert login(throttled_app.test_client(), "ann", PASSWORD).status_code == 302
    assert logins_recorded(throttled_app) == 5


def test_failed_logins_over_many_usernames_are_throttled_per_address(
    address_throttled_app: Flask,
) -> None:
    """Password spraying: one wrong password for each of many accounts stays
    under the per-username limit, but not under the per-address one."""
    client = address_throttled_app.test_client()
    assert [login(client, f"u{n}", "wrong").status_code for n in range(4)] == [401] * 4
    sprayed = login(client, "u4", "wrong")
    assert sprayed.status_code == 429
    assert "Too many failed logins from your address" in sprayed.get_data(as_text=True)
    assert_security_headers(sprayed)
    # The address waits whatever the name and password; another address does not.
    assert login(client, "ann", PASSWORD).status_code == 429
    other = address_throttled_app.test_client()
    assert login(other, "ann", PASSWORD, addr="10.0.0.2").status_code == 302
    with address_throttled_app.app_context():
        assert len(events("login-failed")) == 4
    assert logins_recorded(address_throttled_app) == 1


def test_successful_logins_do_not_count_per_address(address_throttled_app: Flask) -> None:
    for n in range(6):
        assert login(address_throttled_app.test_client(), f"u{n}", PASSWORD).status_code == 302
    # The failures after them still get the whole allowance.
    client = address_throttled_app.test_client()
    assert [login(client, f"u{n}", "wrong").status_code for n in range(5)] == [401] * 4 + [429]


def test_throttling_is_off_in_the_test_config(client: FlaskClient, annotator: User) -> None:
    statuses = {login(client, "ann", "wrong").status_code for _ in range(8)}
    assert statuses == {401}


# ---- upload size -------------------------------------------------------------


@pytest.fixture
def small_upload_app() -> Iterator[Flask]:
    class SmallUploads(TestConfig):
        MAX_CONTENT_LENGTH = 1024 * 1024

    app = create_app(SmallUploads)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_oversized_json_save_gets_a_json_413(small_upload_app: Flask) -> None:
    make_user("ann")
    document = build_document([("body", "Wang Cola resigned.", "王可乐辞职了。")])
    translation_id = translation_at(document, 1).id
    client = small_upload_app.test_client()
    assert login(client, "ann", PASSWORD).status_code == 302
    payload = {"base_version": 0, "post_edit": "x" * (2 * 1024 * 1024), "status": "draft"}
    response = client.post(f"/annotate/api/assessments/{translation_id}", json=payload)
    assert response.status_code == 413
    assert response.is_json
    assert "limit of 1 MB" in response.get_json()["error"]
    assert_security_headers(response)


def test_oversized_form_gets_an_html_413(small_upload_app: Flask) -> None:
    client = small_upload_app.test_client()
    response = client.post(
        "/auth/login", data={"username": "ann", "password": "p" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "limit of 1 MB" in response.get_data(as_text=True)


# ---- audit log -----------------------------------------------------------------


def test_login_failed_login_and_logout_are_recorded(
    client: FlaskClient, annotator: User, auth: AuthActions
) -> None:
    assert auth.login(password="wrong").status_code == 401
    assert auth.login(username="nobody", password="wrong").status_code == 401
    assert auth.login().status_code == 302
    assert auth.logout().status_code == 302

    recorded = [(e.event, e.user_id) for e in events()]
    assert recorded == [
        ("login-failed", annotator.id),
        ("login-failed", None),
        ("login", annotator.id),
        ("logout", annotator.id),
    ]
    failed = events("login-failed")
    assert "'nobody'" in failed[1].detail
    assert all(e.remote_addr == "127.0.0.1" for e in events())


def test_cli_user_create_role_change_and_export_are_recorded(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["users", "create", "lin"], input="a long password\n" * 2)
    assert result.exit_code == 0, result.output
    lin = db.session.scalar(sa.select(User).where(User.username == "lin"))
    assert lin is not None

    result = runner.invoke(args=["users", "set-role", "lin", "admin"])
    assert result.exit_code == 0, result.output
    db.session.refresh(lin)
    assert lin.role == "admin"
    [change] = events("role-change")
    assert (change.user_id, change.detail) == (lin.id, "annotator -> admin")

    result = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert result.exit_code != 0 and "no user 'nobody'" in result.output
    result = runner.invoke(args=["users", "set-role", "lin", "admin"])
    assert result.exit_code == 0 and len(events("role-change")) == 1

    db.session.add(Corpus(name="empty", source_lang="zh", target_lang="en"))
    db.session.commit()
    out = tmp_path / "empty.jsonl"
    result = runner.invoke(args=["export", "--corpus", "empty", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [export] = events("export")
    assert "corpus='empty'" in export.detail and str(out) in export.detail

    assert [e.event for e in events()] == ["user-create", "role-change", "export"]


def test_unknown_audit_event_is_refused(app: Flask) -> None:
    with pytest.raises(MtqaError, match="unknown audit event"):
        record(db.session, "logged-in")


# ---- secret key ------------------------------------------------------------

#: Keys no server may run on: empty, well-known, too short, only whitespace.
WEAK_KEYS = ["", "dev", "change-me", "fifteen-chars-k", " " * 40, "\t\n" * 10, "  short-key  "]
STRONG_KEY = "sixteen-chars-ok"


def env_without_key(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a process started from a shell with no SECRET_KEY,
    on a database of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "MTQA_CLI", "FLASK_DEBUG", "MTQA_TEST_DATABASE_URL")
    }
    env |= {"MTQA_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    return env | extra


def config_with_key(key: str, tmp_path: Path) -> type[Config]:
    return type(
        "Deployed",
        (Config,),
        {"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)},
    )


@pytest.mark.parametrize("key", WEAK_KEYS, ids=repr)
def test_create_app_refuses_a_weak_key_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str
) -> None:
    """What a WSGI server calls: no environment variable (MTQA_CLI was one)
    lets it run on a throwaway key."""
    monkeypatch.setenv("MTQA_CLI", "1")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is empty, a well-known default or too"):
        create_app(config_with_key(key, tmp_path))


def test_create_app_keeps_a_strong_key_and_gives_command_line_apps_their_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    apps = [
        create_app(config_with_key(STRONG_KEY, tmp_path)),
        create_app(config_with_key("", tmp_path), command_line=True),
        create_app(config_with_key("dev", tmp_path), command_line=True),
    ]
    keys = [app.config["SECRET_KEY"] for app in apps]
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    assert keys[0] == STRONG_KEY
    assert all(len(key) == 64 for key in keys[1:]) and keys[1] != keys[2]


def held_port() -> socket.socket:
    """A listening socket: a server that got past the key check fails to
    bind its port at once instead of serving."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


MTQA = [sys.executable, "-c", "from app.cli import main; main()"]


@pytest.mark.parametrize(
    ("key", "options"),
    [("", []), ("dev", ["--no-debug"]), ("fifteen-chars-k", []), (" " * 40, [])],
    ids=["empty", "default-after-an-option", "short", "whitespace"],
)
def test_mtqa_run_refuses_to_serve_with_a_weak_secret_key(
    tmp_path: Path, key: str, options: list[str]
) -> None:
    """`mtqa run` outside debug mode stops before serving, with the variable
    that used to mark command-line work set, and with an option before
    `run` (the script once looked only at its first argument)."""
    env = env_without_key(tmp_path, SECRET_KEY=key, MTQA_CLI="1")
    with held_port() as sock:
        port = str(sock.getsockname()[1])
        served = subprocess.run(
            [*MTQA, *options, "run", "--port", port],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert served.returncode != 0
    assert "SECRET_KEY is empty, a well-known default or too short" in served.stderr


def test_gunicorn_refuses_to_start_with_the_command_line_variable_set(tmp_path: Path) -> None:
    """The Makefile once exported MTQA_CLI=1 to everything it started."""
    env = env_without_key(tmp_path, MTQA_CLI="1", PYTHONPATH=str(REPO))
    with held_port() as sock:
        port = sock.getsockname()[1]
    # A worker that fails to boot stops the whole server (exit status 3).
    started = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "app:create_app()",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "SECRET_KEY is empty, a well-known default or too short" in started.stderr


def test_offline_commands_need_no_secret_key(tmp_path: Path) -> None:
    env = env_without_key(tmp_path)
    text = tmp_path / "news.txt"
    text.write_text("Wang Cola resigned.\nHe went home.\n", encoding="utf-8")
    for command in (["db", "upgrade"], ["import", str(text)], ["score", "--corpus", "news"]):
        result = subprocess.run(
            [*MTQA, *command], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, (command, result.stderr)
    assert "Segments finished: 0 / 2" in result.stdout


# ---- the browser tests in CI -----------------------------------------------


@pytest.mark.parametrize(
    ("required", "outcome"),
    [(None, pytest.skip.Exception), ("0", pytest.skip.Exception), ("1", pytest.fail.Exception)],
)
def test_a_missing_browser_skips_the_browser_tests_unless_they_are_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, required: str | None, outcome: type
) -> None:
    """The stored-XSS tests run in Chromium: CI sets MTQA_REQUIRE_BROWSER=1
    so that a machine without it fails rather than skips them."""
    from tests.browser.conftest import browser_missing, browser_problem

    if required is None:
        monkeypatch.delenv("MTQA_REQUIRE_BROWSER", raising=False)
    else:
        monkeypatch.setenv("MTQA_REQUIRE_BROWSER", required)
    problem = browser_problem(tmp_path / "chromium")
    assert problem == f"no Chromium at {tmp_path / 'chromium'}"
    with pytest.raises(outcome, match="no Chromium"):
        browser_missing(problem)
