"""The migrations build exactly the schema the models describe.

Tests build their tables with `create_all()`, so nothing else would notice a
model change that has no migration: a deployment upgraded with
`mtqa db upgrade` would then miss a column the code uses. Here the
migrations run on an empty database (SQLite, or PostgreSQL under `--pg`) and
Alembic's autogenerate comparison must find nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from app import create_app
from app.extensions import db
from config import TestConfig

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
GENERATE = (
    "DATABASE_URL=sqlite:////tmp/mtqa-empty.sqlite mtqa db migrate -m 'initial schema' "
    "(on an empty database)"
)


def require_a_migration() -> None:
    """A checkout without migrations cannot `mtqa db upgrade`: fail loudly,
    with the command that generates the first one."""
    if not any(VERSIONS.glob("*.py")):
        pytest.fail(f"migrations/versions/ holds no migration; generate it with {GENERATE}")


@pytest.fixture
def empty_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    class EmptyDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database_url
        INSTANCE_PATH = str(tmp_path)

    app = create_app(EmptyDatabase)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_drift() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_on_an_empty_database_matches_the_models(empty_app: Flask) -> None:
    require_a_migration()

    flask_migrate.upgrade()

    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_drift() == []


def test_migrations_form_one_line_of_history(empty_app: Flask) -> None:
    require_a_migration()
    config = empty_app.extensions["migrate"].migrate.get_config()

    heads = ScriptDirectory.from_config(config).get_heads()

    assert len(heads) == 1, f"several heads {heads}: merge them with `mtqa db merge heads`"


def test_downgrade_to_base_removes_every_table(empty_app: Flask) -> None:
    require_a_migration()
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision="base")

    assert table_names() == {"alembic_version"}


def test_a_model_change_without_migration_is_detected(empty_app: Flask) -> None:
    """The comparison is not blind: a column the migrations lack shows up."""
    require_a_migration()
    flask_migrate.upgrade()
    extra = sa.Table("drift_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        combined = sa.MetaData()
        for table in (*db.metadata.tables.values(), extra):
            table.to_metadata(combined)
        drift = compare_metadata(context, combined)

    assert [op[0] for op in drift] == ["add_table"]
    assert drift[0][1].name == "drift_probe"
