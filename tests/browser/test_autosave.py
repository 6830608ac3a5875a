"""Autosave that cannot lose work, against a server that really goes away.

The app runs in its own process (not conftest's thread), so it can be killed
with SIGKILL mid-session and started again on the same port and SQLite file;
the browser keeps its cookies and its localStorage outbox across that. The
database is then read directly: every edit made while the server was down is
stored, each span once, and no idempotency key was applied twice.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from app import create_app
from app.extensions import db
from app.models import (
    Assessment,
    Document,
    ErrorSpan,
    Revision,
    Segment,
    Translation,
)
from config import TestConfig
from tests.browser.conftest import REPO
from tests.browser.helpers import assigned_document, page_logged_in_as, select_text

pytestmark = pytest.mark.browser

PASSWORD = "autosave-test-pw"
MT = "😀 Wang Cola met “Human Jiuhua” at station B."
TEXTS = [MT, "Second segment text.", "Third segment text.", "Fourth segment text."]

#: The server process: the same configuration as conftest's live server.
SERVE = """
import sys
from werkzeug.serving import make_server
from app import create_app
from config import TestConfig

class ProcessConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite:///" + sys.argv[1]
    INSTANCE_PATH = sys.argv[2]
    WTF_CSRF_ENABLED = True

server = make_server("127.0.0.1", int(sys.argv[3]), create_app(ProcessConfig), threaded=True)
server.serve_forever()
"""


def _config(instance: Path) -> type[TestConfig]:
    class ProcessConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'autosave.sqlite'}"
        INSTANCE_PATH = str(instance)
        WTF_CSRF_ENABLED = True

    return ProcessConfig


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """A killable server; `app` reads the same database from the test."""

    app: Flask
    instance: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE,
                str(self.instance / "autosave.sqlite"),
                str(self.instance),
                str(self.port),
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/auth/login", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    instance = tmp_path_factory.mktemp("autosave")
    app = create_app(_config(instance))
    with app.app_context():
        db.create_all()
    assigned_document(
        app,
        corpus="autosave-test",
        document="autosave-doc",
        texts=TEXTS,
        username="saver",
        password=PASSWORD,
    )
    proc = ServerProcess(app=app, instance=instance, port=_free_port())
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(server: ServerProcess, browser) -> Iterator[Page]:
    with page_logged_in_as(browser, server.url, "saver", PASSWORD) as page:
        yield page


def _path(server: ServerProcess, position: int) -> str:
    with server.app.app_context():
        document = db.session.scalars(sa.select(Document)).one()
        return f"{server.url}/annotate/{document.id}/{position}"


def _stored(server: ServerProcess, position: int) -> tuple[Assessment | None, list, list]:
    """The assessment of segment `position`, its spans and its revisions."""
    with server.app.app_context():
        db.session.expire_all()
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Translation)
            .join(Segment)
            .where(Segment.position == position)
        )
        if assessment is None:
            return None, [], []
        spans = db.session.execute(
            sa.select(ErrorSpan.start, ErrorSpan.end, ErrorSpan.severity)
            .where(ErrorSpan.assessment_id == assessment.id)
            .order_by(ErrorSpan.start)
        ).all()
        revisions = db.session.execute(
            sa.select(Revision.version, Revision.client_key, Revision.post_edit)
            .where(Revision.assessment_id == assessment.id)
            .order_by(Revision.version)
        ).all()
        db.session.expunge(assessment)
        return assessment, [tuple(s) for s in spans], [tuple(r) for r in revisions]


def _outbox(page: Page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries(Object.keys(localStorage)
            .filter(k => k.startsWith('mtqa-outbox:'))
            .map(k => [k, JSON.parse(localStorage.getItem(k))]))"""
    )


def _mark(page: Page, text: str, severity_key: str) -> None:
    page.locator("#mt").focus()
    select_text(page, "#mt", text)
    page.keyboard.press("m")
    expect(page.locator("#span-dialog")).to_be_visible()
    for key in ("1", "3", severity_key, "Enter"):  # Accuracy / Mistranslation
        page.keyboard.press(key)
    expect(page.locator("#mt mark.err", has_text=text)).to_have_count(1)


def _cp(text: str, part: str) -> int:
    """Code-point offset of `part` in `text` (what the server stores)."""
    return len(list(text[: text.index(part)]))


