"""`mtqa users …` and the help of every command.

Passwords come from stdin, as when an admin pipes them in a provisioning
script; the confirmation prompt must see the same password twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.cli import FlaskGroup
from flask.testing import FlaskCliRunner

from app import create_app
from app.extensions import db
from app.models import ROLES, User
from config import TestConfig

GOOD_PASSWORD = "a long enough password"


def users_named(name: str) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.username == name)))


@pytest.mark.parametrize("role", ROLES)
def test_create_user_with_role_reads_password_from_stdin(runner: FlaskCliRunner, role: str) -> None:
    result = runner.invoke(
        args=["users", "create", "lin", "--role", role], input=f"{GOOD_PASSWORD}\n" * 2
    )

    assert result.exit_code == 0, result.output
    assert f"created {role} 'lin'" in result.output
    [user] = users_named("lin")
    assert user.role == role
    assert user.check_password(GOOD_PASSWORD)
    assert not user.check_password("another password")
    assert user.password_hash != GOOD_PASSWORD


def test_default_role_is_annotator(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "create", "wei"], input=f"{GOOD_PASSWORD}\n" * 2)

    assert result.exit_code == 0, result.output
    assert users_named("wei")[0].role == "annotator"


def test_duplicate_user_is_refused_and_keeps_the_first_password(
    runner: FlaskCliRunner,
) -> None:
    first = runner.invoke(args=["users", "create", "lin"], input=f"{GOOD_PASSWORD}\n" * 2)
    assert first.exit_code == 0, first.output

    second = runner.invoke(
        args=["users", "create", "lin", "--role", "admin"], input="different password\n" * 2
    )

    assert second.exit_code == 1
    assert "already exists" in second.output
    [user] = users_named("lin")
    assert user.role == "annotator"
    assert user.check_password(GOOD_PASSWORD)


def test_exist_ok_leaves_an_existing_user_alone(runner: FlaskCliRunner) -> None:
    runner.invoke(args=["users", "create", "lin"], input=f"{GOOD_PASSWORD}\n" * 2)

    again = runner.invoke(
        args=["users", "create", "lin", "--exist-ok", "--role", "admin"],
        input="different password\n" * 2,
    )

    assert again.exit_code == 0, again.output
    assert "left unchanged" in again.output
    [user] = users_named("lin")
    assert (user.role, user.check_password(GOOD_PASSWORD)) == ("annotator", True)


def test_short_password_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "create", "lin"], input="pw\npw\n")

    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    assert users_named("lin") == []


def test_mismatched_confirmation_creates_nobody(runner: FlaskCliRunner) -> None:
    # click re-prompts after a mismatch; stdin then runs dry and the command aborts.
    result = runner.invoke(
        args=["users", "create", "lin"], input=f"{GOOD_PASSWORD}\nsomething else\n"
    )

    assert result.exit_code != 0
    assert "do not match" in result.output
    assert users_named("lin") == []


def test_unknown_role_is_a_usage_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "lin", "--role", "owner"], input=f"{GOOD_PASSWORD}\n" * 2
    )

    assert result.exit_code == 2
    assert "owner" in result.output
    assert users_named("lin") == []


def test_users_list_shows_roles_and_disabled_accounts(runner: FlaskCliRunner) -> None:
    for name, role in (("zhu", "admin"), ("an", "researcher")):
        runner.invoke(
            args=["users", "create", name, "--role", role], input=f"{GOOD_PASSWORD}\n" * 2
        )
    db.session.scalars(sa.select(User).where(User.username == "zhu")).one().active = False
    db.session.commit()

    result = runner.invoke(args=["users", "list"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["an\tresearcher", "zhu\tadmin (disabled)"]


COMMANDS = [
    ["import"],
    ["export"],
    ["score"],
    ["users"],
    ["users", "create"],
    ["users", "list"],
    ["db"],
    ["db", "upgrade"],
    ["db", "check"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(app: Flask, command: list[str]) -> None:
    # The full command group as the `mtqa` script builds it, plugins (`db`) included.
    group = FlaskGroup(create_app=lambda: create_app(TestConfig))
    result = app.test_cli_runner().invoke(group, [*command, "--help"])

    assert result.exit_code == 0, result.output
    usage = result.output.splitlines()[0]
    assert usage.startswith("Usage: ")
    assert f" {' '.join(command)} [OPTIONS]" in usage


def test_mtqa_script_lists_its_commands(tmp_path: Path) -> None:
    # As from a shell, with a database of its own.
    env = dict(os.environ)
    env |= {"MTQA_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"import", "export", "score", "users", "db", "run"} <= listed
