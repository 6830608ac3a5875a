"""The history panel and page in a real browser: the panel follows each
save without a reload, the page shows word diffs, and restoring an old
version brings the annotator back to the segment with that text."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, log_in

pytestmark = pytest.mark.browser

PASSWORD = "history-test-pw"
MT = "He founded Human Jiuhua."


@pytest.fixture(scope="module")
def segment_url(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="history-test",
        document="history-doc",
        title="History document",
        texts=[MT],
        source="他创办了人间酒话。",
        username="historian",
        password=PASSWORD,
    )
    return f"/annotate/{document_id}/1"


@pytest.fixture
def page(live_server: LiveServer, browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # The browser logs a refused (409) answer as an error: that one is expected.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "409" not in msg.text else None
        ),
    )
    log_in(page, live_server.url, "historian", PASSWORD)
    yield page
    context.close()
    assert not errors, errors


def save_draft(page: Page, text: str, version: int) -> None:
    page.locator("#post-edit").fill(text)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text(f"Saved version {version}")


def test_panel_follows_saves_and_restore_returns_to_the_segment(
    live_server: LiveServer, segment_url: str, page: Page, artifacts
) -> None:
    page.goto(live_server.url + segment_url)
    panel = page.locator("#history-panel")
    expect(panel).to_contain_text("Not saved yet.")

    save_draft(page, "She founded Human Jiuhua.", 2)
    # Refreshed from the server after the save, without a reload.
    expect(panel.locator(".history-item")).to_have_count(1)
    expect(panel.locator(".history-item").first).to_contain_text("v2")
    save_draft(page, "She founded the Human Jiuhua bar.", 3)
    expect(panel.locator(".history-item")).to_have_count(2)
    expect(panel.locator(".history-item").first).to_contain_text("v3")
    expect(panel.locator(".history-item").first).to_contain_text("historian")
    page.screenshot(path=artifacts / "history-01-panel.png")

    panel.get_by_role("link", name="View history").click()
    revision = page.locator("#v3")
    expect(revision.locator(".history-diff ins")).to_have_text([" the", " bar"])
    expect(page.locator("#v2 .history-diff del")).to_have_text(["He"])
    expect(page.locator("#v2 .history-diff ins")).to_have_text(["She"])
    expect(page.locator("#v2")).to_contain_text("Changes against the MT")
    page.screenshot(path=artifacts / "history-02-page.png", full_page=True)

    page.get_by_role("button", name="Restore version 2").click()
    expect(page).to_have_url(live_server.url + segment_url)
    expect(page.locator(".flash-success")).to_contain_text(
        "Restored version 2; it is now version 4."
    )
    expect(page.locator("#post-edit")).to_have_value("She founded Human Jiuhua.")
    expect(panel.locator(".history-item").first).to_contain_text("v4")
    # The editor carries on from the restored version.
    save_draft(page, "She founded Human Jiuhua!", 5)


def test_restore_from_a_stale_page_is_refused(
    live_server: LiveServer, segment_url: str, page: Page, artifacts
) -> None:
    page.goto(live_server.url + segment_url)
    page.locator("#history-panel").get_by_role("link", name="View history").click()
    expect(page.locator("#current-version")).to_be_visible()
    version = int(page.locator("#current-version").inner_text())

    editor = page.context.new_page()
    editor.goto(live_server.url + segment_url)
    save_draft(editor, "Saved in another tab.", version + 1)

    # Back on the history page, still showing the older version.
    page.get_by_role("button", name="Restore version 2").click()
    expect(page.locator(".history-conflict")).to_contain_text(
        f"now at version {version + 1}, not {version}"
    )
    expect(page.locator("#current-version")).to_have_text(str(version + 1))
    page.screenshot(path=artifacts / "history-03-conflict.png", full_page=True)
    editor.reload()
    expect(editor.locator("#post-edit")).to_have_value("Saved in another tab.")


def test_a_focused_link_in_the_panel_keeps_the_focus_through_a_save(
    live_server: LiveServer, segment_url: str, page: Page
) -> None:
    page.goto(live_server.url + segment_url)
    panel = page.locator("#history-panel")
    link = panel.get_by_role("link", name="View history")
    link.focus()
    page.keyboard.press("Control+s")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Saved version")
    version = status.inner_text().split("Saved version ")[1].split()[0]
    # The panel is a fresh copy from the server, and the focus is on its link.
    expect(panel.locator(".history-item").first).to_contain_text(f"v{version}")
    expect(link).to_be_focused()
