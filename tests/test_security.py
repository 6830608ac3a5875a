"""Security headers, login throttling, the upload limit and the audit log,
through the real app: real requests, real SQLite, the real `mtqa` commands."""

from __future__ import annotations

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
from config import TestConfig
from tests.conftest import PASSWORD, AuthActions, make_user
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


@pytest.fixture
def throttled_app() -> Iterator[Flask]:
    class Throttled(TestConfig):
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = "3 per 2 seconds"

    app = create_app(Throttled)
    with app.app_context():
        db.create_all()
        make_user("ann")
    # No app context held across requests: Flask-Login caches the user on
    # `g`, which would otherwise carry one client's login into the next.
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


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


@pytest.mark.parametrize("secret", ["", "dev", "change-me"])
def test_mtqa_run_refuses_to_serve_with_a_default_secret_key(tmp_path: Path, secret: str) -> None:
    """`mtqa run` outside debug mode stops before serving; offline commands
    of the same script still work without a key."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("MTQA_CLI", "FLASK_DEBUG")}
    env.update(SECRET_KEY=secret, MTQA_INSTANCE=str(tmp_path))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    script = [sys.executable, "-c", "from app.cli import main; main()"]
    served = subprocess.run(
        [*script, "run", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert served.returncode != 0
    assert "SECRET_KEY is empty or a well-known default" in served.stderr
    offline = subprocess.run(
        [*script, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert offline.returncode == 0, offline.stderr