def test_draft_saves_itself_and_keeps_the_focus(server: ServerProcess, page: Page) -> None:
    page.goto(_path(server, 2))
    box = page.locator("#post-edit")
    box.focus()
    page.keyboard.press("End")
    page.keyboard.type(" Edited")
    # No key pressed to save: the autosave does it a few seconds later.
    expect(page.locator("#save-status")).to_contain_text("Saved version", timeout=10_000)
    expect(box).to_be_focused()
    assessment, _, revisions = _stored(server, 2)
    assert assessment is not None
    assert (assessment.post_edit, assessment.status) == ("Second segment text. Edited", "draft")
    assert len(revisions) == 1

    # A finished segment stays finished when an edit autosaves.
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(_path(server, 3))
    page.goto(_path(server, 2))
    expect(page.locator("#status-badge")).to_contain_text("Done")
    page.locator("#post-edit").focus()
    page.keyboard.press("End")
    page.keyboard.type("!")
    expect(page.locator("#save-status")).to_contain_text("Saved version 4", timeout=10_000)
    assessment, _, _ = _stored(server, 2)
    assert assessment is not None
    assert (assessment.post_edit, assessment.status) == ("Second segment text. Edited!", "done")


def test_edits_made_while_the_server_is_down_are_stored_once(
    server: ServerProcess, page: Page, artifacts
) -> None:
    page.goto(_path(server, 1))
    status = page.locator("#save-status")
    waiting = page.locator("#outbox-status")

    # Online: a span and a post-edit, saved.
    _mark(page, "Wang Cola", "3")
    page.locator("#post-edit").fill(MT.replace("Wang Cola", "Wang Kele"))
    expect(status).to_contain_text("Saved version 2", timeout=10_000)  # the autosave

    server.kill()
    try:
        # Offline: another span and more typing.
        _mark(page, "Human Jiuhua", "2")
        page.locator("#post-edit").focus()
        page.keyboard.press("End")
        page.keyboard.type(" Offline one.")
        expect(status).to_contain_text("Could not reach the server", timeout=10_000)
        expect(waiting).to_have_text("1 edit waiting to be sent")
        ((tried,),) = [entry["queue"] for entry in _outbox(page).values()]
        # Newer edits while still offline. The save already tried may have
        # reached the server, so it stays first with its key; the latest
        # state queues behind it, and replaces itself (new key) on each edit.
        page.keyboard.type(" Offline two.")
        page.keyboard.press("Control+s")
        expect(status).to_contain_text("Could not reach the server")
        page.keyboard.type(" Offline three.")
        page.keyboard.press("Control+s")
        expect(status).to_contain_text("Could not reach the server")
        ((head, latest),) = [entry["queue"] for entry in _outbox(page).values()]
        page.keyboard.type(" Offline four.")
        expect(waiting).to_have_text("1 edit waiting to be sent")
        page.wait_for_function(
            """(key) => Object.keys(localStorage).some((k) => k.startsWith('mtqa-outbox:') &&
                JSON.parse(localStorage.getItem(k)).queue.slice(-1)[0].key !== key)""",
            arg=latest["key"],
            timeout=10_000,
        )
        ((head_now, newest),) = [entry["queue"] for entry in _outbox(page).values()]
        assert head["key"] == head_now["key"] == tried["key"]
        assert newest["payload"]["base_version"] == 2
        assert newest["payload"]["post_edit"].endswith("Offline four.")
        page.screenshot(path=artifacts / "autosave-01-offline.png")
    finally:
        server.start()

    # Back: the outbox sends by itself (retry with backoff) and empties.
    expect(waiting).to_be_hidden(timeout=40_000)
    assert _outbox(page) == {}
    expect(status).to_contain_text("Saved version")

    final_text = (
        MT.replace("Wang Cola", "Wang Kele")
        + " Offline one. Offline two. Offline three. Offline four."
    )
    expect(page.locator("#post-edit")).to_have_value(final_text)
    assessment, spans, revisions = _stored(server, 1)
    assert assessment is not None
    assert assessment.post_edit == final_text
    human = _cp(MT, "Human Jiuhua")
    wang = _cp(MT, "Wang Cola")
    assert [(start, end) for start, end, _ in spans] == [
        (wang, wang + len("Wang Cola")),
        (human, human + len("Human Jiuhua")),
    ]
    keys = [key for _, key, _ in revisions]
    assert None not in keys and len(keys) == len(set(keys)), revisions
    assert revisions[-1][2] == final_text
    # The save tried while down went through once; the ones replaced by a
    # newer edit never reached the server.
    assert tried["key"] in keys and latest["key"] not in keys
    assert keys[-1] == newest["key"]

    # The page carries on from the stored version, no conflict.
    page.keyboard.type(" Back online.")
    page.keyboard.press("Control+s")
    expect(status).to_contain_text(f"Saved version {assessment.version + 1}")


