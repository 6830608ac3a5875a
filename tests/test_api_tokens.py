"""API tokens: stored only as a hash, revocable, managed from /tokens and
from `mtqa api token`, with audit events."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.api.tokens import create_token, find_token, hash_token, list_tokens, revoke_token
from app.extensions import db
from app.models import ApiToken, AuditEvent, Base, User
from tests.conftest import make_user

API = "/api/v1/corpora"
TOKEN_RE = re.compile(r"mtqa_[A-Za-z0-9_-]{43}")


def everything_stored() -> str:
    """Every value of every row of every table, as one string."""
    values = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            values.extend(str(v) for v in row)
    return "\n".join(values)


def audit(event: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == event)))


def test_token_is_hashed_at_rest(app: Flask, annotator: User) -> None:
    token, plaintext = create_token(db.session, annotator, "script")
    db.session.commit()
    assert TOKEN_RE.fullmatch(plaintext)
    assert token.token_hash == hash_token(plaintext) != plaintext
    assert token.prefix == plaintext[:12]
    stored = everything_stored()
    assert plaintext not in stored
    assert plaintext[12:] not in stored  # not even the secret part
    assert find_token(db.session, plaintext) == token
    assert find_token(db.session, plaintext + "x") is None


def test_tokens_are_unique_and_listed_per_user(app: Flask, annotator: User) -> None:
    other = make_user("other")
    plaintexts = {create_token(db.session, annotator, f"t{i}")[1] for i in range(3)}
    create_token(db.session, other, "theirs")
    db.session.commit()
    assert len(plaintexts) == 3
    assert [t.name for t in list_tokens(db.session, annotator)] == ["t2", "t1", "t0"]
    assert len(list_tokens(db.session)) == 4


def test_revoked_token_is_401(app: Flask, client: FlaskClient, annotator: User) -> None:
    token, plaintext = create_token(db.session, annotator)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get(API, headers=headers).status_code == 200
    assert revoke_token(db.session, token) is True
    db.session.commit()
    assert revoke_token(db.session, token) is False
    response = client.get(API, headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["error"]


def test_disabled_account_token_is_401(app: Flask, client: FlaskClient, annotator: User) -> None:
    _, plaintext = create_token(db.session, annotator)
    annotator.active = False
    db.session.commit()
    response = client.get(API, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(
    app: Flask, client: FlaskClient, annotator: User
) -> None:
    token, plaintext = create_token(db.session, annotator)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert token.last_used_at is None
    client.get(API, headers=headers)
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    client.get(API, headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get(API, headers=headers)
    db.session.refresh(token)
    assert token.last_used_at > first - timedelta(minutes=2)


# ---- /tokens pages ----------------------------------------------------------------------


def test_pages_need_login(client: FlaskClient, annotator: User) -> None:
    response = client.get("/tokens/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_create_shows_plaintext_once_then_revoke(
    client: FlaskClient, auth, annotator: User
) -> None:
    auth.login()
    created = client.post("/tokens/", data={"name": "eval <script>"})
    assert created.status_code == 200
    page = created.get_data(as_text=True)
    shown = TOKEN_RE.findall(page)
    assert len(shown) == 1
    plaintext = shown[0]
    assert "eval &lt;script&gt;" in page
    assert created.headers["Cache-Control"] == "no-store"
    # The token works, and the plaintext is never shown again.
    api = client.get(API, headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 200
    listing = client.get("/tokens/").get_data(as_text=True)
    assert plaintext not in listing and plaintext[:12] in listing
    token = db.session.scalar(sa.select(ApiToken))
    assert [e.user_id for e in audit("token-create")] == [annotator.id]
    assert plaintext not in everything_stored()

    revoked = client.post(f"/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert client.get(API, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    assert "revoked" in client.get("/tokens/").get_data(as_text=True)
    assert len(audit("token-revoke")) == 1


def test_cannot_revoke_someone_elses_token(client: FlaskClient, auth, annotator: User) -> None:
    theirs, _ = create_token(db.session, make_user("other"))
    db.session.commit()
    auth.login()
    assert client.post(f"/tokens/{theirs.id}/revoke").status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None
    assert "mtqa_" not in client.get("/tokens/").get_data(as_text=True).split("<h2>Your tokens")[1]


def test_too_long_name_is_refused(client: FlaskClient, auth, annotator: User) -> None:
    auth.login()
    response = client.post("/tokens/", data={"name": "x" * 101})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_forms_need_csrf_token(app: Flask, client: FlaskClient, auth, annotator: User) -> None:
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/tokens/", data={"name": "x"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    page = client.get("/tokens/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/tokens/", data={"name": "x", "csrf_token": csrf}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


# ---- mtqa api token ---------------------------------------------------------------------


def test_cli_create_list_revoke(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, annotator: User
) -> None:
    result = runner.invoke(args=["api", "token", "create", "ann", "--name", "nightly"])
    assert result.exit_code == 0, result.output
    plaintext = TOKEN_RE.search(result.stdout).group(0)
    assert client.get(API, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "nightly"

    listing = runner.invoke(args=["api", "token", "list", "ann"])
    assert listing.exit_code == 0
    assert plaintext[:12] in listing.output and "active" in listing.output
    assert plaintext not in listing.output

    revoked = runner.invoke(args=["api", "token", "revoke", str(token.id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(API, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    assert "revoked" in runner.invoke(args=["api", "token", "list"]).output
    assert len(audit("token-create")) == len(audit("token-revoke")) == 1


@pytest.mark.parametrize(
    "args",
    [["api", "token", "create", "nobody"], ["api", "token", "revoke", "42"]],
)
def test_cli_errors_are_one_line(app: Flask, runner: FlaskCliRunner, args: list[str]) -> None:
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.output
