"""JSON errors for every API blueprint.

Every error under /api/v1 is an object with at least `error` (a sentence a
person can act on) and `code` (the HTTP status); validation failures add
`errors` (field -> messages) and a stale save adds `current`. URLs that
match no route at all are answered by the site-wide handler, which gives
`{"error": ...}` for /api paths, so `error` is the one key every client
can rely on.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import MtqaError


class ApiError(MtqaError):
    """An error answered as JSON with `status`; `extra` joins the body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        self.status = status
        self.message = message
        self.extra = extra
        super().__init__(message)


def api_abort(status: int, message: str, **extra: Any) -> ApiError:
    """Raise with `raise api_abort(...)`, so type checkers see the exit."""
    return ApiError(status, message, **extra)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> ResponseReturnValue:
    body = {"error": message, "code": status, **extra}
    return jsonify(body), status, headers or {}


def _api_error(exc: ApiError) -> ResponseReturnValue:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="mtqa"'
    return error_response(exc.status, exc.message, headers, **exc.extra)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    extra: dict[str, Any] = {}
    # webargs (behind flask-smorest's @arguments) puts field errors here.
    messages = data.get("errors") or data.get("messages")
    if messages:
        extra["errors"] = messages
        message = "invalid request parameters: see errors"
    else:
        message = data.get("message") or exc.description or exc.name
    if isinstance(exc, InternalServerError):
        message = "internal server error"
    return error_response(code, message, **extra)


def documented_errors(blueprint: Any, *codes: int) -> Any:
    """Decorator: document error responses with the API's error schema."""
    from app.api.schemas import ErrorSchema

    def decorate(view: Any) -> Any:
        for code in sorted(set(codes)):
            view = blueprint.alt_response(code, schema=ErrorSchema)(view)
        return view

    return decorate


def register_error_handlers(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(ApiError, _api_error)
    blueprint.register_error_handler(HTTPException, _http_error)
