"""API tokens as plain functions over a session: create, find, revoke, list.

The plaintext exists only in the return value of `create_token`; the
database keeps its SHA-256 digest and a short prefix to tell tokens apart.
A token is 256 random bits, so a fast hash is enough (nothing to brute-force)
and a lookup is one indexed equality on the digest.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import MtqaError, NotFoundError
from app.models import ApiToken, User
from app.models.base import utcnow

#: Makes a leaked token recognisable (secret scanners, logs) as an mtqa one.
TOKEN_PREFIX: Final = "mtqa_"
#: Characters of the plaintext kept for listings: "mtqa_" plus 7 random ones.
SHOWN_PREFIX_LENGTH: Final = 12
MAX_NAME_LENGTH: Final = 100


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the plaintext, which is
    never stored and cannot be shown again. The caller commits."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise MtqaError(f"a token name has at most {MAX_NAME_LENGTH} characters")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plaintext[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(plaintext),
    )
    session.add(token)
    session.flush()
    return token, plaintext


def find_token(session: Session, plaintext: str) -> ApiToken | None:
    """The token row for a presented plaintext, revoked or not."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    return session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))


def revoke_token(session: Session, token: ApiToken) -> bool:
    """Revoke `token`; False when it was revoked already. The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.flush()
    return True


def get_token(session: Session, token_id: int, owner: User | None = None) -> ApiToken:
    """Token `token_id`, of `owner` when given (someone else's token is
    reported as missing, not as forbidden)."""
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFoundError(f"no API token {token_id}")
    return token


def list_tokens(session: Session, user: User | None = None) -> Sequence[ApiToken]:
    """Tokens newest first, of one user or of everyone."""
    stmt = sa.select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return session.scalars(stmt).all()
