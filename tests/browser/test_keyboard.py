"""A segment finished with the keyboard alone: the page opens with the
focus on the MT, a span is marked and classified by keys, Ctrl+Z undoes it,
Ctrl+S keeps the focus in the post-edit, Ctrl+Enter accepts and the next
segment opens ready for the keyboard again. No mouse event is sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Assessment, ErrorSpan, Translation, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, page_logged_in_as

pytestmark = pytest.mark.browser

PASSWORD = "keyboard-test-pw"
MT_1 = "😀 Wang Cola met Human Jiuhua."
MT_2 = "The second segment."
#: Where cheatsheet.js keeps the cheat sheet's state.
SHEET_KEY = "mtqa.shortcuts.open"


@pytest.fixture(scope="module")
def doc_path(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="keyboard-test",
        document="keyboard-doc",
        texts=[MT_1, MT_2],
        username="typist",
        password=PASSWORD,
    )
    return f"/annotate/{document_id}"


@pytest.fixture
def page(live_server: LiveServer, browser) -> Iterator[Page]:
    with page_logged_in_as(browser, live_server.url, "typist", PASSWORD) as page:
        yield page


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def select_word_by_keys(page: Page, mt: str, word: str) -> None:
    """From the start of the focused MT: arrow to `word`, then Ctrl+Shift+→."""
    page.keyboard.press("Home")
    for _ in range(len(list(mt[: mt.index(word)]))):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")


def test_finish_a_segment_without_the_mouse(
    live_server: LiveServer, doc_path: str, page: Page, artifacts
) -> None:
    page.goto(f"{live_server.url}{doc_path}/1")
    expect(page.locator("#mt")).to_be_focused()
    cheat_sheet = page.locator("#shortcuts")
    expect(cheat_sheet).to_contain_text("Undo the last error")
    expect(cheat_sheet).to_contain_text("Save draft")
    expect(cheat_sheet).to_contain_text("No errors, next segment")

    select_word_by_keys(page, MT_1, "Cola")
    expect(page.locator("#selection-info")).to_contain_text("“Cola”")
    page.keyboard.press("m")
    expect(page.locator("#span-dialog")).to_be_visible()
    page.keyboard.press("1")  # Accuracy
    page.keyboard.press("3")  # Mistranslation
    page.keyboard.press("2")  # the second severity
    page.keyboard.press("Enter")
    mark = page.locator("#mt mark.err")
    expect(mark).to_have_text("Cola")
    expect(page.locator("#mt")).to_be_focused()

    # Ctrl+Z takes the span back; a second Ctrl+Z has nothing left.
    page.keyboard.press("Control+z")
    expect(mark).to_have_count(0)
    expect(page.locator("#save-status")).to_contain_text("Undid adding an error")
    page.keyboard.press("Control+z")
    expect(page.locator("#save-status")).to_contain_text("Nothing to undo")

    # Mark it again.
    select_word_by_keys(page, MT_1, "Cola")
    page.keyboard.press("m")
    for key in ("1", "3", "2", "Enter"):
        page.keyboard.press(key)
    expect(mark).to_have_text("Cola")
    severity = page.locator("#span-list .sev-badge").inner_text()

    # E goes to the post-edit; Ctrl+S saves and leaves the focus there.
    page.keyboard.press("e")
    expect(page.locator("#post-edit")).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.press("Backspace")
    page.keyboard.type(", Kele.")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    assert focused_id(page) == "post-edit"
    # Ctrl+Z inside the post-edit is the text box's own undo, not span undo.
    page.keyboard.press("Control+z")
    expect(mark).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#post-edit")).to_have_value(MT_1[:-1] + ", Kele.")
    page.screenshot(path=artifacts / "keyboard-01-before-done.png")

    # Ctrl+Enter: done, and the next segment opens with the focus on its MT.
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(f"{live_server.url}{doc_path}/2")
    expect(page.locator("#mt")).to_be_focused()
    expect(page.locator("#mt")).to_have_text(MT_2)

    with live_server.app.app_context():
        stored = db.session.scalar(
            sa.select(Assessment)
            .join(User)
            .join(Translation)
            .where(User.username == "typist", Translation.text == MT_1)
        )
        assert stored is not None
        assert stored.status == "done"
        assert stored.post_edit == MT_1[:-1] + ", Kele."
        spans = db.session.execute(
            sa.select(ErrorSpan.start, ErrorSpan.end, ErrorSpan.category, ErrorSpan.severity).where(
                ErrorSpan.assessment_id == stored.id
            )
        ).all()
        cola = len(list(MT_1[: MT_1.index("Cola")]))
        assert [tuple(s) for s in spans] == [(cola, cola + 4, "Accuracy/Mistranslation", severity)]

    # P goes back; the finished segment shows its span and status.
    page.keyboard.press("p")
    expect(page).to_have_url(f"{live_server.url}{doc_path}/1")
    expect(page.locator("#mt mark.err")).to_have_text("Cola")
    expect(page.locator("#status-badge")).to_contain_text("Done")

    # An autosave re-renders the error list; a focused Delete button keeps
    # the focus through it.
    page.locator("#span-list .span-delete").focus()
    page.evaluate("window.MtqaEditor.markDirty()")
    expect(page.locator("#save-status")).to_contain_text("Saved version", timeout=10_000)
    expect(page.locator("#span-list .span-delete")).to_be_focused()


@pytest.fixture(scope="module")
def meta_doc_path(live_server: LiveServer) -> str:
    """Two metadata segments (context only, no editor) before two body ones."""
    document_id = assigned_document(
        live_server.app,
        corpus="keyboard-meta-test",
        document="keyboard-meta-doc",
        texts=[MT_1, MT_2],
        username="metatypist",
        password=PASSWORD,
        meta_segments=2,
    )
    return f"/annotate/{document_id}"


def test_n_and_p_move_on_from_a_segment_shown_for_context_only(
    live_server: LiveServer, meta_doc_path: str, browser
) -> None:
    with page_logged_in_as(browser, live_server.url, "metatypist", PASSWORD) as page:
        page.goto(f"{live_server.url}{meta_doc_path}/2")
        expect(page.locator(".notice")).to_contain_text("for context only")
        expect(page.locator("#post-edit")).to_have_count(0)
        expect(page.locator("#next-btn")).to_have_attribute("aria-keyshortcuts", "N")

        page.keyboard.press("n")
        page.wait_for_url(f"**{meta_doc_path}/3")
        expect(page.locator("#mt")).to_have_text(MT_1)

        # Back to metadata by its context link, then P: there is no
        # annotatable segment before it, so P has nowhere to go.
        page.goto(f"{live_server.url}{meta_doc_path}/1")
        expect(page.locator("#prev-btn")).to_have_count(0)
        page.keyboard.press("p")
        page.keyboard.press("Shift+N")
        page.wait_for_url(f"**{meta_doc_path}/3")


def test_the_cheat_sheet_stays_closed_once_closed(
    live_server: LiveServer, doc_path: str, page: Page
) -> None:
    sheet = page.locator("#shortcuts")
    first_key = sheet.locator("dt").first
    page.goto(f"{live_server.url}{doc_path}/1")
    expect(first_key).to_be_visible()  # open on the first visit

    page.keyboard.press("?")
    expect(first_key).to_be_hidden()
    # Kept by the `toggle` event, which comes a moment after the change.
    page.wait_for_function(f"localStorage.getItem({SHEET_KEY!r}) === '0'")
    page.goto(f"{live_server.url}{doc_path}/2")
    expect(sheet).not_to_have_attribute("open", "")
    expect(first_key).to_be_hidden()

    page.locator("#shortcuts summary").click()
    expect(first_key).to_be_visible()
    page.wait_for_function(f"localStorage.getItem({SHEET_KEY!r}) === '1'")
    page.reload()
    expect(first_key).to_be_visible()
