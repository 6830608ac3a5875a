"""Every editor action has a key, and no key acts behind a modal dialog.

The fix-everywhere dialog keeps its own keys (Enter finds, Esc closes) while
Ctrl+Enter, Ctrl+S and the other editor keys do nothing behind it. Keys for
the rest: Delete/Backspace on an error in the list or at the cursor in the
MT, F (fix everywhere the error at the cursor), R (reset the post-edit to the
MT, undoable in the post-edit), Alt+K / Alt+T (keep mine / take the saved
version after a conflict), N and Ctrl+Shift+Enter (no errors)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.assessments import save_assessment
from app.extensions import db
from app.models import Assessment, Translation
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    assigned_document,
    failing_on_page_errors,
    logged_in_context,
    select_text,
    stored_assessment,
)

pytestmark = pytest.mark.browser

DOCUMENT = "shortcuts-doc"
PASSWORD = "shortcuts-test-pw"
TEXTS = [
    "😀 Wang Cola met Human Jiuhua at station B.",
    "Second segment text.",
    "Third segment text.",
    "Fourth segment text.",
    "Fifth segment text.",
]


@pytest.fixture(scope="module")
def doc_url(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="shortcuts-test",
        document=DOCUMENT,
        texts=TEXTS,
        username="shortcutter",
        password=PASSWORD,
    )
    return f"{live_server.url}/annotate/{document_id}"


@pytest.fixture(scope="module")
def context(live_server: LiveServer, browser) -> Iterator[object]:
    with logged_in_context(browser, live_server.url, "shortcutter", PASSWORD) as context:
        yield context


@pytest.fixture
def page(context) -> Iterator[Page]:
    with failing_on_page_errors(context.new_page()) as page:
        yield page


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


def _caret_at(page: Page, mt: str, part: str) -> None:
    """Focus the MT and move the cursor, by arrow keys, to the start of `part`."""
    page.locator("#mt").focus()
    page.keyboard.press("Home")
    for _ in range(len(list(mt[: mt.index(part)]))):
        page.keyboard.press("ArrowRight")


def test_errors_are_deleted_and_fixed_everywhere_by_keys(doc_url: str, page: Page) -> None:
    page.goto(f"{doc_url}/2")
    marks = page.locator("#mt mark.err")
    _mark(page, "segment")
    # The cursor is after the new error: Backspace deletes it, Ctrl+Z undoes.
    page.keyboard.press("Backspace")
    expect(marks).to_have_count(0)
    expect(page.locator("#save-status")).to_contain_text("Deleted the Accuracy/Mistranslation")
    page.keyboard.press("Control+z")
    expect(marks).to_have_text(["segment"])
    # Delete with the cursor before the error's first character.
    _caret_at(page, TEXTS[1], "segment")
    page.keyboard.press("Delete")
    expect(marks).to_have_count(0)
    page.keyboard.press("Delete")  # nothing there any more
    expect(page.locator("#selection-info")).to_have_text("No error at the cursor to delete.")

    # In the list: Delete on an error's button, and the focus stays in the list.
    _mark(page, "Second")
    _mark(page, "text")
    page.locator("#span-list .span-delete").first.focus()
    page.keyboard.press("Delete")
    expect(marks).to_have_text(["text"])
    expect(page.locator("#span-list .span-delete")).to_be_focused()

    # F: fix everywhere the error at the cursor.
    _caret_at(page, TEXTS[1], "ext")
    page.keyboard.press("f")
    dialog = page.locator("#fix-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#fix-wrong")).to_have_text("text")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#mt")).to_be_focused()

    # A save rebuilds the list: a focused "Fix everywhere" keeps the focus.
    fix = page.locator("#span-list .fix-everywhere")
    fix.focus()
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    expect(fix).to_be_focused()


def test_reset_and_the_conflict_box_by_keys(
    live_server: LiveServer, doc_url: str, page: Page
) -> None:
    page.goto(f"{doc_url}/3")
    box = page.locator("#post-edit")
    expect(page.locator("#reset-pe")).to_contain_text("R")
    page.keyboard.press("e")
    page.keyboard.press("End")
    page.keyboard.type(" Mine")
    page.keyboard.press("Escape")
    expect(page.locator("#mt")).to_be_focused()
    page.keyboard.press("r")
    expect(box).to_have_value(TEXTS[2])
    expect(box).to_be_focused()
    page.keyboard.press("Control+z")  # the post-edit's own undo
    expect(box).to_have_value(TEXTS[2] + " Mine")

    status = page.locator("#save-status")
    conflict = page.locator("#conflict")

    def saved_elsewhere(text: str) -> None:
        page.keyboard.press("Control+s")
        expect(status).to_contain_text("Saved version")
        with live_server.app.app_context():
            assessment = db.session.scalar(
                sa.select(Assessment).join(Translation).where(Translation.text == TEXTS[2])
            )
            save_assessment(
                db.session,
                assessment,
                user=assessment.annotator,
                base_version=assessment.version,
                post_edit=text,
                status="draft",
            )
            db.session.commit()
        page.keyboard.type("!")
        page.keyboard.press("Control+s")
        expect(conflict).to_be_visible()

    # Alt+T from the post-edit: take the saved version.
    saved_elsewhere("Theirs.")
    expect(conflict).to_contain_text("Alt+T")
    page.keyboard.press("Alt+t")
    expect(conflict).to_be_hidden()
    expect(box).to_have_value("Theirs.")
    expect(box).to_be_focused()

    # Alt+K: keep mine, and the next save replaces theirs.
    page.keyboard.press("End")
    saved_elsewhere("Theirs again.")
    page.keyboard.press("Alt+k")
    expect(conflict).to_be_hidden()
    expect(status).to_contain_text("Merging")
    page.keyboard.press("Control+s")
    expect(status).to_contain_text("Saved version")
    stored = stored_assessment(live_server.app, DOCUMENT, 3)
    assert stored is not None and stored.post_edit == "Theirs.!"


def test_next_and_no_errors_keys_and_the_cheat_sheet(
    live_server: LiveServer, doc_url: str, page: Page
) -> None:
    page.goto(f"{doc_url}/4")
    no_errors = page.locator("#no-errors-btn")
    expect(no_errors.locator("kbd")).to_have_text("Ctrl+Shift+Enter")
    cheat_sheet = page.locator("#shortcuts")
    for action in (
        "Delete the error at the cursor",
        "Fix the error at the cursor everywhere",
        "Reset the post-edit to the MT",
        "keep mine / take the saved version",
        "No errors, next segment",
        "Next / previous segment",
    ):
        expect(cheat_sheet).to_contain_text(action)

    page.keyboard.press("n")
    expect(page).to_have_url(f"{doc_url}/5")
    expect(page.locator("#mt")).to_be_focused()
    page.keyboard.press("Control+Shift+Enter")
    expect(page.locator("#save-status")).to_contain_text("This is the last segment")
    expect(page.locator("#status-badge")).to_contain_text("No errors")
    stored = stored_assessment(live_server.app, DOCUMENT, 5)
    assert stored is not None and stored.status == "no_errors"
