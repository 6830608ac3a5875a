"""Logging in and out, and what a visitor without a session can reach."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, make_user


def test_login_page_renders_form(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="username"' in page
    assert 'name="password"' in page


def test_login_then_logout(client: FlaskClient, annotator: User, auth) -> None:
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "ann" in page and "Log out" in page

    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_is_stored_hashed(app: Flask, annotator: User) -> None:
    stored = db.session.get(User, annotator.id)
    assert stored is not None and stored.password_hash
    assert PASSWORD not in stored.password_hash


@pytest.mark.parametrize(
    ("username", "password"),
    [("ann", "wrong password"), ("nobody", PASSWORD), ("ann", "")],
)
def test_bad_credentials_are_refused(
    client: FlaskClient, annotator: User, auth, username: str, password: str
) -> None:
    response = auth.login(username, password)
    assert response.status_code in (200, 401)
    assert client.get("/").status_code == 302  # still not logged in
    if password:
        assert "Invalid username or password" in response.get_data(as_text=True)


def test_disabled_user_cannot_log_in(client: FlaskClient, auth) -> None:
    user = make_user("gone")
    user.active = False
    db.session.commit()
    response = auth.login("gone")
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_disabling_a_user_ends_their_session(client: FlaskClient, annotator: User, auth) -> None:
    auth.login()
    assert client.get("/").status_code == 200
    annotator.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/annotate/1/1"])
def test_pages_require_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_save_endpoint_answers_json_401_without_login(client: FlaskClient) -> None:
    response = client.post("/annotate/api/assessments/1", json={})
    assert response.status_code == 401
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/annotate/3/4?system=a", "/annotate/3/4?system=a"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirects_only_to_local_paths(
    client: FlaskClient, annotator: User, next_url: str, expected: str
) -> None:
    response = client.post(
        "/auth/login",
        query_string={"next": next_url},
        data={"username": "ann", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_requires_post(client: FlaskClient, annotator: User, auth) -> None:
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_post_without_csrf_token_is_refused(app: Flask, annotator: User) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    refused = client.post("/auth/login", data={"username": "ann", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302

    # The same form with the token from the page goes through.
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    accepted = client.post(
        "/auth/login",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert accepted.status_code == 302
    # JSON saves need the header from the meta tag too.
    assert client.post("/annotate/api/assessments/1", json={}).status_code == 400
