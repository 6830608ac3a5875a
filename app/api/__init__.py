"""REST API under /api/v1 (bearer tokens) and the token pages at /tokens.

flask-smorest builds the OpenAPI document from the views' schemas and
serves it at /api/v1/openapi.json. `init_app` is called by the app factory
instead of registering a single blueprint: the API blueprints go through
flask-smorest's `Api`, the HTML token pages are a plain blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

from app.api.auth import authenticate
from app.api.errors import register_error_handlers
from app.api.schemas import ErrorSchema

API_PREFIX = "/api/v1"

content = ApiBlueprint(
    "api_content",
    __name__,
    url_prefix=API_PREFIX,
    description="Corpora, documents, segments and translations.",
)
work = ApiBlueprint(
    "api_assessments",
    __name__,
    url_prefix=API_PREFIX,
    description="Assessments: reading them, saving your own, their revisions and error spans.",
)
results = ApiBlueprint(
    "api_results",
    __name__,
    url_prefix=API_PREFIX,
    description="Scores and exports (researchers and admins).",
)
BLUEPRINTS = (content, work, results)

for _blueprint in BLUEPRINTS:
    _blueprint.before_request(authenticate)
    register_error_handlers(_blueprint)

from app.api import assessments, corpora, results_views  # noqa: E402,F401  (register views)
from app.api.pages import bp  # noqa: E402


class MtqaApi(Api):
    """flask-smorest's Api, minus its app-wide HTTPException handler: that
    would turn every HTML error page of the site into JSON. The API
    blueprints carry their own handlers (app.api.errors)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


def init_app(app: Flask) -> None:
    from app.extensions import csrf

    app.config["API_TITLE"] = "mtqa"
    app.config["API_VERSION"] = "v1"
    app.config["OPENAPI_VERSION"] = "3.0.3"
    app.config["OPENAPI_URL_PREFIX"] = API_PREFIX
    app.config["OPENAPI_JSON_PATH"] = "openapi.json"
    spec_options: dict[str, Any] = {
        "info": {
            "description": "Translation-quality annotations over HTTP. Authenticate with "
            "`Authorization: Bearer <token>`; create tokens at /tokens or with "
            "`mtqa api token create`. See docs/api.md."
        },
        "security": [{"bearerAuth": []}],
    }
    api = MtqaApi(app, spec_kwargs=spec_options)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An mtqa API token."}
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.register_blueprint(bp)
    app.extensions["mtqa-api"] = api
