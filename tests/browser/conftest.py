"""A real server and a real headless Chromium for end-to-end tests.

The app runs in a background thread on a free port, with CSRF protection
on, so the tests see what a browser would: on a temporary SQLite file, or
under --pg on a PostgreSQL database of its own. The Content-Security-Policy
(no inline scripts or styles) is the app's own (app/security.py): a page
that needed an inline script would break here.

test_autosave.py runs its own server process on SQLite whatever the
option: it kills that process with SIGKILL mid-save and checks what the
database file kept, which is SQLite's crash safety (PostgreSQL's is not
mtqa's to test, as in tests/test_crash_safety.py).

Without Playwright or Chromium the browser tests skip, unless
MTQA_REQUIRE_BROWSER=1 (set by .ci/run): then they fail, so that a machine
without the browser cannot pass them unseen.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.pg import pg_requested

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    app: Flask
    url: str
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    new_database_url: Callable[[], str],
) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("instance")
    # Not the `app` fixture's database, whose tables go after every test;
    # and a file rather than in-memory SQLite: the server's threads share it.
    if pg_requested(request.config):
        url = new_database_url()
    else:
        url = f"sqlite:///{instance / 'e2e.sqlite'}"

    class BrowserConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_PATH = str(instance)
        WTF_CSRF_ENABLED = True

    app = create_app(BrowserConfig)

    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def browser_problem(chromium: Path = CHROMIUM) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed"
    if not chromium.exists():
        return f"no Chromium at {chromium}"
    return None


def browser_missing(problem: str) -> NoReturn:
    """Skip, or fail when MTQA_REQUIRE_BROWSER=1 asks for the browser tests."""
    if os.environ.get("MTQA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{problem}, and MTQA_REQUIRE_BROWSER=1 requires the browser tests")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    problem = browser_problem()
    if problem is not None:
        browser_missing(problem)
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where screenshots and exported files go; a PostgreSQL run (which
    `make test` runs beside the SQLite one) has a folder of its own."""
    path = ARTIFACTS / "postgresql" if pg_requested(request.config) else ARTIFACTS
    path.mkdir(parents=True, exist_ok=True)
    return path
