"""Who may see and do what: the one place the role and assignment rules live.

- admin: everything, including annotating any translation and adjudicating;
- annotator: only the translations assigned to them in a campaign;
- researcher: reads results (reports, scores, exports, the API), annotates nothing.

Views call these checks rather than comparing roles themselves, so the
permission matrix test exercises one rule set.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Final

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from app.models import Assignment, Translation, User

ADMIN: Final = "admin"
ANNOTATOR: Final = "annotator"
RESEARCHER: Final = "researcher"


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == ADMIN


def can_read_results(user: User) -> bool:
    """Scores, reports, exports: other people's work, so not for annotators."""
    return user.is_authenticated and user.role in (ADMIN, RESEARCHER)


def visible_translations(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on Translation: what this user may open for annotation."""
    if is_admin(user):
        return sa.true()
    return visible_to_role(user.role, user.id)


def visible_to_role(role: str, user_id: int | sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """`visible_translations` for a user of `role` whose id is `user_id`,
    which may be a bind parameter: hot statements are built once per role
    and reused for every user of it, so SQLAlchemy neither rebuilds them
    nor recomputes their cache key on each request."""
    if role == ADMIN:
        return sa.true()
    if role != ANNOTATOR:
        return sa.false()
    # EXISTS, not IN (SELECT …): SQLite would build the whole list of the
    # user's assignments for every statement; this is one index probe per row.
    return sa.exists().where(
        Assignment.annotator_id == user_id, Assignment.translation_id == Translation.id
    )


#: Built once: the check runs on every save and every segment page.
_ASSIGNED = (
    sa.select(Assignment.id)
    .where(
        Assignment.annotator_id == sa.bindparam("user_id"),
        Assignment.translation_id == sa.bindparam("translation_id"),
    )
    .limit(1)
)


def can_annotate(session: Session, user: User, translation_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    if user.role != ANNOTATOR:
        return False
    found = session.scalar(_ASSIGNED, {"user_id": user.id, "translation_id": translation_id})
    return found is not None


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For HTML views: 401 handling stays with login_required (put it
    outside); a logged-in user of another role gets 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
