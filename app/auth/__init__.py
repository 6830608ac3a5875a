"""Logging in and out.

Flask-Login keeps the user id in the signed session cookie; every request
reloads the user, so disabling an account ends its sessions at once.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.extensions import db, login_manager
from app.models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.record_once
def _configure_login_manager(_state: BlueprintSetupState) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    # "strong" drops the session when the client's IP or user agent changes,
    # which also logs out annotators behind rotating proxies; "basic" only
    # protects the remember-me cookie.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user


from app.auth import routes  # noqa: E402,F401  (registers the views on bp)
