"""mtqa: bilingual translation-quality annotation.

`create_app()` is the only place an application is built; nothing here runs
at import time, so tests, the CLI and WSGI servers each get a fresh app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask

from config import INSECURE_SECRET_KEYS, MIN_SECRET_KEY_LENGTH, Config

#: Programs run as `python -m NAME` that build an app with `create_app()` for
#: offline work and never serve a request: the `make run` seeding step.
OFFLINE_PROGRAMS = frozenset({"app.seed"})


def create_app(config_class: type[Config] = Config, *, command_line: bool = False) -> Flask:
    """Build an app. `command_line` says the app runs one offline command
    (import, score, export, users…) and serves nothing, so it may do without
    a SECRET_KEY; only the `mtqa` script passes it, for every command but
    `mtqa run` (app/cli.py). A WSGI server's `create_app()` never has it, and
    no environment variable can grant it."""
    app = Flask(__name__, instance_path=config_class.INSTANCE_PATH, instance_relative_config=True)
    app.config.from_object(config_class)
    _refuse_insecure_secret(app, command_line=command_line or _offline_program())
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        # A SQLite connection is an open file, which no server can drop:
        # checking it with a query before each use is work for nothing.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            key: value
            for key, value in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()
            if key != "pool_pre_ping"
        }

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


def _offline_program() -> bool:
    """Whether this process is one of OFFLINE_PROGRAMS (`python -m app.seed`)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name in OFFLINE_PROGRAMS


def secret_key_is_weak(key: str) -> bool:
    """Empty, only whitespace, shorter than MIN_SECRET_KEY_LENGTH, or one of
    the keys printed in this repository."""
    key = key.strip()
    return len(key) < MIN_SECRET_KEY_LENGTH or key in INSECURE_SECRET_KEYS


def _refuse_insecure_secret(app: Flask, *, command_line: bool) -> None:
    """Sessions and CSRF tokens are signed with SECRET_KEY: a guessable key
    lets anyone forge a login. Debug and test runs get a throwaway key when
    they have none; so do command-line apps, which sign nothing and serve
    nothing (every process gets its own key, which would also break sessions
    across the workers of a server)."""
    key = app.config.get("SECRET_KEY") or ""
    if not secret_key_is_weak(key):
        return
    if app.config.get("TESTING") or app.debug or os.environ.get("FLASK_DEBUG") == "1":
        app.config["SECRET_KEY"] = key or os.urandom(32).hex()
        return
    if command_line:
        app.config["SECRET_KEY"] = os.urandom(32).hex()
        return
    raise RuntimeError(
        "SECRET_KEY is empty, a well-known default or too short (it needs at least "
        f"{MIN_SECRET_KEY_LENGTH} characters besides whitespace); set the SECRET_KEY "
        "environment variable to a long random string (e.g. `python -c 'import secrets; "
        "print(secrets.token_hex(32))'`) or run with FLASK_DEBUG=1."
    )
