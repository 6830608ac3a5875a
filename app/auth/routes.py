"""Login and logout views."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from app.audit import record
from app.auth import bp
from app.auth.forms import LoginForm
from app.database import read_only
from app.extensions import db
from app.models import User
from app.security import (
    LOGIN_ADDRESS_LIMIT_MESSAGE,
    LOGIN_LIMIT_MESSAGE,
    limiter,
    login_address_key,
    login_address_limit,
    login_failed,
    login_limit,
)


@cache
def _dummy_hash() -> str:
    """A hash to check unknown usernames against, so that a wrong username
    takes as long as a wrong password and does not reveal which users exist."""
    return generate_password_hash("not a real password")


def safe_next(target: str | None) -> str | None:
    """Only redirect to paths on this site: `next` comes from the query
    string, and an absolute or scheme-relative URL there would turn the login
    page into an open redirect."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    login_limit, methods=["POST"], deduct_when=login_failed, error_message=LOGIN_LIMIT_MESSAGE
)
@limiter.limit(
    login_address_limit,
    key_func=login_address_key,
    methods=["POST"],
    deduct_when=login_failed,
    error_message=LOGIN_ADDRESS_LIMIT_MESSAGE,
)
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("annotate.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # The lookup and the (deliberately slow) password hash run without
        # the SQLite write lock; only the audit record below takes it, briefly.
        with read_only():
            user = db.session.scalar(sa.select(User).where(User.username == form.username.data))
            named = user
            if user is None or user.password_hash is None:
                check_password_hash(_dummy_hash(), form.password.data or "")
                user = None
            elif not user.check_password(form.password.data or ""):
                user = None
            db.session.rollback()
        if user is None or not user.active:
            # One message for every failure: no hint whether the name exists
            # or the account is disabled.
            record(
                db.session(),
                "login-failed",
                named,
                detail=f"username={form.username.data!r}",
                remote_addr=request.remote_addr,
            )
            db.session.commit()
            flash("Invalid username or password.", "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=bool(form.remember.data))
        record(db.session(), "login", user, remote_addr=request.remote_addr)
        db.session.commit()
        return redirect(next_url or url_for("annotate.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    record(db.session(), "logout", current_user, remote_addr=request.remote_addr)
    db.session.commit()
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))
