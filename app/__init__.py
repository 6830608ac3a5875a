"""mtqa: bilingual translation-quality annotation.

`create_app()` is the only place an application is built; nothing here runs
at import time, so tests, the CLI and WSGI servers each get a fresh app.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import INSECURE_SECRET_KEYS, Config


def create_app(config_class: type[Config] = Config) -> Flask:
    app = Flask(__name__, instance_path=config_class.INSTANCE_PATH, instance_relative_config=True)
    app.config.from_object(config_class)
    _refuse_insecure_secret(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    from app.database import configure_engine

    with app.app_context():
        configure_engine(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from app.security import init_security

    init_security(app)
    _register_blueprints(app)

    from app.static_urls import init_static_urls

    init_static_urls(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.cli import bp as cli_bp

    app.register_blueprint(cli_bp)
    for module in ("app.auth", "app.annotate", "app.reports", "app.campaigns", "app.api"):
        try:
            package = __import__(module, fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        # A package may register itself (e.g. through an extension that
        # wraps its blueprints) by defining init_app.
        if hasattr(package, "init_app"):
            package.init_app(app)
        else:
            app.register_blueprint(package.bp)


def _refuse_insecure_secret(app: Flask) -> None:
    """Sessions and CSRF tokens are signed with SECRET_KEY: a guessable key
    lets anyone forge a login. Debug and test runs get a throwaway key."""
    key = app.config.get("SECRET_KEY") or ""
    if key not in INSECURE_SECRET_KEYS:
        return
    if app.config.get("TESTING") or app.debug or os.environ.get("FLASK_DEBUG") == "1":
        app.config["SECRET_KEY"] = key or os.urandom(32).hex()
        return
    if os.environ.get("MTQA_CLI") == "1":
        # Command-line work (import, score, export) signs nothing.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
        return
    raise RuntimeError(
        "SECRET_KEY is empty or a well-known default; set the SECRET_KEY environment "
        "variable to a long random string (e.g. `python -c 'import secrets; "
        "print(secrets.token_hex(32))'`) or run with FLASK_DEBUG=1."
    )
