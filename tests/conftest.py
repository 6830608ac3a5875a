"""Fixtures in the manner of Flask's flaskr tutorial: app, client, runner,
plus users and a logged-in client. Each test gets a fresh in-memory database
(or the server named by MTQA_TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import User
from config import TestConfig

REPO = Path(__file__).resolve().parent.parent
SEED_TEXT = REPO / "source_texts" / "latepost-former-internet-employees.en.txt"
SHARED_DATA = REPO.parent / "shared" / "data"
PASSWORD = "correct horse battery"

#: `--pg` / MTQA_TEST_PG=1 runs the suite on a throwaway PostgreSQL (tests/pg.py).
pytest_plugins = ["pg"]


#: A real werkzeug hash, checked as any other, at a fraction of the cost.
QUICK_HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users created in tests get cheap password hashes. werkzeug's default
    (scrypt) costs about 0.15 s per hash and as much per login check, and
    the suite creates and logs in hundreds of users: that was over a minute
    of `make test`. Processes the tests start (`mtqa`, live servers) keep
    the default."""
    from app.models import user as user_module

    monkeypatch.setattr(
        user_module,
        "generate_password_hash",
        partial(generate_password_hash, method=QUICK_HASH_METHOD),
    )


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        # Close pooled connections now rather than at garbage collection:
        # a PostgreSQL server counts them against max_connections.
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def make_user(username: str, role: str = "annotator", password: str = PASSWORD) -> User:
    user = User(username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def assign(user: User, corpus_name: str | None = None) -> None:
    """Give `user` every annotatable translation of the corpus (of every
    corpus when None) in a campaign of their own, as an admin would."""
    from app.assignment import create_campaign
    from app.models import Campaign, Corpus

    stmt = sa.select(Corpus).order_by(Corpus.id)
    if corpus_name is not None:
        stmt = stmt.where(Corpus.name == corpus_name)
    for corpus in db.session.scalars(stmt).all():
        n = db.session.scalar(sa.select(sa.func.count(Campaign.id))) or 0
        create_campaign(
            db.session, name=f"{corpus.name}/{user.username}/{n}", corpus=corpus, annotators=[user]
        )
    db.session.commit()


@pytest.fixture
def annotator(app: Flask) -> User:
    return make_user("ann")


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "ann", password: str = PASSWORD):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
