"""The data step of `make run`: `python -m app.seed` on a migrated database.

The seed runs as `make run` runs it, in a child process configured only by
the environment (MTQA_INSTANCE, DATABASE_URL), twice: the second run must
add nothing and print the same login.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from app.models import Assignment, Campaign, Corpus, Document, GlossaryTerm, Segment, User
from app.qa import load_glossary
from app.seed import DEMO_USERNAME, PASSWORD_FILE, ensure_demo_account
from config import TestConfig

REPO = Path(__file__).resolve().parent.parent
HAS_MIGRATION = any((REPO / "migrations" / "versions").glob("*.py"))


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def seeded_app(fresh_database_url: str, instance: Path) -> Iterator[Flask]:
    """An app on an empty database with the schema built the way
    `make run` builds it (the migrations, once there are any)."""

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database_url
        INSTANCE_PATH = str(instance)

    app = create_app(Fresh)
    with app.app_context():
        if HAS_MIGRATION:
            flask_migrate.upgrade()
        else:
            db.create_all()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def run_seed(database_url: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env |= {"MTQA_INSTANCE": str(instance), "DATABASE_URL": database_url, "PORT": "5123"}
    env.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "app.seed"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
        cwd=REPO,
    )


def row_counts() -> dict[str, int]:
    db.session.rollback()  # see the child process's commits
    with db.engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in db.metadata.tables.items()
        }


@pytest.mark.slow
def test_seed_twice_imports_once_and_prints_one_login(
    seeded_app: Flask, fresh_database_url: str, instance: Path
) -> None:
    first = run_seed(fresh_database_url, instance)
    assert first.returncode == 0, first.stderr
    after_first = row_counts()
    second = run_seed(fresh_database_url, instance)
    assert second.returncode == 0, second.stderr

    assert row_counts() == after_first
    assert after_first["segment"] > 0

    corpus = db.session.scalars(sa.select(Corpus).where(Corpus.name == "latepost")).one()
    segments = db.session.scalar(
        sa.select(sa.func.count(Segment.id)).join(Document).where(Document.corpus_id == corpus.id)
    )
    for output in (first.stdout, second.stdout):
        assert re.search(
            rf"corpus latepost \(zh→en\): 1 document\(s\), {segments} segments", output
        )
        assert "http://127.0.0.1:5123/" in output

    password_file = instance / PASSWORD_FILE
    password = password_file.read_text(encoding="utf-8").strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert f"demo login (created): {DEMO_USERNAME}" in first.stdout
    assert f"demo login (exists): {DEMO_USERNAME}" in second.stdout
    for output in (first.stdout, second.stdout):
        assert f"password: {password}" in output
    demo = db.session.scalars(sa.select(User).where(User.username == DEMO_USERNAME)).one()
    assert (demo.role, demo.check_password(password)) == ("admin", True)
    # The annotator who came with the annotations can open every segment of
    # their corpus, once: the second run adds no campaign.
    campaigns = db.session.scalars(sa.select(Campaign)).all()
    assert [c.name for c in campaigns] == ["latepost"]
    assigned = db.session.execute(
        sa.select(User.username, sa.func.count(Assignment.id))
        .join(Assignment, Assignment.annotator_id == User.id)
        .group_by(User.username)
    ).all()
    assert assigned == [("annotator-zhen-1", 254)]
    # The bundled glossary feeds the corpus glossary once, whatever the runs.
    terms = db.session.scalars(sa.select(GlossaryTerm.target)).all()
    entries = load_glossary(REPO / "annotations" / "glossary.tsv")
    assert "Wang Kele" in terms
    assert len(terms) == sum(max(1, len(e.wrong_variants)) for e in entries)


def test_seed_refuses_a_database_without_tables(fresh_database_url: str, instance: Path) -> None:
    result = run_seed(fresh_database_url, instance)

    assert result.returncode == 1
    assert "run `mtqa db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_changed_demo_password_is_kept_and_not_printed(seeded_app: Flask, instance: Path) -> None:
    created = ensure_demo_account(db.session, instance)
    user = db.session.scalars(sa.select(User).where(User.username == DEMO_USERNAME)).one()
    user.set_password("chosen by the annotator")
    db.session.commit()

    again = ensure_demo_account(db.session, instance)

    assert created.created and created.password is not None
    assert (again.created, again.password) == (False, None)
    assert user.check_password("chosen by the annotator")


def test_each_instance_gets_its_own_demo_password(seeded_app: Flask, tmp_path: Path) -> None:
    first = ensure_demo_account(db.session, tmp_path / "a")
    db.session.delete(db.session.scalars(sa.select(User)).one())
    db.session.commit()
    second = ensure_demo_account(db.session, tmp_path / "b")

    assert first.password and second.password
    assert first.password != second.password
    assert len(first.password) >= 16
