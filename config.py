"""Configuration read from the environment.

One class per deployment shape; `create_app()` takes the class, so tests can
swap in `TestConfig` without touching environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MTQA_INSTANCE", BASE_DIR / "instance"))

#: Keys that must never run a non-debug server: the empty key and the ones
#: that appear in this repository's docs and tests.
INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "test"})
#: Shorter keys (whitespace aside) are refused outside debug and tests:
#: `secrets.token_hex(32)` gives 64 characters.
MIN_SECRET_KEY_LENGTH = 16


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{INSTANCE_DIR / 'mtqa.sqlite'}"


class Config:
    SECRET_KEY: str = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI: str = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    INSTANCE_PATH: str = str(INSTANCE_DIR)
    MAX_CONTENT_LENGTH: int = int(os.environ.get("MTQA_MAX_UPLOAD", 32 * 1024 * 1024))
    WTF_CSRF_TIME_LIMIT: int | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    #: SQLite busy timeout: concurrent writers wait this long instead of failing.
    SQLITE_BUSY_TIMEOUT_MS: int = 30_000
    #: Failed logins allowed per username and client address (Flask-Limiter
    #: syntax). The counters live in this process's memory; several worker
    #: processes must share them through MTQA_RATELIMIT_STORAGE_URI, e.g.
    #: redis://localhost:6379 (see the Flask-Limiter storage docs).
    LOGIN_RATE_LIMIT: str = os.environ.get("MTQA_LOGIN_RATE_LIMIT", "5 per 5 minutes")
    #: Failed logins allowed per client address over all usernames: one
    #: address trying a few passwords on many accounts. Higher than the
    #: per-username limit, so a lab behind one NAT address can still mistype.
    LOGIN_ADDRESS_RATE_LIMIT: str = os.environ.get(
        "MTQA_LOGIN_ADDRESS_RATE_LIMIT", "30 per 5 minutes"
    )
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_STORAGE_URI: str = os.environ.get("MTQA_RATELIMIT_STORAGE_URI", "memory://")
    #: Static files are cached for a year: their URLs carry a content
    #: fingerprint (app/static_urls.py), so a changed file is fetched anew.
    SEND_FILE_MAX_AGE_DEFAULT: int = 365 * 24 * 3600
    TESTING = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("MTQA_TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    #: Off unless a test turns it on: many tests log in repeatedly.
    RATELIMIT_ENABLED = False
