"""`mtqa api token create|list|revoke`: tokens for scripts, from the shell."""

from __future__ import annotations

import click
import sqlalchemy as sa

from app.api.tokens import create_token, get_token, list_tokens, revoke_token
from app.audit import record
from app.cli import bp, reports_errors
from app.errors import NotFoundError
from app.extensions import db
from app.models import User


@bp.cli.group("api")
def api_group() -> None:
    """The REST API under /api/v1."""


@api_group.group("token")
def token_group() -> None:
    """API tokens (Authorization: Bearer ...)."""


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user named {username!r}")
    return user


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in listings).")
@reports_errors
def create_command(username: str, name: str) -> None:
    """Create a token for USERNAME and print it: it cannot be shown again."""
    user = _user(username)
    token, plaintext = create_token(db.session(), user, name)
    record(
        db.session(),
        "token-create",
        user=user,
        detail=f"token={token.id} prefix={token.prefix} name={token.name!r} via=cli",
    )
    db.session.commit()
    click.echo(plaintext)
    click.echo(
        f"token {token.id} for {user.username}; store it now, it is not shown again", err=True
    )


@token_group.command("list")
@click.argument("username", required=False)
@reports_errors
def list_command(username: str | None) -> None:
    """List tokens (of USERNAME, or of everyone): id, prefix, owner, state."""
    user = _user(username) if username else None
    tokens = list_tokens(db.session(), user)
    if not tokens:
        click.echo("no API tokens")
        return
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(
            f"{token.id}\t{token.prefix}…\t{token.user.username}\t{state}\t"
            f"last used {used}\t{token.name}"
        )


@token_group.command("revoke")
@click.argument("token_id", type=int)
@reports_errors
def revoke_command(token_id: int) -> None:
    """Revoke token TOKEN_ID (see `mtqa api token list`)."""
    token = get_token(db.session(), token_id)
    if not revoke_token(db.session(), token):
        click.echo(f"token {token.id} was already revoked")
        return
    record(
        db.session(),
        "token-revoke",
        user=token.user,
        detail=f"token={token.id} prefix={token.prefix} via=cli",
    )
    db.session.commit()
    click.echo(f"revoked token {token.id} ({token.prefix}…) of {token.user.username}")
