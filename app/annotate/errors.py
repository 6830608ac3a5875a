"""Error pages for the whole site: HTML for people, JSON for the editor's
fetch() calls and the API, so a script never has to parse an HTML page."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

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


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> ResponseReturnValue:
    if exc.response is not None:  # abort(response): already complete
        return exc.response
    code = exc.code or 500
    if wants_json():
        return jsonify(error=exc.description or exc.name), code
    return render_template("errors/error.html", error=exc, code=code), code
