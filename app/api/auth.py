"""Bearer-token authentication for the API.

The API reads only `Authorization: Bearer <token>`, never the session
cookie: a page on another site can make a browser send the cookie, but not
this header, so the API needs no CSRF token and is exempt from it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import sqlalchemy as sa
from flask import g, request

from app.api.errors import api_abort
from app.api.tokens import find_token
from app.extensions import db
from app.models import ApiToken, User
from app.models.base import utcnow

#: last_used_at is a hint for the owner ("is this token still in use?"),
#: not an access log: writing it on every request would make every read a write.
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)


def authenticate() -> None:
    """before_request of every API blueprint: sets `g.api_user` or answers 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise api_abort(401, "send an API token as 'Authorization: Bearer <token>'")
    token = find_token(db.session(), presented.strip())
    if token is None:
        raise api_abort(401, "unknown API token")
    if token.revoked_at is not None:
        raise api_abort(401, "this API token has been revoked")
    user = token.user
    if not user.active:
        raise api_abort(401, "the account of this API token is disabled")
    _touch(token)
    g.api_user = user


def _touch(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # A plain UPDATE committed at once: the view's own transaction stays separate.
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()


def api_user() -> User:
    user: User = g.api_user
    return user