def test_resending_a_stored_save_applies_it_once(server: ServerProcess, page: Page) -> None:
    page.goto(_path(server, 3))
    before, _, revisions_before = _stored(server, 3)
    answers = page.evaluate(
        """async (base) => {
            const payload = {
                base_version: base, post_edit: "Sent twice.", status: "draft",
                spans: [], client_key: crypto.randomUUID(),
            };
            const send = () => fetch(window.MtqaEditor.data.saveUrl, {
                method: "POST",
                headers: {
                    "Content-Type": "application/json",
                    "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content,
                },
                body: JSON.stringify(payload),
            }).then(async (r) => [r.status, (await r.json()).version]);
            return [await send(), await send()];
        }""",
        before.version if before else 0,
    )
    assert answers[0][0] == answers[1][0] == 200
    assert answers[0][1] == answers[1][1]
    after, _, revisions = _stored(server, 3)
    assert after is not None and after.post_edit == "Sent twice."
    assert len(revisions) == len(revisions_before) + 1


def test_queued_edits_survive_leaving_the_page(server: ServerProcess, page: Page) -> None:
    save_url = "**/annotate/api/assessments/**"
    # Saves fail at the browser's network layer (the page loads still work);
    # on the context, so the keepalive request sent when leaving fails too.
    page.context.route(save_url, lambda route: route.abort("connectionrefused"))
    page.goto(_path(server, 4))
    page.locator("#post-edit").fill("Queued while unreachable.")
    expect(page.locator("#outbox-status")).to_have_text("1 edit waiting to be sent", timeout=10_000)

    # Another segment's page: the queue is still there and still counted.
    page.goto(_path(server, 3))
    expect(page.locator("#outbox-status")).to_have_text("1 edit waiting to be sent")
    # Back on the segment: the queued text, not the server's, with a notice.
    page.goto(_path(server, 4))
    expect(page.locator("#post-edit")).to_have_value("Queued while unreachable.")
    expect(page.locator("#save-status")).to_contain_text("had not reached the server yet")
    # (Chromium sends the keepalive request made when a page is left past the
    # route; if it got through, the server has the save but the page never
    # saw the answer, so the queue still holds it: the resend below must not
    # apply it a second time.)

    page.context.unroute(save_url)
    expect(page.locator("#outbox-status")).to_be_hidden(timeout=40_000)
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    assessment, _, revisions = _stored(server, 4)
    assert assessment is not None and assessment.post_edit == "Queued while unreachable."
    assert len(revisions) == 1
    assert _outbox(page) == {}


def test_queued_save_refused_as_stale_opens_the_merge_view(
    server: ServerProcess, page: Page
) -> None:
    from app.assessments import save_assessment

    save_url = "**/annotate/api/assessments/**"
    page.context.route(save_url, lambda route: route.abort("connectionrefused"))
    page.goto(_path(server, 3))
    page.locator("#post-edit").fill("Mine, queued.")
    expect(page.locator("#outbox-status")).to_have_text("1 edit waiting to be sent", timeout=10_000)
    # Meanwhile the segment is saved elsewhere (another device).
    with server.app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment).join(Translation).where(Translation.text == TEXTS[2])
        )
        assert assessment is not None
        save_assessment(
            db.session,
            assessment,
            user=assessment.annotator,
            base_version=assessment.version,
            post_edit="Theirs, saved elsewhere.",
            status="draft",
        )
        db.session.commit()
    page.context.unroute(save_url)

    # Flushed from another segment's page: refused, kept, not resent.
    page.goto(_path(server, 1))
    expect(page.locator("#outbox-status")).to_have_text(
        "1 segment's edits not saved: open the segment to merge them"
    )
    page.goto(_path(server, 3))
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#conflict-mine")).to_have_text("Mine, queued.")
    expect(page.locator("#conflict-theirs")).to_have_text("Theirs, saved elsewhere.")
    assert _stored(server, 3)[0].post_edit == "Theirs, saved elsewhere."

    page.get_by_role("button", name="Keep mine").click()
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _stored(server, 3)[0].post_edit == "Mine, queued."
