"""Saving at the edges: a browser that refuses to store the outbox (quota
exceeded, storage turned off) still saves, directly, and says that unsent
edits cannot be kept; typing without a pause still autosaves, at least every
10 s (on Playwright's fake clock, so the test does not wait for it)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, page_logged_in_as, stored_assessment

pytestmark = pytest.mark.browser

DOCUMENT = "save-limits-doc"
PASSWORD = "save-limits-pw"
TEXTS = ["First segment.", "Second segment.", "Third segment.", "Fourth segment."]
SAVE_URL = "**/annotate/api/assessments/**"
#: Every write to localStorage or sessionStorage fails, as when it is full.
REFUSE_STORAGE = """
Storage.prototype.setItem = function () {
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};
"""


@pytest.fixture(scope="module")
def doc_url(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="save-limits",
        document=DOCUMENT,
        texts=TEXTS,
        username="limits",
        password=PASSWORD,
    )
    return f"{live_server.url}/annotate/{document_id}"


@pytest.fixture
def page(live_server: LiveServer, browser) -> Iterator[Page]:
    with page_logged_in_as(browser, live_server.url, "limits", PASSWORD) as page:
        yield page


def test_done_saves_directly_when_the_browser_refuses_to_store(
    live_server: LiveServer, doc_url: str, page: Page
) -> None:
    page.add_init_script(REFUSE_STORAGE)
    page.goto(f"{doc_url}/1")
    outbox_line = page.locator("#outbox-status")
    expect(outbox_line).to_contain_text("This browser cannot keep unsent edits")
    page.locator("#post-edit").fill("Saved without any storage.")
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(f"{doc_url}/2")
    stored = stored_assessment(live_server.app, DOCUMENT, 1)
    assert stored is not None
    assert (stored.post_edit, stored.status) == ("Saved without any storage.", "done")

    # Server unreachable too: Done keeps the annotator on the page (the
    # edits exist only here) and the save goes through once it is back.
    page.route(SAVE_URL, lambda route: route.abort("connectionrefused"))
    page.locator("#post-edit").fill("Kept in the page only.")
    page.locator("#done-btn").click()
    status = page.locator("#save-status")
    expect(status).to_contain_text("stay on this page until they are sent")
    expect(page).to_have_url(f"{doc_url}/2")
    page.unroute(SAVE_URL)
    expect(status).to_contain_text("Saved version", timeout=10_000)
    stored = stored_assessment(live_server.app, DOCUMENT, 2)
    assert stored is not None and stored.post_edit == "Kept in the page only."


def test_typing_without_a_pause_still_autosaves(
    live_server: LiveServer, doc_url: str, page: Page
) -> None:
    sent: list[str] = []

    def seen(request) -> None:
        if request.method == "POST" and "/api/assessments/" in request.url:
            sent.append(json.loads(request.post_data or "{}")["post_edit"])

    page.on("request", seen)
    page.clock.install()
    page.goto(f"{doc_url}/3")
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.locator("#post-edit").focus()
    page.keyboard.press("End")
    # A key every 2 s: never the 3 s of quiet the debounced autosave waits for.
    for n in range(5):
        page.keyboard.type(f" {n}")
        page.clock.run_for(2000)
    status = page.locator("#save-status")
    expect(status).to_contain_text("Saved version")
    assert sent == ["Third segment. 0 1 2 3 4"]
    version = int(status.inner_text().split("Saved version ")[1].split()[0])

    # Quiet again: the usual autosave 3 s after the last change.
    page.keyboard.type(" 5")
    page.clock.run_for(2500)
    assert sent == ["Third segment. 0 1 2 3 4"]
    page.clock.run_for(600)
    expect(status).to_contain_text(f"Saved version {version + 1}")
    assert sent[-1] == "Third segment. 0 1 2 3 4 5"
    stored = stored_assessment(live_server.app, DOCUMENT, 3)
    assert stored is not None and stored.post_edit == "Third segment. 0 1 2 3 4 5"
