"""Error pages for the whole site: HTML for people, JSON for the editor's
fetch() calls and the API, so a script never has to parse an HTML page."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.annotate import bp

JSON_PREFIXES = ("/api/", "/annotate/api/")


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """Werkzeug's default text names no limit; say what the limit is."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    size = f" of {limit / (1024 * 1024):.3g} MB" if limit else ""
    message = f"The request is larger than this server's limit{size}; send less data at once."
    if wants_json():
        return jsonify(error=message), 413
    error = RequestEntityTooLarge(description=message)
    return render_template("errors/error.html", error=error, code=413), 413


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> ResponseReturnValue:
    if exc.response is not None:  # abort(response): already complete
        return exc.response
    code = exc.code or 500
    if wants_json():
        return jsonify(error=exc.description or exc.name), code
    return render_template("errors/error.html", error=exc, code=code), code
