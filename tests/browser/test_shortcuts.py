"""Editor shortcuts, and no shortcut acting behind a modal dialog.

The fix-everywhere dialog keeps its own keys (Enter finds, Esc closes) while
Ctrl+Enter, Ctrl+S and the other editor keys do nothing behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.assignment import create_campaign
from app.extensions import db
from app.models import Assessment, Corpus, Document, Segment, Translation, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in, select_text

pytestmark = pytest.mark.browser

PASSWORD = "shortcuts-test-pw"
TEXTS = [
    "😀 Wang Cola met Human Jiuhua at station B.",
    "Second segment text.",
    "Third segment text.",
    "Fourth segment text.",
]


@pytest.fixture(scope="module")
def doc_url(live_server: LiveServer) -> str:
    with live_server.app.app_context():
        corpus = Corpus(name="shortcuts-test", source_lang="zh", target_lang="en")
        document = Document(corpus=corpus, name="shortcuts-doc")
        for position, mt in enumerate(TEXTS, start=1):
            segment = Segment(position=position, kind="body", source="源文")
            segment.translations.append(Translation(system="mt", text=mt))
            document.segments.add(segment)
        user = User(username="shortcutter")
        user.set_password(PASSWORD)
        db.session.add_all([document, user])
        db.session.flush()
        create_campaign(db.session, name="shortcuts", corpus=corpus, annotators=[user])
        db.session.commit()
        return f"{live_server.url}/annotate/{document.id}"


@pytest.fixture(scope="module")
def context(live_server: LiveServer, browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    log_in(context.new_page(), live_server.url, "shortcutter", PASSWORD)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    page.close()
    assert errors == []


def _saves(page: Page) -> list[str]:
    """The editor's save requests sent from now on."""
    sent: list[str] = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.url) if r.method == "POST" and "/api/assessments/" in r.url else None
        ),
    )
    return sent


def _stored(live_server: LiveServer, position: int) -> Assessment | None:
    with live_server.app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Translation)
            .join(Segment)
            .join(Document)
            .where(Document.name == "shortcuts-doc", Segment.position == position)
        )
        if assessment is not None:
            db.session.expunge(assessment)
        return assessment


def _mark(page: Page, text: str) -> None:
    """Mark `text` as Accuracy/Mistranslation, Major, by keys."""
    select_text(page, "#mt", text)
    page.keyboard.press("m")
    expect(page.locator("#span-dialog")).to_be_visible()
    for key in ("1", "3", "2", "Enter"):
        page.keyboard.press(key)
    expect(page.locator("#mt mark.err", has_text=text)).to_have_count(1)


def test_no_editor_shortcut_acts_behind_the_fix_dialog(doc_url: str, page: Page) -> None:
    page.goto(f"{doc_url}/1")
    _mark(page, "Wang Cola")
    page.keyboard.press("Control+s")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Saved version")
    version = int(re.search(r"Saved version (\d+)", status.inner_text()).group(1))
    saves = _saves(page)

    page.locator("#span-list .fix-everywhere").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#fix-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#fix-right")).to_be_focused()
    page.keyboard.type("Wang Kele")
    for key in ("Control+Enter", "Alt+Enter", "Control+Shift+Enter", "Control+s"):
        page.keyboard.press(key)
    # The dialog's own keys still work: Enter searches.
    page.keyboard.press("Enter")
    expect(page.locator("#fix-summary")).to_contain_text("No other segment you can edit has")
    expect(page).to_have_url(f"{doc_url}/1")
    assert saves == []
    expect(dialog).to_be_visible()
    expect(page.locator("#fix-right")).to_have_value("Wang Kele")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#mt")).to_be_focused()
    # Behind no dialog, the same key saves.
    page.keyboard.press("Control+s")
    expect(status).to_contain_text(f"Saved version {version + 1}")
    assert len(saves) == 1
