"""The segment editor in a real browser: offsets with characters outside
the Basic Multilingual Plane, selecting with the keyboard only, and a save
from a stale page shown for merging instead of overwriting."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Assessment, ErrorSpan, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, log_in, select_text

pytestmark = pytest.mark.browser

PASSWORD = "editor-test-pw"
EMOJI_MT = "😀 Wang Cola 𠮷 met “Human Jiuhua” at station B."


@pytest.fixture(scope="module")
def editor_page(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="editor-test",
        document="emoji-doc",
        title="Emoji document",
        meta_segments=1,
        texts=[EMOJI_MT],
        source="😀 王可乐 𠮷",
        username="editor",
        password=PASSWORD,
    )
    return f"/annotate/{document_id}/2"


@pytest.fixture
def page(live_server: LiveServer, browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    log_in(page, live_server.url, "editor", PASSWORD)
    yield page
    context.close()


def _stored_spans(live_server: LiveServer) -> list[tuple[int, int, str]]:
    with live_server.app.app_context():
        rows = db.session.execute(
            sa.select(ErrorSpan.start, ErrorSpan.end, ErrorSpan.severity)
            .join(Assessment)
            .join(User)
            .where(User.username == "editor")
            .order_by(ErrorSpan.start)
        ).all()
        return [tuple(row) for row in rows]


def test_mouse_and_keyboard_selections_map_to_code_points(
    live_server: LiveServer, editor_page: str, page: Page, artifacts
) -> None:
    page.goto(live_server.url + editor_page)
    # Mouse-style selection after an emoji: UTF-16 offset 3, code point 2.
    select_text(page, "#mt", "Wang Cola")
    page.get_by_role("button", name="Mark error").click()
    page.keyboard.press("1")
    page.keyboard.press("3")
    page.keyboard.press("3")  # Minor
    page.keyboard.press("Enter")
    expect(page.locator("#mt mark.sev-minor")).to_have_text("Wang Cola")

    # Keyboard only: focus the text, go to the start, then word by word.
    mt_box = page.locator("#mt")
    mt_box.focus()
    page.keyboard.press("Home")
    start = EMOJI_MT.index("Human")
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    expect(page.locator("#selection-info")).to_contain_text("“Human Jiuhua”")
    page.keyboard.press("Enter")
    page.keyboard.press("5")  # Locale convention
    page.keyboard.press("Backspace")
    page.keyboard.press("3")  # Terminology
    page.keyboard.press("1")  # Inappropriate for context
    page.keyboard.press("2")  # Major
    page.locator("#span-note").fill("brand name: 人间酒话")
    page.keyboard.press("Enter")
    expect(mt_box.locator("mark.sev-major")).to_have_text("Human Jiuhua")
    page.screenshot(path=artifacts / "editor-01-spans.png")

    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version 2")
    assert _stored_spans(live_server) == [(2, 11, "Minor"), (start, start + 12, "Major")]

    # After a reload the spans come back where they were, and delete works.
    page.reload()
    expect(page.locator("#mt mark.sev-minor")).to_have_text("Wang Cola")
    expect(page.locator("#span-list")).to_contain_text("brand name: 人间酒话")
    page.get_by_role("button", name="Delete Accuracy/Mistranslation error").click()
    expect(page.locator("#mt mark")).to_have_count(1)
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version 3")
    assert _stored_spans(live_server) == [(start, start + 12, "Major")]


def test_stale_save_shows_both_texts_for_merging(
    live_server: LiveServer, editor_page: str, browser, page: Page, artifacts
) -> None:
    url = live_server.url + editor_page
    page.goto(url)
    other = page.context.new_page()  # a second tab, same annotator
    other.goto(url)

    other.locator("#post-edit").fill("Text from the second tab.")
    other.get_by_role("button", name="Save draft").click()
    expect(other.locator("#save-status")).to_contain_text("Saved version")

    page.locator("#post-edit").fill("Text from the first tab.")
    page.get_by_role("button", name="Save draft").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#conflict-mine")).to_have_text("Text from the first tab.")
    expect(page.locator("#conflict-theirs")).to_have_text("Text from the second tab.")
    page.screenshot(path=artifacts / "editor-02-conflict.png", full_page=True)

    # Merging by hand and saving again goes through, on top of the other save.
    page.locator("#post-edit").fill("Text from both tabs.")
    expect(conflict).to_be_hidden()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    with live_server.app.app_context():
        stored = db.session.scalar(
            sa.select(Assessment).join(User).where(User.username == "editor")
        )
        assert stored is not None and stored.post_edit == "Text from both tabs."


def test_next_and_previous_skip_context_only_segments(
    live_server: LiveServer, editor_page: str, page: Page
) -> None:
    page.goto(live_server.url + editor_page)
    # Segment 1 is metadata: there is nothing before segment 2 to go to.
    expect(page.locator("#prev-btn")).to_have_attribute("aria-disabled", "true")
    page.goto(live_server.url + editor_page.removesuffix("/2") + "/1")
    expect(page.locator(".notice")).to_contain_text("context only")
    expect(page.locator("#post-edit")).to_have_count(0)
