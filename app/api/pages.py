"""/tokens: a logged-in user lists, creates and revokes their own API tokens.

A new token's plaintext is rendered once, in the answer to the POST that
created it, and never put in the session (a signed cookie is readable by
its holder, and would carry it on every request).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.api.tokens import MAX_NAME_LENGTH, create_token, get_token, list_tokens, revoke_token
from app.audit import record
from app.errors import MtqaError, NotFoundError
from app.extensions import db

bp = Blueprint("tokens", __name__, url_prefix="/tokens", template_folder="templates")


def _index(
    new_token: str | None = None, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    tokens = list_tokens(db.session(), current_user)
    page = render_template(
        "tokens/index.html",
        tokens=tokens,
        new_token=new_token,
        error=error,
        max_name_length=MAX_NAME_LENGTH,
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _index()


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    name = request.form.get("name", "")
    try:
        token, plaintext = create_token(db.session(), current_user, name)
    except MtqaError as exc:
        db.session.rollback()
        return _index(error=str(exc), status=400)
    record(
        db.session(),
        "token-create",
        user=current_user,
        detail=f"token={token.id} prefix={token.prefix} name={token.name!r}",
        remote_addr=request.remote_addr,
    )
    db.session.commit()
    return _index(new_token=plaintext)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    try:
        token = get_token(db.session(), token_id, owner=current_user)
    except NotFoundError:
        abort(404)
    if revoke_token(db.session(), token):
        record(
            db.session(),
            "token-revoke",
            user=current_user,
            detail=f"token={token.id} prefix={token.prefix}",
            remote_addr=request.remote_addr,
        )
        db.session.commit()
        flash(f"Token {token.prefix}… revoked; it no longer works.", "info")
    return redirect(url_for("tokens.index"))
